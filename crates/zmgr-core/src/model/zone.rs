//! Zone registry entries, `zones/NAME.kdl`. The entries are also the IP ledger: an address
//! is taken exactly when some entry holds it.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use kdl::{KdlDocument, KdlValue};
use serde::Serialize;

use crate::error::{Problem, SourceFile};
use crate::kdl::{Reader, Spanned, quote};
use crate::model::template::IpType;

const NODES: &[&str] = &[
    "brand", "template", "zonepath", "ip-type", "state", "created", "net",
];

/// A zone's state: illumos's states, plus `creating` while zmgr builds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneState {
    Creating,
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
    pub const ALL: [ZoneState; 9] = [
        ZoneState::Creating,
        ZoneState::Configured,
        ZoneState::Incomplete,
        ZoneState::Installed,
        ZoneState::Ready,
        ZoneState::Mounted,
        ZoneState::Running,
        ZoneState::ShuttingDown,
        ZoneState::Down,
    ];

    /// Whether a zone in this state has a kernel zone to halt first.
    pub fn is_up(self) -> bool {
        matches!(
            self,
            ZoneState::Running
                | ZoneState::Ready
                | ZoneState::ShuttingDown
                | ZoneState::Down
                | ZoneState::Mounted
        )
    }

    /// Whether the zone has an installation (complete or not) to uninstall.
    pub fn is_installed(self) -> bool {
        !matches!(self, ZoneState::Configured | ZoneState::Creating)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ZoneState::Creating => "creating",
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
}

impl FromStr for ZoneState {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        ZoneState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or(())
    }
}

impl fmt::Display for ZoneState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An address as a zone carries it: with or without a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ZoneAddress {
    pub ip: IpAddr,
    pub prefix: Option<u8>,
}

impl FromStr for ZoneAddress {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, len)) => (ip, Some(len)),
            None => (s, None),
        };
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address"))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => None,
            Some(len) => match len.parse::<u8>() {
                Ok(n) if n <= max => Some(n),
                _ => return Err(format!("`{s}` has an invalid prefix length (0 to {max})")),
            },
        };
        Ok(ZoneAddress { ip, prefix })
    }
}

impl fmt::Display for ZoneAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix {
            Some(p) => write!(f, "{}/{p}", self.ip),
            None => write!(f, "{}", self.ip),
        }
    }
}

impl Serialize for ZoneAddress {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One network interface of a zone.
#[derive(Debug, Clone, Serialize)]
pub struct Net {
    /// The zone's link: a VNIC for exclusive-IP zones, the global zone's interface for shared-IP.
    /// zonecfg calls it `physical`; zmgr's JSON, as dladm, calls it `link`.
    #[serde(rename = "link")]
    pub physical: String,
    pub address: Option<ZoneAddress>,
    pub pool: Option<String>,
    /// zmgr made this VNIC for the zone and deletes it with the zone.
    pub vnic: bool,
    #[serde(skip)]
    pub address_span: Option<miette::SourceSpan>,
    #[serde(skip)]
    pub pool_span: Option<miette::SourceSpan>,
}

#[derive(Debug, Clone)]
pub struct ZoneEntry {
    /// The file it was read from, text and all.
    pub file: Option<Arc<SourceFile>>,
    /// Known by its file's stamp (from the zone index) instead of read: a hash of that stamp,
    /// to read the text only if a problem is shown with it (`store::index::source_of`).
    pub known: Option<u64>,
    pub name: Spanned<String>,
    pub brand: String,
    pub template: Option<Spanned<String>>,
    pub zonepath: PathBuf,
    pub ip_type: IpType,
    pub state: ZoneState,
    /// RFC 3339 UTC time the entry was made.
    pub created: Option<String>,
    pub nets: Vec<Net>,
}

impl ZoneEntry {
    pub fn decode(
        file: &Arc<SourceFile>,
        doc: &KdlDocument,
        problems: &mut Vec<Problem>,
    ) -> Option<ZoneEntry> {
        let mut r = Reader::new(file, problems);
        let (node, name) = r.top_node(doc, "zone")?;
        if let Some(why) = crate::model::names::zone_name_error(&name.value) {
            r.error(name.span, why, "invalid zone name");
        }
        let nodes = r.children(node, NODES);
        let required = |r: &mut Reader<'_>, key: &str, example: &str| match r.single(&nodes, key) {
            Some(n) => r.one_string_arg(n),
            None => {
                r.missing(node, key, example);
                None
            }
        };
        let brand = required(&mut r, "brand", "brand \"ipkg\"");
        let zonepath = required(&mut r, "zonepath", "zonepath \"/zones/NAME\"");
        let state = required(&mut r, "state", "state \"installed\"");
        let template = r
            .single(&nodes, "template")
            .and_then(|n| r.one_string_arg(n));

