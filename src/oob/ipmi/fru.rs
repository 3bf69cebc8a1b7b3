//! The FRU inventory format (Platform Management FRU Information Storage Definition v1.0):
//! an 8-byte common header pointing at the chassis, board and product info areas, each a
//! run of type/length-prefixed strings. Only the fields an operator compares are read.
//! Damaged data (bad checksum, offsets past the end) is an error for that area only.

use serde_json::{Map, Value};

pub const HEADER_LEN: usize = 8;

/// What is wrong with a FRU header or area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FruError(pub String);

/// Where the info areas start, in bytes from the start of the FRU data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    pub chassis: Option<usize>,
    pub board: Option<usize>,
    pub product: Option<usize>,
}

fn checksum_ok(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b)) == 0
}

/// Byte 0 the format version (1), bytes 2–4 the chassis, board and product offsets in
/// multiples of 8 (0: absent), byte 7 the checksum.
pub fn parse_header(bytes: &[u8]) -> Result<Header, FruError> {
    let Some(header) = bytes.get(..HEADER_LEN) else {
        return Err(FruError(format!(
            "the FRU header has {} bytes, not 8",
            bytes.len()
        )));
    };
    if header[0] & 0x0F != 0x01 {
        return Err(FruError(format!(
            "FRU format version {} is not 1",
            header[0] & 0x0F
        )));
    }
    if !checksum_ok(header) {
        return Err(FruError("the FRU header's checksum is wrong".into()));
    }
    let at = |i: usize| (header[i] != 0).then(|| usize::from(header[i]) * 8);
    Ok(Header {
        chassis: at(2),
        board: at(3),
        product: at(4),
    })
}

/// An area's length from its first two bytes (version, length in multiples of 8).
pub fn area_len(first: &[u8]) -> Result<usize, FruError> {
    match first {
        [version, len, ..] if version & 0x0F == 0x01 && *len > 0 => Ok(usize::from(*len) * 8),
        [version, ..] if version & 0x0F != 0x01 => Err(FruError(format!(
            "FRU area format version {} is not 1",
            version & 0x0F
        ))),
        _ => Err(FruError("a FRU area has no length".into())),
    }
}

/// The type/length-prefixed fields of an area, from `start`, up to the end marker (0xC1).
/// A field cut off by the area's end ends the list.
fn fields(area: &[u8], start: usize) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut at = start;
    while let Some(&type_len) = area.get(at) {
        if type_len == 0xC1 {
            break;
        }
        let len = usize::from(type_len & 0x3F);
        let Some(bytes) = area.get(at + 1..at + 1 + len) else {
            break;
        };
        out.push(decode_field(type_len >> 6, bytes));
        at += 1 + len;
    }
    out
}

/// Type 3: 8-bit ASCII/Latin-1; 2: 6-bit packed ASCII; 1: BCD plus; 0: binary, shown as
/// hex. Empty or blank fields are absent.
fn decode_field(kind: u8, bytes: &[u8]) -> Option<String> {
    let text: String = match kind {
        3 => bytes.iter().map(|&b| char::from(b)).collect(),
        2 => bytes
            .chunks(3)
            .flat_map(|c| {
                let bits = u32::from(c[0])
                    | u32::from(*c.get(1).unwrap_or(&0)) << 8
                    | u32::from(*c.get(2).unwrap_or(&0)) << 16;
                let chars = (c.len() * 8) / 6;
                (0..chars).map(move |i| char::from(((bits >> (6 * i)) & 0x3F) as u8 + 0x20))
            })
            .collect(),
        1 => bytes
            .iter()
            .flat_map(|b| [b >> 4, b & 0x0F])
            .map(|d| match d {
                0..=9 => char::from(b'0' + d),
                0xA => ' ',
                0xB => '-',
                0xC => '.',
                _ => '?',
            })
            .collect(),
        _ => bytes.iter().map(|b| format!("{b:02x}")).collect(),
    };
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!text.is_empty()).then(|| text.to_string())
}

fn checked<'a>(area: &'a [u8], name: &str) -> Result<&'a [u8], FruError> {
    let len = area_len(area)?;
    let Some(area) = area.get(..len) else {
        return Err(FruError(format!(
            "the FRU {name} area says {len} bytes but {} were read",
            area.len()
        )));
    };
    if !checksum_ok(area) {
        return Err(FruError(format!("the FRU {name} area's checksum is wrong")));
    }
    Ok(area)
}

/// The named fields of one area, absent ones left out.
fn named(names: &[&str], values: Vec<Option<String>>) -> Map<String, Value> {
    names
        .iter()
        .zip(values)
        .filter_map(|(name, value)| Some((name.to_string(), Value::String(value?))))
        .collect()
}

/// Chassis info: version, length, chassis type, then part number and serial number.
pub fn parse_chassis(area: &[u8]) -> Result<Map<String, Value>, FruError> {
    let area = checked(area, "chassis")?;
    Ok(named(&["part_number", "serial_number"], fields(area, 3)))
}

