//! ipadm(8): IP addresses of the global zone, for a pool's gateway.

use crate::error::{Error, Result};
use crate::host::exec::{CommandLine, Runner, Tool};
use crate::host::zoneadm::split_escaped;

/// One address as `ipadm show-addr -p -o addrobj,addr` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `IF/TAG`, e.g. `e1000g0/v4`.
    pub addrobj: String,
    /// `ADDR/PREFIX` (the prefix left out when 0; `?` for an unset DHCP address).
    pub addr: String,
}

impl Address {
    /// The interface the address is on (the part of the address object before `/`).
    pub fn interface(&self) -> &str {
        self.addrobj.split('/').next().unwrap_or_default()
    }

    /// The address without its prefix length.
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        self.addr.split('/').next()?.parse().ok()
    }
}

/// `ipadm show-addr -p -o addrobj,addr`
pub fn show_addr() -> CommandLine {
    CommandLine::new(Tool::Ipadm, ["show-addr", "-p", "-o", "addrobj,addr"])
}

/// Parses `ipadm show-addr -p -o addrobj,addr`: libofmt's parsable form, where with two
/// fields every `:` and `\` in a value is escaped (IPv6 addresses are full of them).
pub fn parse_show_addr(text: &str) -> std::result::Result<Vec<Address>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f = split_escaped(line);
        let [addrobj, addr] = f.as_slice() else {
            return Err(format!(
                "line {} of `ipadm show-addr -p` has {} fields, expected 2: {line:?}",
                n + 1,
                f.len()
            ));
        };
        out.push(Address {
            addrobj: addrobj.clone(),
            addr: addr.clone(),
        });
    }
    Ok(out)
}

/// The addresses of the global zone.
pub fn addresses(runner: &dyn Runner) -> Result<Vec<Address>> {
    let cmd = show_addr();
    let out = runner.run(&cmd)?;
    parse_show_addr(&out.stdout).map_err(|reason| Error::HostOutput {
        command: cmd.display(runner.commands()),
        reason,
    })
}

/// `ipadm create-addr -T static -a ADDR/PREFIX IF/TAG`: adds a static address, creating the
/// IP interface on the link when it has none (libipadm `ipadm_create_addr`).
pub fn create_static(addrobj: &str, cidr: &str) -> CommandLine {
    CommandLine::new(
        Tool::Ipadm,
        ["create-addr", "-T", "static", "-a", cidr, addrobj],
    )
}

/// `ipadm delete-addr IF/TAG`
pub fn delete_addr(addrobj: &str) -> CommandLine {
    CommandLine::new(Tool::Ipadm, ["delete-addr", addrobj])
}

/// `ipadm delete-if IF`: the IP interface create-addr made implicitly.
pub fn delete_if(interface: &str) -> CommandLine {
    CommandLine::new(Tool::Ipadm, ["delete-if", interface])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_show_addr_with_escaped_ipv6() {
        let text = "lo0/v4:127.0.0.1/8\ne1000g0/v4:192.168.1.10/24\nlo0/v6:\\:\\:1/128\ne1000g0/v6:fe80\\:\\:8\\:20ff\\:fe12\\:3456/10\n";
        let a = parse_show_addr(text).unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(a[1].interface(), "e1000g0");
        assert_eq!(a[1].ip(), Some("192.168.1.10".parse().unwrap()));
        assert_eq!(a[2].addr, "::1/128");
        assert_eq!(a[3].ip(), Some("fe80::8:20ff:fe12:3456".parse().unwrap()));
        assert!(parse_show_addr("a:b:c\n").is_err());
    }
}
