//! Address pools, `pools/NAME.kdl`, and the allocation rules over them (IPAM).
//!
//! Allocation is a pure function of a pool and the set of addresses the registry holds:
//! the lowest free address in range order, skipping the network and broadcast addresses,
//! the gateway, reserved and excluded addresses. Ranges are walked lazily, so a /64 costs
//! no more than a /24.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use ipnet::IpNet;
use kdl::{KdlDocument, KdlNode};
use serde::Serialize;

use crate::error::{Problem, SourceFile};
use crate::kdl::{Reader, Spanned};

const NODES: &[&str] = &[
    "description",
    "network",
    "gateway",
    "stub",
    "shared-link",
    "nat",
    "range",
    "reserve",
    "exclude",
    "ledger",
];

/// An inclusive range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AddrRange {
    pub start: IpAddr,
    pub end: IpAddr,
}

impl AddrRange {
    fn bounds(&self) -> (u128, u128) {
        (to_u128(self.start), to_u128(self.end))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        same_family(self.start, ip) && {
            let (s, e) = self.bounds();
            (s..=e).contains(&to_u128(ip))
        }
    }
}

impl std::fmt::Display for AddrRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pool {
    pub file: Arc<SourceFile>,
    pub name: Spanned<String>,
    pub description: Option<String>,
    pub network: Spanned<IpNet>,
    pub gateway: Option<Spanned<IpAddr>>,
    /// The link (etherstub or physical) that zone VNICs are created over.
    pub stub: Spanned<String>,
    /// The global-zone link that shared-IP zones of the pool use: it must carry IP, which an
    /// etherstub cannot (`shared-link`; without it, the stub, if that is no etherstub).
    pub shared_link: Option<Spanned<String>>,
    /// The outside link whose address the pool's network is NATed to (`nat "e1000g0"`):
    /// `host setup` then turns on IPv4 forwarding, an ipnat `map` rule and IP Filter.
    pub nat: Option<Spanned<String>>,
    /// Where addresses are allocated from, in order.
    pub ranges: Vec<Spanned<AddrRange>>,
    /// Single addresses never handed out.
    pub reserved: Vec<Spanned<IpAddr>>,
    /// Ranges never handed out.
    pub excluded: Vec<Spanned<AddrRange>>,
    /// `ledger "etcd"`: the pool is shared with other hosts, its addresses held in etcd
    /// (the span is the value's); without it, or with `ledger "files"`, the zone entries of
    /// this registry are its ledger.
    pub shared: Option<miette::SourceSpan>,
}

/// How full a pool is.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    /// Addresses the pool can hand out.
    pub size: u128,
    /// Of those, how many the registry holds.
    pub used: u128,
    pub free: u128,
    /// The address the next allocation would take.
    pub next: Option<IpAddr>,
}

