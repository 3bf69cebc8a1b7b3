//! The libvirt driver: a node is the libvirt domain of its name on the URI in
//! `oob.libvirt_uri` (Drydock's virtual sites).
//!
//! No build-time C dependency: drydock drives libvirt through `virsh` (Debian package
//! `libvirt-clients`), one long-lived `virsh --connect URI` shell per URI shared by every
//! node on it (`shell.rs`; the shells of a run live in [`OobSettings::virsh`]).
//!
//! * power: `domstate` (running, idle, paused and pmsuspended are on; shut off is off; in
//!   shutdown is powering off; crashed and no state are unknown), `start` if not on,
//!   `destroy` (cut) or `shutdown` (ask the OS) if not off, and for a one-request cycle
//!   `reset` (or `start` when off);
//! * next boot: the domain's persistent XML is rewritten (`domain.rs`) to boot from the
//!   network then the disk, or the disk then the network, defined again and read back. libvirt
//!   has no "next boot only": the order holds until changed, whatever persistence was asked;
//!   it takes effect at the domain's next start, as a power cycle does (`reset` does not);
//! * inventory: `dominfo` (vCPUs as logical CPUs, memory, UUID), `domiflist` (MACs), `domblklist`
//!   (disks).
//!
//! URI schemes: Drydock allows only `qemu+ssh`; drydock also drives `qemu+tls` (encrypted
//! and authenticated like SSH), `qemu` (a hypervisor on the machine drydock runs on) and
//! `test` (libvirt's built-in test driver, for tests and the simulator). Others are
//! refused: `qemu+tcp` sends everything, domain XML included, unencrypted unless the daemon
//! enforces SASL, and the domain XML handled here is QEMU's.

mod domain;
mod shell;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use shell::Virsh;
pub use shell::{VirshError, VirshPool};

use super::{
    Bmc, Drive, Inventory, NextBoot, Nic, Oob, OobDriver, OobError, OobErrorKind, OobSettings, PowerRequest,
    PowerState,
};

/// The schemes drydock connects to; see the module doc for why these.
const SCHEMES: [&str; 4] = ["qemu+ssh", "qemu+tls", "qemu", "test"];

/// The node's domain on its URI, as an [`Oob`].
pub fn connect(bmc: Bmc, settings: Arc<OobSettings>) -> Result<Oob, OobError> {
    let config = |message: String| OobError::new(OobErrorKind::Config, &bmc, message);
    let Some((scheme, _)) = bmc.endpoint.split_once("://") else {
        return Err(config(format!(
            "{:?} is not a libvirt URI (qemu+ssh://user@host/system)",
            bmc.endpoint
        )));
    };
    if !SCHEMES.contains(&scheme) {
        return Err(config(format!(
            "the libvirt URI scheme {scheme:?} is not one drydock drives; use qemu+ssh://user@host/system \
             (also accepted: {})",
            SCHEMES[1..].join(", ")
        )));
    }
    if let Err(e) = shell::quote(&bmc.node) {
        return Err(config(format!("the node name cannot name a libvirt domain: {e}")));
    }
    let driver = LibvirtDriver {
        bmc: bmc.clone(),
        virsh: settings.virsh.shell(&bmc.endpoint),
        timeout: settings.request_timeout,
    };
    Ok(Oob::new(bmc, Box::new(driver), settings, true))
}

struct LibvirtDriver {
    bmc: Bmc,
    virsh: Arc<Virsh>,
    timeout: Duration,
}

impl LibvirtDriver {
    /// Runs `command --domain NAME extra...` on the URI's shell.
    async fn run(&self, command: &str, extra: &[&str]) -> Result<String, OobError> {
        let mut args = vec![command, "--domain", self.bmc.node.as_str()];
        args.extend_from_slice(extra);
        self.virsh
            .run(&args, self.timeout)
            .await
            .map_err(|e| self.error(command, e))
    }

    fn error(&self, command: &str, e: VirshError) -> OobError {
        let uri = &self.bmc.endpoint;
        let (kind, message) = match e {
            VirshError::NotInstalled => (
                OobErrorKind::Config,
                "virsh is not installed here; install it: apt-get install libvirt-clients".to_string(),
            ),
            VirshError::Connect(words) => (
                connect_kind(&words),
                format!("virsh could not connect to {uri}: {words}"),
            ),
            VirshError::NoAnswer(t) => (
                OobErrorKind::Unreachable,
                format!(
                    "virsh did not answer `{command}` within {} s on {uri}",
                    t.as_secs_f64()
                ),
            ),
            VirshError::Lost(words) => (
                OobErrorKind::Unreachable,
                format!("the virsh shell for {uri} ended during `{command}`: {words}"),
            ),
            VirshError::Failed(words) if words.contains("failed to get domain") => (
                OobErrorKind::Refused,
                format!("there is no domain named {:?} at {uri} ({words})", self.bmc.node),
            ),
            VirshError::Failed(words) => (failure_kind(&words), format!("virsh {command} on {uri}: {words}")),
            VirshError::Unquotable(words) => (OobErrorKind::Config, words),
        };
        OobError::new(kind, &self.bmc, message)
    }

