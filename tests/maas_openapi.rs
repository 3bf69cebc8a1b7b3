//! Every typed call the client can make exists in the OpenAPI description a real MAAS 3.4
//! region served: its path, method, op and each parameter name.

use drydock::design::yaml::{Node, parse_stream};
use drydock::maas::calls;

#[test]
fn every_client_call_is_in_maas_openapi() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/maas-captures/openapi.yaml"
    ))
    .unwrap();
    let docs = parse_stream(&text).expect("openapi.yaml parses");
    let paths = docs[0].root.get("paths").expect("paths");
    let mut problems = Vec::new();
    let mut count = 0;
    for call in calls::all() {
        count += 1;
        let key = match call.op {
            Some(op) => format!("/{}op-{op}", call.path),
            None => format!("/{}", call.path),
        };
        let Some(operation) = paths
            .get(&key)
            .and_then(|p| p.get(&call.verb.as_str().to_ascii_lowercase()))
        else {
            problems.push(format!("{} {key}: not in the spec", call.verb.as_str()));
            continue;
        };
        // 3.4 declares parameters as a JSON request body, path arguments as `parameters`.
        let schema = operation
            .get("requestBody")
            .and_then(|b| b.get("content"))
            .and_then(|c| c.get("application/json"))
            .and_then(|j| j.get("schema"));
        let body_props = schema
            .and_then(|s| s.get("properties"))
            .and_then(Node::as_map)
            .unwrap_or(&[]);
        // `*` alone: any key, where the spec takes any (`additionalProperties`).
        let open = schema.is_some_and(|s| s.get("additionalProperties").is_some());
        for param in call.params {
            // `power_parameters_*` stands for the spec's `power_parameters_{param}`.
            let found = match param.strip_suffix('*') {
                Some("") => open,
                Some(prefix) => body_props.iter().any(|(k, _)| {
                    k.key_str()
                        .strip_prefix(prefix)
                        .is_some_and(|rest| rest.starts_with('{'))
                }),
                None => body_props.iter().any(|(k, _)| k.key_str() == *param),
            };
            if !found {
                problems.push(format!(
                    "{} {key}: parameter {param} is not in the spec",
                    call.verb.as_str()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(count > 100, "only {count} calls walked");
}
