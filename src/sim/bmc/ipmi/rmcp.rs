//! Framing: the RMCP header (IPMI v2.0 §13.1: version 6, sequence, class 0x07 IPMI or 0x06
//! ASF), the ASF presence ping and its pong, the IPMI 1.5 session header (only without
//! authentication, for commands outside a session), the IPMI 2.0 / RMCP+ session header
//! with its integrity trailer (§13.6), and the IPMI LAN message inside (§13.8: addresses,
//! netFn, sequence, command, two checksums). Parsing never panics: anything short or
//! inconsistent is `None`, and the caller drops the datagram.

const RMCP_VERSION: u8 = 0x06;
const RMCP_NO_ACK: u8 = 0xFF;
const CLASS_ASF: u8 = 0x06;
const CLASS_IPMI: u8 = 0x07;
/// The ASF IANA enterprise number, in pings and pongs.
const ASF_IANA: [u8; 4] = 4542u32.to_be_bytes();
const ASF_PING: u8 = 0x80;
const ASF_PONG: u8 = 0x40;
/// A pong's "supported entities": IPMI, and ASF version 1.0.
const ASF_SUPPORTS_IPMI: u8 = 0x81;
const AUTH_TYPE_NONE: u8 = 0x00;
const AUTH_TYPE_RMCP_PLUS: u8 = 0x06;
/// The session trailer's "next header", fixed by the spec.
const NEXT_HEADER: u8 = 0x07;
const INTEGRITY_PAD: u8 = 0xFF;
/// RMCP header and the IPMI 2.0 session header up to the payload.
const V20_HEADER_LEN: usize = 16;

/// RMCP+ payload types (bits 5:0 of the payload type byte).
pub const PAYLOAD_IPMI: u8 = 0x00;
pub const PAYLOAD_OPEN_SESSION_REQUEST: u8 = 0x10;
pub const PAYLOAD_OPEN_SESSION_RESPONSE: u8 = 0x11;
pub const PAYLOAD_RAKP_1: u8 = 0x12;
pub const PAYLOAD_RAKP_2: u8 = 0x13;
pub const PAYLOAD_RAKP_3: u8 = 0x14;
pub const PAYLOAD_RAKP_4: u8 = 0x15;
/// OEM explicit payloads carry six more header bytes; none is supported.
const PAYLOAD_OEM_EXPLICIT: u8 = 0x02;

/// The BMC's own address on the IPMB, and the LUN it answers on.
const BMC_ADDRESS: u8 = 0x20;

/// A datagram the BMC answers.
#[derive(Debug, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// An ASF presence ping, with its message tag.
    Ping { tag: u8 },
    /// An IPMI message under an IPMI 1.5 session header without authentication and with
    /// session ID 0: a command outside any session.
    Unauthenticated15 { message: &'a [u8] },
    /// An IPMI 2.0 / RMCP+ packet.
    Plus(PlusPacket<'a>),
}

/// The IPMI 2.0 session header's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionHeader {
    pub payload_type: u8,
    pub encrypted: bool,
    pub authenticated: bool,
    pub session_id: u32,
    pub sequence: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub struct PlusPacket<'a> {
    pub header: SessionHeader,
    pub payload: &'a [u8],
    /// From the auth type byte to the end of the datagram (what integrity covers).
    session_part: &'a [u8],
    /// What follows the payload.
    trailer: &'a [u8],
}

impl<'a> PlusPacket<'a> {
    /// The bytes the integrity check value covers and the value itself, when the trailer is
    /// integrity pad (0xFF), pad length, next header (0x07) and an `icv_len`-byte value.
    pub fn integrity(&self, icv_len: usize) -> Option<(&'a [u8], &'a [u8])> {
        let split = self.trailer.len().checked_sub(icv_len)?;
        let (rest, icv) = self.trailer.split_at(split);
        let (&next_header, rest) = rest.split_last()?;
        let (&pad_len, pad) = rest.split_last()?;
        if next_header != NEXT_HEADER
            || pad.len() != usize::from(pad_len)
            || pad.iter().any(|&b| b != INTEGRITY_PAD)
        {
            return None;
        }
        let covered = &self.session_part[..self.session_part.len() - icv_len];
        Some((covered, icv))
    }
}

/// What a datagram is, or `None` for anything the BMC does not answer (malformed, an RMCP
/// ACK, an IPMI 1.5 session, an OEM payload).
pub fn parse(datagram: &[u8]) -> Option<Datagram<'_>> {
    let (&[version, _, _, class], rest) = datagram.split_first_chunk::<4>()?;
    // Bit 7 of the class marks an RMCP ACK, which needs no answer.
    if version != RMCP_VERSION || class & 0x80 != 0 {
        return None;
    }
    match class {
        CLASS_ASF => parse_asf(rest),
        CLASS_IPMI => match *rest.first()? {
            AUTH_TYPE_RMCP_PLUS => parse_plus(datagram),
            AUTH_TYPE_NONE => parse_15(rest),
            _ => None,
        },
        _ => None,
    }
}

