//! `--state FILE`: the region kept on disk, so a rehearsal survives a restart of the
//! simulator. The file holds the region's API keys, so it is created readable by its owner
//! only; it is replaced atomically (written beside it, then renamed), so a crash mid-write
//! leaves the previous state, never half of one.

use std::io::Write;
use std::path::Path;

use super::state::State;

/// Bumped when the file's shape changes incompatibly.
const FORMAT: u32 = 1;

#[derive(serde::Serialize)]
struct Saving<'a> {
    format: u32,
    state: &'a State,
}

/// Read first, so a file from another version is named as such rather than as broken.
#[derive(serde::Deserialize)]
struct Header {
    format: u32,
}

#[derive(serde::Deserialize)]
struct Saved {
    state: State,
}

/// The state saved in `path`, or `None` when there is no file yet.
pub fn load(path: &Path) -> Result<Option<State>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the simulator state {}: {e}", path.display())),
    };
    let broken = |e: serde_json::Error| {
        format!(
            "{}: not a simulator state file ({e}); move it away to start a fresh region",
            path.display()
        )
    };
    let header: Header = serde_json::from_slice(&bytes).map_err(broken)?;
    if header.format != FORMAT {
        return Err(format!(
            "{}: simulator state format {} is not the {FORMAT} this version reads; move it away to start a fresh region",
            path.display(),
            header.format
        ));
    }
    let saved: Saved = serde_json::from_slice(&bytes).map_err(broken)?;
    Ok(Some(saved.state))
}

/// The state as the file holds it.
pub fn encode(state: &State) -> Result<Vec<u8>, String> {
    serde_json::to_vec(&Saving {
        format: FORMAT,
        state,
    })
    .map_err(|e| format!("cannot encode the simulator state: {e}"))
}

/// Replaces `path` with `bytes`: written to a sibling file (owner-only), synced, renamed.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot save the simulator state to {}: {e}", path.display());
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let temporary = path.with_file_name(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    drop(file);
    std::fs::rename(&temporary, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("drydock-sim-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn a_saved_region_loads_back_with_its_key_machines_and_networks() {
        let (state, id) = super::super::machines::region_with_machine(
            "architecture=amd64/generic&mac_addresses=52:54:00:aa:00:01&hostname=n1",
        );
        let path = scratch("round-trip.json");
        write(&path, &encode(&state).unwrap()).unwrap();
        let back = load(&path).unwrap().expect("saved");
        assert_eq!(back.key.expose(), state.key.expose());
        assert_eq!(back.machines.len(), 1);
        assert_eq!(back.machines[0].system_id, id);
        assert_eq!(back.subnets.len(), state.subnets.len());
        assert_eq!(encode(&back).unwrap(), encode(&state).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the state file holds API keys");
        }
    }

    #[test]
    fn no_file_is_a_fresh_region_and_a_bad_file_says_what_to_do() {
        assert!(load(&scratch("absent.json")).unwrap().is_none());
        let path = scratch("bad.json");
        std::fs::write(&path, "{\"format\": 1, \"state\": 3}").unwrap();
        let e = load(&path).err().unwrap();
        assert!(
            e.contains("not a simulator state file") && e.contains("move it away"),
            "{e}"
        );
        std::fs::write(&path, "{\"format\": 99, \"state\": {}}").unwrap();
        assert!(load(&path).err().unwrap().contains("format 99"));
    }
}
