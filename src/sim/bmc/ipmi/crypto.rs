//! RMCP+ cryptography for the two cipher suites the simulated BMC speaks (IPMI v2.0 §13.28–
//! 13.32): the RAKP HMACs keyed with the user's password (Kuid), the session integrity key
//! (SIK) and the keys derived from it (K1 signs packets, the first 16 bytes of K2 encrypt
//! them), integrity check values (an HMAC truncated to 12 or 16 bytes), and AES-CBC-128 with
//! the IV in front of the ciphertext and IPMI's own padding (bytes 1, 2, 3… then the pad
//! length) inside it.

use aes::Aes128;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// Authentication algorithm numbers (Open Session Request, Get Channel Cipher Suites).
pub const AUTH_HMAC_SHA1: u8 = 0x01;
pub const AUTH_HMAC_SHA256: u8 = 0x03;
/// Integrity algorithm numbers.
pub const INTEGRITY_HMAC_SHA1_96: u8 = 0x01;
pub const INTEGRITY_HMAC_SHA256_128: u8 = 0x04;
/// Confidentiality algorithm numbers.
pub const CONFIDENTIALITY_AES_CBC_128: u8 = 0x01;

const AES_BLOCK: usize = 16;

/// A cipher suite the BMC accepts. Suite 0 (no authentication) and the MD5 and RC4 suites
/// are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherSuite {
    /// RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128.
    Three,
    /// RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128.
    Seventeen,
}

/// Why proposed algorithms were refused, as the RMCP+ status code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Authentication,
    Integrity,
    Confidentiality,
    /// Each algorithm is known but no suite combines them.
    NoSuite,
}

impl CipherSuite {
    pub const ALL: [CipherSuite; 2] = [CipherSuite::Three, CipherSuite::Seventeen];

    pub fn id(self) -> u8 {
        match self {
            CipherSuite::Three => 3,
            CipherSuite::Seventeen => 17,
        }
    }

    /// Authentication, integrity and confidentiality algorithm numbers.
    pub fn algorithms(self) -> [u8; 3] {
        match self {
            CipherSuite::Three => [
                AUTH_HMAC_SHA1,
                INTEGRITY_HMAC_SHA1_96,
                CONFIDENTIALITY_AES_CBC_128,
            ],
            CipherSuite::Seventeen => [
                AUTH_HMAC_SHA256,
                INTEGRITY_HMAC_SHA256_128,
                CONFIDENTIALITY_AES_CBC_128,
            ],
        }
    }

    /// The suite made of exactly these algorithms.
    pub fn matching(algorithms: [u8; 3]) -> Result<CipherSuite, Refusal> {
        if let Some(suite) = CipherSuite::ALL
            .into_iter()
            .find(|s| s.algorithms() == algorithms)
        {
            return Ok(suite);
        }
        let [auth, integrity, confidentiality] = algorithms;
        Err(if ![AUTH_HMAC_SHA1, AUTH_HMAC_SHA256].contains(&auth) {
            Refusal::Authentication
        } else if ![INTEGRITY_HMAC_SHA1_96, INTEGRITY_HMAC_SHA256_128].contains(&integrity) {
            Refusal::Integrity
        } else if confidentiality != CONFIDENTIALITY_AES_CBC_128 {
            Refusal::Confidentiality
        } else {
            Refusal::NoSuite
        })
    }

    /// The RAKP HMAC (full length) of the concatenated `parts`.
    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        match self {
            CipherSuite::Three => mac::<Hmac<Sha1>>(key, parts).finalize().into_bytes().to_vec(),
            CipherSuite::Seventeen => mac::<Hmac<Sha256>>(key, parts).finalize().into_bytes().to_vec(),
        }
    }

    /// Whether `tag` is the RAKP HMAC of `parts` (compared in constant time).
    pub fn verify(self, key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
        match self {
            CipherSuite::Three => mac::<Hmac<Sha1>>(key, parts).verify_slice(tag).is_ok(),
            CipherSuite::Seventeen => mac::<Hmac<Sha256>>(key, parts).verify_slice(tag).is_ok(),
        }
    }

    /// Length of an integrity check value: HMAC-SHA1-96 or HMAC-SHA256-128.
    pub fn icv_len(self) -> usize {
        match self {
            CipherSuite::Three => 12,
            CipherSuite::Seventeen => 16,
        }
    }

    /// The HMAC of `parts` truncated to an integrity check value.
    fn icv(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut tag = self.hmac(key, parts);
        tag.truncate(self.icv_len());
        tag
    }

    fn verify_icv(self, key: &[u8], parts: &[&[u8]], icv: &[u8]) -> bool {
        icv.len() == self.icv_len()
            && match self {
                CipherSuite::Three => mac::<Hmac<Sha1>>(key, parts).verify_truncated_left(icv).is_ok(),
                CipherSuite::Seventeen => mac::<Hmac<Sha256>>(key, parts).verify_truncated_left(icv).is_ok(),
            }
    }
}

