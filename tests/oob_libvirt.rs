//! The libvirt OOB driver against libvirt's built-in test driver (`test:///default`, served
//! inside the virsh process itself; `apt-get install libvirt-clients`). Domains named after
//! the test nodes are defined through the same shared virsh shell the driver uses, the
//! driver is driven through `drydock::oob::connect` and `Oob`, and every action is checked
//! by reading the domain back with plain `domstate`/`dumpxml`/`domid` on that shell.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use drydock::design::model::OobType;
use drydock::oob::{
    self, Bmc, BootDevice, NextBoot, Oob, OobErrorKind, OobSettings, PowerState, PowerWait, RetryPolicy,
    Secret, TlsMode,
};

const URI: &str = "test:///default";
/// Hang protection only: the test driver answers in milliseconds.
const TIMEOUT: Duration = Duration::from_secs(30);

fn require_virsh() {
    let found = std::process::Command::new("virsh").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "virsh is not installed: apt-get install libvirt-clients"
    );
}

fn settings(request_timeout: Duration) -> Arc<OobSettings> {
    Arc::new(OobSettings {
        wait: PowerWait {
            interval: Duration::from_millis(20),
            timeout: TIMEOUT,
        },
        retry: RetryPolicy {
            attempts: 1,
            backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(10),
        },
        request_timeout,
        ..OobSettings::default()
    })
}

fn bmc(node: &str, uri: &str) -> Bmc {
    Bmc {
        node: node.into(),
        protocol: OobType::Libvirt,
        address: uri.into(),
        endpoint: uri.into(),
        account: String::new(),
        credential: Secret::default(),
        tls: TlsMode::Verify,
        cipher_suite: 3,
    }
}

/// One virsh command on the URI's shared shell, as a test reads state back.
async fn virsh(settings: &OobSettings, args: &[&str]) -> String {
    settings
        .virsh
        .run(URI, args, TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("virsh {args:?}: {e}"))
        .trim()
        .to_string()
}

/// Defines a shut-off domain `name` (3 vCPUs, 2 GiB, one disk, one NIC with `mac`, a VNC
/// password) whose boot order is given per device, as virt-install writes it.
async fn define(settings: &OobSettings, name: &str, mac: &str) {
    let escaped = name
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('\'', "&apos;");
    let xml = format!(
        "<domain type='test'>
          <name>{escaped}</name>
          <memory unit='KiB'>2097152</memory>
          <vcpu>3</vcpu>
          <os><type>hvm</type></os>
          <devices>
            <disk type='file' device='disk'>
              <source file='/var/lib/libvirt/images/{escaped}.qcow2'/>
              <target dev='vda' bus='virtio'/>
              <boot order='1'/>
            </disk>
            <disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
            <interface type='network'>
              <mac address='{mac}'/>
              <source network='default'/>
              <model type='virtio'/>
              <boot order='2'/>
            </interface>
            <graphics type='vnc' passwd='vnc-secret'/>
          </devices>
        </domain>"
    );
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(xml.as_bytes()).expect("write domain XML");
    let path = file.path().to_str().expect("utf-8 temp path").to_string();
    virsh(settings, &["define", "--file", &path]).await;
}

fn connect(settings: &Arc<OobSettings>, node: &str) -> Oob {
    oob::connect(bmc(node, URI), settings.clone()).expect("libvirt driver")
}

/// The `<os>` boot devices of the domain's persistent XML, read with plain string search.
async fn os_boot_order(settings: &OobSettings, name: &str) -> Vec<String> {
    let xml = virsh(settings, &["dumpxml", "--domain", name, "--inactive"]).await;
    let os = &xml[xml.find("<os>").expect("<os>")..xml.find("</os>").expect("</os>")];
    os.split("<boot dev='")
        .skip(1)
        .map(|rest| rest[..rest.find('\'').expect("closing quote")].to_string())
        .collect()
}

