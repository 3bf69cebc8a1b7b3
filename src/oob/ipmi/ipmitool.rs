//! The default transport: ipmitool in its shell mode, one child and one RMCP+ session per
//! BMC (`shell.rs`), each request a `raw NETFN CMD DATA…` line.
//!
//! * The password goes to the child in `IPMI_PASSWORD` only (`-E`), never as `-P`, which
//!   every user sees in the process list; nothing here prints it.
//! * `raw` because its output is hex bytes and it says when the BMC said no: the
//!   high-level commands (`chassis bootdev`) report success when the BMC refused. A
//!   non-zero completion code prints `Unable to send RAW command (… rsp=0xNN): meaning`;
//!   that is an answer, returned as such for the driver to judge.
//! * `-v`: only then does ipmitool say why a session failed ("RAKP 2 HMAC is invalid" for
//!   a wrong password, "Get Auth Capabilities error" for no answer), so wrong credentials
//!   (not retried) and an unreachable BMC (retried) are told apart without a second probe.
//! * ipmitool's own timeout and retries are kept small so drydock's retry policy decides
//!   the pacing; each exchange is bounded by the run's request timeout, and a shell that
//!   overruns it, fails to answer or sits unused for `--ipmi-session-idle` (30 s) is
//!   ended: the next request opens a new session. BMCs drop a session after their
//!   inactivity timeout, 60 s by default in the IPMI specification (ipmi_sim's too); ending
//!   it first saves a request that would wait for an answer that never comes, and frees the
//!   BMC's session slot and the child's memory (about 7 MB) while a node waits on MAAS.

use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::completion::CompletionCode;
use super::shell::{self, Fault, Shell};
use super::transport::{IpmiTransport, Request, Response, TransportError};
use crate::oob::{Bmc, OobErrorKind, Secret};

/// How long `exit` may take (one Close Session) before the shell is killed.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// RMCP+'s port when an endpoint names none.
const DEFAULT_PORT: u16 = 623;

pub struct Ipmitool {
    program: String,
    host: String,
    port: u16,
    account: String,
    password: Secret,
    cipher_suite: u8,
    /// For one exchange, opening the session included.
    timeout: Duration,
    /// How long the shell may sit unused before it is ended.
    idle: Duration,
    /// The running shell, if any; a request waits here for the one before it.
    shell: Arc<Mutex<Option<Shell>>>,
    /// The limits an idle shell's Close Session is sent within, and this BMC's key in them.
    limits: Option<(Arc<crate::oob::OobSettings>, String)>,
}

impl std::fmt::Debug for Ipmitool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ipmitool")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("account", &self.account)
            .field("password", &self.password)
            .field("cipher_suite", &self.cipher_suite)
            .finish_non_exhaustive()
    }
}

/// `host:port`, `[v6]:port`, or a bare host or IPv4/IPv6 address on the default port.
fn parse_endpoint(endpoint: &str) -> Option<(String, u16)> {
    if let Some(rest) = endpoint.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => DEFAULT_PORT,
            p => p.strip_prefix(':')?.parse().ok()?,
        };
        return (!host.is_empty()).then(|| (host.to_string(), port));
    }
    match endpoint.split_once(':') {
        None if !endpoint.is_empty() => Some((endpoint.to_string(), DEFAULT_PORT)),
        Some((host, port)) if !host.is_empty() && !port.contains(':') => {
            Some((host.to_string(), port.parse().ok()?))
        }
        // More than one colon and no brackets: a bare IPv6 address.
        Some(_) if endpoint.parse::<std::net::Ipv6Addr>().is_ok() => {
            Some((endpoint.to_string(), DEFAULT_PORT))
        }
        _ => None,
    }
}

impl Ipmitool {
    pub fn new(bmc: &Bmc, request_timeout: Duration, idle: Duration) -> Result<Ipmitool, TransportError> {
        let Some((host, port)) = parse_endpoint(&bmc.endpoint) else {
            return Err(TransportError {
                kind: OobErrorKind::Config,
                message: format!(
                    "the IPMI endpoint {:?} is not host:port ([address]:port for IPv6)",
                    bmc.endpoint
                ),
            });
        };
        Ok(Ipmitool {
            program: "ipmitool".into(),
            host,
            port,
            account: bmc.account.clone(),
            password: bmc.credential.clone(),
            cipher_suite: bmc.cipher_suite,
            timeout: request_timeout,
            idle,
            shell: Arc::new(Mutex::new(None)),
            limits: None,
        })
    }