fn parse_asf(asf: &[u8]) -> Option<Datagram<'_>> {
    let (&[i0, i1, i2, i3, kind, tag, _, _], _) = asf.split_first_chunk::<8>()?;
    (ASF_IANA == [i0, i1, i2, i3] && kind == ASF_PING).then_some(Datagram::Ping { tag })
}

fn parse_15(session: &[u8]) -> Option<Datagram<'_>> {
    // auth type, sequence (4), session ID (4), message length, message.
    let (header, rest) = session.split_first_chunk::<10>()?;
    if header[5..9] != [0, 0, 0, 0] {
        return None;
    }
    let message = rest.get(..usize::from(header[9]))?;
    Some(Datagram::Unauthenticated15 { message })
}

fn parse_plus(datagram: &[u8]) -> Option<Datagram<'_>> {
    let header = datagram.get(..V20_HEADER_LEN)?;
    let kind = header[5];
    let payload_type = kind & 0x3F;
    if payload_type == PAYLOAD_OEM_EXPLICIT {
        return None;
    }
    let le32 = |at: usize| u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    let payload_len = usize::from(u16::from_le_bytes([header[14], header[15]]));
    let end = V20_HEADER_LEN.checked_add(payload_len)?;
    Some(Datagram::Plus(PlusPacket {
        header: SessionHeader {
            payload_type,
            encrypted: kind & 0x80 != 0,
            authenticated: kind & 0x40 != 0,
            session_id: le32(6),
            sequence: le32(10),
        },
        payload: datagram.get(V20_HEADER_LEN..end)?,
        session_part: &datagram[4..],
        trailer: &datagram[end..],
    }))
}

fn rmcp_header(class: u8) -> Vec<u8> {
    vec![RMCP_VERSION, 0, RMCP_NO_ACK, class]
}

/// The pong answering a presence ping.
pub fn pong(tag: u8) -> Vec<u8> {
    let mut out = rmcp_header(CLASS_ASF);
    out.extend_from_slice(&ASF_IANA);
    out.extend_from_slice(&[ASF_PONG, tag, 0, 16]);
    out.extend_from_slice(&ASF_IANA);
    out.extend_from_slice(&[0; 4]); // OEM-defined
    out.extend_from_slice(&[ASF_SUPPORTS_IPMI, 0]);
    out.extend_from_slice(&[0; 6]);
    out
}

