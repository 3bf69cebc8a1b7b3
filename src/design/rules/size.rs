//! Drydock validator's simple size parser (DD1001), which differs from the MAAS driver's:
//! `<n>m|mb|g|gb|t|tb` (any case) in decimal units; `%`, `>` and binary units do not parse,
//! except that matching stops before an `i`, so `1GiB` reads as `1G`.

pub fn simple_bytes(size: &str) -> Option<u64> {
    let digits = size.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let n: u64 = size[..digits].parse().ok()?;
    let unit: String = size[digits..]
        .chars()
        .take_while(|c| "mMbBgGtT".contains(*c))
        .take(2)
        .collect::<String>()
        .to_ascii_lowercase();
    let factor: u64 = match unit.as_str() {
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::simple_bytes;

    #[test]
    fn parses_like_drydock_validator() {
        assert_eq!(simple_bytes("30g"), Some(30_000_000_000));
        assert_eq!(simple_bytes("500MB"), Some(500_000_000));
        assert_eq!(simple_bytes("1GiB"), Some(1_000_000_000));
        assert_eq!(simple_bytes("2T"), Some(2_000_000_000_000));
        assert_eq!(simple_bytes("39%"), None);
        assert_eq!(simple_bytes(">100g"), None);
        assert_eq!(simple_bytes("100"), None);
        assert_eq!(simple_bytes("99999999999999999999g"), None);
    }
}
