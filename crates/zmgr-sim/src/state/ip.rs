//! IP interfaces' addresses as the state file keeps them (the `ipadm` tool
//! works on them).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

pub const LOOPBACK: &str = "lo0";

/// A static address object (`IF/NAME`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddrObj {
    pub name: String,
    pub ifname: String,
    pub addr: IpAddr,
    pub prefix: u8,
    /// IFF_UP (not `create-addr -d`).
    pub up: bool,
    pub persistent: bool,
}

/// What ipadm knows beyond which IP interfaces exist (that list is
/// `State::ip_interfaces`, in plumbing order, which `sim-admin plumb`
/// also edits; every interface has IPv4 and IPv6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpState {
    /// Interfaces plumbed with `-t` (not in the persistent configuration).
    pub temporary: Vec<String>,
    /// Static addresses, in the order they were created.
    pub addrs: Vec<AddrObj>,
}

impl Default for IpState {
    /// What svc:/network/loopback leaves: lo0 with 127.0.0.1/8 and ::1/128,
    /// all created with `-t`.
    fn default() -> IpState {
        let lo = |name: &str, addr: IpAddr, prefix: u8| AddrObj {
            name: name.to_string(),
            ifname: LOOPBACK.to_string(),
            addr,
            prefix,
            up: true,
            persistent: false,
        };
        IpState {
            temporary: vec![LOOPBACK.to_string()],
            addrs: vec![
                lo("lo0/v4", IpAddr::V4(Ipv4Addr::LOCALHOST), 8),
                lo("lo0/v6", IpAddr::V6(Ipv6Addr::LOCALHOST), 128),
            ],
        }
    }
}