    fn refused(&self, message: String) -> OobError {
        OobError::new(OobErrorKind::Refused, &self.bmc, message)
    }

    async fn state(&self) -> Result<PowerState, OobError> {
        let answer = self.run("domstate", &[]).await?;
        let state = answer.trim();
        power_state(state).ok_or_else(|| {
            self.refused(format!(
                "virsh domstate answered {state:?}, a state drydock does not know"
            ))
        })
    }
}

/// Why a connection failed, from virsh's words.
fn connect_kind(words: &str) -> OobErrorKind {
    if words.contains("authentication failed") || words.contains("Permission denied") {
        OobErrorKind::Auth
    } else {
        OobErrorKind::Unreachable
    }
}

/// Why a command failed, from virsh's words: a lost connection or a busy domain may pass;
/// anything else is libvirt saying no.
fn failure_kind(words: &str) -> OobErrorKind {
    const LOST: [&str; 5] = [
        "failed to connect to the hypervisor",
        "Cannot recv data",
        "Cannot write data",
        "End of file while reading data",
        "no connection",
    ];
    if LOST.iter().any(|w| words.contains(w)) {
        OobErrorKind::Unreachable
    } else if words.contains("cannot acquire state change lock")
        || words.contains("Timed out during operation")
    {
        OobErrorKind::Transient
    } else if connect_kind(words) == OobErrorKind::Auth {
        OobErrorKind::Auth
    } else {
        OobErrorKind::Refused
    }
}

/// virsh's `domstate` words as a power state.
fn power_state(state: &str) -> Option<PowerState> {
    Some(match state {
        "running" | "idle" | "paused" | "pmsuspended" => PowerState::On,
        "in shutdown" => PowerState::PoweringOff,
        "shut off" => PowerState::Off,
        "crashed" | "no state" => PowerState::Unknown,
        _ => return None,
    })
}

/// `dominfo`'s `Key: value` lines.
fn field<'a>(info: &'a str, key: &str) -> Option<&'a str> {
    info.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim())
    })
}

/// `Max memory:     2097152 KiB` as GiB.
fn memory_gib(value: &str) -> Option<f64> {
    let kib: u64 = value.strip_suffix(" KiB")?.trim().parse().ok()?;
    Some(kib as f64 / (1024.0 * 1024.0))
}

/// `domiflist` rows (`Interface Type Source Model MAC`, no header in quiet mode). An
/// interface of a domain that is not running may have no name yet (`-`): it is named by
/// its position then.
fn nics(list: &str) -> Vec<Nic> {
    list.lines()
        .map(str::split_whitespace)
        .filter_map(|mut cols| {
            let name = cols.next()?;
            let mac = cols.next_back()?;
            Some((name.to_string(), mac.to_ascii_lowercase()))
        })
        .enumerate()
        .map(|(i, (name, mac))| Nic {
            name: if name == "-" { format!("net{i}") } else { name },
            mac: Some(mac),
        })
        .collect()
}

/// `domblklist --details` rows (`Type Device Target Source`); disks only, not CD-ROMs.
fn drives(list: &str) -> Vec<Drive> {
    list.lines()
        .filter_map(|l| {
            let mut cols = l.split_whitespace();
            let (_type, device, target) = (cols.next()?, cols.next()?, cols.next()?);
            (device == "disk").then(|| Drive {
                name: target.to_string(),
                ..Drive::default()
            })
        })
        .collect()
}

#[async_trait]
impl OobDriver for LibvirtDriver {
    async fn power_state(&self) -> Result<PowerState, OobError> {
        self.state().await
    }

    /// Reads the state first, so a request sent again after a lost answer does not fail
    /// on a domain already where it was asked to go.
    async fn request_power(&self, request: PowerRequest) -> Result<(), OobError> {
        let now = self.state().await?;
        let command = match request {
            PowerRequest::On if now == PowerState::On => return Ok(()),
            PowerRequest::On => "start",
            PowerRequest::ForceOff | PowerRequest::GracefulOff if now == PowerState::Off => return Ok(()),
            PowerRequest::ForceOff => "destroy",
            PowerRequest::GracefulOff => "shutdown",
            PowerRequest::Cycle if now == PowerState::Off => "start",
            PowerRequest::Cycle => "reset",
        };
        self.run(command, &[]).await.map(drop)
    }

