//! A domain's boot order in its XML: read it, and rewrite it the way Drydock does — the
//! `<os>` element's `<boot dev=…/>` list — leaving everything else as libvirt wrote it.
//!
//! libvirt knows two ways to order boot devices: `<os><boot dev='network'/>…` and a
//! `<boot order='N'/>` inside each device. It refuses a domain that has both ("per-device
//! boot elements cannot be used together with os/boot elements"), so the rewrite drops
//! the per-device ones.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer, XmlVersion};

use crate::oob::BootDevice;

/// The `<os><boot dev=…/>` list for a boot device: the device first, the other after it, so
/// a machine whose disk holds no OS still falls through to the network and one that PXE
/// boots into nothing tries its disk.
pub fn boot_order(device: BootDevice) -> [&'static str; 2] {
    match device {
        BootDevice::Pxe => ["network", "hd"],
        BootDevice::Disk => ["hd", "network"],
    }
}

/// Where an element sits, as the names of its ancestors from the root.
fn is_os(path: &[String]) -> bool {
    path.len() == 2 && path[0] == "domain" && path[1] == "os"
}

/// A `<boot>` inside a device: `/domain/devices/<device>/boot`.
fn in_device(path: &[String]) -> bool {
    path.len() == 3 && path[0] == "domain" && path[1] == "devices"
}

/// `xml` with its `<os>` boot list replaced by `devices` and every per-device `<boot>` gone.
pub fn with_boot_order(xml: &str, devices: &[&str]) -> Result<String, String> {
    let mut reader = Reader::from_str(xml);
    let mut writer = Writer::new(Vec::with_capacity(xml.len() + 64));
    let mut path: Vec<String> = Vec::new();
    let mut os_seen = false;
    let bad = |e: &dyn std::fmt::Display| format!("the domain XML libvirt gave is not well-formed: {e}");
    loop {
        let event = reader.read_event().map_err(|e| bad(&e))?;
        match &event {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == "boot" && (is_os(&path) || in_device(&path)) => {
                reader.read_to_end(e.name()).map_err(|e| bad(&e))?;
                continue;
            }
            Event::Empty(e) if e.name().as_ref() == "boot" && (is_os(&path) || in_device(&path)) => continue,
            Event::Start(e) => path.push(e.name().as_ref().to_string()),
            Event::End(_) => {
                if is_os(&path) {
                    os_seen = true;
                    for dev in devices {
                        let boot = BytesStart::new("boot").with_attributes([("dev", *dev)]);
                        writer.write_event(Event::Empty(boot)).map_err(|e| bad(&e))?;
                    }
                }
                path.pop();
            }
            _ => {}
        }
        writer.write_event(event).map_err(|e| bad(&e))?;
    }
    if !os_seen {
        return Err("the domain XML has no <os> element to set the boot order in".into());
    }
    String::from_utf8(writer.into_inner()).map_err(|e| bad(&e))
}

/// The `<os><boot dev=…/>` list of a domain's XML, in order.
pub fn boot_devices(xml: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut devices = Vec::new();
    let bad = |e: &dyn std::fmt::Display| format!("the domain XML libvirt gave is not well-formed: {e}");
    loop {
        let event = reader.read_event().map_err(|e| bad(&e))?;
        match &event {
            Event::Eof => return Ok(devices),
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "boot" && is_os(&path) => {
                if let Some(dev) = e.try_get_attribute("dev").map_err(|e| bad(&e))? {
                    let dev = dev
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|e| bad(&e))?;
                    devices.push(dev.into_owned());
                }
                if let Event::Start(e) = &event {
                    reader.read_to_end(e.name()).map_err(|e| bad(&e))?;
                }
            }
            Event::Start(e) => path.push(e.name().as_ref().to_string()),
            Event::End(_) => {
                path.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMPED: &str = "<domain type='test'>
  <name>node one</name>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
    <boot dev='cdrom'></boot>
    <bootmenu enable='no'/>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/a &amp; b.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:01'/>
      <boot order='2'/>
    </interface>
  </devices>
  <!-- kept -->
</domain>
";

    #[test]
    fn pxe_puts_the_network_first_and_drops_every_other_boot_element() {
        let xml = with_boot_order(DUMPED, &boot_order(BootDevice::Pxe)).unwrap();
        assert_eq!(boot_devices(&xml).unwrap(), ["network", "hd"]);
        assert!(!xml.contains("order="), "{xml}");
        assert!(!xml.contains("cdrom"), "{xml}");
        // The rest is as libvirt wrote it, escapes and comments included.
        for kept in [
            "<bootmenu enable='no'/>",
            "a &amp; b.qcow2",
            "<!-- kept -->",
            "<mac address='52:54:00:aa:bb:01'/>",
        ] {
            assert!(xml.contains(kept), "{kept} lost: {xml}");
        }
    }

    #[test]
    fn disk_puts_the_disk_first() {
        let xml = with_boot_order(DUMPED, &boot_order(BootDevice::Disk)).unwrap();
        assert_eq!(boot_devices(&xml).unwrap(), ["hd", "network"]);
    }

    #[test]
    fn the_existing_order_is_read_in_document_order() {
        assert_eq!(boot_devices(DUMPED).unwrap(), ["hd", "cdrom"]);
    }

    #[test]
    fn xml_without_os_or_not_well_formed_is_an_error_not_a_panic() {
        let e = with_boot_order("<domain><name>x</name></domain>", &["hd"]).unwrap_err();
        assert!(e.contains("no <os>"), "{e}");
        let e = with_boot_order("<domain><os></domain>", &["hd"]).unwrap_err();
        assert!(e.contains("not well-formed"), "{e}");
        assert!(boot_devices("<domain><os><boot dev='hd'></os>").is_err());
    }
}
