//! The MAAS client against the simulator: typed results, MAAS's errors, OAuth, and the
//! retry policy under planted faults.

mod common;

use std::time::{Duration, Instant};

use common::runtime;
use drydock::maas::{ApiKey, Client, ClientOptions, ErrorKind, RetryPolicy};
use drydock::sim::{Sim, SimOptions};

fn fast_retries(deadline: Duration) -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            deadline,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
        ..ClientOptions::default()
    }
}

fn client(sim: &Sim) -> Client {
    Client::new(
        sim.url(),
        sim.key().clone(),
        fast_retries(Duration::from_secs(10)),
    )
    .unwrap()
}

/// The admin's signature, which the simulator's control endpoints want.
fn admin(sim: &Sim, method: &str, url: &str) -> String {
    drydock::maas::auth::authorization(sim.key(), method, url, None)
}

/// Plants `count` faults through the simulator's control endpoint.
fn plant(sim: &Sim, form: &str) {
    let rt = runtime();
    rt.block_on(async {
        let url = sim.url().replace("/MAAS", "/_sim/faults");
        let resp = reqwest::Client::new()
            .post(&url)
            .header("authorization", admin(sim, "POST", &url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    });
}

fn requests_to(sim: &Sim, path: &str) -> Vec<serde_json::Value> {
    let rt = runtime();
    let url = sim.url().replace("/MAAS", "/_sim/requests");
    let log: Vec<serde_json::Value> = rt.block_on(async {
        reqwest::Client::new()
            .get(&url)
            .header("authorization", admin(sim, "GET", &url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    log.into_iter().filter(|r| r["path"] == path).collect()
}

#[test]
fn version_whoami_and_fabrics() {
    let sim = Sim::start(SimOptions::default(), None).unwrap();
    let c = client(&sim);
    runtime().block_on(async {
        let v = c.get("version/", None, &[]).await.unwrap();
        assert_eq!(v["version"], "3.4.10");
        let me = c.get("users/", Some("whoami"), &[]).await.unwrap();
        assert_eq!(me["username"], "admin");

        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        let pxe = c
            .post("fabrics/", None, &[p("name", "pxe"), p("description", "PXE")])
            .await
            .unwrap();
        assert_eq!(pxe["name"], "pxe");
        assert_eq!(pxe["vlans"][0]["name"], "untagged");
        assert_eq!(pxe["vlans"][0]["vid"], 0);
        let id = pxe["id"].as_u64().unwrap();
        assert_eq!(pxe["resource_uri"], format!("/MAAS/api/2.0/fabrics/{id}/"));

        let dup = c.post("fabrics/", None, &[p("name", "pxe")]).await.unwrap_err();
        assert_eq!(
            (dup.kind, dup.status, dup.attempts),
            (ErrorKind::Http, Some(400), 1)
        );
        assert!(
            dup.body.contains("Fabric with this Name already exists."),
            "{dup}"
        );
        assert!(
            dup.to_string().starts_with("MAAS POST fabrics/: HTTP 400"),
            "{dup}"
        );

        let updated = c
            .put(&format!("fabrics/{id}/"), &[p("class_type", "10g")])
            .await
            .unwrap();
        assert_eq!(updated["class_type"], "10g");
        let list = c.get("fabrics/", None, &[]).await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 2);
        let missing = c.get("fabrics/9999/", None, &[]).await.unwrap_err();
        assert_eq!(missing.status, Some(404));
        assert_eq!(missing.body, "No Fabric matches the given query.");
        let bad_op = c.get("fabrics/", Some("nope"), &[]).await.unwrap_err();
        assert_eq!(bad_op.body, "Unrecognised signature: method=GET op=nope");
        assert_eq!(
            c.delete(&format!("fabrics/{id}/")).await.unwrap(),
            serde_json::Value::Null
        );
    });
}

#[test]
fn a_wrong_key_is_refused() {
    let sim = Sim::start(SimOptions::default(), None).unwrap();
    let wrong = Client::new(
        sim.url(),
        ApiKey::parse("aaa:bbb:ccc").unwrap(),
        ClientOptions::default(),
    )
    .unwrap();
    let err = runtime().block_on(wrong.get("fabrics/", None, &[])).unwrap_err();
    assert_eq!(err.status, Some(401));
    assert_eq!(err.body, "Authorization Error: Invalid API key.");
    assert_eq!(err.attempts, 1, "401 is not retried");
}

#[test]
fn retries_honour_retry_after_back_off_and_stop() {
    let sim = Sim::start(SimOptions::default(), None).unwrap();
    let c = client(&sim);
    let rt = runtime();

    plant(&sim, "status=503&retry_after=1&count=1");
    let started = Instant::now();
    rt.block_on(c.get("fabrics/", None, &[])).unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited Retry-After");
    assert_eq!(requests_to(&sim, "/MAAS/api/2.0/fabrics/").len(), 2);

    plant(&sim, "status=502&count=2");
    plant(&sim, "kind=drop&count=1");
    rt.block_on(c.get("version/", None, &[])).unwrap();
    let statuses: Vec<u64> = requests_to(&sim, "/MAAS/api/2.0/version/")
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [502, 502, 0, 200],
        "two 502s and a dropped connection, then success"
    );

    // A 400 is final.
    let before = requests_to(&sim, "/MAAS/api/2.0/fabrics/").len();
    let p = |k: &str, v: &str| (k.to_string(), v.to_string());
    rt.block_on(c.post("fabrics/", None, &[p("name", "x")])).unwrap();
    rt.block_on(c.post("fabrics/", None, &[p("name", "x")]))
        .unwrap_err();
    assert_eq!(
        requests_to(&sim, "/MAAS/api/2.0/fabrics/").len(),
        before + 2,
        "no retry of a 400"
    );

    // Past the deadline it gives up with the last answer.
    let impatient = Client::new(
        sim.url(),
        sim.key().clone(),
        fast_retries(Duration::from_millis(300)),
    )
    .unwrap();
    plant(&sim, "status=504&count=1000");
    let started = Instant::now();
    let err = rt
        .block_on(impatient.get("users/", Some("whoami"), &[]))
        .unwrap_err();
    assert_eq!(err.status, Some(504));
    assert!(err.attempts > 2, "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        err.to_string().contains("op=whoami") && err.to_string().contains("attempts"),
        "{err}"
    );
}

#[test]
fn details_answers_the_commissioning_output_read_from_bson() {
    let site = drydock::design::load(&[common::fixture("base.yaml")]).unwrap();
    let options = SimOptions {
        speed: 10_000.0,
        enlisted: true,
        ..SimOptions::default()
    };
    let sim = Sim::start(options, Some(&site)).unwrap();
    let maas = client(&sim);
    runtime().block_on(async {
        let machines = maas.machines(&[]).await.unwrap();
        let m = machines.iter().find(|m| m.hostname == "cmp01").unwrap();
        let before = maas.details(&m.system_id, &[]).await.unwrap();
        assert!(before.lshw.is_none() && before.lldp.is_none(), "{before:?}");
        maas.commission(&m.system_id, &[]).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while maas.machine(&m.system_id, &[]).await.unwrap().status_name != "Ready" {
            assert!(Instant::now() < deadline, "never Ready");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let after = maas.details(&m.system_id, &[]).await.unwrap();
        let lshw = after.lshw.unwrap();
        assert!(lshw.contains("class=\"processor\""), "{lshw}");
        let boot_mac = m
            .boot_interface
            .as_ref()
            .and_then(|i| i.mac_address.clone())
            .unwrap();
        assert!(lshw.contains(&boot_mac), "{lshw}");
        assert!(after.lldp.unwrap().contains("<lldp"));
    });
}