impl Pool {
    pub fn decode(
        file: &Arc<SourceFile>,
        doc: &KdlDocument,
        problems: &mut Vec<Problem>,
    ) -> Option<Pool> {
        let mut r = Reader::new(file, problems);
        let (node, name) = r.top_node(doc, "pool")?;
        let nodes = r.children(node, NODES);
        let description = r
            .single(&nodes, "description")
            .and_then(|n| r.one_string_arg(n))
            .map(|s| s.value);

        // What the other nodes are checked against when the network cannot be read.
        let unchecked = unchecked_by_network(&nodes);
        let network = match r.single(&nodes, "network") {
            Some(n) => r
                .one_string_arg(n)
                .map(|v| parse_network(&mut r, &v, unchecked.as_deref())),
            None => {
                r.missing(node, "network", "network \"192.0.2.0/24\"");
                None
            }
        };
        let stub = match r.single(&nodes, "stub") {
            Some(n) => r.one_string_arg(n).filter(|v| {
                let why = crate::model::names::link_name_error(&v.value);
                if let Some(why) = &why {
                    r.error(v.span, why.clone(), "invalid link name");
                }
                why.is_none()
            }),
            None => {
                r.missing(node, "stub", "stub \"stub0\"");
                None
            }
        };
        let gateway = r
            .single(&nodes, "gateway")
            .and_then(|n| r.one_string_arg(n))
            .and_then(|v| r.ip(&v, "gateway"));
        let mut link = |key: &str| {
            r.single(&nodes, key)
                .and_then(|n| r.one_string_arg(n))
                .filter(|v| match crate::model::names::link_name_error(&v.value) {
                    Some(why) => {
                        r.error(v.span, why, "invalid link name");
                        false
                    }
                    None => true,
                })
        };
        let shared_link = link("shared-link");
        let nat = link("nat");
        let shared = match r.single(&nodes, "ledger").and_then(|n| r.one_string_arg(n)) {
            Some(v) if v.value == "etcd" => Some(v.span),
            Some(v) if v.value == "files" => None,
            Some(v) => {
                r.error_help(
                    v.span,
                    format!("unknown ledger `{}`", crate::text::printable(&v.value)),
                    "expected \"files\" or \"etcd\"",
                    "`ledger \"etcd\"` shares the pool with other hosts through config.kdl's etcd; \"files\" (the default) keeps it in this registry",
                );
                None
            }
            None => None,
        };

        let mut ranges = Vec::new();
        for n in r.all(&nodes, "range") {
            ranges.extend(parse_range(&mut r, n));
        }
        if ranges.is_empty() && !r.all(&nodes, "range").iter().any(|_| true) {
            r.missing(node, "range", "range \"192.0.2.100\" \"192.0.2.199\"");
        }
        let mut excluded = Vec::new();
        for n in r.all(&nodes, "exclude") {
            excluded.extend(parse_range(&mut r, n));
        }
        let mut reserved = Vec::new();
        for n in r.all(&nodes, "reserve") {
            for v in r.string_args(n) {
                reserved.extend(r.ip(&v, "reserved address"));
            }
        }

        // The gateway, ranges and reserved addresses are checked against the network even
        // when it is refused for its host bits, so that one run reports every problem.
        let mut gateway = gateway;
        if let Some(net) = network.as_ref().and_then(Network::checked) {
            let inside = |r: &mut Reader<'_>, ip: IpAddr, span, what: &str| {
                if !net.contains(&ip) {
                    r.error_help(
                        span,
                        format!("{what} {ip} is outside the pool's network {net}"),
                        "outside the network",
                        format!("{net} holds {} to {}", net.network(), net.broadcast()),
                    );
                    false
                } else {
                    true
                }
            };
            gateway = gateway.filter(|g| {
                if !inside(&mut r, g.value, g.span, "gateway") {
                    return false;
                }
                if network_edge(&net, g.value).is_some() {
                    r.error(
                        g.span,
                        format!("gateway {} is the network's own address", g.value),
                        "not a host address",
                    );
                    return false;
                }
                true
            });
            for range in ranges.iter().chain(&excluded) {
                let AddrRange { start, end } = range.value;
                let _ = inside(&mut r, start, range.span, "address")
                    && inside(&mut r, end, range.span, "address");
            }
            for ip in &reserved {
                inside(&mut r, ip.value, ip.span, "reserved address");
            }
        }
        for (i, a) in ranges.iter().enumerate() {
            if let Some(b) = ranges[..i].iter().find(|b| overlaps(&a.value, &b.value)) {
                let (line, _) = file.line_col(b.span.offset());
                r.error_help(
                    a.span,
                    format!("range {} overlaps range {}", a.value, b.value),
                    "overlapping range",
                    format!("the other range is on line {line}; ranges must not share addresses"),
                );
            }
        }