    /// Ends idle shells within `settings`' limits for `bmc`, as every other exchange is.
    pub fn within(mut self, settings: Arc<crate::oob::OobSettings>, bmc: &Bmc) -> Ipmitool {
        self.limits = Some((settings, bmc.host_key().to_string()));
        self
    }

    fn at(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// ipmitool waits `-N` seconds for each packet and tries `-R` times; a silent BMC costs
    /// about 2 × N × R seconds (measured: 2 s at `-N 1 -R 1`, 4 s at `-N 2 -R 1`; `-R 0`
    /// means its default, 20 s). One retry, and a packet timeout well inside the request
    /// timeout, so that ipmitool gives up on its own before the exchange is cut.
    fn packet_timeout_secs(&self) -> u64 {
        (self.timeout.as_secs() / 8).clamp(1, 5)
    }

    fn command(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(["-I", "lanplus", "-H", &self.host])
            .args(["-p", &self.port.to_string()])
            .args(["-U", &self.account, "-E"])
            .args(["-C", &self.cipher_suite.to_string()])
            .args(["-N", &self.packet_timeout_secs().to_string(), "-R", "1"])
            .args(["-v", "shell"])
            .env("IPMI_PASSWORD", self.password.expose())
            // ipmitool's messages are matched below; keep them untranslated.
            .env("LC_ALL", "C")
            // readline, without a terminal: no escapes and none of the operator's bindings.
            .env("TERM", "dumb")
            .env("INPUTRC", "/dev/null");
        cmd
    }

    async fn start(&self) -> Result<Shell, TransportError> {
        let shell = Shell::start(self.command()).await.map_err(|fault| {
            if shell::not_installed(&fault) {
                return TransportError {
                    kind: OobErrorKind::Config,
                    message: format!(
                        "{} is not installed; IPMI BMCs are reached through it (apt-get install ipmitool)",
                        self.program
                    ),
                };
            }
            match fault {
                Fault::NotStarted(e) => TransportError {
                    kind: OobErrorKind::Transient,
                    message: format!("cannot start {}: {e}", self.program),
                },
                Fault::Ended(lines) => ended(&lines, self),
            }
        })?;
        end_when_idle(
            Arc::downgrade(&self.shell),
            shell.token().to_string(),
            self.idle,
            self.limits.clone(),
        );
        Ok(shell)
    }

    /// Sends `request` through the running shell, starting one if there is none. A shell
    /// that did not answer is ended: its session may be gone.
    async fn exchange(
        &self,
        slot: &mut Option<Shell>,
        request: &Request,
    ) -> Result<Response, TransportError> {
        let shell = match slot {
            Some(shell) => shell,
            None => slot.insert(self.start().await?),
        };
        let answer = match shell.exchange(&raw_line(request)).await {
            Ok(lines) => interpret(&lines, self),
            Err(Fault::Ended(lines)) => Err(ended(&lines, self)),
            Err(Fault::NotStarted(e)) => Err(TransportError {
                kind: OobErrorKind::Transient,
                message: format!("{} failed: {e}", self.program),
            }),
        };
        if answer.is_err() {
            *slot = None;
        }
        answer
    }
}

/// Ends the shell in `slot` once it has sat unused for `limit`, unless the handle is gone
/// or another shell (`token`) has taken its place.
fn end_when_idle(
    slot: Weak<Mutex<Option<Shell>>>,
    token: String,
    limit: Duration,
    limits: Option<(Arc<crate::oob::OobSettings>, String)>,
) {
    tokio::spawn(async move {
        let mut wait = limit;
        loop {
            tokio::time::sleep(wait).await;
            let Some(slot) = slot.upgrade() else { return };
            let mut guard = slot.lock().await;
            let Some(shell) = guard.as_ref().filter(|s| s.token() == token) else {
                return;
            };
            let idle = shell.last_used.elapsed();
            if idle < limit {
                wait = limit - idle;
                continue;
            }
            let shell = guard.take();
            drop(guard);
            if let Some(shell) = shell {
                let _permits = match &limits {
                    Some((settings, host)) => Some(settings.limits.acquire(host).await),
                    None => None,
                };
                shell.exit(EXIT_WAIT).await;
            }
            return;
        }
    });
}

/// `raw 0xNN 0xCC 0xDD…`: the request as a line of ipmitool's shell.
fn raw_line(request: &Request) -> String {
    let mut line = format!("raw 0x{:02x} 0x{:02x}", request.netfn.code(), request.cmd);
    for byte in &request.data {
        line.push_str(&format!(" 0x{byte:02x}"));
    }
    line
}

#[async_trait]
impl IpmiTransport for Ipmitool {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let mut slot = self.shell.lock().await;
        match tokio::time::timeout(self.timeout, self.exchange(&mut slot, request)).await {
            Ok(answer) => answer,
            Err(_) => {
                // Its state is unknown: dropped, the child is killed.
                *slot = None;
                Err(TransportError {
                    kind: OobErrorKind::Unreachable,
                    message: format!(
                        "no answer from {} within {} s",
                        self.at(),
                        self.timeout.as_secs_f64()
                    ),
                })
            }
        }
    }