fn mac<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> M {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part);
    }
    mac
}

/// Kuid: the password as IPMI keys with it, in a 20-byte field padded with zeros (longer
/// passwords are cut there, as consoles do).
pub fn user_key(password: &str) -> [u8; 20] {
    let mut key = [0u8; 20];
    let bytes = password.as_bytes();
    let n = bytes.len().min(key.len());
    key[..n].copy_from_slice(&bytes[..n]);
    key
}

/// One session's keys, derived once RAKP 3 proved the console knows the password. Not
/// `Debug`: keys stay out of logs.
pub struct SessionKeys {
    suite: CipherSuite,
    sik: Vec<u8>,
    k1: Vec<u8>,
    k2: Vec<u8>,
}

/// What the session integrity key is computed over: both random numbers, the role byte as
/// the console sent it in RAKP 1, and the user name.
pub struct KeyExchange<'a> {
    pub console_random: &'a [u8; 16],
    pub bmc_random: &'a [u8; 16],
    pub role: u8,
    pub user: &'a [u8],
}

impl SessionKeys {
    /// SIK = HMAC(Kuid, Rm | Rc | ROLEm | ULENm | UNAMEm) (no BMC key Kg is set), K1 and K2 =
    /// HMAC(SIK, 20 bytes of 0x01 / 0x02).
    pub fn derive(suite: CipherSuite, kuid: &[u8], exchange: &KeyExchange) -> SessionKeys {
        let user_len = [u8::try_from(exchange.user.len()).unwrap_or(u8::MAX)];
        let sik = suite.hmac(
            kuid,
            &[
                exchange.console_random,
                exchange.bmc_random,
                &[exchange.role],
                &user_len,
                exchange.user,
            ],
        );
        let k1 = suite.hmac(&sik, &[&[0x01; 20]]);
        let k2 = suite.hmac(&sik, &[&[0x02; 20]]);
        SessionKeys { suite, sik, k1, k2 }
    }

    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// RAKP 4's integrity check value: HMAC(SIK, Rm | SIDc | GUIDc), truncated.
    pub fn rakp4_icv(&self, console_random: &[u8; 16], bmc_session: u32, guid: &[u8; 16]) -> Vec<u8> {
        self.suite
            .icv(&self.sik, &[console_random, &bmc_session.to_le_bytes(), guid])
    }

    /// A packet's integrity check value over `covered` (auth type byte through next header).
    pub fn packet_icv(&self, covered: &[u8]) -> Vec<u8> {
        self.suite.icv(&self.k1, &[covered])
    }

    pub fn verify_packet(&self, covered: &[u8], icv: &[u8]) -> bool {
        self.suite.verify_icv(&self.k1, &[covered], icv)
    }

    fn aes_key(&self) -> &[u8] {
        &self.k2[..16]
    }

    /// IV, then `plain` with pad bytes 1, 2, … and the pad length, encrypted.
    pub fn encrypt(&self, plain: &[u8], iv: [u8; AES_BLOCK]) -> Vec<u8> {
        let pad = (AES_BLOCK - (plain.len() + 1) % AES_BLOCK) % AES_BLOCK;
        let mut out = Vec::with_capacity(AES_BLOCK + plain.len() + pad + 1);
        out.extend_from_slice(&iv);
        out.extend_from_slice(plain);
        out.extend(1..=pad as u8);
        out.push(pad as u8);
        let mut cipher = cbc::Encryptor::<Aes128>::new(self.aes_key().into(), &iv.into());
        for block in out[AES_BLOCK..].chunks_exact_mut(AES_BLOCK) {
            cipher.encrypt_block_mut(aes::Block::from_mut_slice(block));
        }
        out
    }

