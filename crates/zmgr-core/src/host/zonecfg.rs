//! zonecfg's command language, from zmgr's side: what may be written into a command file.
//!
//! zonecfg input is code. A quoted string has no escapes and ends at `"` or a newline, so
//! a value with either could end the command and start another. Inside `( … )` illumos-gate
//! accepts no quotes at all, so values there are limited to plain tokens.

use crate::host::exec::{CommandLine, Runner, Tool};
pub use crate::model::zonecfg_value::{complex_value_error, quoted_value_error};

/// A zonecfg command file, built line by line with every value checked and quoted; each
/// line remembers where it came from, so that zonecfg's "On line N" can name its source.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Script {
    lines: Vec<String>,
    origins: Vec<LineOrigin>,
    origin: LineOrigin,
}

/// Where a line of the command file that configures a new zone came from.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum LineOrigin {
    /// What zmgr writes itself: `create -b`, brand, zonepath, autoboot, ip-type, the net,
    /// `commit`.
    #[default]
    Zmgr,
    /// The extras' global property number `i`.
    Property(usize),
    /// The extras' attr number `i`.
    Attr(usize),
    /// The extras' resource number `i`: its own lines (`None`), or its property number `k`.
    Resource(usize, Option<usize>),
}

impl Script {
    pub fn new() -> Self {
        Self::default()
    }

    /// The lines that follow come from `origin`.
    pub fn from(&mut self, origin: LineOrigin) -> &mut Self {
        self.origin = origin;
        self
    }

    fn push(&mut self, line: String) {
        self.lines.push(line);
        self.origins.push(self.origin);
    }

    /// Where line `n` (counted from 1, as zonecfg counts) came from.
    pub fn origin_of(&self, n: usize) -> Option<(LineOrigin, &str)> {
        let i = n.checked_sub(1)?;
        Some((*self.origins.get(i)?, self.lines.get(i)?.as_str()))
    }

    /// A bare command such as `create -b`, `end` or `commit`.
    pub fn command(&mut self, cmd: &str) -> &mut Self {
        self.push(cmd.to_string());
        self
    }

    /// `set prop="value"`, refusing a value that could end the command.
    pub fn set(&mut self, prop: &str, value: &str) -> Result<&mut Self, String> {
        if let Some(why) = quoted_value_error(value) {
            return Err(format!("{prop}: {why}"));
        }
        self.push(format!("set {prop}=\"{value}\""));
        Ok(self)
    }

    /// `clear prop`: an optional global property or resource property back to unset.
    pub fn clear(&mut self, prop: &str) -> &mut Self {
        self.push(format!("clear {prop}"));
        self
    }

    /// `select TYPE prop="value"` or `remove TYPE prop="value"`: the resource whose `prop`
    /// is `value` (`select TYPE` alone for a resource a zone has at most one of).
    pub fn pick(
        &mut self,
        verb: &str,
        kind: &str,
        by: Option<(&str, &str)>,
    ) -> Result<&mut Self, String> {
        match by {
            None => self.push(format!("{verb} {kind}")),
            Some((prop, value)) => {
                if let Some(why) = quoted_value_error(value) {
                    return Err(format!("{prop}: {why}"));
                }
                self.push(format!("{verb} {kind} {prop}=\"{value}\""));
            }
        }
        Ok(self)
    }

    /// The command lines, in order.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// `set prop=["a","b"]`: each element quoted on its own.
    pub fn set_list(&mut self, prop: &str, values: &[String]) -> Result<&mut Self, String> {
        let mut items = Vec::new();
        for v in values {
            if let Some(why) = quoted_value_error(v) {
                return Err(format!("{prop}: {why}"));
            }
            items.push(format!("\"{v}\""));
        }
        self.push(format!("set {prop}=[{}]", items.join(",")));
        Ok(self)
    }

    /// `add prop (k=v,k=v)` inside a resource; the values cannot be quoted on illumos-gate.
    pub fn add_complex(
        &mut self,
        prop: &str,
        pairs: &[(String, String)],
    ) -> Result<&mut Self, String> {
        let mut items = Vec::new();
        for (k, v) in pairs {
            for part in [k, v] {
                if let Some(why) = complex_value_error(part) {
                    return Err(format!("{prop}: {why}"));
                }
            }
            items.push(format!("{k}={v}"));
        }
        self.push(format!("add {prop} ({})", items.join(",")));
        Ok(self)
    }

