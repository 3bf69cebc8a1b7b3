//! The Redfish driver (DMTF DSP0266): a BMC's one `ComputerSystem`, read and changed over
//! HTTPS.
//!
//! * `client.rs`: requests against the BMC's endpoint, authenticated, failures as
//!   [`OobError`]s; `session.rs`: the login, HTTP Basic where there are no sessions;
//!   `tls.rs`: the certificate check the design asks for; `wire.rs`: the resources' shapes.
//! * What does not change while a driver lives is found once and kept: the service root's
//!   session service, the system's URI, its reset action and the reset types it takes.
//!   After the first call, reading the power is one GET and asking for a change one POST
//!   (Drydock logs in, lists the systems and logs out around every call).

mod client;
mod session;
mod tls;
mod wire;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use tokio::sync::OnceCell;

use self::client::{Answer, Client};
use self::wire::{Collection, ResetAction, ServiceRoot, System};
use super::{
    Bmc, Drive, Inventory, NextBoot, Nic, Oob, OobDriver, OobError, OobErrorKind, OobSettings, PowerRequest,
    PowerState,
};

/// The node's Redfish BMC as [`Oob`].
pub fn connect(bmc: Bmc, settings: Arc<OobSettings>) -> Result<Oob, OobError> {
    let driver = Redfish::new(&bmc, &settings)?;
    Ok(Oob::new(bmc, Box::new(driver), settings, true))
}

pub struct Redfish {
    client: Client,
    /// The one system's URI, found on the first call.
    system: OnceCell<String>,
    /// The reset action, from the first read of the system.
    reset_action: OnceLock<Option<ResetAction>>,
    /// The reset types the BMC offers (inline, or from its ActionInfo).
    reset_types: OnceCell<Vec<String>>,
    /// The BMC answered 428 to a PATCH without `If-Match`: send it from then on.
    wants_if_match: AtomicBool,
}

impl Redfish {
    pub fn new(bmc: &Bmc, settings: &OobSettings) -> Result<Redfish, OobError> {
        Ok(Redfish {
            client: Client::new(bmc, settings.request_timeout)?,
            system: OnceCell::new(),
            reset_action: OnceLock::new(),
            reset_types: OnceCell::new(),
            wants_if_match: AtomicBool::new(false),
        })
    }

    fn error(&self, kind: OobErrorKind, message: String) -> OobError {
        OobError::new(kind, self.client.bmc(), message)
    }

    async fn system_uri(&self) -> Result<&str, OobError> {
        self.system
            .get_or_try_init(|| self.discover())
            .await
            .map(String::as_str)
    }

    /// The service root (no login needed), the session service if it has one, and the one
    /// system: Drydock drives a BMC that manages exactly one.
    async fn discover(&self) -> Result<String, OobError> {
        let root: ServiceRoot = self.client.get_open(wire::SERVICE_ROOT).await?;
        if let Some(login) = root.sessions() {
            self.client.use_sessions(login).await;
        }
        let systems: Collection = self.client.get(root.systems()).await?;
        match systems.members.as_slice() {
            [one] if systems.count() == 1 => Ok(one.id.clone()),
            members => Err(self.error(
                OobErrorKind::Config,
                format!(
                    "the BMC manages {} systems ({} listed under {}); drydock drives a BMC with exactly one system, so point the node at the BMC of its own machine",
                    systems.count(),
                    members.len(),
                    root.systems()
                ),
            )),
        }
    }

    /// The system now, and the answer it came in (for its ETag).
    async fn read_system(&self) -> Result<(System, Answer), OobError> {
        let uri = self.system_uri().await?;
        let answer = self.client.fetch(uri).await?;
        let system: System = self.client.decode(uri, &answer)?;
        self.reset_action.get_or_init(|| system.reset().cloned());
        Ok((system, answer))
    }

    async fn reset_action(&self) -> Result<Option<&ResetAction>, OobError> {
        if let Some(known) = self.reset_action.get() {
            return Ok(known.as_ref());
        }
        let (system, _) = self.read_system().await?;
        Ok(self.reset_action.get_or_init(|| system.reset().cloned()).as_ref())
    }