        let Some(Network::Valid(network)) = network else {
            return None;
        };
        Some(Pool {
            file: file.clone(),
            name,
            description,
            network,
            gateway,
            stub: stub?,
            shared_link,
            nat,
            ranges,
            reserved,
            excluded,
            shared,
        })
    }

    /// What every host sharing the pool must agree on, as published to etcd: network,
    /// gateway, ranges, reserved and excluded addresses (the stub, NAT and description are
    /// each host's own). Canonical JSON, so that equal definitions are equal text.
    pub fn definition(&self) -> String {
        serde_json::json!({
            "network": self.network.value.to_string(),
            "gateway": self.gateway.as_ref().map(|g| g.value.to_string()),
            "ranges": self.ranges.iter().map(|r| r.value).collect::<Vec<_>>(),
            "reserved": self.reserved.iter().map(|r| r.value.to_string()).collect::<Vec<_>>(),
            "excluded": self.excluded.iter().map(|r| r.value).collect::<Vec<_>>(),
        })
        .to_string()
    }

    /// Where a published definition differs from this pool's: each field, with both values.
    pub fn definition_differences(&self, published: &str) -> Vec<String> {
        let ours: serde_json::Value =
            serde_json::from_str(&self.definition()).expect("our definition is JSON");
        let theirs: serde_json::Value = match serde_json::from_str(published) {
            Ok(v @ serde_json::Value::Object(_)) => v,
            _ => return vec!["the published definition is not one zmgr wrote".to_string()],
        };
        ["network", "gateway", "ranges", "reserved", "excluded"]
            .iter()
            .filter(|k| ours[**k] != theirs[**k])
            .map(|k| {
                // What etcd holds is shown safely, and not at any length.
                let published: String = theirs[*k].to_string().chars().take(200).collect();
                format!(
                    "{k}: {} here, {} published",
                    ours[*k],
                    crate::text::printable(&published)
                )
            })
            .collect()
    }

    /// The pool as zmgr would write it.
    pub fn to_kdl(&self) -> String {
        use crate::kdl::quote;
        let range = |kw: &str, r: &AddrRange| {
            if r.start == r.end {
                format!("    {kw} {}\n", quote(&r.start.to_string()))
            } else {
                format!(
                    "    {kw} {} {}\n",
                    quote(&r.start.to_string()),
                    quote(&r.end.to_string())
                )
            }
        };
        let mut s = format!("pool {} {{\n", quote(&self.name.value));
        if let Some(d) = &self.description {
            s += &format!("    description {}\n", quote(d));
        }
        s += &format!("    network {}\n", quote(&self.network.value.to_string()));
        if let Some(g) = &self.gateway {
            s += &format!("    gateway {}\n", quote(&g.value.to_string()));
        }
        s += &format!("    stub {}\n", quote(&self.stub.value));
        if let Some(l) = &self.shared_link {
            s += &format!("    shared-link {}\n", quote(&l.value));
        }
        if let Some(l) = &self.nat {
            s += &format!("    nat {}\n", quote(&l.value));
        }
        if self.shared.is_some() {
            s += "    ledger \"etcd\"\n";
        }
        for r in &self.ranges {
            s += &range("range", &r.value);
        }
        for r in &self.reserved {
            s += &format!("    reserve {}\n", quote(&r.value.to_string()));
        }
        for r in &self.excluded {
            s += &range("exclude", &r.value);
        }
        s += "}\n";
        s
    }

    /// The error for an allocation from this pool when no address is free.
    pub fn full(&self) -> crate::error::Error {
        let name = &self.name.value;
        match self.size() {
            0 => crate::error::Error::failed(format!(
                "pool `{name}` has no address to hand out: its ranges hold only reserved, excluded or special addresses"
            ))
            .with_help("add a range to the pool"),
            size => crate::error::Error::failed(format!(
                "pool `{name}` is full: all {size} of its addresses are taken"
            ))
            .with_help("add a range to the pool, or free an address with `zmgr destroy`"),
        }
    }

    pub fn prefix_len(&self) -> u8 {
        self.network.value.prefix_len()
    }

    /// Addresses of the network that are never handed out, merged and sorted.
    fn skipped(&self) -> Vec<(u128, u128)> {
        let net = self.network.value;
        let mut v: Vec<(u128, u128)> = Vec::new();
        let point = |ip: IpAddr| (to_u128(ip), to_u128(ip));
        if has_network_and_broadcast(&net) {
            v.push(point(net.network()));
            if net.network().is_ipv4() {
                v.push(point(net.broadcast()));
            }
        }
        v.extend(self.gateway.iter().map(|g| point(g.value)));
        v.extend(self.reserved.iter().map(|r| point(r.value)));
        v.extend(self.excluded.iter().map(|e| e.value.bounds()));
        merge(v)
    }

    /// What `ip` is when it is in the pool's network but no host's to have: the gateway, or
    /// the network's own network or broadcast address. `None` for a host address (and for an
    /// address outside the network).
    pub fn not_host(&self, ip: IpAddr) -> Option<NotHost> {
        let net = self.network.value;
        if !net.contains(&ip) {
            return None;
        }
        if self.gateway.as_ref().is_some_and(|g| g.value == ip) {
            return Some(NotHost::Gateway);
        }
        network_edge(&net, ip)
    }

    /// Why `ip` cannot be given to a zone from this pool, if it cannot.
    pub fn refusal(&self, ip: IpAddr) -> Option<String> {
        self.refusal_with(ip, false)
    }

    /// As [`Pool::refusal`]; with `force_range`, an address of the network outside the
    /// ranges is taken (the network and broadcast addresses, the gateway, reserved and
    /// excluded addresses are still refused).
    pub fn refusal_with(&self, ip: IpAddr, force_range: bool) -> Option<String> {
        let net = self.network.value;
        let name = &self.name.value;
        if !net.contains(&ip) {
            return Some(format!("{ip} is outside pool {name}'s network {net}"));
        }
        match self.not_host(ip) {
            Some(NotHost::Gateway) => return Some(format!("{ip} is pool {name}'s gateway")),
            Some(NotHost::Network) => return Some(format!("{ip} is the network address of {net}")),
            Some(NotHost::Broadcast) => {
                return Some(format!("{ip} is the broadcast address of {net}"));
            }
            None => {}
        }
        if self.reserved.iter().any(|r| r.value == ip) {
            return Some(format!("{ip} is reserved in pool {name}"));
        }
        if let Some(e) = self.excluded.iter().find(|e| e.value.contains(ip)) {
            return Some(format!(
                "{ip} is in pool {name}'s excluded range {}",
                e.value
            ));
        }
        if !force_range && !self.ranges.iter().any(|r| r.value.contains(ip)) {
            return Some(format!("{ip} is in none of pool {name}'s ranges"));
        }
        None
    }

    /// Number of addresses the pool can hand out. (Saturating: all of IPv6 is one more
    /// address than a u128 counts.)
    pub fn size(&self) -> u128 {
        let skipped = self.skipped();
        self.ranges
            .iter()
            .map(|r| {
                let (s, e) = r.value.bounds();
                let hidden: u128 = skipped
                    .iter()
                    .map(|(a, b)| {
                        let (lo, hi) = ((*a).max(s), (*b).min(e));
                        if lo <= hi {
                            (hi - lo).saturating_add(1)
                        } else {
                            0
                        }
                    })
                    .fold(0u128, u128::saturating_add);
                (e - s).saturating_add(1).saturating_sub(hidden)
            })
            .fold(0u128, u128::saturating_add)
    }

    /// The lowest free address in range order, given every address the registry holds.
    pub fn next_free(&self, held: &crate::model::held::Held) -> Option<IpAddr> {
        let skipped = self.skipped();
        let v6 = self.network.value.network().is_ipv6();
        for r in &self.ranges {
            let (s, e) = r.value.bounds();
            let mut x = s;
            'walk: while x <= e {
                // Jump over a skipped block in one step rather than address by address.
                for (a, b) in &skipped {
                    if (*a..=*b).contains(&x) {
                        if *b >= e {
                            break 'walk;
                        }
                        x = b + 1;
                        continue 'walk;
                    }
                }
                let ip = from_u128(x, v6);
                if !held.contains(&ip) {
                    return Some(ip);
                }
                if x == e {
                    break;
                }
                x += 1;
            }
        }
        None
    }

    /// Size, use and the next free address, given every address the registry holds.
    pub fn usage(&self, held: &crate::model::held::Held) -> Usage {
        let size = self.size();
        let skipped = self.skipped();
        let used = held
            .iter()
            .filter(|ip| {
                let x = to_u128(**ip);
                same_family(**ip, self.network.value.network())
                    && self.ranges.iter().any(|r| r.value.contains(**ip))
                    && !skipped.iter().any(|(s, e)| (*s..=*e).contains(&x))
            })
            .count() as u128;
        Usage {
            size,
            used,
            free: size.saturating_sub(used),
            next: self.next_free(held),
        }
    }
}