/// An IPMI message under an IPMI 1.5 session header without authentication.
pub fn unauthenticated_15(message: &[u8]) -> Vec<u8> {
    let mut out = rmcp_header(CLASS_IPMI);
    out.push(AUTH_TYPE_NONE);
    out.extend_from_slice(&[0; 8]); // sequence, session ID
    out.push(u8::try_from(message.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(message);
    out
}

/// An IPMI 2.0 packet up to the end of its payload; an authenticated one still needs
/// [`seal`].
pub fn plus(header: &SessionHeader, payload: &[u8]) -> Vec<u8> {
    let mut out = rmcp_header(CLASS_IPMI);
    out.push(AUTH_TYPE_RMCP_PLUS);
    out.push(
        header.payload_type
            | if header.encrypted { 0x80 } else { 0 }
            | if header.authenticated { 0x40 } else { 0 },
    );
    out.extend_from_slice(&header.session_id.to_le_bytes());
    out.extend_from_slice(&header.sequence.to_le_bytes());
    out.extend_from_slice(&u16::try_from(payload.len()).unwrap_or(u16::MAX).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Appends the integrity trailer to a packet from [`plus`]: pad so that the bytes from the
/// auth type through the next header are a multiple of 4, the pad length, the next header,
/// then `icv` of all of that.
pub fn seal(packet: &mut Vec<u8>, icv: impl FnOnce(&[u8]) -> Vec<u8>) {
    let pad = (4 - (packet.len() - 4 + 2) % 4) % 4;
    packet.extend(std::iter::repeat_n(INTEGRITY_PAD, pad));
    packet.push(pad as u8);
    packet.push(NEXT_HEADER);
    let value = icv(&packet[4..]);
    packet.extend_from_slice(&value);
}

/// An IPMI request message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub netfn: u8,
    pub cmd: u8,
    pub data: &'a [u8],
    rs_lun: u8,
    rq_addr: u8,
    /// The requester's sequence number and LUN, echoed in the response.
    rq_seq_lun: u8,
}

/// Two's complement checksum: the bytes and it add up to zero.
fn checksum(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |sum, b| sum.wrapping_add(*b))
        .wrapping_neg()
}

impl<'a> Request<'a> {
    /// rsAddr, netFn/rsLUN, checksum, rqAddr, rqSeq/rqLUN, cmd, data, checksum; `None` when
    /// short, a checksum is wrong, it is not for the BMC or it is a response.
    pub fn parse(message: &'a [u8]) -> Option<Request<'a>> {
        let (&[rs_addr, netfn_lun, check, rq_addr, rq_seq_lun, cmd], rest) =
            message.split_first_chunk::<6>()?;
        let (_, data) = rest.split_last()?;
        let netfn = netfn_lun >> 2;
        let sound = checksum(&[rs_addr, netfn_lun]) == check
            && checksum(&message[3..message.len() - 1]) == message[message.len() - 1];
        (sound && rs_addr == BMC_ADDRESS && netfn % 2 == 0).then_some(Request {
            netfn,
            cmd,
            data,
            rs_lun: netfn_lun & 0x03,
            rq_addr,
            rq_seq_lun,
        })
    }

    /// The response message with this completion code and data.
    pub fn respond(&self, completion: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![self.rq_addr, ((self.netfn | 1) << 2) | (self.rq_seq_lun & 0x03)];
        out.push(checksum(&out));
        let body_start = out.len();
        out.extend_from_slice(&[
            BMC_ADDRESS,
            (self.rq_seq_lun & !0x03) | self.rs_lun,
            self.cmd,
            completion,
        ]);
        out.extend_from_slice(data);
        out.push(checksum(&out[body_start..]));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Get Device ID as ipmitool sends it: rqSeq 5, from the remote console address 0x81.
    const GET_DEVICE_ID: [u8; 7] = [0x20, 0x18, 0xc8, 0x81, 0x14, 0x01, 0x6a];

    #[test]
    fn a_request_parses_and_its_response_echoes_sequence_and_addresses() {
        let request = Request::parse(&GET_DEVICE_ID).unwrap();
        assert_eq!((request.netfn, request.cmd, request.data), (0x06, 0x01, &[][..]));
        let response = request.respond(0x00, &[0xAB]);
        assert_eq!(
            response[..6],
            [0x81, 0x1c, checksum(&[0x81, 0x1c]), 0x20, 0x14, 0x01]
        );
        assert_eq!(response[6..8], [0x00, 0xAB]);
        assert_eq!(response.iter().skip(3).fold(0u8, |s, b| s.wrapping_add(*b)), 0);
    }

    #[test]
    fn a_request_with_a_bad_checksum_or_cut_short_is_refused() {
        for cut in 0..GET_DEVICE_ID.len() {
            assert_eq!(Request::parse(&GET_DEVICE_ID[..cut]), None);
        }
        let mut bad = GET_DEVICE_ID;
        bad[6] ^= 1;
        assert_eq!(Request::parse(&bad), None);
        let mut bad = GET_DEVICE_ID;
        bad[2] ^= 1;
        assert_eq!(Request::parse(&bad), None);
    }

    #[test]
    fn a_presence_ping_is_answered_by_a_pong_saying_ipmi() {
        let ping = [6, 0, 0xff, 6, 0, 0, 0x11, 0xbe, 0x80, 0x2a, 0, 0];
        assert_eq!(parse(&ping), Some(Datagram::Ping { tag: 0x2a }));
        let pong = pong(0x2a);
        assert_eq!(pong.len(), 4 + 8 + 16);
        assert_eq!(pong[8..10], [ASF_PONG, 0x2a]);
        assert_eq!(pong[20], ASF_SUPPORTS_IPMI);
    }

    #[test]
    fn an_ipmi_15_packet_outside_a_session_yields_its_message() {
        let mut packet = vec![
            6,
            0,
            0xff,
            7,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            GET_DEVICE_ID.len() as u8,
        ];
        packet.extend_from_slice(&GET_DEVICE_ID);
        assert_eq!(
            parse(&packet),
            Some(Datagram::Unauthenticated15 {
                message: &GET_DEVICE_ID
            })
        );
        assert_eq!(unauthenticated_15(&GET_DEVICE_ID), packet);
        // A 1.5 session (non-zero session ID) is not supported.
        packet[9] = 1;
        assert_eq!(parse(&packet), None);
    }

    #[test]
    fn sealed_plus_packets_round_trip_with_a_four_byte_aligned_trailer() {
        for payload_len in 0..8 {
            let header = SessionHeader {
                payload_type: PAYLOAD_IPMI,
                encrypted: true,
                authenticated: true,
                session_id: 0x0102_0304,
                sequence: 9,
            };
            let payload = vec![0x55; payload_len];
            let mut packet = plus(&header, &payload);
            seal(&mut packet, |covered| {
                assert_eq!(covered.len() % 4, 0);
                vec![0xAA; 12]
            });
            let Some(Datagram::Plus(parsed)) = parse(&packet) else {
                panic!("not parsed")
            };
            assert_eq!(parsed.header, header);
            assert_eq!(parsed.payload, &payload[..]);
            let (covered, icv) = parsed.integrity(12).unwrap();
            assert_eq!(icv, &[0xAA; 12]);
            assert_eq!(covered, &packet[4..packet.len() - 12]);
            assert_eq!(
                parsed.integrity(16),
                None,
                "a trailer for another ICV length does not fit"
            );
        }
    }

    #[test]
    fn truncated_plus_packets_are_refused() {
        let header = SessionHeader {
            payload_type: PAYLOAD_OPEN_SESSION_REQUEST,
            encrypted: false,
            authenticated: false,
            session_id: 0,
            sequence: 0,
        };
        let packet = plus(&header, &[1; 32]);
        for cut in 0..packet.len() {
            assert_eq!(parse(&packet[..cut]), None, "cut at {cut}");
        }
    }
}