    pub fn text(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }
}

/// What goes into a new zone's configuration.
#[derive(Debug, Clone)]
pub struct ZoneSpec<'a> {
    pub brand: &'a str,
    pub zonepath: &'a str,
    pub autoboot: bool,
    pub ip_type: crate::model::template::IpType,
    /// The interfaces, in order.
    pub nets: Vec<SpecNet>,
    pub extras: &'a crate::model::template::ZonecfgExtras,
}

/// One interface of a new zone: the link, the address with its prefix length, and the
/// default router.
#[derive(Debug, Clone)]
pub struct SpecNet {
    pub physical: String,
    pub address: Option<String>,
    pub defrouter: Option<String>,
}

/// The command file that configures a new zone: `zonecfg -z NAME -f FILE`.
pub fn create_script(spec: &ZoneSpec<'_>) -> Result<String, String> {
    create_command_file(spec).map(|s| s.text())
}

/// [`create_script`] as a [`Script`], which knows where each line came from.
pub fn create_command_file(spec: &ZoneSpec<'_>) -> Result<Script, String> {
    use crate::model::template::{IpType, ResourceValue};
    let mut s = Script::new();
    s.command("create -b");
    s.set("brand", spec.brand)?;
    s.set("zonepath", spec.zonepath)?;
    s.set("autoboot", if spec.autoboot { "true" } else { "false" })?;
    s.set("ip-type", spec.ip_type.as_str())?;
    for (i, (k, v)) in spec.extras.properties.iter().enumerate() {
        s.from(LineOrigin::Property(i)).set(k, v)?;
    }
    s.from(LineOrigin::Zmgr);
    for net in &spec.nets {
        s.command("add net");
        s.set("physical", &net.physical)?;
        if let Some(a) = &net.address {
            // Exclusive-IP zones configure their own stack; allowed-address pins what they
            // may use.
            let prop = match spec.ip_type {
                IpType::Exclusive => "allowed-address",
                IpType::Shared => "address",
            };
            s.set(prop, a)?;
        }
        if let Some(r) = &net.defrouter {
            s.set("defrouter", r)?;
        }
        s.command("end");
    }
    for (i, a) in spec.extras.attrs.iter().enumerate() {
        s.from(LineOrigin::Attr(i)).command("add attr");
        s.set("name", &a.name)?;
        s.set("type", &a.ty)?;
        s.set("value", &a.value)?;
        s.command("end");
    }
    for (i, r) in spec.extras.resources.iter().enumerate() {
        s.from(LineOrigin::Resource(i, None))
            .command(&format!("add {}", r.kind));
        for (k, p) in r.properties.iter().enumerate() {
            s.from(LineOrigin::Resource(i, Some(k)));
            match &p.value {
                ResourceValue::Simple(v) => s.set(&p.name, v)?,
                ResourceValue::List(v) => s.set_list(&p.name, v)?,
                ResourceValue::Complex(kv) => s.add_complex(&p.name, kv)?,
            };
        }
        s.from(LineOrigin::Resource(i, None)).command("end");
    }
    s.from(LineOrigin::Zmgr).command("commit");
    Ok(s)
}

/// The line of its command file that zonecfg stopped at, and what it said about it, from its
/// error output: `On line N:` (`-f -`) or `On line N of FILE:` followed by the message, or
/// yacc's `syntax error on line N …` (illumos-gate `usr/src/cmd/zonecfg/zonecfg.c`, `zerr`
/// and `short_usage`; `zonecfg_grammar.y`, `yyerror`).
pub fn failed_line(stderr: &str) -> Option<(usize, String)> {
    let lines: Vec<&str> = stderr.lines().collect();
    lines.iter().enumerate().find_map(|(i, l)| {
        let (rest, syntax) = match l.strip_prefix("On line ") {
            Some(rest) => (rest, false),
            None => (l.strip_prefix("syntax error on line ")?, true),
        };
        let digits = &rest[..rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len())];
        let after = &rest[digits.len()..];
        let shaped = if syntax {
            after.is_empty() || after.starts_with(" of ") || after.starts_with(" at ")
        } else {
            after == ":" || (after.starts_with(" of ") && after.ends_with(':'))
        };
        let n = digits.parse().ok().filter(|&n: &usize| n > 0 && shaped)?;
        let said = if syntax {
            l.to_string()
        } else {
            lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty())
                .unwrap_or("")
                .to_string()
        };
        Some((n, said))
    })
}

