//! The virsh shell: one long-lived `virsh --connect URI` child per libvirt URI, in its
//! interactive mode over pipes, shared by every node on that URI. One connection serves
//! them all (a `qemu+ssh` URI costs one SSH login per run, not one per command); a mutex
//! lets one command through at a time, and a shell found dead is started again.
//!
//! Interactive virsh has no per-command exit status, so each command is framed by marker
//! lines drydock writes around it:
//!
//! ```text
//! echo 'drydock-<random>-<n>' start            stdout: `drydock-<random>-<n> start`
//! <the command>
//! echo 'drydock-<random>-<n>' end              stdout: `drydock-<random>-<n> end`
//! echo --err 'drydock-<random>-<n>' done       stderr: `error: drydock-<random>-<n> done`
//! ```
//!
//! The command's output is what stdout holds between the first two markers; its errors
//! are the `error:` lines stderr holds before the third (virsh writes each failure as
//! `error: …`). `echo --err` is virsh's own way to write a line to stderr, cleaner than
//! provoking "unknown command" errors. The quotes make the line drydock writes differ
//! from what it prints, because virsh's line editor (readline, even without a terminal)
//! writes every line it reads back to stdout after a prompt: the first exchange, with no
//! command, shows that prompt and whether lines are echoed, and later outputs are cut
//! free of both. Verified with virsh 9.0 (Debian 12 `libvirt-clients`).
//!
//! Every argument is quoted for virsh's parser, and characters its line editor would act
//! on (control characters: Ctrl-A moves to the start of the line, Tab completes) are
//! refused, so a domain name from the design is always one word of one command.

use std::collections::HashMap;
use std::fmt;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};

/// What went wrong talking to virsh, in virsh's words where it said any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VirshError {
    /// There is no `virsh` to run.
    NotInstalled,
    /// virsh ended before it answered its first line: it could not connect.
    Connect(String),
    /// No complete answer within the time given; the shell was stopped.
    NoAnswer(Duration),
    /// The shell ended or answered in a form drydock does not know, mid-command.
    Lost(String),
    /// The command ran and virsh reported an error.
    Failed(String),
    /// An argument virsh's shell cannot carry as one word.
    Unquotable(String),
}

impl fmt::Display for VirshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VirshError::NotInstalled => {
                f.write_str("virsh is not installed here (apt-get install libvirt-clients)")
            }
            VirshError::Connect(words) => write!(f, "virsh could not connect: {words}"),
            VirshError::NoAnswer(t) => write!(f, "virsh did not answer within {} s", t.as_secs_f64()),
            VirshError::Lost(words) => write!(f, "the virsh shell ended mid-command: {words}"),
            VirshError::Failed(words) => f.write_str(words),
            VirshError::Unquotable(words) => f.write_str(words),
        }
    }
}

/// `arg` as one word of virsh's shell: in single quotes, inside which nothing is special
/// but the closing quote; a quote in `arg` closes, adds an escaped quote and reopens.
pub fn quote(arg: &str) -> Result<String, VirshError> {
    if let Some(c) = arg.chars().find(|c| c.is_control()) {
        return Err(VirshError::Unquotable(format!(
            "{arg:?} holds the control character {c:?}, which virsh's line editor would act on"
        )));
    }
    Ok(format!("'{}'", arg.replace('\'', r"'\''")))
}

/// The URI virsh is started with: an SSH transport gets `no_tty=1`, libvirt's documented
/// switch for callers without a terminal, so ssh fails instead of asking for a password
/// or a host key on the operator's terminal.
fn session_uri(uri: &str) -> String {
    let ssh = uri
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme.ends_with("+ssh"));
    if !ssh || uri.contains("no_tty=") {
        return uri.to_string();
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}no_tty=1")
}

/// virsh saves its command history under `$XDG_CACHE_HOME` when it exits; pointed at a
/// directory that cannot exist, it keeps drydock's commands out of the operator's history
/// and says so in an error line, which is left out of what drydock reports.
const NO_HISTORY: &str = "/dev/null";

/// virsh's complaint, on exit, that it could not save its history under [`NO_HISTORY`].
fn is_history_noise(line: &str) -> bool {
    line.contains(&format!("Failed to create '{NO_HISTORY}/"))
}

/// The marker lines around command `n` of a shell, and what virsh prints for them.
struct Markers(String);

impl Markers {
    fn start_line(&self) -> String {
        format!("echo '{}' start\n", self.0)
    }
    fn start(&self) -> String {
        format!("{} start", self.0)
    }
    fn end_line(&self) -> String {
        format!("echo '{}' end\n", self.0)
    }
    fn end(&self) -> String {
        format!("{} end", self.0)
    }
    fn done_line(&self) -> String {
        format!("echo --err '{}' done\n", self.0)
    }
    fn done(&self) -> String {
        format!("error: {} done", self.0)
    }
}