    /// The reset types offered: inline, else from the ActionInfo, else `On` and `ForceOff`,
    /// which every BMC takes.
    async fn reset_types(&self, action: &ResetAction) -> Result<&[String], OobError> {
        let types = self
            .reset_types
            .get_or_try_init(|| async {
                if let Some(inline) = action.allowed.as_ref().filter(|v| !v.is_empty()) {
                    return Ok(inline.clone());
                }
                if let Some(info) = &action.action_info {
                    let read = optional(self.client.get::<wire::ActionInfo>(info).await)?;
                    if let Some(types) = read.and_then(wire::ActionInfo::reset_types) {
                        return Ok(types);
                    }
                }
                Ok(wire::assumed_reset_types())
            })
            .await?;
        Ok(types.as_slice())
    }

    async fn nics(&self, collection: &str) -> Result<Vec<Nic>, OobError> {
        let members: Collection = self.client.get(collection).await?;
        let mut nics = Vec::with_capacity(members.members.len());
        for member in &members.members {
            let nic: wire::EthernetInterface = self.client.get(&member.id).await?;
            let mac = nic
                .mac
                .or(nic.permanent_mac)
                .filter(|m| !m.is_empty())
                .map(|m| m.to_ascii_lowercase().replace('-', ":"));
            nics.push(Nic {
                name: nic.id.or(nic.name).unwrap_or_else(|| last_segment(&member.id)),
                mac,
            });
        }
        Ok(nics)
    }

    /// The drives of the `Storage` collection, else of `SimpleStorage`; none when neither
    /// can be read (sushy's fake system answers 500 to `Storage`).
    async fn drives(&self, system: &System) -> Result<Vec<Drive>, OobError> {
        if let Some(link) = &system.storage
            && let Some(drives) = optional(self.storage_drives(&link.id).await)?
        {
            return Ok(drives);
        }
        if let Some(link) = &system.simple_storage
            && let Some(drives) = optional(self.simple_storage_drives(&link.id).await)?
        {
            return Ok(drives);
        }
        Ok(Vec::new())
    }

    async fn storage_drives(&self, collection: &str) -> Result<Vec<Drive>, OobError> {
        let members: Collection = self.client.get(collection).await?;
        let mut drives = Vec::new();
        for member in &members.members {
            let storage: wire::Storage = self.client.get(&member.id).await?;
            for link in &storage.drives {
                let drive: wire::Drive = self.client.get(&link.id).await?;
                drives.push(drive_of(drive, &link.id));
            }
        }
        Ok(drives)
    }

    async fn simple_storage_drives(&self, collection: &str) -> Result<Vec<Drive>, OobError> {
        let members: Collection = self.client.get(collection).await?;
        let mut drives = Vec::new();
        for member in &members.members {
            let storage: wire::SimpleStorage = self.client.get(&member.id).await?;
            drives.extend(storage.devices.into_iter().map(|d| drive_of(d, &member.id)));
        }
        Ok(drives)
    }

    /// Sends the boot PATCH; a BMC that wants `If-Match` (412/428) gets it on a second try
    /// with the ETag of a fresh read, and on every PATCH after a 428.
    async fn patch_boot(
        &self,
        uri: &str,
        body: &serde_json::Value,
        etag: Option<String>,
    ) -> Result<Answer, OobError> {
        let first_tag = etag.filter(|_| self.wants_if_match.load(Ordering::Relaxed));
        let answer = self
            .client
            .request(Method::PATCH, uri, Some(body), first_tag.as_deref())
            .await?;
        let status = answer.status;
        if status != StatusCode::PRECONDITION_FAILED && status != StatusCode::PRECONDITION_REQUIRED {
            return Ok(answer);
        }
        if status == StatusCode::PRECONDITION_REQUIRED {
            self.wants_if_match.store(true, Ordering::Relaxed);
        }
        let Some(tag) = self.client.fetch(uri).await?.etag() else {
            let mut e = self.client.failure(&Method::PATCH, uri, &answer);
            e.message
                .push_str("; the BMC wants If-Match but gives no ETag to match");
            return Err(e);
        };
        self.client
            .request(Method::PATCH, uri, Some(body), Some(&tag))
            .await
    }
}

/// A part of the inventory that may be missing: read when it can be, left empty when the
/// BMC refuses or fails it, but a BMC gone or a login refused still fails the call.
fn optional<T>(read: Result<T, OobError>) -> Result<Option<T>, OobError> {
    match read {
        Ok(value) => Ok(Some(value)),
        Err(e) if matches!(e.kind, OobErrorKind::Unreachable | OobErrorKind::Auth) => Err(e),
        Err(e) => {
            tracing::debug!(node = %e.node, "left out of the inventory: {}", e.message);
            Ok(None)
        }
    }
}