#[tokio::test]
async fn power_on_off_and_cycle_land_on_the_domain() {
    require_virsh();
    let settings = settings(TIMEOUT);
    define(&settings, "n1", "52:54:00:00:00:01").await;
    let node = connect(&settings, "n1");

    assert_eq!(node.power_state().await.unwrap(), PowerState::Off);
    let on = node.power_on().await.unwrap();
    assert!(on.changed);
    assert_eq!((on.from, on.to), (PowerState::Off, PowerState::On));
    assert_eq!(virsh(&settings, &["domstate", "n1"]).await, "running");
    assert!(
        !node.power_on().await.unwrap().changed,
        "a running domain is not started again"
    );

    // Each start gives the test driver's domain a new id: a cycle that really went off and
    // on again shows as a new one.
    let id_before = virsh(&settings, &["domid", "n1"]).await;
    let cycle = node.power_cycle().await.unwrap();
    assert_eq!((cycle.from, cycle.to), (PowerState::On, PowerState::On));
    assert_eq!(virsh(&settings, &["domstate", "n1"]).await, "running");
    assert_ne!(virsh(&settings, &["domid", "n1"]).await, id_before);

    node.power_off(false).await.unwrap();
    assert_eq!(virsh(&settings, &["domstate", "n1"]).await, "shut off");

    node.power_on().await.unwrap();
    let graceful = node.power_off(true).await.unwrap();
    assert!(graceful.changed);
    assert_eq!(
        virsh(&settings, &["domstate", "--reason", "n1"]).await,
        "shut off (shutdown)"
    );
    assert!(!node.power_off(false).await.unwrap().changed);
}

#[tokio::test]
async fn pxe_then_disk_rewrite_the_persistent_boot_order() {
    require_virsh();
    let settings = settings(TIMEOUT);
    define(&settings, "n1", "52:54:00:00:00:01").await;
    let node = connect(&settings, "n1");
    assert!(os_boot_order(&settings, "n1").await.is_empty());

    node.set_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
    assert_eq!(os_boot_order(&settings, "n1").await, ["network", "hd"]);
    let xml = virsh(
        &settings,
        &["dumpxml", "--domain", "n1", "--inactive", "--security-info"],
    )
    .await;
    assert!(
        !xml.contains("<boot order="),
        "per-device boot orders were left: {xml}"
    );
    assert!(
        xml.contains("passwd='vnc-secret'"),
        "the VNC password was lost: {xml}"
    );
    assert!(xml.contains("<mac address='52:54:00:00:00:01'/>"), "{xml}");

    node.set_boot(NextBoot::once(BootDevice::Disk)).await.unwrap();
    assert_eq!(os_boot_order(&settings, "n1").await, ["hd", "network"]);

    // Setting it on a running domain changes its persistent definition, for its next start.
    node.power_on().await.unwrap();
    node.set_boot(NextBoot::once(BootDevice::Pxe)).await.unwrap();
    assert_eq!(os_boot_order(&settings, "n1").await, ["network", "hd"]);
    assert_eq!(virsh(&settings, &["domstate", "n1"]).await, "running");

    // The XML, VNC password included, was in a private file only while it was defined.
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .expect("temp dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("drydock-domain-"))
        .collect();
    assert!(left.is_empty(), "domain XML left behind: {left:?}");
}

#[tokio::test]
async fn inventory_reads_vcpus_memory_macs_and_disks() {
    require_virsh();
    let settings = settings(TIMEOUT);
    define(&settings, "n1", "52:54:00:AB:CD:01").await;
    let inventory = connect(&settings, "n1").inventory().await.unwrap();
    assert_eq!(inventory.cpu_threads, Some(3), "vCPUs are logical CPUs");
    assert_eq!(inventory.memory_gib, Some(2.0));
    let macs: Vec<_> = inventory.nics.iter().filter_map(|n| n.mac.as_deref()).collect();
    assert_eq!(macs, ["52:54:00:ab:cd:01"]);
    let drives: Vec<_> = inventory.drives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(drives, ["vda"], "the CD-ROM is not a drive");
    let uuid = virsh(&settings, &["domuuid", "n1"]).await;
    assert_eq!(
        inventory.extra.get("uuid").and_then(|v| v.as_str()),
        Some(uuid.as_str())
    );
}

#[tokio::test]
async fn nodes_on_one_uri_share_one_virsh_which_is_restarted_when_it_dies() {
    require_virsh();
    let settings = settings(TIMEOUT);
    define(&settings, "n1", "52:54:00:00:00:01").await;
    define(&settings, "n2", "52:54:00:00:00:02").await;
    let (a, b) = (connect(&settings, "n1"), connect(&settings, "n2"));
    let (ra, rb) = tokio::join!(a.power_on(), b.power_on());
    ra.unwrap();
    rb.unwrap();
    // Both started on the one connection: its test driver state holds both.
    assert_eq!(virsh(&settings, &["domstate", "n1"]).await, "running");
    assert_eq!(virsh(&settings, &["domstate", "n2"]).await, "running");
    assert_eq!(settings.virsh.processes_started(), 1);

    let pid = settings.virsh.pid(URI).await.expect("the shell runs");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
    assert!(killed.is_ok_and(|s| s.success()), "kill -KILL {pid}");
    // The test driver's state died with the process; its built-in domain `test` is back in
    // the new one.
    let test = connect(&settings, "test");
    let deadline = std::time::Instant::now() + TIMEOUT;
    while settings.virsh.processes_started() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the shell was not restarted"
        );
        // The first command may still meet the dying process; the next finds it gone.
        let _ = test.power_state().await;
    }
    assert_eq!(test.power_state().await.unwrap(), PowerState::On);
    assert_ne!(settings.virsh.pid(URI).await, Some(pid));
}