/// How one exchange with a running shell fell short.
enum Fault {
    /// The lines could not be written: the shell had already ended.
    NotDelivered(std::io::Error),
    /// The shell ended before the last marker; what it wrote to stderr.
    Ended(Vec<String>),
}

/// What stdout held between the start and end markers, and the lines stderr held before
/// the done marker.
struct Answer {
    between: Vec<u8>,
    stderr: Vec<String>,
}

/// One running `virsh`, ready for a command.
struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    stderr: BufReader<ChildStderr>,
    /// Stdout read past the last end marker.
    unread: Vec<u8>,
    /// What virsh writes before reading a line (`virsh # `).
    prompt: Vec<u8>,
    /// Whether virsh writes each line it reads back to stdout.
    echoes: bool,
    /// Random per shell, so no domain's output or name can fake a marker.
    token: String,
    exchanges: u64,
    /// Set while an exchange is under way: a shell left so was abandoned mid-command (its
    /// caller gave up) and holds answers no one will read.
    in_flight: bool,
}

impl Session {
    async fn start(uri: &str, started: &AtomicUsize) -> Result<Session, VirshError> {
        let mut child = Command::new("virsh")
            .arg("--quiet")
            .arg("--connect")
            .arg(session_uri(uri))
            // English messages, which drydock reads; UTF-8, so readline takes a non-ASCII
            // domain name as text and not as Meta key presses.
            .env("LC_ALL", "C.UTF-8")
            // No terminal escapes, and none of the operator's key bindings.
            .env("TERM", "dumb")
            .env("INPUTRC", "/dev/null")
            .env("XDG_CACHE_HOME", NO_HISTORY)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => VirshError::NotInstalled,
                _ => VirshError::Connect(format!("virsh could not be started: {e}")),
            })?;
        started.fetch_add(1, Ordering::Relaxed);
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(VirshError::Connect("virsh was started without its pipes".into()));
        };
        let mut session = Session {
            child,
            stdin,
            stdout,
            stderr: BufReader::new(stderr),
            unread: Vec::new(),
            prompt: Vec::new(),
            echoes: false,
            token: format!("drydock-{:016x}", rand::random::<u64>()),
            exchanges: 0,
            in_flight: false,
        };
        // The first exchange has no command: between its markers stdout holds just the
        // prompt and, if virsh echoes, the end marker's line. virsh exits at once when it
        // cannot connect, which shows here as a shell that ended.
        let answer = match session.exchange(None).await {
            Ok(answer) => answer,
            Err(Fault::NotDelivered(_)) => {
                let stderr = read_to_end(&mut session.stderr).await;
                return Err(VirshError::Connect(words(&stderr)));
            }
            Err(Fault::Ended(stderr)) => return Err(VirshError::Connect(words(&stderr))),
        };
        let end_line = Markers(session.marker_id()).end_line();
        match answer.between.strip_suffix(end_line.as_bytes()) {
            Some(prompt) => {
                session.prompt = prompt.to_vec();
                session.echoes = true;
            }
            None => session.prompt = answer.between,
        }
        Ok(session)
    }

    fn marker_id(&self) -> String {
        format!("{}-{}", self.token, self.exchanges)
    }

    /// Whether the shell cannot take a command: it ended, or was abandoned mid-command.
    fn unusable(&mut self) -> bool {
        self.in_flight || !matches!(self.child.try_wait(), Ok(None))
    }

    /// Writes `command` between the marker lines and reads until the last marker.
    async fn exchange(&mut self, command: Option<&str>) -> Result<Answer, Fault> {
        self.exchanges += 1;
        self.in_flight = true;
        let markers = Markers(self.marker_id());
        let mut lines = markers.start_line();
        if let Some(command) = command {
            lines.push_str(command);
            lines.push('\n');
        }
        lines.push_str(&markers.end_line());
        lines.push_str(&markers.done_line());
        let written = async {
            self.stdin.write_all(lines.as_bytes()).await?;
            self.stdin.flush().await
        };
        written.await.map_err(Fault::NotDelivered)?;
        let (start, end, done_marker) = (markers.start(), markers.end(), markers.done());
        let (between, (stderr, done)) = tokio::join!(
            read_between(
                &mut self.stdout,
                &mut self.unread,
                start.as_bytes(),
                end.as_bytes()
            ),
            read_errors(&mut self.stderr, &done_marker),
        );
        match between {
            Some(between) if done => {
                self.in_flight = false;
                Ok(Answer { between, stderr })
            }
            _ => Err(Fault::Ended(stderr)),
        }
    }

    /// The command's own output: `between` less the prompt and echo before it, and the
    /// prompt and end marker's echo after it.
    fn output<'a>(&self, between: &'a [u8]) -> Option<&'a [u8]> {
        let mut rest = between.strip_prefix(self.prompt.as_slice())?;
        if self.echoes {
            // The command's line ends at the first newline: it holds none itself.
            let newline = rest.iter().position(|b| *b == b'\n')?;
            rest = &rest[newline + 1..];
        }
        let mut tail = self.prompt.clone();
        if self.echoes {
            tail.extend_from_slice(Markers(self.marker_id()).end_line().as_bytes());
        }
        rest.strip_suffix(tail.as_slice())
    }
}

