//! OpenIPMI's `ipmi_sim` as a test BMC: one per test, on 127.0.0.1 and a free UDP port,
//! with a generated `lan.conf`, `.emu` command file and `chassis_control` script. The
//! script keeps the machine's power and boot device in files and logs every call, so a
//! test checks what the driver did by reading the files, not through the driver. Killed
//! when dropped, also when the test fails.

use std::net::UdpSocket;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ACCOUNT: &str = "admin";
pub const PASSWORD: &str = "ipmi-pw-4711";

/// How the simulated chassis answers `set` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Power and boot device change as asked.
    Normal,
    /// `set power` is accepted and ignored: the machine never changes state.
    StuckPower,
    /// `set boot` fails: the BMC rejects boot options.
    RejectBoot,
}

pub struct IpmiSim {
    child: Child,
    dir: tempfile::TempDir,
    pub port: u16,
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Fails the test when the IPMI tools are missing, saying how to install them.
pub fn require_tools() {
    for program in ["ipmi_sim", "ipmitool"] {
        assert!(
            on_path(program),
            "{program} is not installed; the IPMI tests need it: apt-get install openipmi ipmitool"
        );
    }
}

/// The shell script ipmi_sim runs as `<script> <mc> get <parm>…` (prints `parm:value`
/// lines) and `<script> <mc> set <parm> <value>…` (non-zero exit: the BMC fails the
/// request). Power is `0`/`1`; boot is `none|pxe|cdrom|bios|default`.
fn chassis_script(state: &Path, script: Script) -> String {
    let set_power = match script {
        Script::StuckPower => ":",
        _ => "echo \"$2\" > \"$dir/power\"",
    };
    let set_boot = match script {
        Script::RejectBoot => "echo \"boot device rejected\" >&2; exit 1",
        _ => "echo \"$2\" > \"$dir/boot\"",
    };
    format!(
        r#"#!/bin/sh
dir='{dir}'
echo "$*" >> "$dir/calls"
op="$2"; shift 2
case "$op" in
get) for p in "$@"; do case "$p" in
       power) echo "power:$(cat "$dir/power")" ;;
       boot) echo "boot:$(cat "$dir/boot")" ;;
       *) echo "invalid parameter: $p" >&2; exit 1 ;; esac; done ;;
set) while [ $# -ge 2 ]; do case "$1" in
       power) {set_power} ;;
       boot) {set_boot} ;;
       shutdown) echo 0 > "$dir/power" ;;
       reset) : ;;
       *) echo "invalid parameter: $1" >&2; exit 1 ;; esac; shift 2; done ;;
*) exit 1 ;;
esac
"#,
        dir = state.display()
    )
}

fn lan_conf(port: u16, script: &Path) -> String {
    format!(
        r#"name "drydock-test"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 {port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "{script} 0x20"
  user 2 true "{ACCOUNT}" "{PASSWORD}" admin 10 none md2 md5 straight
"#,
        script = script.display()
    )
}

/// The FRU the BMC serves (`tests/fixtures/ipmi/fru.bin`: board `Acme` / `Board X1` /
/// `BSN123`, product `Acme Corp` / `Server 9000` / `PSN-42`).
pub fn fru_fixture() -> PathBuf {
    super::fixture("ipmi/fru.bin")
}

/// Device id 0, revision 3, firmware 9.08, IPMI 2.0, manufacturer 0x1291 (4753,
/// MontaVista), product 0x0f02.
fn emu(fru: &Path) -> String {
    let size = std::fs::metadata(fru).expect("FRU fixture").len();
    format!(
        "mc_setbmc 0x20\n\
         mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n\
         mc_add_fru_data 0x20 0 {size:#x} file 0 \"{}\"\n\
         sel_enable 0x20 1000 0x0a\n\
         mc_enable 0x20\n",
        fru.display()
    )
}

/// Whether process `pid` holds a UDP socket bound to 127.0.0.1:`port` (what `ss -uanp`
/// shows): ipmi_sim may run without listening when its port is taken.
fn listens(pid: u32, port: u16) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/net/udp") else {
        return false;
    };
    let local = format!("0100007F:{port:04X}");
    let inodes: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.get(1) == Some(&local.as_str())).then(|| f.get(9).map(|i| format!("socket:[{i}]")))?
        })
        .collect();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(Result::ok)
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .any(|target| inodes.iter().any(|i| target.as_os_str() == i.as_str()))
}

/// Waits (10 s at most) until `child` listens on `port`; false when it exits or never does.
fn wait_listening(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if listens(child.id(), port) {
            return true;
        }
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free UDP port")
        .port()
}

impl IpmiSim {
    /// Starts a BMC whose machine is off and boots from its default device.
    pub fn start(script: Script) -> IpmiSim {
        require_tools();
        let dir = tempfile::tempdir().expect("temp dir");
        let state = dir.path().join("chassis");
        let persist = dir.path().join("persist");
        std::fs::create_dir_all(&state).expect("state dir");
        std::fs::create_dir_all(&persist).expect("persist dir");
        std::fs::write(state.join("power"), "0\n").expect("power file");
        std::fs::write(state.join("boot"), "default\n").expect("boot file");
        let script_path = dir.path().join("chassis_control.sh");
        std::fs::write(&script_path, chassis_script(&state, script)).expect("script");
        std::fs::set_permissions(&script_path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::write(dir.path().join("bmc.emu"), emu(&fru_fixture())).expect("emu");
        let log = dir.path().join("ipmi_sim.log");

        // The port is free when picked but may be taken before ipmi_sim binds it: try
        // another one then.
        for _ in 0..5 {
            let port = free_udp_port();
            std::fs::write(dir.path().join("lan.conf"), lan_conf(port, &script_path)).expect("lan.conf");
            let out = std::fs::File::create(&log).expect("log file");
            let mut child = Command::new("ipmi_sim")
                .args(["-c", "lan.conf", "-f", "bmc.emu", "-s", "persist", "-n"])
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("log file"))
                .stderr(out)
                .spawn()
                .expect("ipmi_sim starts");
            if wait_listening(&mut child, port) {
                return IpmiSim { child, dir, port };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "ipmi_sim never listened on 127.0.0.1; its log: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    pub fn endpoint(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn state(&self, name: &str) -> String {
        let path = self.dir.path().join("chassis").join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .trim()
            .to_string()
    }

    /// `0` or `1`, as the chassis has it.
    pub fn power(&self) -> String {
        self.state("power")
    }

    pub fn set_power(&self, on: bool) {
        std::fs::write(
            self.dir.path().join("chassis/power"),
            if on { "1\n" } else { "0\n" },
        )
        .expect("power file");
    }

    /// `default`, `pxe`, … as the chassis has it.
    pub fn boot(&self) -> String {
        self.state("boot")
    }

    /// Every call ipmi_sim made to the chassis script, in order (`0x20 set power 1`).
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("chassis/calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The calls that changed something (`set …`), in order.
    pub fn sets(&self) -> Vec<String> {
        self.calls().into_iter().filter(|c| c.contains(" set ")).collect()
    }
}

impl Drop for IpmiSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
