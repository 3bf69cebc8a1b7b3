//! What machines install: the boot images the region holds, where it imports them from,
//! and the package repositories deployed machines use.

/// One synced image: `ubuntu/jammy` for `architecture`, with the subarches it covers.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BootResource {
    pub id: u64,
    pub name: String,
    pub architecture: String,
    pub subarches: String,
}

impl BootResource {
    pub fn fresh_region() -> Vec<BootResource> {
        vec![
            BootResource {
                id: 2,
                name: "ubuntu/jammy".into(),
                architecture: "amd64/ga-22.04".into(),
                subarches: "generic,ga-22.04".into(),
            },
            BootResource {
                id: 1,
                name: "ubuntu/jammy".into(),
                architecture: "amd64/generic".into(),
                subarches: "generic,hwe-p,hwe-q,hwe-r,hwe-s,hwe-t,hwe-u,hwe-v,hwe-w,ga-16.04,ga-18.04,ga-20.04,ga-22.04"
                    .into(),
            },
        ]
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BootSource {
    pub id: u64,
    pub url: String,
    pub keyring_filename: String,
}

/// What to import from a source: an OS release for some architectures.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Selection {
    pub id: u64,
    pub boot_source_id: u64,
    pub os: String,
    pub release: String,
    pub arches: Vec<String>,
    pub subarches: Vec<String>,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BootSources {
    pub sources: Vec<BootSource>,
    pub selections: Vec<Selection>,
}

impl BootSources {
    /// images.maas.io's stable stream, selecting the release `boot-resources/` holds.
    pub fn fresh_region() -> BootSources {
        let every = || vec!["*".to_string()];
        BootSources {
            sources: vec![BootSource {
                id: 1,
                url: "http://images.maas.io/ephemeral-v3/stable/".into(),
                keyring_filename: "/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg".into(),
            }],
            selections: vec![Selection {
                id: 1,
                boot_source_id: 1,
                os: "ubuntu".into(),
                release: "jammy".into(),
                arches: vec!["amd64".into()],
                subarches: every(),
                labels: every(),
            }],
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Repository {
    pub id: u64,
    pub name: String,
    pub url: String,
    pub distributions: Vec<String>,
    pub disabled_pockets: Vec<String>,
    pub disabled_components: Vec<String>,
    pub disable_sources: bool,
    pub components: Vec<String>,
    pub arches: Vec<String>,
    pub key: String,
    pub enabled: bool,
}

impl Repository {
    pub fn fresh_region() -> Vec<Repository> {
        let archive = |id: u64, name: &str, url: &str, arches: &[&str]| Repository {
            id,
            name: name.into(),
            url: url.into(),
            distributions: Vec::new(),
            disabled_pockets: Vec::new(),
            disabled_components: Vec::new(),
            disable_sources: true,
            components: Vec::new(),
            arches: arches.iter().map(|a| a.to_string()).collect(),
            key: String::new(),
            enabled: true,
        };
        vec![
            archive(
                1,
                "main_archive",
                "http://archive.ubuntu.com/ubuntu",
                &["amd64", "i386"],
            ),
            archive(
                2,
                "ports_archive",
                "http://ports.ubuntu.com/ubuntu-ports",
                &["armhf", "arm64", "ppc64el", "s390x"],
            ),
        ]
    }
}
