//! `maas::watch`: nodes waiting on their machines share one `GET machines/` per interval,
//! whatever their number; by id or by MAC; a machine MAAS lacks reads as none.

mod common;

use std::time::Duration;

use common::*;
use drydock::maas::watch::{Key, Watch};
use drydock::maas::{Client, ClientOptions};
use drydock::sim::{Sim, SimOptions};

#[test]
fn waiters_share_one_read_per_interval() {
    let site = drydock::design::load(&[example_site()]).unwrap();
    let sim = Sim::start(
        SimOptions {
            enlisted: true,
            ..SimOptions::default()
        },
        Some(&site),
    )
    .unwrap();
    let client = Client::new(sim.url(), sim.key().clone(), ClientOptions::default()).unwrap();
    let rt = runtime();
    let machines = rt.block_on(client.machines(&[])).unwrap();
    assert_eq!(machines.len(), 9);
    let watch = Watch::new(client, Duration::from_millis(200));
    let reads_before = sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/machines/"))
        .count();

    // Nine waiters, two readings each: two reads in all, not eighteen.
    let rounds = rt.block_on(async {
        let waiters = machines.iter().map(|m| {
            let watch = &watch;
            async move {
                let first = watch.next(Key::Id(m.system_id.clone())).await;
                let second = watch.next(Key::Id(m.system_id.clone())).await;
                (m.hostname.clone(), first, second)
            }
        });
        futures_util::future::join_all(waiters).await
    });
    for (hostname, first, second) in &rounds {
        for reading in [first, second] {
            assert!(reading.error.is_none());
            assert_eq!(
                reading.machine.as_ref().map(|g| g.hostname.as_str()),
                Some(hostname.as_str())
            );
            assert_eq!(reading.machine.as_ref().unwrap().status_name, "New");
        }
    }
    let reads = sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/machines/"))
        .count()
        - reads_before;
    assert_eq!(reads, 2, "one read per reading for all nine waiters");

    // By MAC: the machine it turns up on; an unknown id reads as none, without error.
    let mac = site
        .node("cmp01")
        .unwrap()
        .boot_mac
        .clone()
        .unwrap()
        .to_ascii_lowercase();
    let by_mac = rt.block_on(watch.next(Key::Mac(mac)));
    assert_eq!(by_mac.machine.map(|g| g.hostname), Some("cmp01".to_string()));
    let gone = rt.block_on(watch.next(Key::Id("nosuch".into())));
    assert!(gone.machine.is_none() && gone.error.is_none());
}
