//! `set` and the checks on the values it takes.

use super::*;

impl Session<'_> {
    pub(super) fn set_func(&mut self, cmd: &Cmd) -> Flow {
        if self.zone_is_read_only() {
            return Ok(());
        }
        let mut force_set = false;
        let mut g = Getopt::new(&cmd.argv, "F", 0);
        for o in g.by_ref() {
            match o {
                Opt::Flag('F', _) => force_set = true,
                Opt::Unknown('?') => {
                    self.longer_usage(CmdWord::Set);
                    return Ok(());
                }
                _ => {
                    self.short_usage(CmdWord::Set);
                    return Ok(());
                }
            }
        }
        let Some((pt, value)) = cmd.props.first().cloned() else {
            self.long_usage(CmdWord::Set, true);
            return Ok(());
        };
        let res: Result<&'static str, Rt> = if self.global_scope {
            if gz_invalid_property(self.global_zone, pt) {
                self.zerr(&format!(
                    "{} is not a valid property for the global zone.",
                    pt.name()
                ));
                self.saw_error = true;
                return Ok(());
            }
            match rt_of_pt(pt) {
                Some(g) => Ok(g),
                None => {
                    self.zerr("Cannot set a resource-specific property from the global scope.");
                    self.saw_error = true;
                    return Ok(());
                }
            }
        } else {
            match self.scope {
                Some(rt) => Err(rt),
                None => {
                    self.long_usage(CmdWord::Set, true);
                    return Ok(());
                }
            }
        };
        if force_set {
            if res != Ok("zonepath") {
                self.zerr("Only zonepath setting can be forced.");
            } else {
                self.zerr("Zonepath is changeable only in an alternate root.");
            }
            self.saw_error = true;
            return Ok(());
        }
        let complex_ok = matches!(
            (res, pt),
            (Err(Rt::Fs), Pt::Options) | (Err(Rt::Rctl), Pt::Value) | (Err(Rt::Net), Pt::Property)
        );
        let simple = match &value {
            PropValue::Simple(s) => Some(s.clone()),
            _ => None,
        };
        if !complex_ok && simple.is_none() {
            self.zerr("A simple value was expected here.");
            self.saw_error = true;
            return Ok(());
        }
        let v = simple.clone().unwrap_or_default();
        if res == Ok("zonename")
            && !self.got_handle
            && !self.state_atleast(ZoneState::Configured)?
        {
            if !valid_zone_name(&v) {
                self.zone_perror(&v, Z_BOGUS_ZONE_NAME, true);
                self.err_usage(help::HELP_SYNTAX);
                return Ok(());
            }
            self.zone = v;
            return Ok(());
        }
        if !self.initialize(true)? {
            return Ok(());
        }
        match res {
            Ok(global) => self.set_global(global, pt, &v),
            Err(rt) => self.set_resource(rt, pt, cmd, &value, &v),
        }
    }

    pub(super) fn set_global(&mut self, global: &str, pt: Pt, v: &str) -> Flow {
        let zone = self.zone.clone();
        match global {
            "zonename" => {
                let st = self.read_state()?;
                let err = if !valid_zone_name(v) {
                    Some(Z_BOGUS_ZONE_NAME)
                } else if st
                    .zone(&self.zone)
                    .is_some_and(|z| z.state != ZoneState::Configured)
                {
                    Some(Z_BAD_ZONE_STATE)
                } else if v != self.zone && st.zone(v).is_some() {
                    Some(Z_NAME_IN_USE)
                } else {
                    None
                };
                match err {
                    Some(e) => {
                        self.zone_perror(v, e, true);
                        self.err_usage(help::HELP_SYNTAX);
                    }
                    None => {
                        self.need_to_commit = true;
                        self.zone = v.to_string();
                    }
                }
            }
            "zonepath" => {
                if self.state_atleast(ZoneState::Installed)? {
                    self.zerr(&format!(
                        "Zone {zone} already installed; set zonepath not allowed."
                    ));
                    return Ok(());
                }
                if !v.starts_with('/') {
                    self.zerr(&format!("{v} is not an absolute path."));
                    self.saw_error = true;
                    return Ok(());
                }
                if v.chars().all(|c| c == '/') {
                    self.zerr("/ is not allowed as a zonepath.");
                    self.saw_error = true;
                    return Ok(());
                }
                self.cfg().zonepath = v.to_string();
                self.need_to_commit = true;
            }
            "brand" => {
                if self.state_atleast(ZoneState::Installed)? {
                    self.zerr(&format!(
                        "Zone {zone} already installed; set brand not allowed."
                    ));
                    return Ok(());
                }
                self.cfg().brand = v.to_string();
                self.need_to_commit = true;
            }
            "autoboot" => match v {
                "true" | "false" => {
                    self.cfg().autoboot = v == "true";
                    self.need_to_commit = true;
                }
                _ => {
                    self.zerr("autoboot value must be 'true' or 'false'.");
                    self.saw_error = true;
                }
            },
            "pool" => {
                if v.starts_with("SUNW") {
                    self.zerr("pool names starting with SUNW are reserved.");
                    self.saw_error = true;
                    return Ok(());
                }
                if self.cfg().pset.is_some() {
                    self.zerr("The dedicated-cpu resource already exists.  A persistent pool is incompatible\nwith the dedicated-cpu resource.");
                    self.saw_error = true;
                    return Ok(());
                }
                self.cfg().pool = v.to_string();
                self.need_to_commit = true;
            }
            "limitpriv" => {
                self.cfg().limitpriv = v.to_string();
                self.need_to_commit = true;
            }
            "bootargs" => {
                self.cfg().bootargs = v.to_string();
                self.need_to_commit = true;
            }
            "scheduling-class" => {
                self.cfg().scheduling_class = v.to_string();
                self.need_to_commit = true;
            }
            "ip-type" => {
                let t = match v {
                    "shared" => IpType::Shared,
                    "exclusive" => IpType::Exclusive,
                    _ => {
                        self.zerr("ip-type value must be 'shared' or 'exclusive'.");
                        self.saw_error = true;
                        return Ok(());
                    }
                };
                self.cfg().ip_type = t;
                self.need_to_commit = true;
            }
            "hostid" => {
                self.cfg().hostid = v.to_string();
                self.need_to_commit = true;
            }
            "fs-allowed" => {
                self.cfg().fs_allowed = v.to_string();
                self.need_to_commit = true;
            }
            alias => self.set_aliased_rctl(alias, pt, v),
        }
        Ok(())
    }

    pub(super) fn set_aliased_rctl(&mut self, alias: &str, pt: Pt, v: &str) {
        if self.global_zone && alias != "cpu-shares" {
            self.zerr("WARNING: Setting a global zone resource control too low could deny\nservice to even the root user; this could render the system impossible\nto administer.  Please use caution.");
        }
        let mut s = v.to_string();
        if pt == Pt::MaxShmMemory {
            match str_to_bytes(v) {
                Some(b) => s = b.to_string(),
                None => {
                    self.zerr("A non-negative number with a required scale suffix (K, M, G or T) was expected\nhere.");
                    self.saw_error = true;
                    return;
                }
            }
        }
        let low = crate::config::alias(alias).low_limit;
        if !self.cfg().alias_ok(alias) {
            self.zone_perror(pt.name(), Z_ALIAS_DISALLOW, false);
            self.saw_error = true;
        } else {
            match valid_uint(&s) {
                Some(limit) if limit >= low => {
                    self.cfg().set_alias(alias, limit);
                    self.need_to_commit = true;
                }
                _ => {
                    self.zerr(&format!("{} property is out of range.", pt.name()));
                    self.saw_error = true;
                }
            }
        }
    }

    pub(super) fn set_resource(
        &mut self,
        rt: Rt,
        pt: Pt,
        cmd: &Cmd,
        value: &PropValue,
        v: &str,
    ) -> Flow {
        let v = v.to_string();
        let bad_prop = |s: &mut Self| s.no_such_prop(pt, CmdWord::Set);
        match rt {
            Rt::Fs => {
                let InProgress::Fs(f) = &mut self.in_progress else {
                    return Ok(());
                };
                match pt {
                    Pt::Dir => f.dir = v,
                    Pt::Special => f.special = v,
                    Pt::Raw => f.raw = v,
                    Pt::Type => {
                        if v.is_empty()
                            || v.contains('/')
                            || v == "."
                            || v == ".."
                            || v.len() >= 256
                        {
                            self.zerr(&format!("\"{v}\" is not a valid type."));
                            self.saw_error = true;
                        } else {
                            f.fstype = v;
                        }
                    }
                    Pt::Options => {
                        if matches!(value, PropValue::Complex(_)) {
                            self.zerr("A simple or list value was expected here.");
                            self.saw_error = true;
                            return Ok(());
                        }
                        f.options.clear();
                        if *value != PropValue::List(Vec::new()) {
                            self.add_property(cmd)?;
                        }
                    }
                    _ => bad_prop(self),
                }
            }
            Rt::Net => match pt {
                Pt::Address | Pt::AllowedAddress => {
                    if self.valid_net_address(&v, false) {
                        if let InProgress::Net(n) = &mut self.in_progress {
                            if pt == Pt::Address {
                                n.address = v;
                            } else {
                                n.allowed_address = v;
                            }
                        }
                    } else {
                        self.saw_error = true;
                    }
                }
                Pt::Physical => {
                    if self.valid_physical(&v) {
                        if let InProgress::Net(n) = &mut self.in_progress {
                            n.physical = v;
                        }
                    } else {
                        self.saw_error = true;
                    }
                }
                Pt::MacAddr | Pt::VlanId | Pt::GlobalNic => {
                    if let InProgress::Net(n) = &mut self.in_progress {
                        match pt {
                            Pt::MacAddr => n.mac_addr = v,
                            Pt::VlanId => n.vlan_id = v,
                            _ => n.global_nic = v,
                        }
                    }
                }
                Pt::Defrouter => {
                    if self.valid_net_address(&v, true) {
                        if let InProgress::Net(n) = &mut self.in_progress {
                            n.defrouter = v;
                        }
                    } else {
                        self.saw_error = true;
                    }
                }
                Pt::Property => {
                    if !matches!(value, PropValue::Complex(_)) {
                        self.zerr("A complex value was expected here.");
                        self.saw_error = true;
                        return Ok(());
                    }
                    if let InProgress::Net(n) = &mut self.in_progress {
                        n.properties.clear();
                    }
                    self.add_property(cmd)?;
                }
                _ => bad_prop(self),
            },
            Rt::Device => match pt {
                Pt::Match => {
                    if let InProgress::Device(d) = &mut self.in_progress {
                        d.match_ = v;
                    }
                }
                _ => bad_prop(self),
            },
            Rt::Rctl => match pt {
                Pt::Name => {
                    // libzonecfg's zonecfg_valid_rctlname: `zone.` then letters and `-`.
                    let rest = v.strip_prefix("zone.").unwrap_or("");
                    if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
                    {
                        self.zerr(&format!("'{v}' is not a valid zone rctl name."));
                        return Ok(());
                    }
                    if let InProgress::Rctl(r) = &mut self.in_progress {
                        r.name = v;
                    }
                }
                Pt::Value => {
                    if matches!(value, PropValue::Simple(_)) {
                        self.zerr("A complex or list value was expected here.");
                        self.saw_error = true;
                        return Ok(());
                    }
                    if let InProgress::Rctl(r) = &mut self.in_progress {
                        r.values.clear();
                    }
                    if *value != PropValue::List(Vec::new()) {
                        self.add_property(cmd)?;
                    }
                }
                _ => bad_prop(self),
            },
            Rt::Attr => {
                let InProgress::Attr(a) = &mut self.in_progress else {
                    return Ok(());
                };
                match pt {
                    Pt::Name => a.name = v,
                    Pt::Type => a.attr_type = v,
                    Pt::Value => a.value = v,
                    _ => bad_prop(self),
                }
            }
            Rt::Dataset => match (pt, &mut self.in_progress) {
                (Pt::Name, InProgress::Dataset(d)) => d.name = v,
                _ => bad_prop(self),
            },
            Rt::DedicatedCpu => match pt {
                Pt::Ncpus => {
                    let (lo, hi) = v.split_once('-').unwrap_or((&v, &v));
                    match (valid_uint(lo), valid_uint(hi)) {
                        (Some(l), Some(h)) if l >= 1 && l <= h => {
                            let (lo, hi) = (lo.to_string(), hi.to_string());
                            if let InProgress::Pset(p) = &mut self.in_progress {
                                p.ncpu_min = lo;
                                p.ncpu_max = hi;
                            }
                        }
                        _ => {
                            self.zerr("ncpus property is out of range.");
                            self.saw_error = true;
                        }
                    }
                }
                Pt::Importance => {
                    if valid_uint(&v).is_none() {
                        self.zerr("importance property is out of range.");
                        self.saw_error = true;
                    } else if let InProgress::Pset(p) = &mut self.in_progress {
                        p.importance = v;
                    }
                }
                _ => bad_prop(self),
            },
            Rt::CappedCpu => {
                if pt != Pt::Ncpus {
                    bad_prop(self);
                    return Ok(());
                }
                match v.parse::<f64>() {
                    Ok(cap) if cap > 0.0 && cap * 100.0 >= 1.0 && cap.is_finite() => {
                        self.cfg().set_alias("cpu-cap", (cap * 100.0 + 0.5) as u64);
                        self.need_to_commit = true;
                    }
                    _ => {
                        self.zerr("ncpus property is out of range.");
                        self.saw_error = true;
                    }
                }
            }
            Rt::CappedMemory => {
                let (alias, label) = match pt {
                    Pt::Physical => ("max-physical-memory", "locked"),
                    Pt::Swap => ("max-swap", "max-swap"),
                    Pt::Locked => ("max-locked-memory", "locked"),
                    _ => {
                        bad_prop(self);
                        return Ok(());
                    }
                };
                if !self.cfg().alias_ok(alias) {
                    self.zone_perror(label, Z_ALIAS_DISALLOW, false);
                    self.saw_error = true;
                    return Ok(());
                }
                match str_to_bytes(&v) {
                    None if pt == Pt::Swap => {
                        self.zerr("A positive number with a required scale suffix (K, M, G or T) was expected here.");
                        self.saw_error = true;
                    }
                    None => {
                        self.zerr("A non-negative number with a required scale suffix (K, M, G or T) was expected\nhere.");
                        self.saw_error = true;
                    }
                    Some(b) if pt == Pt::Swap && b < (50 << 20) => {
                        self.zerr("swap value is too small.  It must be at least 50M.");
                        self.saw_error = true;
                    }
                    Some(b) => {
                        self.cfg().set_alias(alias, b);
                        self.need_to_commit = true;
                    }
                }
            }
            Rt::Admin => {
                let InProgress::Admin(a) = &mut self.in_progress else {
                    return Ok(());
                };
                match pt {
                    Pt::User => a.user = v,
                    Pt::Auths => a.auths = v,
                    _ => bad_prop(self),
                }
            }
            Rt::SecurityFlags => {
                let InProgress::SecFlags(s) = &mut self.in_progress else {
                    return Ok(());
                };
                match pt {
                    Pt::Default => s.default = v,
                    Pt::Lower => s.lower = v,
                    Pt::Upper => s.upper = v,
                    _ => bad_prop(self),
                }
            }
        }
        Ok(())
    }

    /// `validate_net_address_syntax`.
    pub(super) fn valid_net_address(&mut self, address: &str, ishost: bool) -> bool {
        let (part1, prefix) = match address.split_once('/') {
            Some((a, p)) => (a, Some(atoi(p))),
            None => (address, None),
        };
        if ishost && prefix.is_some() {
            self.zerr(&format!("Warning: prefix length in {address} is not required and will be ignored. The default host-prefix length will be used"));
        }
        if part1.parse::<std::net::Ipv6Addr>().is_ok() {
            if !ishost {
                match prefix {
                    None => {
                        self.zerr(&format!(
                            "{address}: IPv6 addresses require /prefix-length suffix."
                        ));
                        return false;
                    }
                    Some(p) if !(0..=128).contains(&p) => {
                        self.zerr(&format!(
                            "{address}: IPv6 address prefix lengths must be 0 - 128."
                        ));
                        return false;
                    }
                    Some(_) => {}
                }
            }
            return true;
        }
        if !ishost
            && let Some(p) = prefix
            && !(0..=32).contains(&p)
        {
            self.zerr(&format!(
                "{address}: IPv4 address prefix lengths must be 0 - 32."
            ));
            return false;
        }
        if part1.parse::<std::net::Ipv4Addr>().is_ok() {
            return true;
        }
        let host_ok = part1.starts_with(|c: char| c.is_ascii_alphanumeric())
            && part1
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !host_ok {
            self.zerr(&format!(
                "{part1}: bogus host name or network address syntax"
            ));
            self.saw_error = true;
            self.err_usage(help::HELP_NETADDR);
            return false;
        }
        true
    }

    /// `validate_net_physical_syntax` for the handle's ip-type.
    pub(super) fn valid_physical(&mut self, ifname: &str) -> bool {
        let ip = self.cfg().ip_type;
        match ip {
            IpType::Shared => {
                let (name, lun) = match ifname.split_once(':') {
                    Some((n, l)) => (n, Some(l)),
                    None => (ifname, None),
                };
                let lun_ok =
                    lun.is_none_or(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()));
                if !valid_link_name(name) || !lun_ok {
                    self.zerr(&format!("{ifname}: invalid physical interface name"));
                    return false;
                }
                if lun.is_some() {
                    self.zerr(&format!(
                        "{ifname}: LUNs not allowed in physical interface names"
                    ));
                    return false;
                }
                true
            }
            IpType::Exclusive => {
                if valid_link_name(ifname) {
                    return true;
                }
                if ifname.contains(':') {
                    self.zerr(&format!("{ifname}: physical interface name required; logical interface name not allowed"));
                } else {
                    self.zerr(&format!("{ifname}: invalid physical interface name"));
                }
                false
            }
        }
    }
}
