//! The `manual` driver: a node without a BMC. Each operation says what the operator must do
//! and waits for them to confirm it: at the terminal the run is attended from (type the
//! node's name, or just Enter when only one node waits), or from another shell with
//! `drydock confirm TASK_ID NODE`, which drops a file into the task's inbox beside the
//! journal. A run nobody can confirm (not at a terminal and no `--manual-timeout`) fails the
//! node at once, saying so, rather than pretend the machine did it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::{
    Bmc, Inventory, NextBoot, OobDriver, OobError, OobErrorKind, OobSettings, PowerRequest, PowerState,
};

/// How manual nodes are confirmed in this run.
#[derive(Debug, Clone, Default)]
pub struct ManualSettings {
    /// Whether a person can answer at this process's terminal.
    pub interactive: bool,
    /// How long to wait for a confirmation; `None`: an hour at a terminal, not at all
    /// otherwise.
    pub timeout: Option<Duration>,
    /// The task's inbox for `drydock confirm` (none outside a journaled task).
    pub inbox: Option<PathBuf>,
    /// The task and its journal, for the hint.
    pub task_id: Option<String>,
    pub journal: Option<PathBuf>,
}

impl ManualSettings {
    fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(if self.interactive {
            Duration::from_secs(3600)
        } else {
            Duration::ZERO
        })
    }
}

/// Where `drydock confirm` leaves confirmations for `task` of the journal at `journal`.
pub fn inbox(journal: &Path, task: &str) -> PathBuf {
    let mut dir = journal.as_os_str().to_owned();
    dir.push(".confirm");
    PathBuf::from(dir).join(task)
}

/// The file that says `node` waits for a confirmation (it holds what to do).
fn waiting_file(inbox: &Path, node: &str) -> PathBuf {
    inbox.join(format!("{node}.waiting"))
}

fn confirmed_file(inbox: &Path, node: &str) -> PathBuf {
    inbox.join(format!("{node}.confirmed"))
}

/// A node name that is safe as a file name in the inbox.
fn safe_name(node: &str) -> bool {
    !node.is_empty() && node != "." && node != ".." && !node.contains(['/', '\\', '\0'])
}

/// Confirms a manual operation `node` of `task` waits for (`drydock confirm`). Returns what
/// the node was waiting for.
pub fn confirm(journal: &Path, task: &str, node: &str) -> Result<String, String> {
    if !safe_name(node) || !safe_name(task) {
        return Err(format!("{node:?} is not a node name"));
    }
    let inbox = inbox(journal, task);
    let waiting = waiting_file(&inbox, node);
    let not_waiting = || {
        format!(
            "task {task} is not waiting for node {node} (nothing in {}): check the task id and node name with `drydock tasks show {task}`",
            inbox.display()
        )
    };
    let what = std::fs::read_to_string(&waiting).map_err(|_| not_waiting())?;
    // Renaming consumes the request: a second confirmation waits for the next one.
    std::fs::rename(&waiting, confirmed_file(&inbox, node)).map_err(|_| not_waiting())?;
    Ok(what)
}

/// Lines typed at the terminal, shared by every manual node waiting in this process.
struct Terminal {
    lines: broadcast::Sender<String>,
    waiting: Mutex<Vec<String>>,
}

