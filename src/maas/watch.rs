//! Many waiters, one read. Nodes waiting on their machines (to enlist, to finish
//! commissioning, to deploy, to release) share one `GET machines/` per poll interval, at most
//! [`BATCH`] machines a request, instead of each asking for its own machine: at a thousand
//! nodes, a few requests per interval rather than a thousand.
//!
//! A waiter asks for the next reading of its machine ([`Watch::next`]): the first waiter to
//! find a reading due makes it, for every machine waited on at that moment, and the others
//! take its result. A reading that fails is no news, not an end: the waiter sees the machine
//! as last read, with the error, and decides (its wait has a timeout).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Client;
use super::resources::machines::Machine;

/// Machines asked for in one request: a `machines/?id=...` query of a hundred ids is about
/// 1.3 kB, well within what proxies in front of MAAS take.
pub const BATCH: usize = 100;

/// What a waiter waits on: a machine MAAS knows, or the machine a MAC will turn up on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Id(String),
    Mac(String),
}

/// What a waiter learns of its machine: who it is and where its lifecycle is. The rest of a
/// machine (its interfaces, disks, ...) is not kept: at a thousand machines a reading would
/// hold hundreds of megabytes of it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Glimpse {
    pub system_id: String,
    pub hostname: String,
    pub fqdn: String,
    pub status_name: String,
    pub status_message: Option<String>,
    pub power_state: String,
    pub osystem: String,
    pub distro_series: String,
    pub hwe_kernel: Option<String>,
}

impl Glimpse {
    fn of(m: &Machine) -> Glimpse {
        Glimpse {
            system_id: m.system_id.clone(),
            hostname: m.hostname.clone(),
            fqdn: m.fqdn.clone(),
            status_name: m.status_name.clone(),
            status_message: m.status_message.clone(),
            power_state: m.power_state.to_string(),
            osystem: m.osystem.clone(),
            distro_series: m.distro_series.clone(),
            hwe_kernel: m.hwe_kernel.clone(),
        }
    }
}

#[derive(Default)]
struct State {
    waiting: HashMap<Key, usize>,
    by_id: HashMap<String, Glimpse>,
    by_mac: HashMap<String, String>,
    /// Readings completed.
    generation: u64,
    reading: bool,
    /// The reading under way has taken the keys it reads: a key waited on from now on waits
    /// for the one after.
    collected: bool,
    started: Option<Instant>,
    error: Option<String>,
}

pub struct Watch {
    client: Client,
    every: Duration,
    state: Mutex<State>,
    read: tokio::sync::Notify,
}

/// A waiter's reading: a glimpse of its machine (`None`: MAAS does not have it, or not yet),
/// and why the last reading failed, if it did.
pub struct Reading {
    pub machine: Option<Glimpse>,
    pub error: Option<String>,
}

impl Watch {
    /// A watch reading through `client` at most once every `every`.
    pub fn new(client: Client, every: Duration) -> Watch {
        Watch {
            client,
            every,
            state: Mutex::default(),
            read: tokio::sync::Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next reading of `key`'s machine: one made after this call, at most `every` after
    /// the one before.
    pub async fn next(&self, key: Key) -> Reading {
        let wanted = {
            let mut s = self.state();
            *s.waiting.entry(key.clone()).or_default() += 1;
            s.generation + if s.collected { 2 } else { 1 }
        };
        let reading = loop {
            let notified = self.read.notified();
            let wait = {
                let mut s = self.state();
                if s.generation >= wanted {
                    break reading_of(&s, &key);
                }
                let due = s
                    .started
                    .map_or(Duration::ZERO, |t| self.every.saturating_sub(t.elapsed()));
                if !s.reading && due.is_zero() {
                    s.reading = true;
                    s.started = Some(Instant::now());
                    None
                } else {
                    Some(due)
                }
            };
            match wait {
                None => self.read_all().await,
                Some(due) if due.is_zero() => notified.await,
                Some(due) => {
                    let _ = tokio::time::timeout(due, notified).await;
                }
            }
        };
        let mut s = self.state();
        if let Some(n) = s.waiting.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                // Nobody waits on it now: what was read of it goes, so a run holds only the
                // machines still waited on.
                s.waiting.remove(&key);
                let id = match &key {
                    Key::Id(id) => Some(id.clone()),
                    Key::Mac(mac) => s.by_mac.remove(mac),
                };
                if let Some(id) = id
                    && !s.waiting.contains_key(&Key::Id(id.clone()))
                {
                    s.by_id.remove(&id);
                }
            }
        }
        reading
    }

    /// One reading of every machine waited on.
    async fn read_all(&self) {
        // Waiters that became ready with this one (a phase's nodes starting together) join
        // this reading rather than wait for the next.
        tokio::task::yield_now().await;
        let (ids, macs): (Vec<String>, Vec<String>) = {
            let mut s = self.state();
            s.collected = true;
            let mut ids = Vec::new();
            let mut macs = Vec::new();
            for key in s.waiting.keys() {
                match key {
                    Key::Id(id) => ids.push(id.clone()),
                    Key::Mac(mac) => macs.push(mac.clone()),
                }
            }
            (ids, macs)
        };
        let mut found: Vec<Machine> = Vec::new();
        let mut error = None;
        for (field, values) in [("id", &ids), ("mac_address", &macs)] {
            for chunk in values.chunks(BATCH) {
                let params: Vec<(String, String)> =
                    chunk.iter().map(|v| (field.to_string(), v.clone())).collect();
                match self.client.machines(&params).await {
                    Ok(machines) => found.extend(machines),
                    Err(e) => error = Some(e.to_string()),
                }
            }
        }
        let mut s = self.state();
        if error.is_none() {
            // A machine asked for by id and not listed is gone.
            let listed: HashSet<&str> = found.iter().map(|m| m.system_id.as_str()).collect();
            for id in &ids {
                if !listed.contains(id.as_str()) {
                    s.by_id.remove(id);
                }
            }
        }
        let wanted_macs: HashSet<&String> = macs.iter().collect();
        for m in found {
            for mac in m.macs() {
                let mac = mac.to_ascii_lowercase();
                if wanted_macs.contains(&mac) {
                    s.by_mac.insert(mac, m.system_id.clone());
                }
            }
            s.by_id.insert(m.system_id.clone(), Glimpse::of(&m));
        }
        s.error = error;
        s.generation += 1;
        s.reading = false;
        s.collected = false;
        drop(s);
        self.read.notify_waiters();
    }
}

fn reading_of(s: &State, key: &Key) -> Reading {
    let id = match key {
        Key::Id(id) => Some(id),
        Key::Mac(mac) => s.by_mac.get(mac),
    };
    Reading {
        machine: id.and_then(|id| s.by_id.get(id)).cloned(),
        error: s.error.clone(),
    }
}