        if let Some(b) = &brand
            && let Some(why) = crate::model::names::brand_name_error(&b.value)
        {
            r.error(b.span, why, "invalid brand");
        }
        let zonepath = zonepath.filter(|z| match crate::model::names::zonepath_error(&z.value) {
            Some(why) => {
                r.error(z.span, why, "invalid zonepath");
                false
            }
            None => true,
        });
        if let Some(z) = &zonepath
            && let Some(why) = crate::model::names::zonepath_component_error(&z.value)
        {
            r.problems.push(
                Problem::warning(why)
                    .at(r.file, z.span, "not the path itself")
                    .with_help("zmgr imports no such zonepath; write the path it stands for"),
            );
        }
        let state = state.and_then(|s| match s.value.parse::<ZoneState>() {
            Ok(st) => Some(st),
            Err(()) => {
                let known: Vec<&str> = ZoneState::ALL.iter().map(|s| s.as_str()).collect();
                r.unknown(&s.value, s.span, &known, "zone state");
                None
            }
        });
        let mut ip_type = IpType::default();
        if let Some(v) = r
            .single(&nodes, "ip-type")
            .and_then(|n| r.one_string_arg(n))
        {
            match IpType::parse(&v.value) {
                Some(t) => ip_type = t,
                None => r.error(
                    v.span,
                    format!("ip-type `{}` is neither exclusive nor shared", v.value),
                    "invalid ip-type",
                ),
            }
        }
        let created = r
            .single(&nodes, "created")
            .and_then(|n| r.one_string_arg(n))
            .filter(|c| {
                let ok = crate::time::parse_rfc3339(&c.value).is_some();
                if !ok {
                    r.error_help(
                        c.span,
                        format!("created time `{}` is not an RFC 3339 UTC time", c.value),
                        "invalid time",
                        "write it like \"2026-11-25T20:36:37Z\"",
                    );
                }
                ok
            })
            .map(|c| c.value);

        let mut nets = Vec::new();
        for n in r.all(&nodes, "net") {
            let props = r.props(n, &["address", "pool", "vnic"]);
            let args: Vec<_> = n.entries().iter().filter(|e| e.name().is_none()).collect();
            let physical = match args.as_slice() {
                [e] => r.string_value(n, e),
                _ => {
                    r.error_help(
                        n.span(),
                        "`net` takes one link name",
                        "expected the link name",
                        "write `net \"web01_0\" address=\"192.0.2.10/24\" pool=\"lan\"`",
                    );
                    None
                }
            };
            if let Some(p) = &physical
                && let Some(why) = crate::model::names::link_name_error(&p.value)
            {
                r.error(p.span, why, "invalid link name");
            }
            let mut net = Net {
                physical: physical.map(|p| p.value).unwrap_or_default(),
                address: None,
                pool: None,
                vnic: false,
                address_span: None,
                pool_span: None,
            };
            for (key, e) in props {
                match key {
                    "address" => {
                        if let Some(v) = r.string_value(n, e) {
                            match v.value.parse::<ZoneAddress>() {
                                Ok(a) => {
                                    net.address = Some(a);
                                    net.address_span = Some(v.span);
                                }
                                Err(why) => r.error(v.span, why, "invalid address"),
                            }
                        }
                    }
                    "pool" => {
                        if let Some(v) = r.string_value(n, e) {
                            net.pool = Some(v.value);
                            net.pool_span = Some(v.span);
                        }
                    }
                    _ => match e.value() {
                        KdlValue::Bool(b) => net.vnic = *b,
                        other => r.error(
                            e.span(),
                            format!(
                                "`vnic` takes #true or #false, not {}",
                                crate::kdl::describe(other)
                            ),
                            "expected a boolean",
                        ),
                    },
                }
            }
            nets.push(net);
        }