/// Board info: version, length, language, manufacturing date (3 bytes), then
/// manufacturer, product name, serial number, part number.
pub fn parse_board(area: &[u8]) -> Result<Map<String, Value>, FruError> {
    let area = checked(area, "board")?;
    Ok(named(
        &["manufacturer", "product_name", "serial_number", "part_number"],
        fields(area, 6),
    ))
}

/// Product info: version, length, language, then manufacturer, product name, part/model
/// number, version, serial number, asset tag.
pub fn parse_product(area: &[u8]) -> Result<Map<String, Value>, FruError> {
    let area = checked(area, "product")?;
    Ok(named(
        &[
            "manufacturer",
            "product_name",
            "part_number",
            "version",
            "serial_number",
            "asset_tag",
        ],
        fields(area, 3),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The FRU the integration tests load into ipmi_sim (`ipmitool fru print` reads it as
    /// Board Mfg `Acme`, Product Name `Server 9000`, …).
    const FRU: &[u8; 104] = include_bytes!("../../../tests/fixtures/ipmi/fru.bin");

    fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
        map.get(key).and_then(Value::as_str).map(str::to_string)
    }

    #[test]
    fn board_and_product_areas_are_read() {
        let header = parse_header(FRU).unwrap();
        assert_eq!(
            header,
            Header {
                chassis: None,
                board: Some(8),
                product: Some(48)
            }
        );
        let board = parse_board(&FRU[8..]).unwrap();
        assert_eq!(text(&board, "manufacturer").as_deref(), Some("Acme"));
        assert_eq!(text(&board, "product_name").as_deref(), Some("Board X1"));
        assert_eq!(text(&board, "serial_number").as_deref(), Some("BSN123"));
        assert_eq!(text(&board, "part_number").as_deref(), Some("BPN-9"));
        let product = parse_product(&FRU[48..]).unwrap();
        assert_eq!(text(&product, "manufacturer").as_deref(), Some("Acme Corp"));
        assert_eq!(text(&product, "product_name").as_deref(), Some("Server 9000"));
        assert_eq!(text(&product, "version").as_deref(), Some("v2"));
        assert_eq!(text(&product, "serial_number").as_deref(), Some("PSN-42"));
        assert_eq!(text(&product, "asset_tag").as_deref(), Some("asset7"));
        assert_eq!(area_len(&FRU[48..]), Ok(56));
    }

    #[test]
    fn damaged_data_is_an_error_not_a_panic() {
        let mut bad = *FRU;
        bad[7] ^= 1;
        assert!(parse_header(&bad).unwrap_err().0.contains("checksum"));
        bad = *FRU;
        bad[20] ^= 1;
        assert!(
            parse_board(&bad[8..])
                .unwrap_err()
                .0
                .contains("board area's checksum")
        );
        assert!(
            parse_board(&FRU[8..20])
                .unwrap_err()
                .0
                .contains("says 40 bytes but 12")
        );
        assert!(parse_header(&FRU[..5]).is_err());
        assert!(
            parse_header(&[0x02, 0, 0, 0, 0, 0, 0, 0xFE])
                .unwrap_err()
                .0
                .contains("version 2")
        );
        assert!(area_len(&[0x01, 0x00]).is_err());
        assert!(area_len(&[0x01]).is_err());
        // Every prefix and every single-byte corruption of the blob parses or fails cleanly.
        for cut in 0..FRU.len() {
            let _ = parse_header(&FRU[..cut]);
            let _ = parse_board(&FRU[8.min(cut)..cut]);
            let _ = parse_product(&FRU[48.min(cut)..cut]);
        }
        for at in 0..FRU.len() {
            let mut b = *FRU;
            b[at] = 0xFF;
            let _ = parse_board(&b[8..]);
            let _ = parse_product(&b[48..]);
        }
    }

    #[test]
    fn field_encodings() {
        assert_eq!(decode_field(3, b"Acme  \0"), Some("Acme".into()));
        assert_eq!(decode_field(3, b""), None);
        // "IPMI" packed 6 bits a character: I=0x29, P=0x30, M=0x2D, I=0x29.
        assert_eq!(decode_field(2, &[0x29, 0xDC, 0xA6]), Some("IPMI".into()));
        assert_eq!(decode_field(1, &[0x12, 0xB3, 0xCA]), Some("12-3.".into()));
        assert_eq!(decode_field(0, &[0xDE, 0xAD]), Some("dead".into()));
    }

    #[test]
    fn a_short_area_ends_at_its_end_marker() {
        // Board area with manufacturer only, then the end marker.
        let mut area = vec![
            0x01, 0x02, 0x19, 0, 0, 0, 0xC2, b'H', b'P', 0xC1, 0, 0, 0, 0, 0, 0,
        ];
        let sum = area.iter().fold(0u8, |s, b| s.wrapping_add(*b));
        area[15] = sum.wrapping_neg();
        let board = parse_board(&area).unwrap();
        assert_eq!(text(&board, "manufacturer").as_deref(), Some("HP"));
        assert_eq!(board.len(), 1);
    }
}
