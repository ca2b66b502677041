//! What zonecfg knows about properties and resources, as plain functions.

use super::*;

pub(super) fn rt_of_pt(pt: Pt) -> Option<&'static str> {
    // Global properties that `set` accepts in the global scope.
    Some(match pt {
        Pt::Zonename => "zonename",
        Pt::Zonepath => "zonepath",
        Pt::Autoboot => "autoboot",
        Pt::Brand => "brand",
        Pt::Pool => "pool",
        Pt::Limitpriv => "limitpriv",
        Pt::Bootargs => "bootargs",
        Pt::SchedulingClass => "scheduling-class",
        Pt::IpType => "ip-type",
        Pt::MaxLwps => "max-lwps",
        Pt::MaxProcesses => "max-processes",
        Pt::MaxShmMemory => "max-shm-memory",
        Pt::MaxShmIds => "max-shm-ids",
        Pt::MaxMsgIds => "max-msg-ids",
        Pt::MaxSemIds => "max-sem-ids",
        Pt::CpuShares => "cpu-shares",
        Pt::Hostid => "hostid",
        Pt::FsAllowed => "fs-allowed",
        Pt::ZfsIoPriority => "zfs-io-priority",
        _ => return None,
    })
}

pub(super) fn is_alias(pt: Pt) -> bool {
    matches!(
        pt,
        Pt::MaxLwps
            | Pt::MaxProcesses
            | Pt::MaxShmMemory
            | Pt::MaxShmIds
            | Pt::MaxMsgIds
            | Pt::MaxSemIds
            | Pt::CpuShares
            | Pt::ZfsIoPriority
    )
}

pub(super) fn gz_invalid_resource(global_zone: bool, rt: Option<Rt>) -> bool {
    global_zone
        && matches!(
            rt,
            Some(Rt::Fs | Rt::Net | Rt::Device | Rt::Attr | Rt::Dataset)
        )
}

pub(super) fn gz_invalid_property(global_zone: bool, pt: Pt) -> bool {
    global_zone
        && matches!(
            pt,
            Pt::Zonename
                | Pt::Zonepath
                | Pt::Autoboot
                | Pt::Limitpriv
                | Pt::Bootargs
                | Pt::Brand
                | Pt::SchedulingClass
                | Pt::IpType
                | Pt::Hostid
                | Pt::FsAllowed
        )
}

/// The properties a resource's qualifiers may name.
pub(super) fn qualifier_props(rt: Rt) -> &'static [Pt] {
    match rt {
        Rt::Fs => &[Pt::Dir, Pt::Special, Pt::Raw, Pt::Type],
        Rt::Net => &[
            Pt::Address,
            Pt::AllowedAddress,
            Pt::Physical,
            Pt::MacAddr,
            Pt::VlanId,
            Pt::GlobalNic,
            Pt::Defrouter,
        ],
        Rt::Device => &[Pt::Match],
        Rt::Rctl => &[Pt::Name],
        Rt::Attr => &[Pt::Name, Pt::Type, Pt::Value],
        Rt::Dataset => &[Pt::Name],
        Rt::Admin => &[Pt::User, Pt::Auths],
        Rt::SecurityFlags => &[Pt::Default, Pt::Lower, Pt::Upper],
        _ => &[],
    }
}

/// A resource's value for a qualifier property.
pub(super) fn field(cfg: &ZoneConfig, rt: Rt, i: usize, pt: Pt) -> String {
    let s = |v: &String| v.clone();
    match rt {
        Rt::Fs => {
            let f = &cfg.fs[i];
            match pt {
                Pt::Dir => s(&f.dir),
                Pt::Special => s(&f.special),
                Pt::Raw => s(&f.raw),
                _ => s(&f.fstype),
            }
        }
        Rt::Net => {
            let n = &cfg.net[i];
            match pt {
                Pt::Address => s(&n.address),
                Pt::AllowedAddress => s(&n.allowed_address),
                Pt::Physical => s(&n.physical),
                Pt::MacAddr => s(&n.mac_addr),
                Pt::VlanId => s(&n.vlan_id),
                Pt::GlobalNic => s(&n.global_nic),
                _ => s(&n.defrouter),
            }
        }
        Rt::Device => s(&cfg.device[i].match_),
        Rt::Rctl => s(&cfg.rctl[i].name),
        Rt::Attr => {
            let a = &cfg.attr[i];
            match pt {
                Pt::Name => s(&a.name),
                Pt::Type => s(&a.attr_type),
                _ => s(&a.value),
            }
        }
        Rt::Dataset => s(&cfg.dataset[i].name),
        Rt::Admin => {
            let a = &cfg.admin[i];
            match pt {
                Pt::User => s(&a.user),
                _ => s(&a.auths),
            }
        }
        _ => String::new(),
    }
}

pub(super) fn count(cfg: &ZoneConfig, rt: Rt) -> usize {
    match rt {
        Rt::Fs => cfg.fs.len(),
        Rt::Net => cfg.net.len(),
        Rt::Device => cfg.device.len(),
        Rt::Rctl => cfg.rctl.len(),
        Rt::Attr => cfg.attr.len(),
        Rt::Dataset => cfg.dataset.len(),
        Rt::Admin => cfg.admin.len(),
        _ => 0,
    }
}

pub(super) fn block(cfg: &ZoneConfig, rt: Rt, i: usize) -> String {
    match rt {
        Rt::Fs => info::fs(&cfg.fs[i]),
        Rt::Net => info::net(&cfg.net[i]),
        Rt::Device => info::device(&cfg.device[i]),
        Rt::Rctl => info::rctl(&cfg.rctl[i]),
        Rt::Attr => info::attr(&cfg.attr[i]),
        Rt::Dataset => info::dataset(&cfg.dataset[i]),
        Rt::Admin => info::admin(&cfg.admin[i]),
        _ => String::new(),
    }
}

/// The address part of `addr[/prefix]`, for comparing net addresses.
pub(super) fn addr_part(a: &str) -> &str {
    a.split('/').next().unwrap_or(a)
}

/// C `atoi`: leading optional sign and digits, 0 if none.
pub(super) fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n: i64 = digits
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .take(18)
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    if neg { -n } else { n }
}

/// libzonecfg `valid_uint`: digits only.
pub(super) fn valid_uint(s: &str) -> Option<u64> {
    if s.contains('-') {
        return None;
    }
    s.parse().ok()
}

/// `zfs_name_valid` for a filesystem name.
pub(super) fn zfs_name_valid(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && name.split('/').all(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_-.:".contains(ch))
        })
}