/// A pool's `network` as it was read.
enum Network {
    Valid(Spanned<IpNet>),
    /// Refused for its host bits; the network it names (the bits cleared) is still what the
    /// gateway, ranges and reserved addresses are checked against.
    HostBits(IpNet),
    /// Refused: not a CIDR network at all. Nothing is checked against it.
    Unreadable,
}

impl Network {
    /// The network the other nodes are checked against, if there is one.
    fn checked(&self) -> Option<IpNet> {
        match self {
            Network::Valid(n) => Some(n.value),
            Network::HostBits(n) => Some(*n),
            Network::Unreadable => None,
        }
    }
}

/// What the pool's nodes hold that is checked against its network ("the gateway, the ranges
/// and the excluded ranges"), for the note on a network that cannot be read; `None` when they
/// hold nothing of the kind.
fn unchecked_by_network(nodes: &[&KdlNode]) -> Option<String> {
    let has = |name: &str| nodes.iter().any(|n| n.name().value() == name);
    let parts: Vec<&str> = [
        ("gateway", "the gateway"),
        ("range", "the ranges"),
        ("reserve", "the reserved addresses"),
        ("exclude", "the excluded ranges"),
    ]
    .into_iter()
    .filter(|(name, _)| has(name))
    .map(|(_, what)| what)
    .collect();
    match parts.as_slice() {
        [] => None,
        [one] => Some(one.to_string()),
        [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
    }
}

/// Reads `network`, reporting a refused one. `unchecked` names what the note on an unreadable
/// network says was not checked against it.
fn parse_network(r: &mut Reader<'_>, v: &Spanned<String>, unchecked: Option<&str>) -> Network {
    let note = |help: String| match unchecked {
        Some(what) => format!(
            "{help}\n{what} {} not checked against the network, which could not be read",
            if what == "the gateway" { "was" } else { "were" }
        ),
        None => help,
    };
    match v.value.parse::<IpNet>() {
        Ok(net) if net.addr() != net.network() => {
            r.error_help(
                v.span,
                format!("network {} has host bits set", v.value),
                "not a network address",
                format!("did you mean {}?", net.trunc()),
            );
            Network::HostBits(net.trunc())
        }
        Ok(net) => Network::Valid(Spanned::new(net, v.span)),
        Err(_) => {
            if let Some((addr, len)) = v.value.split_once('/')
                && let (Ok(ip), Ok(len)) = (addr.parse::<IpAddr>(), len.parse::<u32>())
            {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                r.error_help(
                    v.span,
                    format!(
                        "network `{}` has prefix length /{len}, longer than {max}",
                        v.value
                    ),
                    "invalid prefix length",
                    note(format!(
                        "an {} prefix length is 0 to {max}",
                        if ip.is_ipv4() { "IPv4" } else { "IPv6" }
                    )),
                );
                return Network::Unreadable;
            }
            let help = if v.value.contains('/') {
                "write the network in CIDR form, like 192.0.2.0/24 or 2001:db8::/64"
            } else {
                "add the prefix length, like 192.0.2.0/24 or 2001:db8::/64"
            };
            r.error_help(
                v.span,
                format!("network `{}` is not a CIDR network", v.value),
                "not a CIDR network",
                note(help.to_string()),
            );
            Network::Unreadable
        }
    }
}

/// `range "A" "B"`, `range "A/len"` or `range "A"`.
fn parse_range(r: &mut Reader<'_>, n: &KdlNode) -> Option<Spanned<AddrRange>> {
    let args = r.string_args(n);
    let span = match (args.first(), args.last()) {
        (Some(a), Some(b)) => {
            let end = b.span.offset() + b.span.len();
            (a.span.offset(), end - a.span.offset()).into()
        }
        _ => return None,
    };
    let range = match args.as_slice() {
        [one] if one.value.contains('/') => match one.value.parse::<IpNet>() {
            // As `network`: a block is written by its first address.
            Ok(net) if net.addr() != net.network() => {
                r.error_help(
                    one.span,
                    format!("{} {} has host bits set", n.name().value(), one.value),
                    "not a network address",
                    format!("did you mean {}?", net.trunc()),
                );
                return None;
            }
            Ok(net) => AddrRange {
                start: net.network(),
                end: net.broadcast(),
            },
            Err(_) => {
                r.error(
                    one.span,
                    format!("`{}` is not a CIDR block", one.value),
                    "not a CIDR block",
                );
                return None;
            }
        },
        [one] => {
            let ip = r.ip(one, "address")?.value;
            AddrRange { start: ip, end: ip }
        }
        [a, b] => {
            let (start, end) = (r.ip(a, "range start"), r.ip(b, "range end"));
            let (start, end) = (start?.value, end?.value);
            if !same_family(start, end) {
                r.error(
                    span,
                    format!("range {start} to {end} mixes IPv4 and IPv6"),
                    "mixed families",
                );
                return None;
            }
            if to_u128(start) > to_u128(end) {
                r.error_help(
                    span,
                    format!("range starts at {start}, after its end {end}"),
                    "reversed range",
                    format!("write `{} \"{end}\" \"{start}\"`", n.name().value()),
                );
                return None;
            }
            AddrRange { start, end }
        }
        _ => {
            r.error_help(
                span,
                format!("`{}` takes one or two values", n.name().value()),
                "too many values",
                "write a start and an end address, or one CIDR block",
            );
            return None;
        }
    };
    Some(Spanned::new(range, span))
}

/// IPv4 /31 and /32 (and IPv6 /127, /128) have no network or broadcast address to skip.
/// An address of a pool's network that no host may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotHost {
    Gateway,
    Network,
    Broadcast,
}

