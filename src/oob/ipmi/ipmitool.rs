//! The default transport: one `ipmitool -I lanplus … raw NETFN CMD DATA…` per request.
//!
//! * The password goes to the child in `IPMI_PASSWORD` only (`-E`), never as `-P`, which
//!   every user sees in the process list; nothing here prints it.
//! * `raw` because its output is hex bytes and its exit code is honest: the high-level
//!   commands (`chassis bootdev`) exit 0 when the BMC said no. A non-zero completion code
//!   makes `raw` exit 1 with `… rsp=0xNN): meaning` on stderr; that is an answer, returned
//!   as such for the driver to judge.
//! * `-v` always: only then does ipmitool say why a session failed ("RAKP 2 HMAC is
//!   invalid" for a wrong password, "Get Auth Capabilities error" for no answer), so wrong
//!   credentials (not retried) and an unreachable BMC (retried) are told apart from one run
//!   without a second probe. The extra lines go to stderr; stdout stays the response bytes.
//! * ipmitool's own timeout and retries are kept small so drydock's retry policy decides
//!   the pacing; the whole child is bounded by the run's request timeout and killed past it.

use std::io::ErrorKind;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;

use super::completion::CompletionCode;
use super::transport::{IpmiTransport, Request, Response, TransportError};
use crate::oob::{Bmc, OobErrorKind, Secret};

/// RMCP+'s port when an endpoint names none.
const DEFAULT_PORT: u16 = 623;

#[derive(Debug)]
pub struct Ipmitool {
    program: String,
    host: String,
    port: u16,
    account: String,
    password: Secret,
    cipher_suite: u8,
    /// For the whole child.
    timeout: Duration,
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
    pub fn new(bmc: &Bmc, request_timeout: Duration) -> Result<Ipmitool, TransportError> {
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
        })
    }

    /// ipmitool waits `-N` seconds for each packet and tries `-R` times; a silent BMC costs
    /// about 2 × N × R seconds (measured: 2 s at `-N 1 -R 1`, 4 s at `-N 2 -R 1`; `-R 0`
    /// means its default, 20 s). One retry, and a packet timeout well inside the request
    /// timeout, so that one child ends on its own before it is killed.
    fn packet_timeout_secs(&self) -> u64 {
        (self.timeout.as_secs() / 8).clamp(1, 5)
    }

    fn command(&self, request: &Request) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(["-I", "lanplus", "-H", &self.host])
            .args(["-p", &self.port.to_string()])
            .args(["-U", &self.account, "-E"])
            .args(["-C", &self.cipher_suite.to_string()])
            .args(["-N", &self.packet_timeout_secs().to_string(), "-R", "1"])
            .arg("-v")
            .arg("raw")
            .arg(format!("0x{:02x}", request.netfn.code()))
            .arg(format!("0x{:02x}", request.cmd))
            .args(request.data.iter().map(|b| format!("0x{b:02x}")))
            .env("IPMI_PASSWORD", self.password.expose())
            // ipmitool's messages are matched below; keep them untranslated.
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }
}

#[async_trait]
impl IpmiTransport for Ipmitool {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let child = self.command(request).spawn().map_err(|e| match e.kind() {
            ErrorKind::NotFound => TransportError {
                kind: OobErrorKind::Config,
                message: format!(
                    "{} is not installed; IPMI BMCs are reached through it (apt-get install ipmitool)",
                    self.program
                ),
            },
            _ => TransportError {
                kind: OobErrorKind::Transient,
                message: format!("cannot start {}: {e}", self.program),
            },
        })?;
        // Dropping the child on timeout kills it (kill_on_drop).
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| TransportError {
                kind: OobErrorKind::Unreachable,
                message: format!(
                    "no answer from {}:{} within {} s",
                    self.host,
                    self.port,
                    self.timeout.as_secs_f64()
                ),
            })?
            .map_err(|e| TransportError {
                kind: OobErrorKind::Transient,
                message: format!("{} failed: {e}", self.program),
            })?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        tracing::debug!(
            host = %self.host,
            port = self.port,
            netfn = request.netfn.code(),
            cmd = request.cmd,
            status = %output.status,
            stderr = %stderr.trim(),
            "ipmitool raw"
        );
        interpret(output.status.success(), &stdout, &stderr, self)
    }
}