    async fn close(&self) {
        let shell = self.shell.lock().await.take();
        if let Some(shell) = shell {
            shell.exit(EXIT_WAIT).await;
        }
    }
}

/// What ipmitool printed for one `raw` line.
fn interpret(lines: &[String], to: &Ipmitool) -> Result<Response, TransportError> {
    if let Some(code) = lines.iter().find_map(|l| rejected_code(l)) {
        return Ok(Response {
            completion: code,
            data: Vec::new(),
        });
    }
    if lines
        .iter()
        .any(|l| l.contains("Unable to establish IPMI v2 / RMCP+ session"))
    {
        return Err(session_failure(lines, to));
    }
    if lines.iter().any(|l| l.starts_with("Unable to send RAW command")) {
        return Err(TransportError {
            kind: OobErrorKind::Unreachable,
            message: format!(
                "the BMC at {} stopped answering after the session was opened",
                to.at()
            ),
        });
    }
    // With `-v`, ipmitool names each request and response on a line of its own.
    let hex: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("RAW "))
        .collect();
    parse_hex(&hex.join("\n")).map(|data| Response {
        completion: CompletionCode::OK,
        data,
    })
}

/// Why a shell ended before it answered, from all it printed.
fn ended(lines: &[String], to: &Ipmitool) -> TransportError {
    if lines
        .iter()
        .any(|l| l.contains("Unable to establish IPMI v2 / RMCP+ session"))
    {
        return session_failure(lines, to);
    }
    TransportError {
        kind: OobErrorKind::Transient,
        message: format!("ipmitool ended: {}", telling_lines(lines)),
    }
}

/// `Unable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8 rsp=0xcc): Invalid …`
fn rejected_code(line: &str) -> Option<CompletionCode> {
    let rest = line.strip_prefix("Unable to send RAW command")?;
    let (_, code) = rest.split_once("rsp=0x")?;
    let hex: String = code.chars().take_while(char::is_ascii_hexdigit).collect();
    u8::from_str_radix(&hex, 16).ok().map(CompletionCode)
}

/// ` 01 05 00 04` on one or more lines (16 bytes a line).
fn parse_hex(stdout: &str) -> Result<Vec<u8>, TransportError> {
    stdout
        .split_whitespace()
        .map(|t| u8::from_str_radix(t, 16).ok().filter(|_| t.len() == 2))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| TransportError {
            kind: OobErrorKind::Refused,
            message: format!(
                "ipmitool answered something other than hex bytes: {:?}",
                stdout.trim()
            ),
        })
}

