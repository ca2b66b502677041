//! `zonecfg info` output, byte for byte: `name: value` globals (a trailing
//! space when empty), bracketed alias lines, TAB-indented resource blocks.

use crate::config::{
    Admin, Attr, Dataset, Device, Fs, IpType, Net, Pset, Rctl, SecFlags, ZoneConfig, bytes_to_units,
};

/// zonecfg's `quoteit`: quotes a value containing a space.
pub fn quoteit(v: &str) -> String {
    if v.contains(' ') {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

fn prop(out: &mut String, name: &str, value: &str) {
    if value.is_empty() {
        out.push_str(&format!("\t{name} not specified\n"));
    } else {
        out.push_str(&format!("\t{name}: {}\n", quoteit(value)));
    }
}

fn res_props(out: &mut String, props: &[(String, String)]) {
    for (n, v) in props {
        out.push_str(&format!("\tproperty: (name={n},value=\"{v}\")\n"));
    }
}

pub fn fs(f: &Fs) -> String {
    let mut o = String::from("fs:\n");
    prop(&mut o, "dir", &f.dir);
    prop(&mut o, "special", &f.special);
    prop(&mut o, "raw", &f.raw);
    prop(&mut o, "type", &f.fstype);
    let opts: Vec<String> = f
        .options
        .iter()
        .map(|o| {
            if o.contains('=') {
                format!("\"{o}\"")
            } else {
                o.clone()
            }
        })
        .collect();
    o.push_str(&format!("\toptions: [{}]\n", opts.join(",")));
    o
}

pub fn net(n: &Net) -> String {
    let mut o = String::from("net:\n");
    prop(&mut o, "address", &n.address);
    prop(&mut o, "allowed-address", &n.allowed_address);
    prop(&mut o, "defrouter", &n.defrouter);
    prop(&mut o, "global-nic", &n.global_nic);
    prop(&mut o, "mac-addr", &n.mac_addr);
    prop(&mut o, "physical", &n.physical);
    prop(&mut o, "vlan-id", &n.vlan_id);
    res_props(&mut o, &n.properties);
    o
}

pub fn device(d: &Device) -> String {
    let mut o = String::from("device:\n");
    prop(&mut o, "match", &d.match_);
    res_props(&mut o, &d.properties);
    o
}

pub fn rctl(r: &Rctl) -> String {
    let mut o = String::from("rctl:\n");
    prop(&mut o, "name", &r.name);
    for v in &r.values {
        o.push_str(&format!(
            "\tvalue: (priv={},limit={},action={})\n",
            v.priv_, v.limit, v.action
        ));
    }
    o
}

pub fn attr(a: &Attr) -> String {
    let mut o = String::from("attr:\n");
    prop(&mut o, "name", &a.name);
    prop(&mut o, "type", &a.attr_type);
    prop(&mut o, "value", &a.value);
    o
}

pub fn dataset(d: &Dataset) -> String {
    let mut o = String::from("dataset:\n");
    prop(&mut o, "name", &d.name);
    o
}

pub fn pset(p: &Pset) -> String {
    let mut o = String::from("dedicated-cpu:\n");
    if p.ncpu_min == p.ncpu_max {
        o.push_str(&format!("\tncpus: {}\n", p.ncpu_max));
    } else {
        o.push_str(&format!("\tncpus: {}-{}\n", p.ncpu_min, p.ncpu_max));
    }
    if !p.importance.is_empty() {
        o.push_str(&format!("\timportance: {}\n", p.importance));
    }
    o
}

pub fn pcap(c: &ZoneConfig) -> String {
    match c.get_alias("cpu-cap") {
        Ok(cap) => format!("capped-cpu:\n\t[ncpus: {:.2}]\n", cap as f32 / 100.0),
        Err(_) => String::new(),
    }
}

/// The capped-memory block, or nothing when none of its rctls is set.
pub fn mcap(c: &ZoneConfig) -> String {
    let phys = c.get_alias("max-physical-memory").ok();
    let swap = c.get_alias("max-swap").ok();
    let locked = c.get_alias("max-locked-memory").ok();
    if phys.is_none() && swap.is_none() && locked.is_none() {
        return String::new();
    }
    mcap_block(phys, swap, locked)
}

pub fn mcap_block(phys: Option<u64>, swap: Option<u64>, locked: Option<u64>) -> String {
    let mut o = String::from("capped-memory:\n");
    if let Some(p) = phys {
        o.push_str(&format!("\t[physical: {}]\n", bytes_to_units(p)));
    }
    if let Some(s) = swap {
        o.push_str(&format!("\t[swap: {}]\n", quoteit(&bytes_to_units(s))));
    }
    if let Some(l) = locked {
        o.push_str(&format!("\t[locked: {}]\n", quoteit(&bytes_to_units(l))));
    }
    o
}

pub fn admin(a: &Admin) -> String {
    let mut o = String::from("admin:\n");
    prop(&mut o, "user", &a.user);
    prop(&mut o, "auths", &a.auths);
    o
}

pub fn secflags(s: &SecFlags) -> String {
    let mut o = String::from("security-flags:\n");
    prop(&mut o, "default", &s.default);
    prop(&mut o, "lower", &s.lower);
    prop(&mut o, "upper", &s.upper);
    o
}

/// One `info <global-property>` line.
pub fn global_line(c: &ZoneConfig, zonename: &str, name: &str) -> String {
    let value = match name {
        "zonename" => zonename.to_string(),
        "zonepath" => c.zonepath.clone(),
        "brand" => c.brand.clone(),
        "autoboot" => c.autoboot.to_string(),
        "bootargs" => c.bootargs.clone(),
        "pool" => c.pool.clone(),
        "limitpriv" => c.limitpriv.clone(),
        "scheduling-class" => c.scheduling_class.clone(),
        "ip-type" => match c.ip_type {
            IpType::Shared => "shared".into(),
            IpType::Exclusive => "exclusive".into(),
        },
        "hostid" => c.hostid.clone(),
        "fs-allowed" => c.fs_allowed.clone(),
        alias_name => return alias_line(c, alias_name),
    };
    format!("{name}: {value}\n")
}

/// `[alias: value]` when the alias rctl is set, else nothing.
pub fn alias_line(c: &ZoneConfig, short: &str) -> String {
    match c.get_alias(short) {
        Ok(v) if short == "max-shm-memory" => format!("[{short}: {}]\n", bytes_to_units(v)),
        Ok(v) => format!("[{short}: {v}]\n"),
        Err(_) => String::new(),
    }
}

const INFO_ALIASES: [&str; 8] = [
    "max-lwps",
    "max-processes",
    "max-shm-memory",
    "max-shm-ids",
    "max-msg-ids",
    "max-sem-ids",
    "cpu-shares",
    "zfs-io-priority",
];

/// Plain `info`. The global zone shows only the properties it can have.
pub fn whole(c: &ZoneConfig, zonename: &str, global_zone: bool) -> String {
    let mut o = global_line(c, zonename, "zonename");
    let zone_only = |o: &mut String, names: &[&str]| {
        if !global_zone {
            for n in names {
                o.push_str(&global_line(c, zonename, n));
            }
        }
    };
    zone_only(&mut o, &["zonepath", "brand", "autoboot", "bootargs"]);
    o.push_str(&global_line(c, zonename, "pool"));
    zone_only(
        &mut o,
        &[
            "limitpriv",
            "scheduling-class",
            "ip-type",
            "hostid",
            "fs-allowed",
        ],
    );
    for a in INFO_ALIASES {
        o.push_str(&alias_line(c, a));
    }
    if !global_zone {
        c.fs.iter().for_each(|f| o.push_str(&fs(f)));
        c.net.iter().for_each(|n| o.push_str(&net(n)));
        c.device.iter().for_each(|d| o.push_str(&device(d)));
    }
    if let Some(p) = &c.pset {
        o.push_str(&pset(p));
    }
    o.push_str(&pcap(c));
    o.push_str(&mcap(c));
    if !global_zone {
        c.attr.iter().for_each(|a| o.push_str(&attr(a)));
        c.dataset.iter().for_each(|d| o.push_str(&dataset(d)));
        c.admin.iter().for_each(|a| o.push_str(&admin(a)));
    }
    c.rctl.iter().for_each(|r| o.push_str(&rctl(r)));
    if let Some(s) = &c.secflags {
        o.push_str(&secflags(s));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RctlValue;

    fn sample() -> ZoneConfig {
        let mut c = ZoneConfig::template("SUNWdefault").unwrap();
        c.zonepath = "/zones/web1".into();
        c.ip_type = IpType::Exclusive;
        c.net.push(Net {
            allowed_address: "10.0.0.112/24".into(),
            physical: "web1_0".into(),
            properties: vec![("gateway".into(), "10.0.0.1".into())],
            ..Net::default()
        });
        c.fs.push(Fs {
            dir: "/usr".into(),
            special: "/usr".into(),
            fstype: "lofs".into(),
            options: vec!["ro".into(), "foo=bar".into()],
            ..Fs::default()
        });
        c.set_alias("max-lwps", 2000);
        c.set_alias("cpu-cap", 150);
        c.set_alias("max-physical-memory", 1 << 30);
        c.set_alias("max-swap", 2 << 30);
        c
    }

    #[test]
    fn whole_info_is_byte_exact() {
        let expected = concat!(
            "zonename: web1\n",
            "zonepath: /zones/web1\n",
            "brand: ipkg\n",
            "autoboot: false\n",
            "bootargs: \n",
            "pool: \n",
            "limitpriv: \n",
            "scheduling-class: \n",
            "ip-type: exclusive\n",
            "hostid: \n",
            "fs-allowed: \n",
            "[max-lwps: 2000]\n",
            "fs:\n",
            "\tdir: /usr\n",
            "\tspecial: /usr\n",
            "\traw not specified\n",
            "\ttype: lofs\n",
            "\toptions: [ro,\"foo=bar\"]\n",
            "net:\n",
            "\taddress not specified\n",
            "\tallowed-address: 10.0.0.112/24\n",
            "\tdefrouter not specified\n",
            "\tglobal-nic not specified\n",
            "\tmac-addr not specified\n",
            "\tphysical: web1_0\n",
            "\tvlan-id not specified\n",
            "\tproperty: (name=gateway,value=\"10.0.0.1\")\n",
            "capped-cpu:\n",
            "\t[ncpus: 1.50]\n",
            "capped-memory:\n",
            "\t[physical: 1G]\n",
            "\t[swap: 2G]\n",
            "rctl:\n",
            "\tname: zone.max-lwps\n",
            "\tvalue: (priv=privileged,limit=2000,action=deny)\n",
            "rctl:\n",
            "\tname: zone.cpu-cap\n",
            "\tvalue: (priv=privileged,limit=150,action=deny)\n",
            "rctl:\n",
            "\tname: zone.max-physical-memory\n",
            "\tvalue: (priv=privileged,limit=1073741824,action=deny)\n",
            "rctl:\n",
            "\tname: zone.max-swap\n",
            "\tvalue: (priv=privileged,limit=2147483648,action=deny)\n",
        );
        assert_eq!(whole(&sample(), "web1", false), expected);
    }

    #[test]
    fn values_with_spaces_are_quoted() {
        let a = Attr {
            name: "comment".into(),
            attr_type: "string".into(),
            value: "two words".into(),
        };
        assert_eq!(
            attr(&a),
            "attr:\n\tname: comment\n\ttype: string\n\tvalue: \"two words\"\n"
        );
    }

    #[test]
    fn single_global_lines() {
        let c = sample();
        assert_eq!(
            global_line(&c, "web1", "zonepath"),
            "zonepath: /zones/web1\n"
        );
        assert_eq!(global_line(&c, "web1", "bootargs"), "bootargs: \n");
        assert_eq!(global_line(&c, "web1", "max-lwps"), "[max-lwps: 2000]\n");
        assert_eq!(global_line(&c, "web1", "cpu-shares"), "");
    }

    #[test]
    fn dedicated_cpu_and_rctl_blocks() {
        let p = Pset {
            ncpu_min: "1".into(),
            ncpu_max: "2".into(),
            importance: "10".into(),
        };
        assert_eq!(pset(&p), "dedicated-cpu:\n\tncpus: 1-2\n\timportance: 10\n");
        let r = Rctl {
            name: "zone.max-lwps".into(),
            values: vec![RctlValue {
                priv_: "privileged".into(),
                limit: "10".into(),
                action: "deny".into(),
            }],
        };
        assert_eq!(
            rctl(&r),
            "rctl:\n\tname: zone.max-lwps\n\tvalue: (priv=privileged,limit=10,action=deny)\n"
        );
    }
}