    /// The payload inside an encrypted one, or `None` when its length or padding is wrong.
    pub fn decrypt(&self, data: &[u8]) -> Option<Vec<u8>> {
        if data.len() < 2 * AES_BLOCK || !data.len().is_multiple_of(AES_BLOCK) {
            return None;
        }
        let (iv, body) = data.split_at(AES_BLOCK);
        let mut cipher = cbc::Decryptor::<Aes128>::new(self.aes_key().into(), iv.into());
        let mut plain = body.to_vec();
        for block in plain.chunks_exact_mut(AES_BLOCK) {
            cipher.decrypt_block_mut(aes::Block::from_mut_slice(block));
        }
        let pad = usize::from(*plain.last()?);
        let end = plain.len().checked_sub(pad + 1)?;
        let well_padded = plain[end..plain.len() - 1]
            .iter()
            .zip(1u8..)
            .all(|(&b, i)| b == i);
        if pad >= AES_BLOCK || !well_padded {
            return None;
        }
        plain.truncate(end);
        Some(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 2202 test case 2 and RFC 4231 test case 2: the HMACs are the standard ones.
    #[test]
    fn hmacs_match_the_rfc_vectors() {
        let sha1 = CipherSuite::Three.hmac(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(hex(&sha1), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
        let sha256 = CipherSuite::Seventeen.hmac(b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(
            hex(&sha256),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(CipherSuite::Three.verify(b"Jefe", &[b"what do ya want for nothing?"], &sha1));
        assert!(!CipherSuite::Three.verify(b"jefe", &[b"what do ya want for nothing?"], &sha1));
    }

    #[test]
    fn the_user_key_is_the_password_in_twenty_zero_padded_bytes() {
        assert_eq!(&user_key("admin")[..6], b"admin\0");
        assert_eq!(
            user_key("a-password-longer-than-twenty"),
            *b"a-password-longer-th"
        );
        // HMAC pads short keys with zeros, so the padded field keys the same HMAC as the bare
        // password: consoles may use either.
        let suite = CipherSuite::Seventeen;
        assert_eq!(suite.hmac(&user_key("pw"), &[b"x"]), suite.hmac(b"pw", &[b"x"]));
    }

    #[test]
    fn suites_are_found_by_their_algorithms_and_others_refused_with_the_reason() {
        assert_eq!(CipherSuite::matching([1, 1, 1]), Ok(CipherSuite::Three));
        assert_eq!(CipherSuite::matching([3, 4, 1]), Ok(CipherSuite::Seventeen));
        assert_eq!(CipherSuite::matching([0, 0, 0]), Err(Refusal::Authentication));
        assert_eq!(CipherSuite::matching([2, 2, 1]), Err(Refusal::Authentication));
        assert_eq!(CipherSuite::matching([1, 0, 0]), Err(Refusal::Integrity));
        assert_eq!(CipherSuite::matching([1, 1, 0]), Err(Refusal::Confidentiality));
        assert_eq!(CipherSuite::matching([1, 4, 1]), Err(Refusal::NoSuite));
    }

    fn keys(suite: CipherSuite) -> SessionKeys {
        let exchange = KeyExchange {
            console_random: &[7; 16],
            bmc_random: &[9; 16],
            role: 0x14,
            user: b"admin",
        };
        SessionKeys::derive(suite, &user_key("password"), &exchange)
    }

    #[test]
    fn encryption_round_trips_with_ipmi_padding_for_every_length() {
        for suite in CipherSuite::ALL {
            let keys = keys(suite);
            for len in 0..40 {
                let plain: Vec<u8> = (0..len as u8).collect();
                let sealed = keys.encrypt(&plain, [len as u8; 16]);
                assert_eq!(sealed.len() % 16, 0);
                assert_eq!(&sealed[..16], &[len as u8; 16], "the IV goes first");
                assert_eq!(keys.decrypt(&sealed), Some(plain));
            }
        }
    }

    #[test]
    fn tampered_or_truncated_ciphertext_is_refused_not_a_panic() {
        let keys = keys(CipherSuite::Three);
        let sealed = keys.encrypt(b"twelve bytes", [1; 16]);
        for cut in 0..sealed.len() {
            assert_eq!(keys.decrypt(&sealed[..cut]), None);
        }
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 0x55;
        assert_ne!(keys.decrypt(&flipped).as_deref(), Some(&b"twelve bytes"[..]));
    }

    #[test]
    fn packet_icvs_are_truncated_per_suite_and_verified() {
        for (suite, len) in [(CipherSuite::Three, 12), (CipherSuite::Seventeen, 16)] {
            let keys = keys(suite);
            let icv = keys.packet_icv(b"covered bytes");
            assert_eq!(icv.len(), len);
            assert!(keys.verify_packet(b"covered bytes", &icv));
            assert!(!keys.verify_packet(b"covered bytez", &icv));
            assert!(!keys.verify_packet(b"covered bytes", &icv[..len - 1]));
            assert_eq!(keys.rakp4_icv(&[7; 16], 42, &[3; 16]).len(), len);
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