/// Why the RMCP+ session was not opened, from ipmitool's verbose lines.
fn session_failure(lines: &[String], to: &Ipmitool) -> TransportError {
    let fail = |kind, message: String| TransportError { kind, message };
    let at = to.at();
    let said = |words: &str| lines.iter().any(|l| l.contains(words));
    let after = |marker: &str| {
        lines
            .iter()
            .find_map(|l| l.split_once(marker).map(|(_, reason)| reason.trim().to_string()))
    };
    if said("RAKP 2 HMAC is invalid") || said("RAKP 4 message has invalid integrity") {
        return fail(
            OobErrorKind::Auth,
            format!("the BMC at {at} refused the password of account {:?}", to.account),
        );
    }
    let rakp =
        after("RAKP 2 message indicates an error :").or_else(|| after("RAKP 4 message indicates an error :"));
    let open = after("Error in open session response message :");
    if let Some(reason) = rakp.as_deref().or(open.as_deref())
        && reason.contains("insufficient resources")
    {
        return fail(
            OobErrorKind::Transient,
            format!("the BMC at {at} has no free session ({reason})"),
        );
    }
    if let Some(reason) = rakp {
        return fail(
            OobErrorKind::Auth,
            format!("the BMC at {at} refused account {:?}: {reason}", to.account),
        );
    }
    if let Some(reason) = open {
        let suite = to.cipher_suite;
        let hint = if reason.contains("algorithm") || reason.contains("cipher suite") {
            format!(
                "; it does not offer cipher suite {suite}, set the node's oob.cipher_suite to one it does"
            )
        } else {
            String::new()
        };
        return fail(
            OobErrorKind::Refused,
            format!("the BMC at {at} refused an RMCP+ session: {reason}{hint}"),
        );
    }
    if said("is not what we requested") {
        return fail(
            OobErrorKind::Refused,
            format!(
                "the BMC at {at} answered with another cipher suite than {}; set the node's oob.cipher_suite to one it offers",
                to.cipher_suite
            ),
        );
    }
    if let Some(reason) = after("Set Session Privilege Level to ADMINISTRATOR failed:") {
        return fail(
            OobErrorKind::Auth,
            format!(
                "account {:?} may not act as administrator on the BMC at {at}: {reason}",
                to.account
            ),
        );
    }
    if said("does not support IPMI v2 / RMCP+") {
        return fail(
            OobErrorKind::Refused,
            format!("the BMC at {at} does not speak IPMI v2.0 (RMCP+)"),
        );
    }
    if let Some(reason) = after("Get Auth Capabilities error:") {
        return fail(
            OobErrorKind::Refused,
            format!("the BMC at {at} refused Get Channel Authentication Capabilities: {reason}"),
        );
    }
    // "Get Auth Capabilities error" without a code, "no response from RAKP 1/3 message":
    // nothing came back.
    fail(
        OobErrorKind::Unreachable,
        format!("no answer from the BMC at {at}"),
    )
}