impl NotHost {
    /// "the gateway", "the network's own address", as messages name it.
    pub fn describe(self) -> &'static str {
        match self {
            NotHost::Gateway => "the gateway",
            NotHost::Network | NotHost::Broadcast => "the network's own address",
        }
    }
}

/// Whether `ip` is `net`'s network or (IPv4) broadcast address, in a network large enough to
/// have them (a /31 or /32, /127 or /128 has only host addresses).
pub fn network_edge(net: &IpNet, ip: IpAddr) -> Option<NotHost> {
    if !has_network_and_broadcast(net) {
        None
    } else if ip == net.network() {
        Some(NotHost::Network)
    } else if ip.is_ipv4() && ip == net.broadcast() {
        Some(NotHost::Broadcast)
    } else {
        None
    }
}

fn has_network_and_broadcast(net: &IpNet) -> bool {
    net.prefix_len() < net.max_prefix_len() - 1
}

fn overlaps(a: &AddrRange, b: &AddrRange) -> bool {
    let ((s1, e1), (s2, e2)) = (a.bounds(), b.bounds());
    same_family(a.start, b.start) && s1 <= e2 && s2 <= e1
}

fn merge(mut v: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
    v.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

pub fn same_family(a: IpAddr, b: IpAddr) -> bool {
    a.is_ipv4() == b.is_ipv4()
}

pub fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u32::from(a) as u128,
        IpAddr::V6(a) => u128::from(a),
    }
}

