//! The BMC's FRU inventory (device 0), in the Platform Management FRU Information Storage
//! Definition v1.0 format: an 8-byte common header pointing at one Product Info Area that
//! names the machine (product name = node name), its manufacturer, model and serial number.

use crate::sim::bmc::Identity;

const FORMAT_VERSION: u8 = 0x01;
/// Language code 0: English, so strings are 8-bit ASCII + Latin-1.
const LANGUAGE_ENGLISH: u8 = 0x00;
/// Type/length byte: type 11b (8-bit ASCII + Latin-1), length in bits 5:0.
const TYPE_TEXT: u8 = 0xC0;
const MAX_FIELD: usize = 0x3F;
/// Ends the fields of an area.
const END_OF_FIELDS: u8 = 0xC1;
/// Areas are laid out in multiples of 8 bytes.
const UNIT: usize = 8;

/// The FRU image: common header, then the Product Info Area.
pub fn image(identity: &Identity) -> Vec<u8> {
    let product = product_area(identity);
    let mut header = vec![FORMAT_VERSION, 0, 0, 0, 1, 0, 0];
    header.push(checksum(&header));
    header.extend_from_slice(&product);
    header
}

/// Manufacturer, product name, part/model number, version, serial number, asset tag, FRU
/// file ID; padded to a multiple of 8 with its checksum last.
fn product_area(identity: &Identity) -> Vec<u8> {
    let mut area = vec![FORMAT_VERSION, 0, LANGUAGE_ENGLISH];
    for field in [
        identity.manufacturer.as_str(),
        identity.name.as_str(),
        identity.model.as_str(),
        "",
        identity.serial_number.as_str(),
        "",
        "",
    ] {
        let bytes = truncated(field);
        area.push(TYPE_TEXT | bytes.len() as u8);
        area.extend_from_slice(bytes);
    }
    area.push(END_OF_FIELDS);
    let len = (area.len() + 1).div_ceil(UNIT) * UNIT;
    area.resize(len - 1, 0);
    area[1] = (len / UNIT) as u8;
    area.push(checksum(&area));
    area
}

/// At most 63 bytes, cut on a character boundary.
fn truncated(field: &str) -> &[u8] {
    let mut end = field.len().min(MAX_FIELD);
    while !field.is_char_boundary(end) {
        end -= 1;
    }
    &field.as_bytes()[..end]
}

/// Zero checksum: the bytes and it add up to 0 modulo 256.
fn checksum(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |sum, b| sum.wrapping_add(*b))
        .wrapping_neg()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(bytes: &[u8]) -> u8 {
        bytes.iter().fold(0u8, |s, b| s.wrapping_add(*b))
    }

    #[test]
    fn the_image_has_a_checked_header_and_a_product_area_with_the_fields() {
        let identity = Identity {
            name: "node01".into(),
            manufacturer: "Acme".into(),
            model: "R-100".into(),
            serial_number: "SN123".into(),
            ..Identity::default()
        };
        let image = image(&identity);
        assert_eq!(sum(&image[..8]), 0);
        assert_eq!(image[4], 1, "the product area starts at 8 bytes");
        let area = &image[8..];
        assert_eq!(area.len(), usize::from(area[1]) * 8);
        assert_eq!(sum(area), 0);
        assert_eq!(&area[3..8], b"\xC4Acme");
        assert_eq!(&area[8..15], b"\xC6node01");
        assert_eq!(&area[15..21], b"\xC5R-100");
        assert_eq!(&area[21..28], b"\xC0\xC5SN123");
    }

    #[test]
    fn long_or_multibyte_fields_are_cut_to_63_bytes_on_a_character_boundary() {
        let name = "é".repeat(40);
        assert_eq!(truncated(&name).len(), 62);
        let identity = Identity {
            name,
            ..Identity::default()
        };
        let image = image(&identity);
        assert_eq!(sum(&image[8..]), 0);
    }
}