#[tokio::test]
async fn an_unknown_domain_is_refused_naming_the_node_and_uri() {
    require_virsh();
    let settings = settings(TIMEOUT);
    let e = connect(&settings, "ghost").power_state().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Refused);
    let text = e.to_string();
    assert!(text.contains("node ghost"), "{text}");
    assert!(text.contains(URI), "{text}");
    assert!(text.contains("no domain named \"ghost\""), "{text}");
}

#[tokio::test]
async fn a_uri_of_another_scheme_is_a_config_error_naming_it() {
    for uri in ["qemu+tcp://host/system", "xen:///system", "not a uri"] {
        let e = oob::connect(bmc("n1", uri), settings(TIMEOUT))
            .err()
            .expect("refused");
        assert_eq!(e.kind, OobErrorKind::Config, "{uri}");
        let scheme = uri.split("://").next().unwrap();
        assert!(e.to_string().contains(scheme), "{e}");
    }
}

#[tokio::test]
async fn a_uri_that_cannot_connect_is_unreachable_in_virshs_words() {
    require_virsh();
    let settings = settings(Duration::from_secs(10));
    for uri in ["test:///nonexistent.xml", "qemu+ssh://nobody@127.0.0.1:1/system"] {
        let e = oob::connect(bmc("n1", uri), settings.clone())
            .expect("driver")
            .power_state()
            .await
            .unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Unreachable, "{e}");
        assert!(e.message.contains("failed to connect to the hypervisor"), "{e}");
        assert!(
            !e.message.contains("Failed to create"),
            "virsh's history noise: {e}"
        );
        assert!(e.to_string().contains(uri), "{e}");
    }
}

#[tokio::test]
async fn node_names_cannot_inject_virsh_commands() {
    require_virsh();
    let settings = settings(TIMEOUT);
    // `test` is the running domain test:///default starts with.
    assert_eq!(virsh(&settings, &["domstate", "test"]).await, "running");
    for name in [
        "n1'; destroy test; echo '",
        "n1\"; destroy test #",
        "n1\\'; destroy test",
        "--domain test",
        "#; destroy test",
    ] {
        let e = connect(&settings, name).power_off(false).await.unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Refused, "{name}: {e}");
        assert!(e.message.contains("no domain named"), "{name}: {e}");
        assert_eq!(virsh(&settings, &["domstate", "test"]).await, "running", "{name}");
    }
    // A name with a control character cannot reach virsh's line editor at all.
    for name in ["n1\ndestroy test", "n1\u{1}destroy test; "] {
        let e = oob::connect(bmc(name, URI), settings.clone())
            .err()
            .expect("refused");
        assert_eq!(e.kind, OobErrorKind::Config, "{e}");
    }
    // A strange but legal name is driven like any other.
    let odd = "node 'one'; \"two\" #3";
    define(&settings, odd, "52:54:00:00:00:03").await;
    connect(&settings, odd).power_on().await.unwrap();
    assert_eq!(virsh(&settings, &["domstate", odd]).await, "running");
    assert_eq!(virsh(&settings, &["domstate", "test"]).await, "running");
}

/// Without virsh on PATH (this test runs itself again with an empty PATH), every exchange
/// is a configuration error that says what to install.
#[tokio::test]
async fn a_missing_virsh_is_a_config_error_naming_the_package() {
    const CHILD: &str = "DRYDOCK_TEST_WITHOUT_VIRSH";
    if std::env::var_os(CHILD).is_none() {
        let me = std::env::current_exe().expect("test binary");
        let out = std::process::Command::new(me)
            .args([
                "--exact",
                "a_missing_virsh_is_a_config_error_naming_the_package",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .env("PATH", "")
            .output()
            .expect("run the test binary");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("1 passed"), "{stdout}");
        return;
    }
    let e = connect(&settings(TIMEOUT), "n1").power_state().await.unwrap_err();
    assert_eq!(e.kind, OobErrorKind::Config, "{e}");
    assert!(e.to_string().contains("apt-get install libvirt-clients"), "{e}");
}
