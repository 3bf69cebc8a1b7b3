//! The IPMI v2.0 (RMCP+, "lanplus") driver: Drydock's IPMI operations as raw IPMI commands
//! (`commands.rs`) over an [`IpmiTransport`] (`ipmitool.rs` by default: one ipmitool shell and RMCP+ session per BMC, `shell.rs`). Every completion
//! code is checked: a BMC that says no fails the request even where ipmitool's own
//! high-level commands would report success.

mod commands;
mod completion;
mod fru;
mod ipmitool;
mod shell;
mod transport;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::{Bmc, Inventory, NextBoot, OobDriver, OobError, OobErrorKind, PowerRequest, PowerState};
use commands::{BootSelector, Call};
use completion::CompletionCode;
use transport::{IpmiTransport, Response};

pub use ipmitool::Ipmitool;

/// Bytes asked for in one Read FRU Data; ipmi_sim and most BMCs take 32 over LAN. A BMC
/// that finds it too many (0xC7, 0xC8, 0xCA) is asked for half, down to 8.
const FRU_CHUNK: u8 = 32;
const FRU_CHUNK_MIN: u8 = 8;

pub struct IpmiDriver {
    bmc: Bmc,
    transport: Box<dyn IpmiTransport>,
}

impl IpmiDriver {
    pub fn new(bmc: Bmc, transport: Box<dyn IpmiTransport>) -> IpmiDriver {
        IpmiDriver { bmc, transport }
    }

    fn error(&self, kind: OobErrorKind, message: String) -> OobError {
        OobError::new(kind, &self.bmc, message)
    }

    /// Sends `call` and returns the BMC's answer, whatever its completion code.
    async fn exchange(&self, call: &Call) -> Result<Response, OobError> {
        self.transport
            .send(&call.request())
            .await
            .map_err(|e| self.error(e.kind, format!("{}: {}", call.command.name, e.message)))
    }

    /// Sends `call` and returns the response data, or the completion code as an error.
    async fn call(&self, call: &Call) -> Result<Vec<u8>, OobError> {
        let response = self.exchange(call).await?;
        self.check(call, &response)?;
        Ok(response.data)
    }

    fn check(&self, call: &Call, response: &Response) -> Result<(), OobError> {
        if response.completion.is_ok() {
            return Ok(());
        }
        let (meaning, kind) = response.completion.resolve(call.command.specific);
        Err(self.error(
            kind,
            format!(
                "{} failed: completion code {} ({meaning})",
                call.command.name, response.completion
            ),
        ))
    }

    fn malformed(&self, m: commands::Malformed) -> OobError {
        self.error(OobErrorKind::Refused, m.0)
    }

    /// The FRU areas of the main FRU device, by area name; `None` when the BMC has no FRU
    /// data or refuses to give it (not every BMC keeps one).
    async fn fru(&self) -> Result<Option<Map<String, Value>>, OobError> {
        let info_call = commands::get_fru_area_info(commands::MAIN_FRU);
        let response = self.exchange(&info_call).await?;
        if let Err(e) = self.check(&info_call, &response) {
            if e.kind == OobErrorKind::Refused {
                tracing::debug!(node = %self.bmc.node, "no FRU: {}", e.message);
                return Ok(None);
            }
            return Err(e);
        }
        let info = commands::decode_fru_area_info(&response.data).map_err(|m| self.malformed(m))?;
        if info.by_words || usize::from(info.size) < fru::HEADER_LEN {
            tracing::debug!(node = %self.bmc.node, ?info, "FRU not read (word-addressed or empty)");
            return Ok(None);
        }
        let size = usize::from(info.size);
        let mut chunk = FRU_CHUNK;
        let header = self.read_fru(0, fru::HEADER_LEN, size, &mut chunk).await?;
        let header = match fru::parse_header(&header) {
            Ok(h) => h,
            Err(e) => {
                tracing::debug!(node = %self.bmc.node, "FRU not read: {}", e.0);
                return Ok(None);
            }
        };
        type Parse = fn(&[u8]) -> Result<Map<String, Value>, fru::FruError>;
        let areas: [(&str, Option<usize>, Parse); 3] = [
            ("chassis", header.chassis, fru::parse_chassis),
            ("board", header.board, fru::parse_board),
            ("product", header.product, fru::parse_product),
        ];
        let mut out = Map::new();
        for (name, offset, parse) in areas {
            let Some(offset) = offset else { continue };
            // The first chunk tells the area's length; most areas fit in it.
            let mut area = self
                .read_fru(offset, usize::from(chunk), size, &mut chunk)
                .await?;
            let parsed = match fru::area_len(&area) {
                Ok(len) => {
                    if area.len() < len {
                        let rest = self.read_fru(offset + area.len(), len - area.len(), size, &mut chunk);
                        area.extend(rest.await?);
                    }
                    parse(&area)
                }
                Err(e) => Err(e),
            };
            match parsed {
                Ok(fields) if !fields.is_empty() => {
                    out.insert(name.to_string(), Value::Object(fields));
                }
                Ok(_) => {}
                // A damaged area is left out; the others are still worth having.
                Err(e) => tracing::debug!(node = %self.bmc.node, "FRU {name} area skipped: {}", e.0),
            }
        }
        Ok(Some(out))
    }

