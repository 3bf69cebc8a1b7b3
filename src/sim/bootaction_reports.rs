//! A deployed machine's signaling boot actions report at first boot, as a real node's
//! scripts would: each action the delivered manifest lists (`design::cloud_init::
//! REPORT_MANIFEST`) posts `success` to its report URL with the node's key, unless a test
//! planted a failure (`failure`, with a detail saying so) or silence (no report, so the
//! deployment's wait times out). A report that finds nobody listening, or a 5xx, is sent
//! again for a while: drydock may be restarting after a crash.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::cloud_init::FirstBoot;
use super::maas::state::State;

/// What a test makes one boot action do instead of succeeding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BootActionFault {
    /// Reports `failure`.
    Fail,
    /// Never reports.
    Silent,
}

/// A report waiting to be sent.
#[derive(Debug, Clone)]
pub struct Outgoing {
    node: String,
    action: String,
    status: &'static str,
    url: String,
    key: String,
    body: String,
}

/// A report sent, and what the endpoint answered (0: nobody answered before giving up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub node: String,
    pub action: String,
    pub status: String,
    pub answer: u16,
}

/// How long a report keeps being sent while nobody answers it.
const GIVE_UP: Duration = Duration::from_secs(300);

/// The reports `node`'s first boot sends, from the manifest its user data wrote.
pub fn of_first_boot(
    node: &str,
    boot: &FirstBoot,
    faults: &BTreeMap<String, BootActionFault>,
) -> Vec<Outgoing> {
    #[derive(Deserialize)]
    struct Manifest {
        report_url: String,
        key: String,
        actions: Vec<Action>,
    }
    #[derive(Deserialize)]
    struct Action {
        name: String,
        action_id: String,
    }
    let Some(file) = boot.files.get(crate::design::cloud_init::REPORT_MANIFEST) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_slice::<Manifest>(&file.content) else {
        return Vec::new();
    };
    let base = manifest.report_url.trim_end_matches('/');
    manifest
        .actions
        .into_iter()
        .filter_map(|a| {
            let (status, detail) = match faults.get(&a.name) {
                Some(BootActionFault::Silent) => return None,
                Some(BootActionFault::Fail) => ("failure", "the simulated machine was told to fail it"),
                None => ("success", "ran at first boot"),
            };
            let body = serde_json::json!({
                "status": status,
                "details": [{"message": format!("{}: {detail}", a.name), "error": status == "failure"}],
            });
            Some(Outgoing {
                node: node.to_string(),
                action: a.name,
                status,
                url: format!("{base}/{}", a.action_id),
                key: manifest.key.clone(),
                body: body.to_string(),
            })
        })
        .collect()
}

/// Sends what the region's machines queued, until `stop`.
pub async fn send_while_serving(state: Arc<Mutex<State>>, mut stop: tokio::sync::watch::Receiver<bool>) {
    crate::maas::client::install_tls();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let queued: Vec<Outgoing> = {
            let mut region = state.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::take(&mut region.outbox)
        };
        for out in queued {
            tokio::spawn(send(client.clone(), out, state.clone()));
        }
    }
}

async fn send(client: reqwest::Client, out: Outgoing, state: Arc<Mutex<State>>) {
    let started = tokio::time::Instant::now();
    let mut wait = Duration::from_millis(100);
    let answer = loop {
        let sent = client
            .post(&out.url)
            .header("X-Bootaction-Key", &out.key)
            .header("Content-Type", "application/json")
            .body(out.body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if !r.status().is_server_error() => break r.status().as_u16(),
            _ if started.elapsed() > GIVE_UP => break 0,
            _ => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
        }
    };
    let mut region = state.lock().unwrap_or_else(PoisonError::into_inner);
    region.reports_sent.push(Sent {
        node: out.node,
        action: out.action,
        status: out.status.into(),
        answer,
    });
}