fn drive_of(drive: wire::Drive, uri: &str) -> Drive {
    Drive {
        name: drive.name.or(drive.id).unwrap_or_else(|| last_segment(uri)),
        capacity_bytes: drive.capacity_bytes,
        model: drive.model,
    }
}

fn last_segment(uri: &str) -> String {
    uri.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(uri)
        .to_string()
}

#[async_trait]
impl OobDriver for Redfish {
    async fn power_state(&self) -> Result<PowerState, OobError> {
        Ok(self.read_system().await?.0.power())
    }

    async fn request_power(&self, request: PowerRequest) -> Result<(), OobError> {
        let Some(action) = self.reset_action().await? else {
            return Err(self.error(
                OobErrorKind::Refused,
                "the system has no #ComputerSystem.Reset action".into(),
            ));
        };
        let offered = self.reset_types(action).await?;
        let Some(reset_type) = wire::reset_type(request, offered) else {
            return Err(self.error(
                OobErrorKind::Refused,
                format!(
                    "the BMC offers no reset type to {request} (it offers {})",
                    offered.join(", ")
                ),
            ));
        };
        let body = serde_json::json!({ "ResetType": reset_type });
        self.client.post(&action.target, &body).await?;
        Ok(())
    }

    async fn set_next_boot(&self, boot: NextBoot) -> Result<(), OobError> {
        let uri = self.system_uri().await?;
        let (system, answer) = self.read_system().await?;
        let current = system.boot.unwrap_or_default();
        let target = wire::boot_target(boot.device);
        if let Some(allowed) = &current.allowed_targets
            && !allowed.iter().any(|a| a == target)
        {
            return Err(self.error(
                OobErrorKind::Refused,
                format!(
                    "the BMC does not offer boot target {target} (it offers {})",
                    allowed.join(", ")
                ),
            ));
        }
        let mode = current.mode.is_some().then_some(boot.uefi);
        let body = wire::boot_patch(target, boot.persistence, mode);
        let patched = self.patch_boot(uri, &body, answer.etag()).await?;
        if !patched.status.is_success() {
            return Err(self.client.failure(&Method::PATCH, uri, &patched));
        }
        // A 200 may carry the resource as changed; otherwise it is read back. Only the
        // target is compared: BMCs keep it, some ignore the rest (sushy keeps Continuous).
        let echoed = (patched.status == StatusCode::OK)
            .then(|| serde_json::from_slice::<System>(&patched.body).ok())
            .flatten()
            .and_then(|s| s.boot);
        let now = match echoed {
            Some(boot) => boot,
            None => self.read_system().await?.0.boot.unwrap_or_default(),
        };
        if now.target.as_deref() != Some(target) {
            return Err(self.error(
                OobErrorKind::Transient,
                format!(
                    "Unable to set bootdev to {}: the BMC took the change but reads back boot target {}",
                    boot.device,
                    now.target.as_deref().unwrap_or("(none)")
                ),
            ));
        }
        Ok(())
    }

    async fn inventory(&self) -> Result<Inventory, OobError> {
        let (system, _) = self.read_system().await?;
        let mut inventory = Inventory {
            bios_version: system.bios_version.clone(),
            manufacturer: system.manufacturer.clone(),
            model: system.model.clone(),
            serial_number: system.serial_number.clone(),
            cpu_count: system.processor_summary.as_ref().and_then(|p| p.count),
            cpu_threads: system
                .processor_summary
                .as_ref()
                .and_then(|p| p.logical_processor_count),
            cpu_model: system.processor_summary.as_ref().and_then(|p| p.model.clone()),
            memory_gib: system.memory_summary.as_ref().and_then(|m| m.total_gib),
            health: system.status.as_ref().and_then(|s| s.health.clone()),
            ..Inventory::default()
        };
        if let Some(uuid) = &system.uuid {
            inventory.extra.insert("uuid".into(), uuid.clone().into());
        }
        if let Some(link) = &system.ethernet_interfaces {
            inventory.nics = optional(self.nics(&link.id).await)?.unwrap_or_default();
        }
        inventory.drives = self.drives(&system).await?;
        if let Some(manager) = system.manager() {
            inventory.bmc_firmware =
                optional(self.client.get::<wire::Manager>(manager).await)?.and_then(|m| m.firmware_version);
        }
        Ok(inventory)
    }

    async fn close(&self) {
        self.client.close().await;
    }
}
