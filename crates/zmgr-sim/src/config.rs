//! A zone's configuration, as libzonecfg keeps it: global properties plus
//! resources in insertion order. Alias properties (cpu-shares, capped-cpu,
//! capped-memory…) are stored as the rctls they stand for.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpType {
    Shared,
    Exclusive,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fs {
    pub dir: String,
    pub special: String,
    pub raw: String,
    pub fstype: String,
    pub options: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Net {
    pub address: String,
    pub allowed_address: String,
    pub defrouter: String,
    pub global_nic: String,
    pub mac_addr: String,
    pub physical: String,
    pub vlan_id: String,
    pub properties: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub match_: String,
    pub properties: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RctlValue {
    pub priv_: String,
    pub limit: String,
    pub action: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rctl {
    pub name: String,
    pub values: Vec<RctlValue>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attr {
    pub name: String,
    pub attr_type: String,
    pub value: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pset {
    pub ncpu_min: String,
    pub ncpu_max: String,
    pub importance: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admin {
    pub user: String,
    pub auths: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecFlags {
    pub default: String,
    pub lower: String,
    pub upper: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneConfig {
    pub zonepath: String,
    pub brand: String,
    pub autoboot: bool,
    pub bootargs: String,
    pub pool: String,
    pub limitpriv: String,
    pub scheduling_class: String,
    pub ip_type: IpType,
    /// Empty when unset.
    pub hostid: String,
    /// Empty when unset.
    pub fs_allowed: String,
    pub fs: Vec<Fs>,
    pub net: Vec<Net>,
    pub device: Vec<Device>,
    pub rctl: Vec<Rctl>,
    pub attr: Vec<Attr>,
    pub dataset: Vec<Dataset>,
    pub pset: Option<Pset>,
    pub admin: Vec<Admin>,
    pub secflags: Option<SecFlags>,
}

impl ZoneConfig {
    fn base(brand: &str, ip_type: IpType) -> ZoneConfig {
        ZoneConfig {
            zonepath: String::new(),
            brand: brand.to_string(),
            autoboot: false,
            bootargs: String::new(),
            pool: String::new(),
            limitpriv: String::new(),
            scheduling_class: String::new(),
            ip_type,
            hostid: String::new(),
            fs_allowed: String::new(),
            fs: Vec::new(),
            net: Vec::new(),
            device: Vec::new(),
            rctl: Vec::new(),
            attr: Vec::new(),
            dataset: Vec::new(),
            pset: None,
            admin: Vec::new(),
            secflags: None,
        }
    }

    /// The built-in templates: the ipkg SUNWdefault/SUNWblank pair, OI's
    /// OInlipkg, and the OmniOS `OMNI<brand>` family (`create -t <brand>`).
    pub fn template(name: &str) -> Option<ZoneConfig> {
        match name {
            "SUNWdefault" | "SUNWblank" => Some(Self::base("ipkg", IpType::Shared)),
            "OInlipkg" => Some(Self::base("nlipkg", IpType::Shared)),
            _ => {
                let brand = name.strip_prefix("OMNI")?;
                OMNIOS_BRANDS
                    .contains(&brand)
                    .then(|| Self::base(brand, IpType::Exclusive))
            }
        }
    }

    /// The global zone's configuration as `zonecfg -z global` first sees it.
    pub fn global() -> ZoneConfig {
        let mut c = Self::base("ipkg", IpType::Shared);
        c.zonepath = "/".into();
        c
    }

    pub fn find_rctl(&self, name: &str) -> Option<&Rctl> {
        self.rctl.iter().find(|r| r.name == name)
    }
}

pub const OMNIOS_BRANDS: [&str; 9] = [
    "ipkg", "lipkg", "sparse", "pkgsrc", "illumos", "lx", "bhyve", "kvm", "emu",
];

/// An rctl that a zone-wide property or resource stands for.
#[derive(Clone, Copy, Debug)]
pub struct Alias {
    pub short: &'static str,
    pub rctl: &'static str,
    pub action: &'static str,
    pub low_limit: u64,
}

pub const ALIASES: [Alias; 12] = [
    Alias {
        short: "max-lwps",
        rctl: "zone.max-lwps",
        action: "deny",
        low_limit: 100,
    },
    Alias {
        short: "max-shm-memory",
        rctl: "zone.max-shm-memory",
        action: "deny",
        low_limit: 0,
    },
    Alias {
        short: "max-shm-ids",
        rctl: "zone.max-shm-ids",
        action: "deny",
        low_limit: 0,
    },
    Alias {
        short: "max-msg-ids",
        rctl: "zone.max-msg-ids",
        action: "deny",
        low_limit: 0,
    },
    Alias {
        short: "max-sem-ids",
        rctl: "zone.max-sem-ids",
        action: "deny",
        low_limit: 0,
    },
    Alias {
        short: "max-locked-memory",
        rctl: "zone.max-locked-memory",
        action: "deny",
        low_limit: 0,
    },
    Alias {
        short: "max-swap",
        rctl: "zone.max-swap",
        action: "deny",
        low_limit: 0,
    },
    Alias {
        short: "max-physical-memory",
        rctl: "zone.max-physical-memory",
        action: "deny",
        low_limit: 1_048_576,
    },
    Alias {
        short: "cpu-shares",
        rctl: "zone.cpu-shares",
        action: "none",
        low_limit: 0,
    },
    Alias {
        short: "cpu-cap",
        rctl: "zone.cpu-cap",
        action: "deny",
        low_limit: 0,
    },
    Alias {
        short: "max-processes",
        rctl: "zone.max-processes",
        action: "deny",
        low_limit: 100,
    },
    Alias {
        short: "zfs-io-priority",
        rctl: "zone.zfs-io-priority",
        action: "none",
        low_limit: 0,
    },
];

pub fn alias(short: &str) -> &'static Alias {
    ALIASES
        .iter()
        .find(|a| a.short == short)
        .expect("known alias")
}

/// Why an alias has no single value.
#[derive(Debug, PartialEq, Eq)]
pub enum AliasErr {
    /// No rctl of that name.
    NoEntry,
    /// The rctl exists but is not a single privileged value.
    Disallow,
}

impl ZoneConfig {
    /// `zonecfg_get_aliased_rctl`.
    pub fn get_alias(&self, short: &str) -> Result<u64, AliasErr> {
        let a = alias(short);
        let r = self.find_rctl(a.rctl).ok_or(AliasErr::NoEntry)?;
        match r.values.as_slice() {
            [v] if v.priv_ == "privileged" && v.action == a.action => {
                v.limit.parse().map_err(|_| AliasErr::Disallow)
            }
            _ => Err(AliasErr::Disallow),
        }
    }

    /// `zonecfg_aliased_rctl_ok`: the alias may be set unless an rctl of
    /// that name with some other shape exists.
    pub fn alias_ok(&self, short: &str) -> bool {
        !matches!(self.get_alias(short), Err(AliasErr::Disallow))
    }

    /// `zonecfg_set_aliased_rctl`: replaces the rctl by one privileged value.
    pub fn set_alias(&mut self, short: &str, limit: u64) {
        let a = alias(short);
        self.rctl.retain(|r| r.name != a.rctl);
        self.rctl.push(Rctl {
            name: a.rctl.to_string(),
            values: vec![RctlValue {
                priv_: "privileged".into(),
                limit: limit.to_string(),
                action: a.action.into(),
            }],
        });
    }

    pub fn remove_alias(&mut self, short: &str) {
        let a = alias(short);
        self.rctl.retain(|r| r.name != a.rctl);
    }
}

/// `zonecfg_str_to_bytes`: a non-negative number with an optional K, M, G
/// or T suffix (powers of two, any case).
pub fn str_to_bytes(s: &str) -> Option<u64> {
    let numeric_len = s
        .char_indices()
        .take_while(|(i, c)| {
            c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '+' || *c == '-'))
        })
        .count();
    let (num, unit) = s.split_at(numeric_len);
    let val: f64 = num.parse().ok()?;
    if val < 0.0 {
        return None;
    }
    let unit = unit.trim_start();
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return None,
    };
    Some((val * scale as f64) as u64)
}

/// zonecfg's `bytes_to_units`: `1G`, `512M`, `1.5G`.
pub fn bytes_to_units(n: u64) -> String {
    if n < 1024 {
        return n.to_string();
    }
    let units = ['B', 'K', 'M', 'G', 'T'];
    let mut up = 0;
    let mut num = n;
    let mut save = 0;
    while num >= 1024 && units[up] != 'T' {
        up += 1;
        save = num;
        num = (num + 512) >> 10;
    }
    if save % 1024 != 0 && (save >> 10) < 10 {
        format!("{:.1}{}", save as f64 / 1024.0, units[up])
    } else {
        format!("{}{}", num, units[up])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_trip_like_zonecfg() {
        assert_eq!(bytes_to_units(1 << 30), "1G");
        assert_eq!(bytes_to_units(512 << 20), "512M");
        assert_eq!(bytes_to_units(1536 << 20), "1.5G");
        assert_eq!(bytes_to_units(1000), "1000");
        assert_eq!(str_to_bytes("1G"), Some(1 << 30));
        assert_eq!(str_to_bytes("512m"), Some(512 << 20));
        assert_eq!(str_to_bytes("1.5G"), Some(1536 << 20));
        assert_eq!(str_to_bytes("2048"), Some(2048));
        assert_eq!(str_to_bytes("1X"), None);
        assert_eq!(str_to_bytes("-1G"), None);
    }

    #[test]
    fn aliases_are_rctls() {
        let mut c = ZoneConfig::template("SUNWdefault").unwrap();
        assert_eq!(c.get_alias("max-lwps"), Err(AliasErr::NoEntry));
        c.set_alias("max-lwps", 2000);
        assert_eq!(c.get_alias("max-lwps"), Ok(2000));
        assert_eq!(c.rctl[0].name, "zone.max-lwps");
        let v = c.rctl[0].values[0].clone();
        c.rctl[0].values.push(v);
        assert_eq!(c.get_alias("max-lwps"), Err(AliasErr::Disallow));
        assert!(!c.alias_ok("max-lwps"));
    }

    #[test]
    fn templates() {
        assert_eq!(ZoneConfig::template("OInlipkg").unwrap().brand, "nlipkg");
        let omni = ZoneConfig::template("OMNIsparse").unwrap();
        assert_eq!(
            (omni.brand.as_str(), omni.ip_type),
            ("sparse", IpType::Exclusive)
        );
        assert!(ZoneConfig::template("OMNInope").is_none());
    }
}