/// The `error:` lines of a command's stderr, joined and without the prefix; `None` when it
/// reported no error (warnings do not fail a command).
fn errors(stderr: &[String]) -> Option<String> {
    let errors: Vec<&str> = stderr
        .iter()
        .filter(|l| !is_history_noise(l))
        .filter_map(|l| l.strip_prefix("error: "))
        .collect();
    (!errors.is_empty()).then(|| errors.join("; "))
}

/// Why a shell ended, from what it wrote to stderr: its errors, or else all it said.
fn words(stderr: &[String]) -> String {
    errors(stderr).unwrap_or_else(|| {
        let said: Vec<&str> = stderr
            .iter()
            .map(String::as_str)
            .filter(|l| !is_history_noise(l))
            .collect();
        if said.is_empty() {
            "virsh exited without saying why".into()
        } else {
            said.join("; ")
        }
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads stdout until it holds `start` and then `end`; returns what lies between them and
/// keeps what follows `end` in `unread`. `None` when stdout ends first.
async fn read_between(
    stdout: &mut ChildStdout,
    unread: &mut Vec<u8>,
    start: &[u8],
    end: &[u8],
) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(s) = find(unread, start) {
            let from = s + start.len();
            if let Some(e) = find(&unread[from..], end) {
                let between = unread[from..from + e].to_vec();
                unread.drain(..from + e + end.len());
                return Some(between);
            }
        }
        match stdout.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => unread.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Reads stderr lines until `done`; returns the lines before it, and whether it came.
async fn read_errors(stderr: &mut BufReader<ChildStderr>, done: &str) -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match stderr.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return (lines, false),
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if text == done {
            return (lines, true);
        }
        lines.push(text.to_string());
    }
}

/// Whatever stderr still holds, until the shell closes it.
async fn read_to_end(stderr: &mut BufReader<ChildStderr>) -> Vec<String> {
    let mut bytes = Vec::new();
    // What was read before a failure is still worth reporting.
    let _ = stderr.read_to_end(&mut bytes).await;
    String::from_utf8_lossy(&bytes)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The shell of one URI; started on its first command.
pub(crate) struct Virsh {
    uri: String,
    session: tokio::sync::Mutex<Option<Session>>,
    started: Arc<AtomicUsize>,
}

impl Virsh {
    /// Runs one command, each of `args` one word, and returns what it printed. The whole
    /// exchange (starting the shell if need be) must finish within `timeout`; otherwise the
    /// shell is stopped, as its state is unknown, and the next command starts a new one.
    pub async fn run(&self, args: &[&str], timeout: Duration) -> Result<String, VirshError> {
        let words: Vec<String> = args.iter().map(|a| quote(a)).collect::<Result<_, _>>()?;
        let line = words.join(" ");
        let mut slot = self.session.lock().await;
        match tokio::time::timeout(timeout, self.exchange(&mut slot, &line)).await {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                *slot = None;
                Err(VirshError::NoAnswer(timeout))
            }
        }
    }

    async fn exchange(&self, slot: &mut Option<Session>, line: &str) -> Result<String, VirshError> {
        // A shell found dead before the command reached it is started again, once.
        let mut restarted = false;
        loop {
            if slot.as_mut().is_some_and(Session::unusable) {
                *slot = None;
            }
            let session = match slot {
                Some(session) => session,
                None => slot.insert(Session::start(&self.uri, &self.started).await?),
            };
            match session.exchange(Some(line)).await {
                Ok(answer) => {
                    let Some(output) = session.output(&answer.between) else {
                        *slot = None;
                        // Not quoted: the answer may hold a domain's passwords.
                        return Err(VirshError::Lost(
                            "virsh's answer did not have the form it had when the shell started".into(),
                        ));
                    };
                    if let Some(errors) = errors(&answer.stderr) {
                        return Err(VirshError::Failed(errors));
                    }
                    return Ok(String::from_utf8_lossy(output).into_owned());
                }
                Err(Fault::NotDelivered(_)) if !restarted => {
                    restarted = true;
                    *slot = None;
                }
                Err(Fault::NotDelivered(e)) => {
                    *slot = None;
                    return Err(VirshError::Lost(e.to_string()));
                }
                Err(Fault::Ended(stderr)) => {
                    *slot = None;
                    return Err(VirshError::Lost(words(&stderr)));
                }
            }
        }
    }

    /// The running shell's process id.
    pub async fn pid(&self) -> Option<u32> {
        self.session.lock().await.as_ref().and_then(|s| s.child.id())
    }
}

/// The shells of one run, by URI. Every node on a URI gets the same [`Virsh`].
#[derive(Default)]
pub struct VirshPool {
    shells: Mutex<HashMap<String, Arc<Virsh>>>,
    started: Arc<AtomicUsize>,
}

impl VirshPool {
    /// The shell for `uri`, made (not yet started) on first use.
    pub(crate) fn shell(&self, uri: &str) -> Arc<Virsh> {
        let mut shells = self
            .shells
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        shells
            .entry(uri.to_string())
            .or_insert_with(|| {
                Arc::new(Virsh {
                    uri: uri.to_string(),
                    session: tokio::sync::Mutex::new(None),
                    started: self.started.clone(),
                })
            })
            .clone()
    }

    /// Runs one virsh command on the shell the nodes on `uri` use, each of `args` one word
    /// (quoted, so none can start another command), and returns what it printed. For tests,
    /// which define domains on a `test:///default` connection whose domains live in that
    /// one virsh process, and for looking at a domain the way drydock sees it.
    pub async fn run(&self, uri: &str, args: &[&str], timeout: Duration) -> Result<String, VirshError> {
        self.shell(uri).run(args, timeout).await
    }

    /// How many virsh processes this pool has started, restarts and failed connections
    /// included.
    pub fn processes_started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// The process id of `uri`'s shell, while it runs.
    pub async fn pid(&self, uri: &str) -> Option<u32> {
        let shell = self
            .shells
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(uri)
            .cloned();
        match shell {
            Some(shell) => shell.pid().await,
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_make_one_word_and_control_characters_are_refused() {
        assert_eq!(quote("node one").unwrap(), "'node one'");
        assert_eq!(quote("it's").unwrap(), r"'it'\''s'");
        assert!(matches!(quote("a\nb"), Err(VirshError::Unquotable(_))));
        assert!(matches!(quote("a\u{1}b"), Err(VirshError::Unquotable(_))));
    }

    #[test]
    fn ssh_uris_get_no_tty_and_others_stay_as_given() {
        assert_eq!(
            session_uri("qemu+ssh://u@h/system"),
            "qemu+ssh://u@h/system?no_tty=1"
        );
        assert_eq!(
            session_uri("qemu+ssh://h/system?keyfile=k"),
            "qemu+ssh://h/system?keyfile=k&no_tty=1"
        );
        assert_eq!(
            session_uri("qemu+ssh://h/system?no_tty=0"),
            "qemu+ssh://h/system?no_tty=0"
        );
        assert_eq!(session_uri("test:///default"), "test:///default");
    }

    /// virsh's own parser gives back exactly the words drydock quoted.
    #[tokio::test]
    async fn virsh_reads_quoted_words_back_unchanged() {
        let pool = VirshPool::default();
        let tricky = [
            "node one",
            "it's \"quoted\"",
            "a; destroy test",
            "#not a comment",
            "back\\slash",
            "--looks-like-an-option",
            "nöde",
            &"x".repeat(300),
        ];
        for word in tricky {
            let echoed = pool
                .run("test:///default", &["echo", "--", word], Duration::from_secs(30))
                .await
                .unwrap_or_else(|e| panic!("{word:?}: {e}"));
            assert_eq!(echoed, word);
        }
        assert_eq!(pool.processes_started(), 1);
    }

    /// A command given up on, by the timeout or by its caller, leaves no answer behind for
    /// the next one to read as its own. (`event --timeout 2` waits two seconds for domain
    /// events, a command that surely outlasts the 100 ms given.)
    #[tokio::test]
    async fn a_command_given_up_on_does_not_spill_into_the_next() {
        let pool = VirshPool::default();
        let uri = "test:///default";
        let long = Duration::from_secs(30);
        let short = Duration::from_millis(100);
        let slow = ["event", "--all", "--timeout", "2"];
        assert_eq!(pool.run(uri, &["echo", "first"], long).await.unwrap(), "first");
        let e = pool.run(uri, &slow, short).await.unwrap_err();
        assert_eq!(e, VirshError::NoAnswer(short));
        assert_eq!(pool.run(uri, &["echo", "second"], long).await.unwrap(), "second");
        assert_eq!(
            pool.processes_started(),
            2,
            "the shell that did not answer was replaced"
        );
        // Its caller drops the command mid-way.
        let abandoned = pool.run(uri, &slow, long);
        assert!(tokio::time::timeout(short, abandoned).await.is_err());
        assert_eq!(pool.run(uri, &["echo", "third"], long).await.unwrap(), "third");
        assert_eq!(pool.processes_started(), 3, "the abandoned shell was replaced");
    }
}