    /// `len` bytes of FRU data from `offset` (fewer at the end of the device), in chunks
    /// the BMC accepts.
    async fn read_fru(
        &self,
        offset: usize,
        len: usize,
        size: usize,
        chunk: &mut u8,
    ) -> Result<Vec<u8>, OobError> {
        let end = (offset + len).min(size);
        let mut out = Vec::with_capacity(end.saturating_sub(offset));
        let mut at = offset;
        while at < end {
            let count = (*chunk as usize).min(end - at) as u8;
            // `at` < `size`, a u16.
            let call = commands::read_fru_data(commands::MAIN_FRU, at as u16, count);
            let response = self.exchange(&call).await?;
            if matches!(response.completion.0, 0xC7 | 0xC8 | 0xCA) && *chunk > FRU_CHUNK_MIN {
                *chunk /= 2;
                continue;
            }
            self.check(&call, &response)?;
            let data = commands::decode_fru_data(&response.data).map_err(|m| self.malformed(m))?;
            if data.is_empty() {
                break;
            }
            out.extend_from_slice(&data[..data.len().min(end - at)]);
            at += data.len();
        }
        Ok(out)
    }
}

#[async_trait]
impl OobDriver for IpmiDriver {
    async fn power_state(&self) -> Result<PowerState, OobError> {
        let data = self.call(&commands::get_chassis_status()).await?;
        commands::decode_chassis_status(&data).map_err(|m| self.malformed(m))
    }

    async fn request_power(&self, request: PowerRequest) -> Result<(), OobError> {
        self.call(&commands::chassis_control(request)).await.map(drop)
    }

    /// Keeps the flags valid past 60 s (parameter 3), writes the flags (parameter 5) and
    /// reads them back. Only the device is compared: some BMCs (ipmi_sim among them) keep
    /// the device and read the valid, persistent and EFI bits back as 0.
    async fn set_next_boot(&self, boot: NextBoot) -> Result<(), OobError> {
        let keep = commands::keep_boot_flags_valid();
        let response = self.exchange(&keep).await?;
        // Parameter 3 is optional in the specification; without it the flags still hold
        // until the power cycle that follows.
        if response.completion != CompletionCode(0x80) {
            self.check(&keep, &response)?;
        }
        self.call(&commands::set_boot_flags(boot)).await?;
        let data = self.call(&commands::get_boot_flags()).await?;
        let flags = commands::decode_boot_flags(&data).map_err(|m| self.malformed(m))?;
        let wanted = BootSelector::of(boot.device);
        if flags.selector != wanted {
            // Some BMCs apply the flags a moment later: the retry policy's backoff gives
            // them that time (Drydock waits 3 s before it reads back).
            return Err(self.error(
                OobErrorKind::Transient,
                format!(
                    "the BMC accepted boot device {wanted} but reads back {}",
                    flags.selector
                ),
            ));
        }
        Ok(())
    }

    async fn inventory(&self) -> Result<Inventory, OobError> {
        let data = self.call(&commands::get_device_id()).await?;
        let id = commands::decode_device_id(&data).map_err(|m| self.malformed(m))?;
        let mut inventory = Inventory {
            bmc_firmware: Some(id.firmware_revision()),
            ..Inventory::default()
        };
        let extra = &mut inventory.extra;
        extra.insert("device_id".into(), id.device_id.into());
        extra.insert("device_revision".into(), id.device_revision.into());
        extra.insert("firmware_revision".into(), id.firmware_revision().into());
        extra.insert("ipmi_version".into(), id.ipmi_version().into());
        extra.insert("manufacturer_id".into(), id.manufacturer_id.into());
        extra.insert("product_id".into(), id.product_id.into());
        if let Some(fru) = self.fru().await? {
            // The product area describes the machine as sold, the board area the
            // mainboard: prefer the first.
            let field = |key: &str| {
                ["product", "board", "chassis"]
                    .iter()
                    .find_map(|area| fru.get(*area)?.get(key)?.as_str().map(str::to_string))
            };
            inventory.manufacturer = field("manufacturer");
            inventory.model = field("product_name");
            inventory.serial_number = field("serial_number");
            if !fru.is_empty() {
                inventory.extra.insert("fru".into(), Value::Object(fru));
            }
        }
        Ok(inventory)
    }

    async fn close(&self) {
        self.transport.close().await;
    }
}

#[cfg(test)]
mod tests;
