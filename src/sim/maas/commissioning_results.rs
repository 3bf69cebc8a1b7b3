//! `commissioning-results/`: the commissioning script results of machines that passed
//! commissioning (one `00-maas-01-cpuinfo` result each, as the recorded region held).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::reply::Reply;
use super::request::Request;
use super::state::State;

/// MAAS's timestamp form: `2026-11-25T10:44:01.662`.
pub fn maas_time(ms: u64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
    let text = humantime::format_rfc3339_millis(t).to_string();
    text.trim_end_matches('Z').to_string()
}

pub fn collection(req: &Request, state: &State) -> Reply {
    if req.method != "GET" {
        return Reply::method_not_allowed("GET");
    }
    let wanted: Vec<&str> = req.params_named("system_id").collect();
    let results: Vec<Value> = state
        .machines
        .iter()
        .filter(|m| wanted.is_empty() || wanted.contains(&m.system_id.as_str()))
        .filter_map(|m| Some((m, m.commissioned_ms?)))
        .enumerate()
        .map(|(n, (m, at))| {
            json!({"created": maas_time(at), "updated": maas_time(at), "id": n + 1,
                   "name": "00-maas-01-cpuinfo", "script_result": 0, "result_type": 0,
                   "node": {"system_id": m.system_id},
                   "data": BASE64.encode(format!("CPU(s): {}\n", m.cpu_count)),
                   "resource_uri": "/MAAS/api/2.0/commissioning-scripts/"})
        })
        .collect();
    Reply::json(200, &Value::Array(results))
}