        Some(ZoneEntry {
            known: None,
            file: Some(file.clone()),
            name,
            brand: brand?.value,
            template,
            zonepath: PathBuf::from(zonepath?.value),
            ip_type,
            state: state?,
            created,
            nets,
        })
    }

    /// The addresses this zone holds.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.nets.iter().filter_map(|n| n.address.map(|a| a.ip))
    }

    /// The entry as zmgr writes it, read back the way `check` reads `zones/NAME.kdl`: the
    /// text, or the error naming every problem (file, line, column and value) when the file
    /// would be one `check` refuses. Whatever writes an entry writes this text, so that no
    /// value from a person, a hook or a system tool can leave a registry every verb refuses.
    pub fn checked_kdl(&self) -> crate::error::Result<String> {
        let text = self.to_kdl();
        let rel = format!("zones/{}.kdl", self.name.value);
        let file = SourceFile::new(&rel, text.clone());
        let mut problems = Vec::new();
        match crate::kdl::parse(&file) {
            Ok(doc) => match ZoneEntry::decode(&file, &doc, &mut problems) {
                Some(back) if back.name.value != self.name.value => {
                    problems.push(Problem::error(format!(
                        "the entry reads back as zone `{}`",
                        back.name.value
                    )));
                }
                Some(_) => {}
                None if problems.is_empty() => {
                    problems.push(Problem::error("the entry does not read back"));
                }
                None => {}
            },
            Err(ps) => problems.extend(ps),
        }
        let errors: Vec<String> = problems
            .iter()
            .filter(|p| p.is_error())
            .map(|p| match p.position() {
                Some(at) => format!("{at}: {}", p.message()),
                None => p.message().to_string(),
            })
            .collect();
        if errors.is_empty() {
            return Ok(text);
        }
        Err(
            crate::error::Error::failed(crate::model::names::printable(&format!(
                "zmgr refuses to write {}, which `check` would refuse: {}",
                rel,
                errors.join("; ")
            )))
            .with_help("nothing was written"),
        )
    }

    /// The entry as zmgr writes it.
    pub fn to_kdl(&self) -> String {
        let mut s = format!("zone {} {{\n", quote(&self.name.value));
        s += &format!("    brand {}\n", quote(&self.brand));
        if let Some(t) = &self.template {
            s += &format!("    template {}\n", quote(&t.value));
        }
        s += &format!("    zonepath {}\n", quote(&self.zonepath.to_string_lossy()));
        s += &format!("    ip-type {}\n", quote(self.ip_type.as_str()));
        s += &format!("    state {}\n", quote(self.state.as_str()));
        if let Some(c) = &self.created {
            s += &format!("    created {}\n", quote(c));
        }
        for n in &self.nets {
            s += &format!("    net {}", quote(&n.physical));
            if let Some(a) = &n.address {
                s += &format!(" address={}", quote(&a.to_string()));
            }
            if let Some(p) = &n.pool {
                s += &format!(" pool={}", quote(p));
            }
            if n.vnic {
                s += " vnic=#true";
            }
            s += "\n";
        }
        s += "}\n";
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> ZoneEntry {
        let file = SourceFile::new("zones/web01.kdl", text.to_string());
        let doc = crate::kdl::parse(&file).unwrap();
        let mut problems = Vec::new();
        let z = ZoneEntry::decode(&file, &doc, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        z.unwrap()
    }

    #[test]
    fn round_trip() {
        let text = "// made by hand\nzone \"web01\" {\n    brand \"ipkg\"\n    template \"ipkg\"\n    zonepath \"/zones/web01\"\n    state \"running\"\n    created \"2026-11-25T20:36:37Z\"\n    net \"web01_0\" address=\"192.0.2.10/24\" pool=\"lan\" vnic=#true\n    net \"web01_1\" address=\"2001:db8::10\"\n}\n";
        let first = decode(text);
        let written = first.to_kdl();
        let second = decode(&written);
        assert_eq!(second.to_kdl(), written);
        let view = |z: &ZoneEntry| crate::ops::view::zone_json(z);
        assert_eq!(view(&first), view(&second));
        assert_eq!(second.addresses().count(), 2);
        assert_eq!(second.nets[1].address.unwrap().prefix, None);
    }

    #[test]
    fn addresses_parse_with_and_without_prefix() {
        assert_eq!(
            "10.0.0.1/24".parse::<ZoneAddress>().unwrap().prefix,
            Some(24)
        );
        assert!("10.0.0.1/33".parse::<ZoneAddress>().is_err());
        assert!("fe80::1/129".parse::<ZoneAddress>().is_err());
        assert!("10.0.0".parse::<ZoneAddress>().is_err());
    }

    fn entry(name: &str, brand: &str, zonepath: &str, link: &str) -> ZoneEntry {
        ZoneEntry {
            file: None,
            known: None,
            name: Spanned::unspanned(name.to_string()),
            brand: brand.to_string(),
            template: None,
            zonepath: PathBuf::from(zonepath),
            ip_type: IpType::Exclusive,
            state: ZoneState::Installed,
            created: Some("2026-11-25T20:36:37Z".into()),
            nets: vec![Net {
                physical: link.to_string(),
                address: Some("192.0.2.10/24".parse().unwrap()),
                pool: None,
                vnic: false,
                address_span: None,
                pool_span: None,
            }],
        }
    }

    #[test]
    fn checked_kdl_gives_the_text_that_reads_back() {
        let e = entry("web01", "ipkg", "/zones/web01", "web01_0");
        assert_eq!(e.checked_kdl().unwrap(), e.to_kdl());
        // A warning does not stop the write: a zonepath base may give such a zonepath.
        let e = entry("web01", "ipkg", "/data/../zones/web01", "web01_0");
        assert_eq!(e.checked_kdl().unwrap(), e.to_kdl());
    }

    #[test]
    fn checked_kdl_refuses_what_check_would_refuse() {
        for (e, says) in [
            (
                entry("../../../../tmp/x", "ipkg", "/zones/x", "x0"),
                "zones/../../../../tmp/x.kdl:1:6: zone name `../../../../tmp/x` contains `.` at the start",
            ),
            (
                entry("web01", "ipkg", "/zones/web01", ""),
                "zones/web01.kdl:7:9: a link name cannot be empty",
            ),
            (
                entry("web01", "ipkg", "", "web01_0"),
                "zones/web01.kdl:3:14: zonepath `` is not an absolute path below /",
            ),
            (
                entry("web01", "ipkg", "/zones/a\"\nb", "web01_0"),
                "zones/web01.kdl:3:14: zonepath `/zones/a\"\\nb` contains a double quote",
            ),
            (
                entry("web01", "ip\"kg", "/zones/web01", "web01_0"),
                "brand name `ip\"kg` contains `\"`",
            ),
            (
                entry("web\u{1b}[2J", "ipkg", "/zones/web01", "web01_0"),
                "zone name `web\\u{1b}[2J` contains the control character U+001B",
            ),
        ] {
            let err = e.checked_kdl().unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with("zmgr refuses to write zones/"), "{text}");
            assert!(text.contains(says), "{text}\nshould say: {says}");
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert_eq!(err.exit_code(), 1);
        }
    }

    #[test]
    fn decode_checks_brand_and_zonepath_where_they_are_written() {
        let text = "zone \"web01\" {\n    brand \"../x\"\n    zonepath \"/zones/../web01\"\n    state \"installed\"\n}\n";
        let file = SourceFile::new("zones/web01.kdl", text.to_string());
        let doc = crate::kdl::parse(&file).unwrap();
        let mut problems = Vec::new();
        ZoneEntry::decode(&file, &doc, &mut problems);
        let got: Vec<String> = problems
            .iter()
            .map(|p| {
                let kind = if p.is_error() { "error" } else { "warning" };
                format!("{}: {kind}: {}", p.position().unwrap(), p.message())
            })
            .collect();
        assert_eq!(
            got,
            [
                "zones/web01.kdl:2:11: error: brand name `../x` contains `.` at the start; use letters, digits, `_`, `.` and `-`, starting with a letter or digit",
                "zones/web01.kdl:3:14: warning: zonepath `/zones/../web01` has a `.` or `..` component; give the path itself",
            ]
        );
    }
}