fn terminal() -> &'static Terminal {
    static TERMINAL: OnceLock<Terminal> = OnceLock::new();
    TERMINAL.get_or_init(|| {
        let (lines, _) = broadcast::channel(64);
        let sender = lines.clone();
        // Stdin blocks; one thread reads it for the life of the process.
        let _ = std::thread::Builder::new()
            .name("manual-oob-stdin".into())
            .spawn(move || {
                let mut line = String::new();
                while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                    let _ = sender.send(line.trim().to_string());
                    line.clear();
                }
            });
        Terminal {
            lines,
            waiting: Mutex::new(Vec::new()),
        }
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub struct Manual {
    bmc: Bmc,
    settings: Arc<OobSettings>,
}

impl Manual {
    pub fn new(bmc: Bmc, settings: Arc<OobSettings>) -> Manual {
        Manual { bmc, settings }
    }

    fn error(&self, kind: OobErrorKind, message: String) -> OobError {
        OobError::new(kind, &self.bmc, message)
    }

    /// Tells the operator `what` and waits for their confirmation.
    async fn ask(&self, what: String) -> Result<(), OobError> {
        let manual = &self.settings.manual;
        let node = self.bmc.node.as_str();
        let timeout = manual.timeout();
        let confirm_hint = match (&manual.task_id, &manual.journal) {
            (Some(task), Some(journal)) => {
                format!("`drydock confirm {task} {node} --journal {}`", journal.display())
            }
            _ => "nothing (this run has no journal to confirm through)".to_string(),
        };
        if timeout.is_zero() {
            return Err(self.error(
                OobErrorKind::NotConfirmed,
                format!(
                    "the node has no BMC: someone must {what}; this run is not at a terminal and no --manual-timeout was given, so nobody can confirm it (run at a terminal, or give --manual-timeout SECONDS and confirm with {confirm_hint})"
                ),
            ));
        }
        tracing::warn!(node, "Manual OOB: {what}");
        let inbox = manual.inbox.as_deref().filter(|_| safe_name(node));
        if let Some(inbox) = inbox {
            std::fs::create_dir_all(inbox)
                .and_then(|()| std::fs::write(waiting_file(inbox, node), what.as_bytes()))
                .map_err(|e| {
                    self.error(
                        OobErrorKind::Config,
                        format!("cannot write to {}: {e}", inbox.display()),
                    )
                })?;
        }
        let mut lines = manual.interactive.then(|| {
            let t = terminal();
            lock(&t.waiting).push(node.to_string());
            eprintln!("[manual] {node}: {what}, then type `{node}` and Enter here (or run {confirm_hint} from another shell)");
            t.lines.subscribe()
        });
        let started = Instant::now();
        let result = loop {
            if let Some(inbox) = inbox
                && std::fs::remove_file(confirmed_file(inbox, node)).is_ok()
            {
                break Ok(());
            }
            if started.elapsed() >= timeout {
                break Err(self.error(
                    OobErrorKind::NotConfirmed,
                    format!(
                        "nobody confirmed that they did {what} within {} s",
                        timeout.as_secs()
                    ),
                ));
            }
            let poll = tokio::time::sleep(Duration::from_millis(250));
            match &mut lines {
                Some(rx) => tokio::select! {
                    line = rx.recv() => {
                        if let Ok(line) = line && typed_for(&line, node) {
                            break Ok(());
                        }
                    }
                    () = poll => {}
                },
                None => poll.await,
            }
        };
        if manual.interactive {
            lock(&terminal().waiting).retain(|n| n != node);
        }
        if let Some(inbox) = inbox {
            let _ = std::fs::remove_file(waiting_file(inbox, node));
        }
        if result.is_ok() {
            tracing::info!(node, "Manual OOB: confirmed: {what}");
        }
        result
    }
}

/// Whether a line typed at the terminal confirms `node`: its name, or an empty line when
/// it is the only node waiting.
fn typed_for(line: &str, node: &str) -> bool {
    line == node || (line.is_empty() && *lock(&terminal().waiting) == [node])
}

#[async_trait]
impl OobDriver for Manual {
    async fn power_state(&self) -> Result<PowerState, OobError> {
        Ok(PowerState::Unknown)
    }

    async fn request_power(&self, request: PowerRequest) -> Result<(), OobError> {
        self.ask(format!("{request} the machine")).await
    }

    async fn set_next_boot(&self, boot: NextBoot) -> Result<(), OobError> {
        let when = match boot.persistence {
            super::BootPersistence::Once => "next boot only",
            super::BootPersistence::Persistent => "every boot",
        };
        self.ask(format!("set the machine to boot from {} ({when})", boot.device))
            .await
    }

    async fn inventory(&self) -> Result<Inventory, OobError> {
        let mut inventory = Inventory::default();
        inventory.extra.insert("manual".into(), true.into());
        Ok(inventory)
    }
}
