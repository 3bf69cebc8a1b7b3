//! `GET machines/{id}/?op=details`: what commissioning found, as MAAS keeps it — the
//! output of `lshw -xml` and of `lldpctl -f xml`, in a BSON document. Made from the
//! machine's record (its hardware profile, NICs and disks), so region tag definitions
//! (lshw XPath) have something real to match. A machine never commissioned has neither.

use quick_xml::escape::escape;

use super::records::machines::Machine;
use super::reply::Reply;

/// The BSON answer for `machine`.
pub fn details(machine: &Machine) -> Reply {
    let mut doc = bson::RawDocumentBuf::new();
    let mut put = |key: &bson::raw::CStr, text: Option<String>| match text {
        Some(text) => doc.append(
            key,
            bson::RawBinaryRef {
                subtype: bson::spec::BinarySubtype::Generic,
                bytes: text.as_bytes(),
            },
        ),
        None => doc.append(key, bson::RawBsonRef::Null),
    };
    let commissioned = machine.commissioned_ms.is_some();
    put(bson::cstr!("lshw"), commissioned.then(|| lshw(machine)));
    put(bson::cstr!("lldp"), commissioned.then(|| lldp(machine)));
    Reply::bson(200, doc.into_bytes())
}

fn lshw(m: &Machine) -> String {
    let (vendor, product, firmware) = m
        .hardware
        .as_ref()
        .map_or(("Unknown", "Unknown", "Unknown"), |h| {
            (h.vendor.as_str(), h.version.as_str(), h.firmware_version.as_str())
        });
    let mut xml = format!(
        "<?xml version=\"1.0\" standalone=\"yes\" ?>\n<list>\n<node id=\"{host}\" claimed=\"true\" class=\"system\">\n \
         <description>Rack Mount Chassis</description>\n <product>{product}</product>\n <vendor>{vendor}</vendor>\n \
         <serial>{serial}</serial>\n <node id=\"core\" claimed=\"true\" class=\"bus\">\n  \
         <node id=\"firmware\" claimed=\"true\" class=\"memory\"><description>BIOS</description><vendor>{vendor}</vendor><version>{firmware}</version></node>\n  \
         <node id=\"memory\" claimed=\"true\" class=\"memory\"><description>System Memory</description><size units=\"bytes\">{memory}</size></node>\n",
        host = escape(&m.hostname),
        product = escape(product),
        vendor = escape(vendor),
        firmware = escape(firmware),
        serial = escape(&m.system_id),
        memory = m.memory * 1024 * 1024,
    );
    for cpu in 0..m.cpu_count {
        xml.push_str(&format!(
            "  <node id=\"cpu:{cpu}\" claimed=\"true\" class=\"processor\"><description>CPU</description><logicalname>cpu{cpu}</logicalname></node>\n"
        ));
    }
    for (n, nic) in m.interfaces.iter().filter(|i| i.parents.is_empty()).enumerate() {
        xml.push_str(&format!(
            "  <node id=\"network:{n}\" claimed=\"true\" class=\"network\"><description>Ethernet interface</description><logicalname>{}</logicalname><serial>{}</serial></node>\n",
            escape(&nic.name),
            escape(&nic.mac)
        ));
    }
    for (n, disk) in m.disks.iter().enumerate() {
        xml.push_str(&format!(
            "  <node id=\"disk:{n}\" claimed=\"true\" class=\"disk\"><description>SCSI Disk</description><logicalname>/dev/{}</logicalname><size units=\"bytes\">{}</size></node>\n",
            escape(&disk.name),
            disk.size
        ));
    }
    xml.push_str(" </node>\n</node>\n</list>\n");
    xml
}

/// One neighbour per physical NIC: a top-of-rack switch port, as lldpd reports it.
fn lldp(m: &Machine) -> String {
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<lldp label=\"LLDP neighbors\">\n");
    for (n, nic) in m.interfaces.iter().filter(|i| i.parents.is_empty()).enumerate() {
        xml.push_str(&format!(
            " <interface label=\"Interface\" name=\"{}\" via=\"LLDP\" rid=\"{}\">\n  <chassis label=\"Chassis\"><id label=\"ChassisID\" type=\"mac\">02:00:00:00:00:{:02x}</id><name label=\"SysName\">tor-switch</name></chassis>\n  <port label=\"Port\"><id label=\"PortID\" type=\"ifname\">Ethernet{}</id></port>\n </interface>\n",
            escape(&nic.name),
            n + 1,
            n + 1,
            n + 1
        ));
    }
    xml.push_str("</lldp>\n");
    xml
}
