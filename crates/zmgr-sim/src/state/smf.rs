//! SMF instances of the global zone as the state file keeps them (the
//! `svcadm`, `svcs` and `routeadm` tools work on them).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const IPFILTER: &str = "svc:/network/ipfilter:default";
pub const IPV4_FORWARDING: &str = "svc:/network/ipv4-forwarding:default";
pub const IPV6_FORWARDING: &str = "svc:/network/ipv6-forwarding:default";
pub const NDP: &str = "svc:/network/routing/ndp:default";

/// SCF_STATE_STRING_* values the simulator uses.
pub const ONLINE: &str = "online";
pub const DISABLED: &str = "disabled";
pub const MAINTENANCE: &str = "maintenance";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub fmri: String,
    /// general/enabled, the persistent setting.
    pub enabled: bool,
    /// general_ovr/enabled, the temporary setting (`svcadm -t`, routeadm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_ovr: Option<bool>,
    /// restarter/state.
    pub state: String,
    /// restarter/state_timestamp, Unix seconds; 0 when not known.
    #[serde(default)]
    pub stime: u64,
    /// routeadm/protocol, which makes the instance a routing daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

impl Instance {
    /// What svc.startd acts on: the temporary setting if there is one.
    pub fn is_enabled(&self) -> bool {
        self.enabled_ovr.unwrap_or(self.enabled)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmfState {
    pub instances: Vec<Instance>,
    /// routeadm's variables (`routeadm -s`), persistent values.
    #[serde(default = "default_routeadm_vars")]
    pub routeadm_vars: BTreeMap<String, String>,
}

/// The instances of a fresh global zone: (FMRI, enabled, routeadm protocol).
const DEFAULT_INSTANCES: &[(&str, bool, Option<&str>)] = &[
    ("svc:/milestone/multi-user-server:default", true, None),
    ("svc:/milestone/multi-user:default", true, None),
    ("svc:/milestone/network:default", true, None),
    (IPFILTER, false, None),
    (IPV4_FORWARDING, false, None),
    (IPV6_FORWARDING, false, None),
    ("svc:/network/loopback:default", true, None),
    ("svc:/network/physical:default", true, None),
    ("svc:/network/routing-setup:default", true, None),
    (
        "svc:/network/routing/legacy-routing:ipv4",
        false,
        Some("ipv4"),
    ),
    (
        "svc:/network/routing/legacy-routing:ipv6",
        false,
        Some("ipv6"),
    ),
    (NDP, true, None),
    ("svc:/network/routing/rdisc:default", false, Some("ipv4")),
    ("svc:/network/routing/ripng:default", false, Some("ipv6")),
    ("svc:/network/routing/route:default", false, Some("ipv4")),
    ("svc:/network/ssh:default", true, None),
    ("svc:/system/zones:default", true, None),
];

/// routeadm variables and their defaults (legacy-routing.xml,
/// network-routing-setup.xml).
pub const ROUTEADM_VARS: &[(&str, &str)] = &[
    ("ipv4-routing-daemon", ""),
    ("ipv4-routing-daemon-args", ""),
    ("ipv4-routing-stop-cmd", ""),
    ("ipv6-routing-daemon", ""),
    ("ipv6-routing-daemon-args", ""),
    ("ipv6-routing-stop-cmd", ""),
    ("routing-svcs", "route:default ripng:default"),
];

fn default_routeadm_vars() -> BTreeMap<String, String> {
    ROUTEADM_VARS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Default for SmfState {
    fn default() -> SmfState {
        SmfState {
            instances: DEFAULT_INSTANCES
                .iter()
                .map(|(fmri, enabled, proto)| Instance {
                    fmri: fmri.to_string(),
                    enabled: *enabled,
                    enabled_ovr: None,
                    state: if *enabled { ONLINE } else { DISABLED }.to_string(),
                    stime: 0,
                    protocol: proto.map(str::to_string),
                })
                .collect(),
            routeadm_vars: default_routeadm_vars(),
        }
    }
}

impl SmfState {
    pub fn index(&self, fmri: &str) -> Option<usize> {
        self.instances.iter().position(|i| i.fmri == fmri)
    }

    pub fn get(&self, fmri: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.fmri == fmri)
    }
}
