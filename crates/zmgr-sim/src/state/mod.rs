//! The simulated system: zones, datalinks and what was done to them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::ZoneConfig;

pub mod ip;
pub mod nat;
pub mod smf;
pub mod zfs;

/// Zone states in their kernel order (zone_state_t).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneState {
    Configured,
    Incomplete,
    Installed,
    Ready,
    Mounted,
    Running,
    ShuttingDown,
    Down,
}

impl ZoneState {
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneState::Configured => "configured",
            ZoneState::Incomplete => "incomplete",
            ZoneState::Installed => "installed",
            ZoneState::Ready => "ready",
            ZoneState::Mounted => "mounted",
            ZoneState::Running => "running",
            ZoneState::ShuttingDown => "shutting_down",
            ZoneState::Down => "down",
        }
    }

    /// States in which the kernel knows the zone and it has an ID.
    pub fn has_id(self) -> bool {
        matches!(
            self,
            ZoneState::Ready | ZoneState::Running | ZoneState::ShuttingDown | ZoneState::Down
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    pub name: String,
    pub origins: Vec<String>,
    /// Mirrors (`pkg set-publisher -m`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<String>,
}

/// The zone's IPS image as `pkg -R` sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub publishers: Vec<Publisher>,
    pub packages: Vec<String>,
}

/// What `zoneadm install` was asked to do and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRecord {
    pub args: Vec<String>,
    pub publishers: Vec<String>,
    pub extra_packages: Vec<String>,
    pub started: u64,
    pub finished: Option<u64>,
    pub succeeded: bool,
    /// The progress lines printed, in order.
    pub log: Vec<String>,
    /// The words the brand's getopts never read (after the first operand).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_args: Vec<String>,
    /// The brand install hook's exit status, once it has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_exit: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZloginRecord {
    pub command: Vec<String>,
    /// What the command was given on stdin, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
    pub exit: i32,
    pub time: u64,
    /// The string the zone's shell ran (`su root -c STRING`, zlogin.c
    /// `prep_args`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shell_line: String,
    /// The simple commands the shell split that string into, words unquoted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<Vec<String>>,
    /// How zlogin was used: `command` (words given), `shell` (no words, standard input
    /// not a terminal: the zone's shell reads it), `interactive` or `console`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mode: String,
    /// zlogin's process ID (a program that execs zlogin keeps its own).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pid: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    pub name: String,
    pub state: ZoneState,
    pub config: ZoneConfig,
    /// Empty until the zone is installed.
    pub uuid: String,
    pub zone_id: Option<u32>,
    pub debug_id: u32,
    pub install: Option<InstallRecord>,
    pub image: Image,
    pub zlogin: Vec<ZloginRecord>,
    /// The root folder install made on disk (see zoneadm install), which uninstall removes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_dir: Option<String>,
    /// When the zone last booted, Unix milliseconds (for its SMF milestone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booted_at_ms: Option<u64>,
    /// Shared-IP nets skipped at boot: their physical link has no IP interface.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_nets: Vec<String>,
    /// VNICs the brand created at boot for nets with `global-nic` (OmniOS
    /// on-demand VNICs), deleted at halt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub demand_vnics: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkClass {
    Phys,
    Etherstub,
    Vnic,
}

impl LinkClass {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkClass::Phys => "phys",
            LinkClass::Etherstub => "etherstub",
            LinkClass::Vnic => "vnic",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub name: String,
    pub class: LinkClass,
    /// The link a VNIC is created over.
    pub over: String,
    /// Colon-separated hex octets without leading zeros; empty for etherstubs.
    pub mac: String,
    /// `fixed`, `random`, `factory, slot N`…
    pub mac_type: String,
    pub vid: u16,
    /// The running zone that has this link, if any.
    pub zone: Option<String>,
    /// Mbps.
    pub speed: u64,
    pub mtu: u32,
    /// `dladm -t`: not persistent across reboots of the host.
    pub temporary: bool,
}

impl Link {
    pub fn phys(name: &str, speed: u64) -> Link {
        Link {
            name: name.to_string(),
            class: LinkClass::Phys,
            over: String::new(),
            mac: String::new(),
            mac_type: String::new(),
            vid: 0,
            zone: None,
            speed,
            mtu: 1500,
            temporary: false,
        }
    }
}

/// The physical link every fresh state directory starts with.
pub const DEFAULT_PHYS: &str = "e1000g0";
pub const DEFAULT_PHYS_SPEED: u64 = 1000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Non-global zones in index order.
    pub zones: Vec<Zone>,
    pub global: ZoneConfig,
    pub links: Vec<Link>,
    pub next_zone_id: u32,
    pub next_debug_id: u32,
    /// Uses of fault rules with `times=`, by rule text.
    #[serde(default)]
    pub fault_hits: BTreeMap<String, u32>,
    /// ZFS datasets (see zfs.rs); filled with the default pool when empty.
    #[serde(default)]
    pub datasets: Vec<zfs::ZfsDataset>,
    /// The global zone's IP interfaces (`ipadm create-if`/`create-addr`
    /// plumb them); a shared-IP zone's `physical` needs one.
    #[serde(default = "default_ip_interfaces")]
    pub ip_interfaces: Vec<String>,
    /// ipadm's addresses and temporary interfaces (see ipadm.rs).
    #[serde(default)]
    pub ip: ip::IpState,
    /// SMF instances of the global zone (see svcadm.rs).
    #[serde(default)]
    pub smf: smf::SmfState,
    /// The kernel's IP Filter NAT rules (see ipnat.rs).
    #[serde(default)]
    pub nat: nat::NatState,
}

/// A fresh global zone has IP on its loopback and its physical link.
pub fn default_ip_interfaces() -> Vec<String> {
    vec!["lo0".to_string(), DEFAULT_PHYS.to_string()]
}

impl Default for State {
    fn default() -> State {
        State {
            zones: Vec::new(),
            global: ZoneConfig::global(),
            links: vec![Link::phys(DEFAULT_PHYS, DEFAULT_PHYS_SPEED)],
            next_zone_id: 1,
            next_debug_id: 1,
            fault_hits: BTreeMap::new(),
            datasets: Vec::new(),
            ip_interfaces: default_ip_interfaces(),
            ip: Default::default(),
            smf: Default::default(),
            nat: Default::default(),
        }
    }
}

impl State {
    pub fn zone(&self, name: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.name == name)
    }

    pub fn zone_mut(&mut self, name: &str) -> Option<&mut Zone> {
        self.zones.iter_mut().find(|z| z.name == name)
    }

    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.name == name)
    }

    pub fn link_mut(&mut self, name: &str) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.name == name)
    }

    /// Frees every link assigned to `zone`.
    pub fn release_links(&mut self, zone: &str) {
        for l in &mut self.links {
            if l.zone.as_deref() == Some(zone) {
                l.zone = None;
            }
        }
    }

    /// The zone whose root (`<zonepath>/root`) or zonepath is `root`.
    pub fn zone_by_root(&self, root: &str) -> Option<&Zone> {
        let root = root.trim_end_matches('/');
        self.zones.iter().find(|z| {
            let zp = z.config.zonepath.trim_end_matches('/');
            !zp.is_empty() && (root == zp || root == format!("{zp}/root"))
        })
    }
}