/// What ipmitool printed, without its verbose chatter, for an error message.
fn telling_lines(lines: &[String]) -> String {
    const CHATTER: [&str; 6] = [
        "Loading IANA PEN Registry",
        "Running Get VSO Capabilities",
        "Invalid completion code received",
        "Discovered IPMB address",
        "Get HPM.x Capabilities",
        "Unable to Get Channel Cipher Suites",
    ];
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !CHATTER.iter().any(|c| l.starts_with(c)) && !l.starts_with("RAW "))
        .collect();
    if lines.is_empty() {
        "no message".into()
    } else {
        lines.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::model::OobType;
    use crate::oob::TlsMode;
    use crate::oob::ipmi::transport::NetFn;

    fn bmc(endpoint: &str, suite: u8) -> Bmc {
        Bmc {
            node: "n1".into(),
            protocol: OobType::Ipmi,
            address: "10.0.0.1".into(),
            endpoint: endpoint.into(),
            account: "admin".into(),
            credential: Secret::new("hunter2"),
            tls: TlsMode::Verify,
            cipher_suite: suite,
        }
    }

    fn tool(suite: u8) -> Ipmitool {
        Ipmitool::new(
            &bmc("127.0.0.1:9623", suite),
            Duration::from_secs(20),
            Duration::from_secs(30),
        )
        .unwrap()
    }

    fn argv(t: &Ipmitool) -> Vec<String> {
        let cmd = t.command();
        cmd.as_std()
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// What the shell printed, a line each.
    fn lines(printed: &str) -> Vec<String> {
        printed.lines().map(str::to_string).collect()
    }

    #[test]
    fn the_command_line_carries_the_suite_and_never_the_password() {
        for suite in [3, 17] {
            let t = tool(suite);
            let args = argv(&t);
            let expected =
                format!("-I lanplus -H 127.0.0.1 -p 9623 -U admin -E -C {suite} -N 2 -R 1 -v shell");
            assert_eq!(args.join(" "), expected);
            assert!(!args.iter().any(|a| a.contains("hunter2") || a == "-P"));
            let cmd = t.command();
            let envs: Vec<_> = cmd.as_std().get_envs().collect();
            assert!(
                envs.iter()
                    .any(|(k, v)| *k == "IPMI_PASSWORD" && v.is_some_and(|v| v == "hunter2"))
            );
            assert!(!format!("{t:?}").contains("hunter2"));
        }
    }

    #[test]
    fn a_request_is_one_raw_line() {
        let request = Request {
            netfn: NetFn::Chassis,
            cmd: 0x08,
            data: vec![0x05, 0xA0, 0x04, 0, 0, 0],
        };
        assert_eq!(raw_line(&request), "raw 0x00 0x08 0x05 0xa0 0x04 0x00 0x00 0x00");
        let request = Request {
            netfn: NetFn::Storage,
            cmd: 0x10,
            data: vec![],
        };
        assert_eq!(raw_line(&request), "raw 0x0a 0x10");
    }

    #[test]
    fn ipmitool_s_own_timeout_stays_inside_the_request_timeout() {
        let with = |secs| {
            Ipmitool::new(&bmc("h:1", 3), Duration::from_secs(secs), Duration::from_secs(30))
                .unwrap()
                .packet_timeout_secs()
        };
        assert_eq!((with(1), with(20), with(60), with(600)), (1, 2, 5, 5));
    }

    #[test]
    fn endpoints_parse_with_and_without_ports() {
        assert_eq!(parse_endpoint("127.0.0.1:9623"), Some(("127.0.0.1".into(), 9623)));
        assert_eq!(parse_endpoint("bmc01"), Some(("bmc01".into(), 623)));
        assert_eq!(parse_endpoint("[fd00::21]:6230"), Some(("fd00::21".into(), 6230)));
        assert_eq!(parse_endpoint("[fd00::21]"), Some(("fd00::21".into(), 623)));
        assert_eq!(parse_endpoint("fd00::21"), Some(("fd00::21".into(), 623)));
        for bad in [
            "",
            ":623",
            "h:",
            "h:x",
            "h:70000",
            "[fd00::21",
            "[]:1",
            "[::1]x",
            "a:b:c",
        ] {
            assert_eq!(parse_endpoint(bad), None, "{bad:?}");
        }
        let e = Ipmitool::new(&bmc("h:x", 3), Duration::from_secs(1), Duration::from_secs(30)).unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Config);
        assert!(e.message.contains("\"h:x\""), "{}", e.message);
    }

    #[tokio::test]
    async fn a_missing_ipmitool_says_how_to_install_it() {
        let t = Ipmitool {
            program: "ipmitool-not-installed-here".into(),
            ..tool(3)
        };
        let request = Request {
            netfn: NetFn::Chassis,
            cmd: 0x01,
            data: vec![],
        };
        let e = t.send(&request).await.unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Config);
        assert!(e.message.contains("apt-get install ipmitool"), "{}", e.message);
    }

    const SESSION_FAILED: &str = "Error: Unable to establish IPMI v2 / RMCP+ session\n";

    /// ipmitool 1.8.19's stderr for each way a session fails (captured against ipmi_sim and
    /// a silent port), and what each means.
    #[test]
    fn session_failures_are_told_apart() {
        let t = tool(3);
        let cases = [
            (
                "Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\n",
                OobErrorKind::Auth,
                "refused the password of account \"admin\"",
            ),
            (
                "Loading IANA PEN Registry...\nRAKP 2 message indicates an error : unauthorized name\n",
                OobErrorKind::Auth,
                "refused account \"admin\": unauthorized name",
            ),
            (
                "Loading IANA PEN Registry...\nGet Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\n",
                OobErrorKind::Unreachable,
                "no answer from the BMC at 127.0.0.1:9623",
            ),
            (
                "> Error: no response from RAKP 1 message\n",
                OobErrorKind::Unreachable,
                "no answer",
            ),
            (
                "Error in open session response message : invalid authentication algorithm\n\n",
                OobErrorKind::Refused,
                "does not offer cipher suite 3",
            ),
            (
                "Error in open session response message : insufficient resources to create a session\n",
                OobErrorKind::Transient,
                "no free session",
            ),
            (
                "Set Session Privilege Level to ADMINISTRATOR failed: Insufficient privilege level\n",
                OobErrorKind::Auth,
                "may not act as administrator",
            ),
            (
                "Get Auth Capabilities error: Invalid data field in request\n",
                OobErrorKind::Refused,
                "Invalid data field",
            ),
        ];
        for (stderr, kind, words) in cases {
            let e = ended(&lines(&format!("{stderr}{SESSION_FAILED}")), &t);
            assert_eq!(e.kind, kind, "{stderr}");
            assert!(e.message.contains(words), "{stderr} gave {}", e.message);
            assert!(!e.message.contains("hunter2"));
        }
    }

    /// A session that failed after the shell started (ipmitool opens it again when the
    /// first one was lost) says so on the command's lines.
    #[test]
    fn a_session_failure_mid_shell_is_told_apart_too() {
        let t = tool(3);
        let e = interpret(&lines(&format!("> RAKP 2 HMAC is invalid\n{SESSION_FAILED}")), &t).unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Auth);
    }

    #[test]
    fn a_rejected_raw_command_is_an_answer_with_its_code() {
        let t = tool(3);
        let printed = "RAW REQ (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8 data_len=6)\n\
                       Unable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8 rsp=0xff): Unspecified error\n";
        assert_eq!(
            interpret(&lines(printed), &t),
            Ok(Response {
                completion: CompletionCode(0xFF),
                data: vec![]
            })
        );
        let printed = "Unable to send RAW command (channel=0x0 netfn=0xa lun=0x0 cmd=0x11 rsp=0xc8): Request data field length limit exceeded\n";
        assert_eq!(
            interpret(&lines(printed), &t).unwrap().completion,
            CompletionCode(0xC8)
        );
        // No code: the request went unanswered (the session expired, the BMC went away).
        let e = interpret(
            &lines("RAW REQ (channel=0x0 netfn=0x0 lun=0x0 cmd=0x1 data_len=0)\nUnable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x1)\n"),
            &t,
        )
        .unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Unreachable);
        assert!(e.message.contains("stopped answering"), "{}", e.message);
    }

    #[test]
    fn answers_are_hex_bytes_over_lines() {
        let t = tool(3);
        let printed = "RAW REQ (channel=0x0 netfn=0x6 lun=0x0 cmd=0x1 data_len=0)\nRAW RSP (15 bytes)\n \
                       00 03 09 08 02 9f 91 12 00 02 0f 00 00 00 00\n";
        assert_eq!(
            interpret(&lines(printed), &t).unwrap().data,
            [
                0x00, 0x03, 0x09, 0x08, 0x02, 0x9f, 0x91, 0x12, 0x00, 0x02, 0x0f, 0x00, 0x00, 0x00, 0x00
            ]
        );
        let two_lines = " 20 01 00 00 01 06 00 00 f8 01 05 19 00 00 00 c4\n 41 63\n";
        assert_eq!(interpret(&lines(two_lines), &t).unwrap().data.len(), 18);
        assert_eq!(interpret(&lines("\n"), &t).unwrap().data, Vec::<u8>::new());
        assert_eq!(interpret(&[], &t).unwrap().data, Vec::<u8>::new());
        for bad in ["Chassis Power is on\n", " 0 1\n", " 100\n"] {
            assert_eq!(
                interpret(&lines(bad), &t).unwrap_err().kind,
                OobErrorKind::Refused,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_shell_that_ends_for_another_reason_is_quoted_without_its_chatter() {
        let t = tool(3);
        let e = ended(
            &lines("Loading IANA PEN Registry...\nSomething odd happened\n"),
            &t,
        );
        assert_eq!(e.kind, OobErrorKind::Transient);
        assert_eq!(e.message, "ipmitool ended: Something odd happened");
    }
}