/// A zone's configuration as `zonecfg -z NAME info` prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Info {
    /// Global properties in the order printed; unset ones have an empty value.
    pub globals: Vec<(String, String)>,
    /// Resource blocks in the order printed.
    pub resources: Vec<InfoResource>,
}

/// One resource block of `info`: its type and the properties that are set, in order.
/// Properties that repeat (`property`, rctl `value`) appear once per line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InfoResource {
    #[serde(rename = "type")]
    pub kind: String,
    pub properties: Vec<(String, String)>,
}

impl InfoResource {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Info {
    /// A global property, `None` when it is unset or absent.
    pub fn global(&self, name: &str) -> Option<&str> {
        self.globals
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn resources_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a InfoResource> {
        self.resources.iter().filter(move |r| r.kind == kind)
    }
}

/// One `net` resource of `info`: its link and the address words it carries
/// (`allowed-address` for an exclusive-IP zone, else `address`; either may list several,
/// separated by commas).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoNet {
    pub physical: String,
    pub addresses: Vec<String>,
    /// OmniOS's `global-nic`: the brand makes the VNIC `physical` over this link at boot
    /// and deletes it at halt (an on-demand VNIC).
    pub global_nic: Option<String>,
}

impl InfoNet {
    /// Why zmgr cannot record this net: its link (empty when `info` printed no `physical`)
    /// is not a datalink name dladm would take. The rule is the one for links in entries and
    /// pools ([`crate::model::names::link_name_error`]). `global-nic` is not checked: it may
    /// name a NIC tag rather than a link, and zmgr never records or uses it.
    pub fn problem(&self) -> Option<String> {
        if self.physical.is_empty() {
            return Some("a net resource has no physical link".into());
        }
        crate::model::names::link_name_error(&self.physical)
    }
}

impl Info {
    /// The zone's `net` resources.
    pub fn nets(&self) -> Vec<InfoNet> {
        self.resources_of("net")
            .map(|n| InfoNet {
                physical: n.get("physical").unwrap_or_default().to_string(),
                addresses: n
                    .get("allowed-address")
                    .or_else(|| n.get("address"))
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect(),
                global_nic: n.get("global-nic").map(str::to_string),
            })
            .collect()
    }
}

/// A zone's configuration, as `zonecfg -z NAME info` prints it.
pub fn info(runner: &dyn Runner, zone: &str) -> crate::error::Result<Info> {
    let cmd = info_command(zone);
    let out = runner.run(&cmd)?;
    parse_info(&out.stdout).map_err(|reason| crate::error::Error::HostOutput {
        command: cmd.display(runner.commands()),
        reason,
    })
}

/// `zonecfg -z NAME -f -`: configures the zone from the command file given on standard input,
/// so that no file is left anywhere, whatever stops zmgr.
pub fn configure(zone: &str, script: &str) -> CommandLine {
    CommandLine::new(Tool::Zonecfg, ["-z", zone, "-f", "-"]).with_stdin(script)
}

/// `zonecfg -z NAME export`: the configuration as the commands that make it.
pub fn export(zone: &str) -> CommandLine {
    CommandLine::new(Tool::Zonecfg, ["-z", zone, "export"])
}

/// `zonecfg -z NAME delete -F`
pub fn delete(zone: &str) -> CommandLine {
    CommandLine::new(Tool::Zonecfg, ["-z", zone, "delete", "-F"])
}

/// `zonecfg -z NAME info`
pub fn info_command(zone: &str) -> crate::host::exec::CommandLine {
    crate::host::exec::CommandLine::new(crate::host::exec::Tool::Zonecfg, ["-z", zone, "info"])
}

/// Parses the output of `zonecfg -z NAME info`: `name: value` globals (an unset one keeps its
/// trailing space), `[alias: value]` lines, and resource blocks whose properties are indented
/// by one TAB, printed as `prop: value`, `[prop: value]` or `prop not specified`.
///
/// What zonecfg cannot print is refused: a NUL (its values are C strings), a global
/// property printed twice (it prints each once, so a second `zonepath:` could only make the
/// reader pick one of two), a property outside any resource. Values are kept as printed;
/// the code that uses one checks it ([`InfoNet::problem`], the import's checks).
pub fn parse_info(text: &str) -> Result<Info, String> {
    let mut info = Info::default();
    let mut current: Option<InfoResource> = None;
    for (n, raw) in text.lines().enumerate() {
        if raw.contains('\0') {
            return Err(format!("line {} of `zonecfg info` holds a NUL byte", n + 1));
        }
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        // Properties are indented: by one TAB in illumos-gate's zonecfg, but any leading
        // white space is taken, so a copy whose TABs became spaces still reads.
        if let Some(prop) = line
            .strip_prefix(|c: char| c == ' ' || c == '\t')
            .map(str::trim_start)
        {
            let Some(res) = current.as_mut() else {
                return Err(format!(
                    "line {} of `zonecfg info` is indented outside a resource: {raw:?}",
                    n + 1
                ));
            };
            if let Some((k, v)) = property(prop.trim()) {
                res.properties.push((k, v));
            }
            continue;
        }
        let header = line
            .strip_suffix(':')
            .filter(|h| crate::model::zonecfg_value::is_resource_type(h));
        if let Some(kind) = header {
            info.resources.extend(current.take());
            current = Some(InfoResource {
                kind: kind.to_string(),
                properties: Vec::new(),
            });
            continue;
        }
        info.resources.extend(current.take());
        match property(line) {
            Some((k, _)) if info.globals.iter().any(|(g, _)| *g == k) => {
                return Err(format!(
                    "line {} of `zonecfg info` sets the global property {} a second time: {raw:?}",
                    n + 1,
                    crate::model::names::printable(&k)
                ));
            }
            Some((k, v)) => info.globals.push((k, v)),
            None if line.ends_with(" not specified") => {}
            None => {
                return Err(format!(
                    "line {} of `zonecfg info` is not a property: {raw:?}",
                    n + 1
                ));
            }
        }
    }
    info.resources.extend(current);
    Ok(info)
}

/// `name: value`, `[name: value]` or `name not specified` (which gives `None`).
fn property(line: &str) -> Option<(String, String)> {
    let line = line
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .unwrap_or(line);
    let (k, v) = match line.split_once(": ") {
        Some((k, v)) => (k, v),
        None => (line.strip_suffix(':')?, ""),
    };
    if k.is_empty() || k.contains(' ') {
        return None;
    }
    // A value with a space is printed in double quotes.
    let v = v.trim_end();
    let v = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(v);
    Some((k.to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_line_reads_zonecfg_s_line_prefixes() {
        // zonecfg -z z1 -f - on illumos-gate, and with a named file; yacc's syntax error.
        let cases = [
            (
                "On line 13:\nA net resource with the physical 'z1_0', and allowed-address '' already exists.\nOn line 14:\nresource specification incomplete\n",
                Some((
                    13,
                    "A net resource with the physical 'z1_0', and allowed-address '' already exists.",
                )),
            ),
            (
                "On line 7 of /tmp/zmgr.cfg:\nphysical: invalid value\n",
                Some((7, "physical: invalid value")),
            ),
            (
                "syntax error on line 4 at 'capped'\nusage:\n",
                Some((4, "syntax error on line 4 at 'capped'")),
            ),
            ("z1: No such zone configured\n", None),
            ("On line zero:\nx\n", None),
            ("On line 0:\nx\n", None),
            ("On line 5 and more\n", None),
            ("", None),
        ];
        for (stderr, want) in cases {
            assert_eq!(
                failed_line(stderr),
                want.map(|(n, s): (usize, &str)| (n, s.to_string())),
                "{stderr:?}"
            );
        }
    }

    #[test]
    fn quoted_values_refuse_what_could_end_a_command() {
        assert_eq!(quoted_value_error("a b;c#d=e(f)"), None);
        assert!(quoted_value_error("a\"; delete -F").is_some());
        assert!(quoted_value_error("a\nadd net").is_some());
        assert!(quoted_value_error("a\r").is_some());
    }

    #[test]
    fn parses_info_with_tabs_trailing_spaces_and_blocks() {
        let text = "zonename: web1\nzonepath: /zones/web1\nbrand: ipkg\nautoboot: false\nbootargs: \npool: \nlimitpriv: \nscheduling-class: \nip-type: exclusive\nhostid: \nfs-allowed: \n[cpu-shares: 2]\nfs:\n\tdir: /usr\n\tspecial: /usr\n\traw not specified\n\ttype: lofs\n\toptions: [ro,nodevices]\nnet:\n\taddress not specified\n\tallowed-address: 10.0.0.112/24\n\tdefrouter: 10.0.0.1\n\tphysical: web1_0\nnet:\n\taddress not specified\n\tallowed-address: 192.168.5.9/24\n\tdefrouter not specified\n\tphysical: web1_1\n\tproperty: (name=gateway,value=\"10.0.0.1\")\nattr:\n\tname: comment\n\ttype: string\n\tvalue: \"two words\"\nrctl:\n\tname: zone.max-lwps\n\tvalue: (priv=privileged,limit=2000,action=deny)\ncapped-memory:\n\t[physical: 1G]\n\t[swap: 2G]\n";
        let info = parse_info(text).unwrap();
        assert_eq!(info.global("zonepath"), Some("/zones/web1"));
        assert_eq!(info.global("bootargs"), None);
        assert_eq!(info.global("cpu-shares"), Some("2"));
        assert_eq!(info.global("ip-type"), Some("exclusive"));
        let nets: Vec<_> = info.resources_of("net").collect();
        assert_eq!(nets.len(), 2);
        assert_eq!(nets[0].get("allowed-address"), Some("10.0.0.112/24"));
        assert_eq!(nets[0].get("address"), None);
        assert_eq!(nets[1].get("physical"), Some("web1_1"));
        assert_eq!(
            nets[1].get("property"),
            Some("(name=gateway,value=\"10.0.0.1\")")
        );
        let attr = info.resources_of("attr").next().unwrap();
        assert_eq!(attr.get("value"), Some("two words"));
        let mem = info.resources_of("capped-memory").next().unwrap();
        assert_eq!(mem.get("swap"), Some("2G"));
        assert_eq!(info.resources.len(), 6);
    }

    #[test]
    fn parses_an_omnios_bhyve_info_verbatim() {
        // OmniOS prints the SmartOS-derived net properties, `property` lines and the
        // alias brackets; unset globals keep the space after the colon.
        let text = concat!(
            "zonename: vm1\n",
            "zonepath: /zones/vm1\n",
            "brand: bhyve\n",
            "autoboot: true\n",
            "autoshutdown: shutdown\n",
            "bootargs: \n",
            "pool: \n",
            "limitpriv: \n",
            "scheduling-class: \n",
            "ip-type: exclusive\n",
            "hostid: \n",
            "fs-allowed: \n",
            "[max-lwps: 2000]\n",
            "fs:\n",
            "\tdir: /iso\n",
            "\tspecial: /data/iso\n",
            "\traw not specified\n",
            "\ttype: lofs\n",
            "\toptions: [ro,nodevices,\"uid=0\"]\n",
            "net:\n",
            "\taddress not specified\n",
            "\tallowed-address: 10.0.0.112/24\n",
            "\tdefrouter not specified\n",
            "\tglobal-nic not specified\n",
            "\tmac-addr not specified\n",
            "\tphysical: bhyve0\n",
            "\tvlan-id not specified\n",
            "\tproperty: (name=gateway,value=\"10.0.0.1\")\n",
            "\tproperty: (name=ip,value=\"10.0.0.112\")\n",
            "device:\n",
            "\tmatch: /dev/zvol/rdsk/tank/hdd/bhyve0\n",
            "dedicated-cpu:\n",
            "\tncpus: 1-2\n",
            "\timportance: 10\n",
            "capped-cpu:\n",
            "\t[ncpus: 1.50]\n",
            "attr:\n",
            "\tname: ram\n",
            "\ttype: string\n",
            "\tvalue: 4G\n",
            "dataset:\n",
            "\tname: rpool/zones/test/data\n",
            "security-flags:\n",
            "\tlower: none\n",
            "\tdefault: aslr\n",
            "\tupper: all\n",
        );
        let info = parse_info(text).unwrap();
        assert_eq!(info.global("brand"), Some("bhyve"));
        assert_eq!(info.global("max-lwps"), Some("2000"));
        assert_eq!(info.global("pool"), None);
        let net = info.resources_of("net").next().unwrap();
        assert_eq!(net.get("allowed-address"), Some("10.0.0.112/24"));
        assert_eq!(net.get("global-nic"), None);
        let props: Vec<&str> = net
            .properties
            .iter()
            .filter(|(k, _)| k == "property")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(props.len(), 2);
        let fs = info.resources_of("fs").next().unwrap();
        assert_eq!(fs.get("options"), Some("[ro,nodevices,\"uid=0\"]"));
        assert_eq!(
            info.resources_of("capped-cpu").next().unwrap().get("ncpus"),
            Some("1.50")
        );
        let kinds: Vec<&str> = info.resources.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "fs",
                "net",
                "device",
                "dedicated-cpu",
                "capped-cpu",
                "attr",
                "dataset",
                "security-flags"
            ]
        );
    }

    #[test]
    fn properties_may_be_indented_with_spaces() {
        let text = "zonename: w\nnet:\n    address: 192.0.2.5/24\n  \tphysical: w0\n";
        let info = parse_info(text).unwrap();
        let net = info.resources_of("net").next().unwrap();
        assert_eq!(net.get("address"), Some("192.0.2.5/24"));
        assert_eq!(net.get("physical"), Some("w0"));
    }

    #[test]
    fn parses_crlf_and_shared_ip_address_without_prefix() {
        let text = "zonename: s\r\nzonepath: /z/s\r\nbrand: lx\r\nip-type: shared\r\nnet:\r\n\taddress: 172.16.0.4\r\n\tallowed-address not specified\r\n\tphysical: e1000g0\r\n\tdefrouter not specified\r\n";
        let info = parse_info(text).unwrap();
        let net = info.resources_of("net").next().unwrap();
        assert_eq!(net.get("address"), Some("172.16.0.4"));
        assert_eq!(net.get("physical"), Some("e1000g0"));
    }

    #[test]
    fn info_of_a_shared_ip_zone_without_net() {
        let info = parse_info(
            "zonename: s\nzonepath: /z/s\nbrand: sparse\nautoboot: true\nip-type: shared\n",
        )
        .unwrap();
        assert_eq!(info.resources_of("net").count(), 0);
        assert_eq!(info.global("brand"), Some("sparse"));
        assert!(parse_info("\tdir: /usr\n").is_err());
    }

    #[test]
    fn create_script_quotes_every_value() {
        use crate::model::template::{
            IpType, Resource, ResourceProperty, ResourceValue, ZonecfgExtras,
        };
        let extras = ZonecfgExtras {
            properties: vec![("limitpriv".into(), "default,dtrace_proc".into())],
            attrs: vec![],
            resources: vec![
                Resource {
                    kind: "fs".into(),
                    properties: vec![
                        ResourceProperty {
                            name: "dir".into(),
                            value: ResourceValue::Simple("/data".into()),
                        },
                        ResourceProperty {
                            name: "options".into(),
                            value: ResourceValue::List(vec!["ro".into(), "nodevices".into()]),
                        },
                    ],
                },
                Resource {
                    kind: "rctl".into(),
                    properties: vec![
                        ResourceProperty {
                            name: "name".into(),
                            value: ResourceValue::Simple("zone.max-lwps".into()),
                        },
                        ResourceProperty {
                            name: "value".into(),
                            value: ResourceValue::Complex(vec![
                                ("priv".into(), "privileged".into()),
                                ("limit".into(), "2000".into()),
                                ("action".into(), "deny".into()),
                            ]),
                        },
                    ],
                },
            ],
        };
        let spec = ZoneSpec {
            brand: "ipkg",
            zonepath: "/zones/web01",
            autoboot: true,
            ip_type: IpType::Exclusive,
            nets: vec![SpecNet {
                physical: "web01_0".into(),
                address: Some("192.0.2.10/24".into()),
                defrouter: Some("192.0.2.1".into()),
            }],
            extras: &extras,
        };
        assert_eq!(
            create_script(&spec).unwrap(),
            "create -b\nset brand=\"ipkg\"\nset zonepath=\"/zones/web01\"\nset autoboot=\"true\"\nset ip-type=\"exclusive\"\nset limitpriv=\"default,dtrace_proc\"\nadd net\nset physical=\"web01_0\"\nset allowed-address=\"192.0.2.10/24\"\nset defrouter=\"192.0.2.1\"\nend\nadd fs\nset dir=\"/data\"\nset options=[\"ro\",\"nodevices\"]\nend\nadd rctl\nset name=\"zone.max-lwps\"\nadd value (priv=privileged,limit=2000,action=deny)\nend\ncommit\n"
        );
        let bad = ZoneSpec {
            zonepath: "/zones/x\"\ndelete -F",
            ..spec
        };
        assert!(create_script(&bad).unwrap_err().starts_with("zonepath: "));
    }

    #[test]
    fn complex_values_are_plain_tokens() {
        assert_eq!(complex_value_error("privileged"), None);
        assert_eq!(complex_value_error("2000"), None);
        for bad in [
            "a,b", "a b", "a=b", "(a", "a)", "a;b", "\"a\"", "", "[a", "a]", "[a,b]", "a\tb",
            "a\nb",
        ] {
            assert!(complex_value_error(bad).is_some(), "{bad}");
        }
        assert_eq!(
            complex_value_error("[2000]").unwrap(),
            "value \"[2000]\" contains '[', which zonecfg cannot take inside ( … )"
        );
        // The command file writer refuses them too, whoever built the resource.
        let mut s = Script::new();
        let pairs = [("limit".to_string(), "20]00".to_string())];
        assert!(s.add_complex("value", &pairs).unwrap_err().contains("']'"));
    }

    #[test]
    fn info_that_zonecfg_cannot_print_is_refused() {
        let twice = "zonename: a\nzonepath: /zones/a\nbrand: ipkg\nzonepath: /etc\n";
        assert_eq!(
            parse_info(twice).unwrap_err(),
            "line 4 of `zonecfg info` sets the global property zonepath a second time: \"zonepath: /etc\""
        );
        assert!(
            parse_info("zonename: a\nzonepath: /zones/a\0/x\n")
                .unwrap_err()
                .contains("line 2 of `zonecfg info` holds a NUL byte")
        );
        // Repeated properties inside resources are zonecfg's own (net `property`, rctl `value`).
        let info = parse_info("zonename: a\nrctl:\n\tname: zone.max-lwps\n\tvalue: (priv=privileged,limit=1,action=deny)\n\tvalue: (priv=basic,limit=2,action=deny)\n").unwrap();
        assert_eq!(info.resources[0].properties.len(), 3);
    }

    #[test]
    fn a_net_without_a_valid_link_is_flagged() {
        let info = parse_info(concat!(
            "zonename: a\n",
            "net:\n\tallowed-address: 192.0.2.5/24\n\tphysical not specified\n",
            "net:\n\tphysical: a-0\n",
            "net:\n\tphysical: a0\n\tglobal-nic: admin\n",
            "net:\n\tphysical: \"\"\n",
        ))
        .unwrap();
        let problems: Vec<Option<String>> = info.nets().iter().map(InfoNet::problem).collect();
        assert_eq!(
            problems,
            [
                Some("a net resource has no physical link".to_string()),
                Some("link name `a-0` contains `-` at position 2; use letters, digits, `_` and `.`, not starting with a digit".to_string()),
                None,
                Some("a net resource has no physical link".to_string()),
            ]
        );
    }
}
