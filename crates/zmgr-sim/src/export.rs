//! `zonecfg export`: a command file that recreates the configuration.

use crate::config::{IpType, ZoneConfig};
use crate::info::quoteit;

/// How resource property values are quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportStyle {
    /// Modern OmniOS: always `set p="v"`.
    Quoted,
    /// Old illumos-gate `quoteit()`: quoted only when the value has a space.
    Legacy,
}

impl ExportStyle {
    pub fn parse(s: &str) -> Option<ExportStyle> {
        match s {
            "quoted" => Some(ExportStyle::Quoted),
            "legacy" => Some(ExportStyle::Legacy),
            _ => None,
        }
    }
}

fn set(o: &mut String, style: ExportStyle, name: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    match style {
        ExportStyle::Quoted => o.push_str(&format!("set {name}=\"{value}\"\n")),
        ExportStyle::Legacy => o.push_str(&format!("set {name}={}\n", quoteit(value))),
    }
}

/// Global properties are written raw: a bootargs value with spaces comes
/// out unquoted, as the real tool does.
fn set_raw(o: &mut String, name: &str, value: &str) {
    if !value.is_empty() {
        o.push_str(&format!("set {name}={value}\n"));
    }
}

pub fn export(c: &ZoneConfig, style: ExportStyle) -> String {
    let mut o = String::from("create -b\n");
    set_raw(&mut o, "zonepath", &c.zonepath);
    if c.brand != "native" {
        set_raw(&mut o, "brand", &c.brand);
    }
    o.push_str(&format!("set autoboot={}\n", c.autoboot));
    set_raw(&mut o, "bootargs", &c.bootargs);
    set_raw(&mut o, "pool", &c.pool);
    set_raw(&mut o, "limitpriv", &c.limitpriv);
    set_raw(&mut o, "scheduling-class", &c.scheduling_class);
    let ip = match c.ip_type {
        IpType::Shared => "shared",
        IpType::Exclusive => "exclusive",
    };
    o.push_str(&format!("set ip-type={ip}\n"));
    set_raw(&mut o, "hostid", &c.hostid);
    set_raw(&mut o, "fs-allowed", &c.fs_allowed);
    for f in &c.fs {
        o.push_str("add fs\n");
        set(&mut o, style, "dir", &f.dir);
        set(&mut o, style, "special", &f.special);
        set(&mut o, style, "raw", &f.raw);
        set(&mut o, style, "type", &f.fstype);
        for opt in &f.options {
            if opt.contains('=') {
                o.push_str(&format!("add options \"{opt}\"\n"));
            } else {
                o.push_str(&format!("add options {opt}\n"));
            }
        }
        o.push_str("end\n");
    }
    for n in &c.net {
        o.push_str("add net\n");
        set(&mut o, style, "address", &n.address);
        set(&mut o, style, "allowed-address", &n.allowed_address);
        set(&mut o, style, "physical", &n.physical);
        set(&mut o, style, "mac-addr", &n.mac_addr);
        set(&mut o, style, "vlan-id", &n.vlan_id);
        set(&mut o, style, "global-nic", &n.global_nic);
        set(&mut o, style, "defrouter", &n.defrouter);
        for (name, value) in &n.properties {
            o.push_str(&format!("add property (name={name},value=\"{value}\")\n"));
        }
        o.push_str("end\n");
    }
    for d in &c.device {
        o.push_str("add device\n");
        set(&mut o, style, "match", &d.match_);
        for (name, value) in &d.properties {
            o.push_str(&format!("add property (name={name},value=\"{value}\")\n"));
        }
        o.push_str("end\n");
    }
    for r in &c.rctl {
        o.push_str("add rctl\n");
        set(&mut o, style, "name", &r.name);
        for v in &r.values {
            o.push_str(&format!(
                "add value (priv={},limit={},action={})\n",
                v.priv_, v.limit, v.action
            ));
        }
        o.push_str("end\n");
    }
    for a in &c.attr {
        o.push_str("add attr\n");
        set(&mut o, style, "name", &a.name);
        set(&mut o, style, "type", &a.attr_type);
        set(&mut o, style, "value", &a.value);
        o.push_str("end\n");
    }
    for d in &c.dataset {
        o.push_str("add dataset\n");
        set(&mut o, style, "name", &d.name);
        o.push_str("end\n");
    }
    if let Some(p) = &c.pset {
        o.push_str("add dedicated-cpu\n");
        if p.ncpu_min == p.ncpu_max {
            o.push_str(&format!("set ncpus={}\n", p.ncpu_max));
        } else {
            o.push_str(&format!("set ncpus={}-{}\n", p.ncpu_min, p.ncpu_max));
        }
        if !p.importance.is_empty() {
            o.push_str(&format!("set importance={}\n", p.importance));
        }
        o.push_str("end\n");
    }
    for a in &c.admin {
        o.push_str("add admin\n");
        set(&mut o, style, "user", &a.user);
        set(&mut o, style, "auths", &a.auths);
        o.push_str("end\n");
    }
    if let Some(s) = &c.secflags {
        o.push_str("add security-flags\n");
        set(&mut o, style, "default", &s.default);
        set(&mut o, style, "lower", &s.lower);
        set(&mut o, style, "upper", &s.upper);
        o.push_str("end\n");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Attr, Fs, Net};

    fn sample() -> ZoneConfig {
        let mut c = ZoneConfig::template("SUNWdefault").unwrap();
        c.zonepath = "/zones/web1".into();
        c.bootargs = "-m verbose".into();
        c.ip_type = IpType::Exclusive;
        c.fs.push(Fs {
            dir: "/data".into(),
            special: "/tank/data".into(),
            fstype: "lofs".into(),
            options: vec!["ro".into(), "retry=5".into()],
            ..Fs::default()
        });
        c.net.push(Net {
            allowed_address: "10.0.0.5/24".into(),
            physical: "web1_0".into(),
            global_nic: "igb0".into(),
            defrouter: "10.0.0.1".into(),
            properties: vec![("mtu".into(), "9000".into())],
            ..Net::default()
        });
        c.attr.push(Attr {
            name: "comment".into(),
            attr_type: "string".into(),
            value: "two words".into(),
        });
        c.set_alias("cpu-shares", 10);
        c
    }

    #[test]
    fn quoted_style_is_byte_exact() {
        let expected = concat!(
            "create -b\n",
            "set zonepath=/zones/web1\n",
            "set brand=ipkg\n",
            "set autoboot=false\n",
            "set bootargs=-m verbose\n",
            "set ip-type=exclusive\n",
            "add fs\n",
            "set dir=\"/data\"\n",
            "set special=\"/tank/data\"\n",
            "set type=\"lofs\"\n",
            "add options ro\n",
            "add options \"retry=5\"\n",
            "end\n",
            "add net\n",
            "set allowed-address=\"10.0.0.5/24\"\n",
            "set physical=\"web1_0\"\n",
            "set global-nic=\"igb0\"\n",
            "set defrouter=\"10.0.0.1\"\n",
            "add property (name=mtu,value=\"9000\")\n",
            "end\n",
            "add rctl\n",
            "set name=\"zone.cpu-shares\"\n",
            "add value (priv=privileged,limit=10,action=none)\n",
            "end\n",
            "add attr\n",
            "set name=\"comment\"\n",
            "set type=\"string\"\n",
            "set value=\"two words\"\n",
            "end\n",
        );
        assert_eq!(export(&sample(), ExportStyle::Quoted), expected);
    }

    #[test]
    fn legacy_style_quotes_only_values_with_spaces() {
        let out = export(&sample(), ExportStyle::Legacy);
        assert!(out.contains("set dir=/data\n"));
        assert!(out.contains("set name=zone.cpu-shares\n"));
        assert!(out.contains("set value=\"two words\"\n"));
        assert!(out.contains("add options \"retry=5\"\n"));
    }
}