pub fn from_u128(x: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(x))
    } else {
        IpAddr::V4(Ipv4Addr::from(x as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(body: &str) -> Pool {
        let text = format!("pool \"p\" {{\n{body}\n}}\n");
        let file = SourceFile::new("p.kdl", text);
        let doc = KdlDocument::parse_v2(file.text()).unwrap();
        let mut problems = Vec::new();
        let p = Pool::decode(&file, &doc, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        p.unwrap()
    }

    /// Every problem of a pool file with `body`: its message, the text its label points at,
    /// the label and the help; and whether the pool was read.
    fn problems(body: &str) -> (Vec<(String, String, String, String)>, bool) {
        use miette::Diagnostic;
        let text = format!("pool \"p\" {{\n{body}\n}}\n");
        let file = SourceFile::new("p.kdl", text.clone());
        let doc = KdlDocument::parse_v2(file.text()).unwrap();
        let mut problems = Vec::new();
        let read = Pool::decode(&file, &doc, &mut problems).is_some();
        let shown = problems
            .iter()
            .map(|p| {
                let label = p.labels().and_then(|mut l| l.next()).unwrap();
                let at = &text[label.offset()..label.offset() + label.len()];
                (
                    p.message().to_string(),
                    at.to_string(),
                    label.label().unwrap_or_default().to_string(),
                    p.help().map(|h| h.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        (shown, read)
    }

    fn problem(
        message: &str,
        at: &str,
        label: &str,
        help: &str,
    ) -> (String, String, String, String) {
        (message.into(), at.into(), label.into(), help.into())
    }

    #[test]
    fn a_cidr_range_with_host_bits_is_refused_like_the_network() {
        let (found, _) = problems(
            "network \"10.0.0.0/24\"\nstub \"stub0\"\nrange \"10.0.0.100/28\"\nrange \"10.0.0.200/29\"\nexclude \"10.0.0.130/30\"",
        );

        assert_eq!(
            found,
            [
                problem(
                    "range 10.0.0.100/28 has host bits set",
                    "\"10.0.0.100/28\"",
                    "not a network address",
                    "did you mean 10.0.0.96/28?",
                ),
                problem(
                    "exclude 10.0.0.130/30 has host bits set",
                    "\"10.0.0.130/30\"",
                    "not a network address",
                    "did you mean 10.0.0.128/30?",
                ),
            ]
        );
        // The same for IPv6, and a block written by its first address is taken.
        let (found, _) = problems(
            "network \"2001:db8::/64\"\nstub \"stub0\"\nrange \"2001:db8::1:5/112\"\nrange \"2001:db8::2:0/112\"",
        );
        assert_eq!(
            found,
            [problem(
                "range 2001:db8::1:5/112 has host bits set",
                "\"2001:db8::1:5/112\"",
                "not a network address",
                "did you mean 2001:db8::1:0/112?",
            )]
        );
        // The network's own wording, for comparison.
        let (found, _) =
            problems("network \"10.0.0.5/24\"\nstub \"stub0\"\nrange \"10.0.0.96/28\"");
        assert_eq!(
            found,
            [problem(
                "network 10.0.0.5/24 has host bits set",
                "\"10.0.0.5/24\"",
                "not a network address",
                "did you mean 10.0.0.0/24?",
            )]
        );
    }

    #[test]
    fn a_network_with_host_bits_still_has_the_rest_checked_against_it() {
        let (found, read) = problems(
            "network \"10.0.0.5/24\"\ngateway \"10.0.0.0\"\nstub \"stub0\"\nrange \"10.0.1.10\" \"10.0.1.20\"\nrange \"10.0.0.10\" \"10.0.0.30\"\nrange \"10.0.0.20\" \"10.0.0.40\"\nreserve \"10.9.0.1\"\nexclude \"10.0.2.0/28\"",
        );
        assert!(!read);
        let outside = |what: &str, at: &str| {
            problem(
                &format!("{what} is outside the pool's network 10.0.0.0/24"),
                at,
                "outside the network",
                "10.0.0.0/24 holds 10.0.0.0 to 10.0.0.255",
            )
        };
        assert_eq!(
            found,
            [
                problem(
                    "network 10.0.0.5/24 has host bits set",
                    "\"10.0.0.5/24\"",
                    "not a network address",
                    "did you mean 10.0.0.0/24?",
                ),
                problem(
                    "gateway 10.0.0.0 is the network's own address",
                    "\"10.0.0.0\"",
                    "not a host address",
                    "",
                ),
                outside("address 10.0.1.10", "\"10.0.1.10\" \"10.0.1.20\""),
                outside("address 10.0.2.0", "\"10.0.2.0/28\""),
                outside("reserved address 10.9.0.1", "\"10.9.0.1\""),
                problem(
                    "range 10.0.0.20-10.0.0.40 overlaps range 10.0.0.10-10.0.0.30",
                    "\"10.0.0.20\" \"10.0.0.40\"",
                    "overlapping range",
                    "the other range is on line 6; ranges must not share addresses",
                ),
            ]
        );
    }

    #[test]
    fn a_network_that_cannot_be_read_says_what_was_not_checked() {
        let (found, read) = problems(
            "network \"10.0.0.0\"\ngateway \"10.0.9.1\"\nstub \"stub0\"\nrange \"10.0.0.10\" \"10.0.0.30\"\nrange \"10.0.0.20/30\"\nexclude \"10.0.0.9\" \"10.0.0.8\"",
        );
        assert!(!read);
        assert_eq!(
            found,
            [
                problem(
                    "network `10.0.0.0` is not a CIDR network",
                    "\"10.0.0.0\"",
                    "not a CIDR network",
                    "add the prefix length, like 192.0.2.0/24 or 2001:db8::/64\n\
                     the gateway, the ranges and the excluded ranges were not checked against \
                     the network, which could not be read",
                ),
                // What needs no network is still checked.
                problem(
                    "range starts at 10.0.0.9, after its end 10.0.0.8",
                    "\"10.0.0.9\" \"10.0.0.8\"",
                    "reversed range",
                    "write `exclude \"10.0.0.8\" \"10.0.0.9\"`",
                ),
                problem(
                    "range 10.0.0.20-10.0.0.23 overlaps range 10.0.0.10-10.0.0.30",
                    "\"10.0.0.20/30\"",
                    "overlapping range",
                    "the other range is on line 5; ranges must not share addresses",
                ),
            ]
        );
        let (found, _) = problems(
            "network \"10.0.0.0/33\"\ngateway \"10.0.0.1\"\nstub \"stub0\"\nrange \"10.0.0.9\"",
        );
        assert_eq!(
            found[0].3,
            "an IPv4 prefix length is 0 to 32\n\
             the gateway and the ranges were not checked against the network, which could not be read"
        );
        let (found, _) = problems("network \"lan\"\ngateway \"10.0.0.1\"\nstub \"stub0\"");
        assert_eq!(
            found[0].3,
            "add the prefix length, like 192.0.2.0/24 or 2001:db8::/64\n\
             the gateway was not checked against the network, which could not be read"
        );
    }

    fn held(ips: &[&str]) -> crate::model::held::Held {
        ips.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn v4_allocation_skips_network_gateway_reserved_excluded() {
        let p = pool(
            "network \"10.0.0.0/24\"\ngateway \"10.0.0.1\"\nstub \"stub0\"\nrange \"10.0.0.0/24\"\nreserve \"10.0.0.2\"\nexclude \"10.0.0.4\" \"10.0.0.9\"",
        );
        // 256 - network - broadcast - gateway - reserved - 6 excluded
        assert_eq!(p.size(), 256 - 1 - 1 - 1 - 1 - 6);
        assert_eq!(p.next_free(&held(&[])), Some("10.0.0.3".parse().unwrap()));
        assert_eq!(
            p.next_free(&held(&["10.0.0.3"])),
            Some("10.0.0.10".parse().unwrap())
        );
        assert!(p.refusal("10.0.0.255".parse().unwrap()).is_some());
        assert_eq!(
            p.refusal("10.0.0.5".parse().unwrap()).unwrap(),
            "10.0.0.5 is in pool p's excluded range 10.0.0.4-10.0.0.9"
        );
    }

    #[test]
    fn ranges_are_walked_in_order_and_exhaust() {
        let p = pool(
            "network \"10.0.0.0/24\"\nstub \"stub0\"\nrange \"10.0.0.200\" \"10.0.0.201\"\nrange \"10.0.0.10\" \"10.0.0.10\"",
        );
        assert_eq!(p.size(), 3);
        let all = held(&["10.0.0.200", "10.0.0.201"]);
        assert_eq!(p.next_free(&all), Some("10.0.0.10".parse().unwrap()));
        let full = held(&["10.0.0.200", "10.0.0.201", "10.0.0.10"]);
        assert_eq!(p.next_free(&full), None);
        assert_eq!(p.usage(&full).free, 0);
    }

    #[test]
    fn v6_slash64_is_lazy() {
        let p = pool(
            "network \"2001:db8::/64\"\ngateway \"2001:db8::1\"\nstub \"stub0\"\nrange \"2001:db8::/64\"",
        );
        assert_eq!(p.size(), (1u128 << 64) - 2);
        assert_eq!(
            p.next_free(&held(&["2001:db8::2"])),
            Some("2001:db8::3".parse().unwrap())
        );
    }

    #[test]
    fn round_trip() {
        let first = pool(
            "description \"lan\"\nnetwork \"10.0.0.0/24\"\ngateway \"10.0.0.1\"\nstub \"stub0\"\nrange \"10.0.0.128/25\"\nrange \"10.0.0.10\" \"10.0.0.20\"\nreserve \"10.0.0.130\" \"10.0.0.131\"\nexclude \"10.0.0.200\" \"10.0.0.210\"",
        );
        let written = first.to_kdl();
        let file = SourceFile::new("p.kdl", written.clone());
        let doc = KdlDocument::parse_v2(&written).unwrap();
        let mut problems = Vec::new();
        let second = Pool::decode(&file, &doc, &mut problems).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(second.to_kdl(), written);
        let held = held(&["10.0.0.11"]);
        let view = |p: &Pool| crate::ops::view::pool_row(p, &held).1;
        assert_eq!(view(&first), view(&second));
    }

    #[test]
    fn excluded_tail_ends_the_walk() {
        let p = pool(
            "network \"10.0.0.0/24\"\nstub \"stub0\"\nrange \"10.0.0.250\" \"10.0.0.255\"\nexclude \"10.0.0.251\" \"10.0.0.255\"",
        );
        assert_eq!(p.next_free(&held(&["10.0.0.250"])), None);
    }
}