    async fn set_next_boot(&self, boot: NextBoot) -> Result<(), OobError> {
        // With its security information, so defining it again keeps passwords (a VNC
        // `passwd`) that a plain dump leaves out; hence the 0600 file.
        let xml = self.run("dumpxml", &["--inactive", "--security-info"]).await?;
        let order = domain::boot_order(boot.device);
        let rewritten = domain::with_boot_order(&xml, &order).map_err(|e| self.refused(e))?;
        let file = PrivateFile::write(&rewritten).map_err(|e| {
            OobError::new(
                OobErrorKind::Config,
                &self.bmc,
                format!("cannot write the domain XML to a temporary file: {e}"),
            )
        })?;
        let path = file.path.to_string_lossy();
        self.virsh
            .run(&["define", "--file", &path], self.timeout)
            .await
            .map_err(|e| self.error("define", e))?;
        let defined = self.run("dumpxml", &["--inactive"]).await?;
        let now = domain::boot_devices(&defined).map_err(|e| self.refused(e))?;
        if now.first().map(String::as_str) != Some(order[0]) {
            return Err(self.refused(format!(
                "libvirt kept the boot order {now:?} after drydock defined {order:?}"
            )));
        }
        Ok(())
    }

    async fn inventory(&self) -> Result<Inventory, OobError> {
        let info = self.run("dominfo", &[]).await?;
        let ifaces = self.run("domiflist", &[]).await?;
        let blocks = self.run("domblklist", &["--details"]).await?;
        let mut inventory = Inventory {
            // A VM's vCPUs are its logical CPUs; how they group into sockets dominfo does
            // not tell.
            cpu_threads: field(&info, "CPU(s)").and_then(|v| v.parse().ok()),
            memory_gib: field(&info, "Max memory").and_then(memory_gib),
            nics: nics(&ifaces),
            drives: drives(&blocks),
            ..Inventory::default()
        };
        if let Some(uuid) = field(&info, "UUID") {
            inventory.extra.insert("uuid".into(), uuid.into());
        }
        Ok(inventory)
    }
}

/// A file only its owner can read, removed when dropped.
struct PrivateFile {
    path: std::path::PathBuf,
}

impl PrivateFile {
    fn write(text: &str) -> std::io::Result<PrivateFile> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let path = std::env::temp_dir().join(format!("drydock-domain-{:016x}.xml", rand::random::<u64>()));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        let file = PrivateFile { path };
        f.write_all(text.as_bytes())?;
        Ok(file)
    }
}

impl Drop for PrivateFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_states_map_to_power_states() {
        assert_eq!(power_state("running"), Some(PowerState::On));
        assert_eq!(power_state("paused"), Some(PowerState::On));
        assert_eq!(power_state("shut off"), Some(PowerState::Off));
        assert_eq!(power_state("in shutdown"), Some(PowerState::PoweringOff));
        assert_eq!(power_state("crashed"), Some(PowerState::Unknown));
        assert_eq!(power_state("dancing"), None);
    }

    #[test]
    fn the_domain_xml_file_is_private_and_removed_after_use() {
        use std::os::unix::fs::PermissionsExt;
        let file = PrivateFile::write("<domain/>").unwrap();
        let path = file.path.clone();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "<domain/>");
        drop(file);
        assert!(!path.exists());
    }

    #[test]
    fn listings_parse_as_virsh_prints_them() {
        let info = "Id:             -\nName:           n1\nUUID:           2a3c\nCPU(s):         3\nMax memory:     2097152 KiB\n";
        assert_eq!(field(info, "CPU(s)"), Some("3"));
        assert_eq!(field(info, "Max memory").and_then(memory_gib), Some(2.0));
        let ifaces = " -          network   default   virtio   52:54:00:AA:BB:01\n vnet3  bridge  br0  e1000  52:54:00:aa:bb:02\n";
        let n = nics(ifaces);
        assert_eq!(
            (n[0].name.as_str(), n[0].mac.as_deref()),
            ("net0", Some("52:54:00:aa:bb:01"))
        );
        assert_eq!(n[1].name, "vnet3");
        let blocks = " file   disk    vda   /var/lib/my disk.qcow2\n file   cdrom   sda   -\n";
        assert_eq!(
            drives(blocks).iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
            ["vda"]
        );
    }
}