/// What a finished `ipmitool -v raw` run means.
fn interpret(success: bool, stdout: &str, stderr: &str, to: &Ipmitool) -> Result<Response, TransportError> {
    if let Some(code) = stderr.lines().find_map(rejected_code) {
        return Ok(Response {
            completion: code,
            data: Vec::new(),
        });
    }
    if success {
        return parse_hex(stdout).map(|data| Response {
            completion: CompletionCode::OK,
            data,
        });
    }
    let fail = |kind, message: String| Err(TransportError { kind, message });
    let at = format!("{}:{}", to.host, to.port);
    if stderr.contains("Unable to establish IPMI v2 / RMCP+ session") {
        return session_failure(stderr, &at, to);
    }
    if stderr.contains("Unable to send RAW command") {
        return fail(
            OobErrorKind::Unreachable,
            format!("the BMC at {at} stopped answering after the session was opened"),
        );
    }
    fail(
        OobErrorKind::Transient,
        format!("ipmitool failed: {}", telling_lines(stderr)),
    )
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
fn session_failure(stderr: &str, at: &str, to: &Ipmitool) -> Result<Response, TransportError> {
    let fail = |kind, message: String| Err(TransportError { kind, message });
    let after = |marker: &str| {
        stderr
            .lines()
            .find_map(|l| l.split_once(marker).map(|(_, reason)| reason.trim().to_string()))
    };
    if stderr.contains("RAKP 2 HMAC is invalid") || stderr.contains("RAKP 4 message has invalid integrity") {
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
    if stderr.contains("is not what we requested") {
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
    if stderr.contains("does not support IPMI v2 / RMCP+") {
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

/// ipmitool's stderr without the verbose chatter, for an error message.
fn telling_lines(stderr: &str) -> String {
    const CHATTER: [&str; 6] = [
        "Loading IANA PEN Registry",
        "Running Get VSO Capabilities",
        "Invalid completion code received",
        "Discovered IPMB address",
        "Get HPM.x Capabilities",
        "Unable to Get Channel Cipher Suites",
    ];
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
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
        Ipmitool::new(&bmc("127.0.0.1:9623", suite), Duration::from_secs(20)).unwrap()
    }

    fn argv(t: &Ipmitool, request: &Request) -> Vec<String> {
        let cmd = t.command(request);
        cmd.as_std()
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn the_command_line_carries_the_suite_and_never_the_password() {
        for suite in [3, 17] {
            let t = tool(suite);
            let request = Request {
                netfn: NetFn::Chassis,
                cmd: 0x08,
                data: vec![0x05, 0xA0, 0x04, 0, 0, 0],
            };
            let args = argv(&t, &request);
            let expected = format!(
                "-I lanplus -H 127.0.0.1 -p 9623 -U admin -E -C {suite} -N 2 -R 1 -v raw 0x00 0x08 0x05 0xa0 0x04 0x00 0x00 0x00"
            );
            assert_eq!(args.join(" "), expected);
            assert!(!args.iter().any(|a| a.contains("hunter2") || a == "-P"));
            let cmd = t.command(&request);
            let envs: Vec<_> = cmd.as_std().get_envs().collect();
            assert!(
                envs.iter()
                    .any(|(k, v)| *k == "IPMI_PASSWORD" && v.is_some_and(|v| v == "hunter2"))
            );
            assert!(!format!("{t:?}").contains("hunter2"));
        }
    }

    #[test]
    fn ipmitool_s_own_timeout_stays_inside_the_request_timeout() {
        let with = |secs| {
            Ipmitool::new(&bmc("h:1", 3), Duration::from_secs(secs))
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
        let e = Ipmitool::new(&bmc("h:x", 3), Duration::from_secs(1)).unwrap_err();
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
            let e = interpret(false, "", &format!("{stderr}{SESSION_FAILED}"), &t).unwrap_err();
            assert_eq!(e.kind, kind, "{stderr}");
            assert!(e.message.contains(words), "{stderr} gave {}", e.message);
            assert!(!e.message.contains("hunter2"));
        }
    }

    #[test]
    fn a_rejected_raw_command_is_an_answer_with_its_code() {
        let t = tool(3);
        let stderr = "Loading IANA PEN Registry...\nRAW REQ (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8 data_len=6)\n\
                      Unable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8 rsp=0xff): Unspecified error\n";
        assert_eq!(
            interpret(false, "", stderr, &t),
            Ok(Response {
                completion: CompletionCode(0xFF),
                data: vec![]
            })
        );
        let stderr = "Unable to send RAW command (channel=0x0 netfn=0xa lun=0x0 cmd=0x11 rsp=0xc8): Request data field length limit exceeded\n";
        assert_eq!(
            interpret(false, "", stderr, &t).unwrap().completion,
            CompletionCode(0xC8)
        );
        let e = interpret(
            false,
            "",
            "Unable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x1)\n",
            &t,
        )
        .unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Unreachable);
    }

    #[test]
    fn answers_are_hex_bytes_over_lines() {
        let t = tool(3);
        let chatter = "Loading IANA PEN Registry...\nRunning Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\n\
                       Invalid completion code received: Invalid command\nUnable to Get Channel Cipher Suites\n";
        assert_eq!(
            interpret(
                true,
                " 00 03 09 08 02 9f 91 12 00 02 0f 00 00 00 00\n",
                chatter,
                &t
            )
            .unwrap()
            .data,
            [
                0x00, 0x03, 0x09, 0x08, 0x02, 0x9f, 0x91, 0x12, 0x00, 0x02, 0x0f, 0x00, 0x00, 0x00, 0x00
            ]
        );
        let two_lines = " 20 01 00 00 01 06 00 00 f8 01 05 19 00 00 00 c4\n 41 63\n";
        assert_eq!(interpret(true, two_lines, "", &t).unwrap().data.len(), 18);
        assert_eq!(interpret(true, "\n", "", &t).unwrap().data, Vec::<u8>::new());
        for bad in ["Chassis Power is on\n", " 0 1\n", " 100\n"] {
            assert_eq!(
                interpret(true, bad, "", &t).unwrap_err().kind,
                OobErrorKind::Refused,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn other_failures_quote_ipmitool_without_its_chatter() {
        let t = tool(3);
        let e = interpret(
            false,
            "",
            "Loading IANA PEN Registry...\nSomething odd happened\n",
            &t,
        )
        .unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Transient);
        assert_eq!(e.message, "ipmitool failed: Something odd happened");
    }
}
