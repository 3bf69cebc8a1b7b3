//! One long-lived `ipmitool … shell` child: its RMCP+ session is opened once and then
//! carries every command sent to that BMC. A separate `ipmitool raw` per command would
//! open and close a session each time, run ipmitool's PICMG/VITA discovery (four requests
//! that cannot be turned off) and parse the 4.7 MB IANA enterprise registry again: about
//! ten datagrams and 30 ms of CPU for each one-datagram command.
//!
//! The shell's stdout and stderr are one pipe, so what ipmitool prints reaches drydock in
//! the order it printed it, and each command is framed by an `echo` of a marker drydock
//! writes after it:
//!
//! ```text
//! raw 0x00 0x01                                 ipmitool> raw 0x00 0x01
//! echo drydock-<random>-<n>                     RAW REQ (…)          <- stderr, at once
//!                                               RAW RSP (3 bytes)
//!                                                21 00 40            <- stdout
//!                                               ipmitool> echo drydock-<random>-<n>
//!                                               drydock-<random>-<n>
//! ```
//!
//! Everything before the marker's own line belongs to the command. readline writes each
//! line it reads back after the prompt (it has no terminal to echo on); those lines start
//! with the prompt and are dropped. ipmitool writes its stderr lines while the command
//! runs and flushes stdout when it prompts for the next line, so the marker always comes
//! last. The shell opens its session before it reads its first line and exits when that
//! fails, so the first exchange (`set verbose 0`, which quiets the request dumps `-v`
//! adds) either answers or shows why the session was refused. Verified with ipmitool
//! 1.8.19 (Debian 12).
//!
//! ipmitool's shell does not end at the end of its input (it spins there), so the child
//! is killed when the handle is dropped, and by the kernel when drydock itself dies.

use std::io::ErrorKind;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::pipe;
use tokio::process::{Child, ChildStdin, Command};

/// What ipmitool writes before each line it reads.
const PROMPT: &str = "ipmitool> ";

/// How an exchange with the shell fell short.
#[derive(Debug)]
pub enum Fault {
    /// The child could not be started; `NotFound` when ipmitool is not installed.
    NotStarted(std::io::Error),
    /// The shell ended before the marker: all it printed since the last one.
    Ended(Vec<String>),
}

pub struct Shell {
    child: Child,
    stdin: ChildStdin,
    output: BufReader<pipe::Receiver>,
    /// Random per shell, so no output can pass for a marker.
    token: String,
    exchanges: u64,
    /// When the last exchange ended, so an idle shell can be closed before the BMC drops
    /// its session.
    pub last_used: Instant,
}

impl Shell {
    /// Starts `command` (an `ipmitool … shell`) and waits until its session is open.
    pub async fn start(mut command: Command) -> Result<Shell, Fault> {
        let (reader, writer) = std::io::pipe().map_err(Fault::NotStarted)?;
        command
            .stdin(Stdio::piped())
            .stdout(writer.try_clone().map_err(Fault::NotStarted)?)
            .stderr(writer)
            .kill_on_drop(true);
        die_with_parent(&mut command);
        let spawned = command.spawn();
        // The command holds drydock's copies of the pipe's write end: gone, the pipe ends
        // when the child does.
        drop(command);
        let mut child = spawned.map_err(Fault::NotStarted)?;
        let stdin = child.stdin.take().ok_or_else(|| {
            Fault::NotStarted(std::io::Error::other("ipmitool was started without its stdin"))
        })?;
        let output = pipe::Receiver::from_owned_fd(reader.into()).map_err(Fault::NotStarted)?;
        let mut shell = Shell {
            child,
            stdin,
            output: BufReader::new(output),
            token: format!("drydock-{:016x}", rand::random::<u64>()),
            exchanges: 0,
            last_used: Instant::now(),
        };
        shell.exchange("set verbose 0").await?;
        Ok(shell)
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// Sends `line` and returns what ipmitool printed for it, without prompt lines.
    pub async fn exchange(&mut self, line: &str) -> Result<Vec<String>, Fault> {
        self.exchanges += 1;
        let marker = format!("{}-{}", self.token, self.exchanges);
        let sent = async {
            self.stdin
                .write_all(format!("{line}\necho {marker}\n").as_bytes())
                .await?;
            self.stdin.flush().await
        };
        let mut lines = Vec::new();
        if sent.await.is_err() {
            // It ended: what it printed says why.
            self.read_rest(&mut lines).await;
            return Err(Fault::Ended(lines));
        }
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match self.output.read_until(b'\n', &mut buf).await {
                Ok(0) | Err(_) => return Err(Fault::Ended(lines)),
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&buf);
            // `echo` writes a space after each word.
            let text = text.trim_end_matches(['\n', '\r', ' ']);
            if text == marker {
                self.last_used = Instant::now();
                return Ok(lines);
            }
            if !text.starts_with(PROMPT) {
                lines.push(text.to_string());
            }
        }
    }

    async fn read_rest(&mut self, lines: &mut Vec<String>) {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match self.output.read_until(b'\n', &mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buf);
                    let text = text.trim_end_matches(['\n', '\r']);
                    if !text.starts_with(PROMPT) {
                        lines.push(text.to_string());
                    }
                }
            }
        }
    }

    /// Ends the shell: `exit` closes the session on the BMC (Close Session); a shell that
    /// has not ended within `wait` is killed.
    pub async fn exit(mut self, wait: Duration) {
        let asked = async {
            self.stdin.write_all(b"exit\n").await?;
            self.stdin.flush().await
        };
        if asked.await.is_ok() {
            // Past `wait`, dropping the child kills it (kill_on_drop).
            let _ = tokio::time::timeout(wait, self.child.wait()).await;
        }
    }
}

/// Whether a start failed because there is no program to run.
pub fn not_installed(fault: &Fault) -> bool {
    matches!(fault, Fault::NotStarted(e) if e.kind() == ErrorKind::NotFound)
}

/// Asks the kernel to kill the child when drydock dies: a killed drydock must not leave a
/// shell spinning at the end of its input, holding a session on the BMC. The kernel acts
/// when the thread that started the child ends: drydock's Lua runtime runs on the main
/// thread, and a multi-threaded tokio runtime keeps its workers for its whole life.
fn die_with_parent(command: &mut Command) {
    // SAFETY: only async-signal-safe calls (prctl, getppid) between fork and exec.
    let parent = std::process::id();
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Drydock died before the prctl: no signal will come.
            if libc::getppid() as u32 != parent {
                return Err(std::io::Error::other("drydock exited"));
            }
            Ok(())
        });
    }
}
