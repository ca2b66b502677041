//! Resource scope: add, cancel and end.

use super::*;

impl Session<'_> {
    pub(super) fn add_func(&mut self, cmd: &Cmd) -> Flow {
        if !self.no_args(cmd) || self.zone_is_read_only() {
            return Ok(());
        }
        if !self.initialize(true)? {
            return Ok(());
        }
        if self.global_scope {
            if gz_invalid_resource(self.global_zone, cmd.res) {
                let rt = cmd.res.map(Rt::name).unwrap_or_default();
                self.zerr(&format!("Cannot add a {rt} resource to the global zone."));
                self.saw_error = true;
                return Ok(());
            }
            self.global_scope = false;
            self.scope = cmd.res;
            self.end_op = Some(EndOp::Add);
            self.add_resource(cmd.res);
        } else {
            self.add_property(cmd)?;
        }
        Ok(())
    }

    pub(super) fn add_resource(&mut self, rt: Option<Rt>) {
        let Some(rt) = rt else {
            self.long_usage(CmdWord::Add, true);
            self.global_scope = true;
            self.end_op = None;
            return;
        };
        let c = self.handle.clone().expect("initialized");
        let bad = |s: &mut Self, msg: &str| {
            s.zerr(msg);
            s.global_scope = true;
            s.end_op = None;
        };
        self.in_progress = match rt {
            Rt::Fs => InProgress::Fs(Fs::default()),
            Rt::Net => InProgress::Net(Net::default()),
            Rt::Device => InProgress::Device(Device::default()),
            Rt::Rctl => InProgress::Rctl(Rctl::default()),
            Rt::Attr => InProgress::Attr(Attr::default()),
            Rt::Dataset => InProgress::Dataset(Dataset::default()),
            Rt::Admin => InProgress::Admin(Admin::default()),
            Rt::DedicatedCpu => {
                if c.pset.is_some() {
                    return bad(self, "The dedicated-cpu resource already exists.");
                }
                if c.get_alias("cpu-cap") != Err(AliasErr::NoEntry) {
                    return bad(self, "The capped-cpu resource already exists.");
                }
                if !c.pool.is_empty() {
                    return bad(
                        self,
                        "The pool property is already set.  A persistent pool is incompatible with\nthe dedicated-cpu resource.",
                    );
                }
                InProgress::Pset(Pset::default())
            }
            Rt::CappedCpu => {
                if c.pset.is_some() {
                    return bad(self, "The dedicated-cpu resource already exists.");
                }
                match c.get_alias("cpu-cap") {
                    Err(AliasErr::Disallow) => {
                        return bad(self, &format!("capped-cpu: {Z_ALIAS_DISALLOW}"));
                    }
                    Ok(_) => return bad(self, "The capped-cpu resource already exists."),
                    Err(AliasErr::NoEntry) => InProgress::None,
                }
            }
            Rt::CappedMemory => {
                if c.get_alias("max-swap").is_ok()
                    || c.get_alias("max-physical-memory").is_ok()
                    || c.get_alias("max-locked-memory").is_ok()
                {
                    return bad(
                        self,
                        "The capped-memory resource or a related resource control already exists.",
                    );
                }
                InProgress::None
            }
            Rt::SecurityFlags => {
                if c.secflags.is_some() {
                    self.zerr("The security-flags resource already exists.");
                }
                InProgress::SecFlags(SecFlags::default())
            }
        };
    }

    pub(super) fn no_such_prop(&mut self, pt: Pt, cmd: CmdWord) {
        self.zone_perror(pt.name(), Z_NO_PROPERTY_TYPE, true);
        self.long_usage(cmd, true);
        self.err_usage(help::HELP_PROPS);
    }

    pub(super) fn no_such_res(&mut self, rt: Option<Rt>, cmd: CmdWord) {
        let name = rt.map(Rt::name).unwrap_or("unknown");
        self.zone_perror(name, Z_NO_RESOURCE_TYPE, true);
        self.long_usage(cmd, true);
        self.err_usage(help::HELP_RESOURCES);
    }

    pub(super) fn add_property(&mut self, cmd: &Cmd) -> Flow {
        let Some((pt, value)) = cmd.props.first().cloned() else {
            self.long_usage(CmdWord::Add, true);
            return Ok(());
        };
        if self.scope.is_none() {
            self.long_usage(CmdWord::Add, true);
            return Ok(());
        }
        if !self.initialize(true)? {
            return Ok(());
        }
        match self.scope {
            Some(Rt::Fs) => {
                if pt != Pt::Options {
                    self.no_such_prop(pt, CmdWord::Add);
                    return Ok(());
                }
                let opts: Vec<String> = match value {
                    PropValue::Simple(s) => vec![s],
                    PropValue::List(items) => items
                        .into_iter()
                        .map_while(|i| match i {
                            ListItem::Simple(s) => Some(s),
                            ListItem::Complex(_) => None,
                        })
                        .collect(),
                    PropValue::Complex(_) => {
                        self.zerr("A simple or list value was expected here.");
                        self.saw_error = true;
                        return Ok(());
                    }
                };
                if let InProgress::Fs(f) = &mut self.in_progress {
                    f.options.extend(opts);
                }
            }
            Some(rt @ (Rt::Net | Rt::Device)) => {
                if pt != Pt::Property {
                    self.no_such_prop(pt, CmdWord::Add);
                    return Ok(());
                }
                let PropValue::Complex(pieces) = value else {
                    self.zerr("A complex value was expected here.");
                    self.saw_error = true;
                    return Ok(());
                };
                if let Some(attr) = self.res_attr(&pieces) {
                    match (&mut self.in_progress, rt) {
                        (InProgress::Net(n), _) => n.properties.push(attr),
                        (InProgress::Device(d), _) => d.properties.push(attr),
                        _ => {}
                    }
                }
            }
            Some(Rt::Rctl) => {
                if pt != Pt::Value {
                    self.no_such_prop(pt, CmdWord::Add);
                    return Ok(());
                }
                let values: Vec<Vec<(Pt, String)>> = match value {
                    PropValue::Complex(p) => vec![p],
                    PropValue::List(items) => items
                        .into_iter()
                        .filter_map(|i| match i {
                            ListItem::Complex(p) => Some(p),
                            ListItem::Simple(_) => None,
                        })
                        .collect(),
                    PropValue::Simple(_) => {
                        self.zerr("A complex or list value was expected here.");
                        self.saw_error = true;
                        return Ok(());
                    }
                };
                for v in values {
                    if let Some(val) = self.rctl_value(&v, true)
                        && let InProgress::Rctl(r) = &mut self.in_progress
                    {
                        r.values.push(val);
                    }
                }
            }
            other => self.no_such_res(other, CmdWord::Add),
        }
        Ok(())
    }

    /// A `(name=…,value=…)` property of a net or device resource.
    pub(super) fn res_attr(&mut self, pieces: &[(Pt, String)]) -> Option<(String, String)> {
        let mut name = None;
        let mut value = None;
        for (pt, v) in pieces {
            let slot = match pt {
                Pt::Name => &mut name,
                Pt::Value => &mut value,
                _ => {
                    self.no_such_prop(Pt::Property, CmdWord::Add);
                    return None;
                }
            };
            if slot.is_some() {
                self.zerr(&format!("{} already specified", pt.name()));
                return None;
            }
            *slot = Some(v.clone());
        }
        if name.is_none() {
            self.zerr("name not specified");
        }
        if value.is_none() {
            self.zerr("value not specified");
        }
        Some((name.unwrap_or_default(), value.unwrap_or_default()))
    }

    /// A `(priv=…,limit=…,action=…)` rctl value; `check` validates it as
    /// `add` does (`remove` only matches).
    pub(super) fn rctl_value(&mut self, pieces: &[(Pt, String)], check: bool) -> Option<RctlValue> {
        let mut priv_ = None;
        let mut limit = None;
        let mut action = None;
        for (pt, v) in pieces {
            let slot = match pt {
                Pt::Priv => &mut priv_,
                Pt::Limit => &mut limit,
                Pt::Action => &mut action,
                _ => {
                    self.no_such_prop(Pt::Value, CmdWord::Add);
                    return None;
                }
            };
            if slot.is_some() && check {
                self.zerr(&format!("{} already specified", pt.name()));
                return None;
            }
            *slot = Some(v.clone());
        }
        if check {
            for (v, n) in [(&priv_, "priv"), (&limit, "limit"), (&action, "action")] {
                if v.is_none() {
                    self.zerr(&format!("{n} not specified"));
                }
            }
        }
        let val = RctlValue {
            priv_: priv_?,
            limit: limit?,
            action: action?,
        };
        if check {
            // libzonecfg's zonecfg_valid_rctlblk: a zone's rctl values are privileged, and
            // their local action none or deny (no signal, no basic or system privilege).
            let priv_ok = val.priv_ == "privileged";
            let action_ok = val.action == "none" || val.action == "deny";
            if !priv_ok || !action_ok || val.limit.parse::<u64>().is_err() {
                self.zerr("Invalid rctl value specification");
                return None;
            }
        }
        Some(val)
    }

    pub(super) fn cancel_func(&mut self, cmd: &Cmd) -> Flow {
        if !self.no_args(cmd) {
            return Ok(());
        }
        if self.global_scope {
            self.scope_usage(CmdWord::Cancel);
        }
        self.global_scope = true;
        self.in_progress = InProgress::None;
        Ok(())
    }

    pub(super) fn end_func(&mut self, cmd: &Cmd) -> Flow {
        if !self.no_args(cmd) {
            return Ok(());
        }
        if self.global_scope {
            self.scope_usage(CmdWord::End);
            return Ok(());
        }
        let op = self.end_op.unwrap_or(EndOp::Add);
        let c = self.handle.clone().expect("initialized");
        let mut failed = false;
        macro_rules! reqd {
            ($v:expr, $name:expr) => {
                if $v.is_empty() {
                    failed = true;
                    self.zerr(&format!("{} not specified", $name));
                    false
                } else {
                    true
                }
            };
        }
        let done = |s: &mut Self, failed: bool| -> bool {
            if failed {
                s.saw_error = true;
            }
            !failed
        };
        match (self.scope, self.in_progress.clone()) {
            (Some(Rt::Fs), InProgress::Fs(f)) => {
                if reqd!(f.dir, "dir") && !f.dir.starts_with('/') {
                    self.zerr(&format!("dir {} is not an absolute path.", f.dir));
                    failed = true;
                }
                reqd!(f.special, "special");
                if !f.raw.is_empty() && !f.raw.starts_with('/') {
                    self.zerr(&format!("raw {} is not an absolute path.", f.raw));
                    failed = true;
                }
                reqd!(f.fstype, "type");
                if !done(self, failed) {
                    return Ok(());
                }
                match op {
                    EndOp::Add => {
                        if c.fs.iter().any(|x| x.dir == f.dir) {
                            self.zerr(&format!(
                                "A fs resource with the dir '{}' already exists.",
                                f.dir
                            ));
                            self.saw_error = true;
                            return Ok(());
                        }
                        self.cfg().fs.push(f);
                    }
                    EndOp::Select(i) => self.cfg().fs[i] = f,
                }
            }
            (Some(Rt::Net), InProgress::Net(n)) => {
                reqd!(n.physical, "physical");
                if !done(self, failed) {
                    return Ok(());
                }
                match op {
                    EndOp::Add => {
                        let dup = c.net.iter().any(|x| {
                            x.physical == n.physical
                                && (n.address.is_empty()
                                    || addr_part(&x.address) == addr_part(&n.address))
                                && (n.allowed_address.is_empty()
                                    || addr_part(&x.allowed_address)
                                        == addr_part(&n.allowed_address))
                                && (n.defrouter.is_empty() || x.defrouter == n.defrouter)
                        });
                        if dup {
                            let (what, val) = if !n.address.is_empty() {
                                ("address", n.address.clone())
                            } else {
                                ("allowed-address", n.allowed_address.clone())
                            };
                            self.zerr(&format!(
                                "A net resource with the physical '{}', and {what} '{val}' already exists.",
                                n.physical
                            ));
                            self.saw_error = true;
                            return Ok(());
                        }
                        self.cfg().net.push(n);
                    }
                    EndOp::Select(i) => self.cfg().net[i] = n,
                }
            }
            (Some(Rt::Device), InProgress::Device(d)) => {
                reqd!(d.match_, "match");
                if !done(self, failed) {
                    return Ok(());
                }
                match op {
                    EndOp::Add => {
                        if c.device.iter().any(|x| x.match_ == d.match_) {
                            self.zerr(&format!(
                                "A device resource with the match '{}' already exists.",
                                d.match_
                            ));
                            self.saw_error = true;
                            return Ok(());
                        }
                        self.cfg().device.push(d);
                    }
                    EndOp::Select(i) => self.cfg().device[i] = d,
                }
            }
            (Some(Rt::Rctl), InProgress::Rctl(r)) => {
                reqd!(r.name, "name");
                if r.values.is_empty() {
                    self.zerr("no value specified");
                    failed = true;
                }
                if !done(self, failed) {
                    return Ok(());
                }
                match op {
                    EndOp::Add => {
                        if c.rctl.iter().any(|x| x.name == r.name) {
                            self.zerr(&format!(
                                "A rctl resource with the name '{}' already exists.",
                                r.name
                            ));
                            self.saw_error = true;
                            return Ok(());
                        }
                        self.cfg().rctl.push(r);
                    }
                    EndOp::Select(i) => self.cfg().rctl[i] = r,
                }
            }
            (Some(Rt::Attr), InProgress::Attr(a)) => {
                reqd!(a.name, "name");
                reqd!(a.attr_type, "type");
                reqd!(a.value, "value");
                if !a.name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                    self.zerr(&format!(
                        "Invalid attr name {}: must start with an alpha-numeric character.",
                        a.name
                    ));
                    failed = true;
                } else if !a
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                {
                    self.zerr(&format!(
                        "Invalid attr name {}: can only contain alpha-numeric characters, plus '-' and '.'.",
                        a.name
                    ));
                    failed = true;
                }
                let type_ok = match a.attr_type.as_str() {
                    "boolean" => Some(a.value == "true" || a.value == "false"),
                    "int" => Some(a.value.parse::<i64>().is_ok()),
                    "uint" => Some(valid_uint(&a.value).is_some()),
                    "string" => Some(true),
                    _ => None,
                };
                match type_ok {
                    Some(true) => {}
                    Some(false) => {
                        self.zerr(&format!("invalid attr value for type={}", a.attr_type));
                        failed = true;
                    }
                    None => {
                        self.zerr(&format!("invalid attr type '{}'", a.attr_type));
                        failed = true;
                    }
                }
                if !done(self, failed) {
                    return Ok(());
                }
                match op {
                    EndOp::Add => {
                        if c.attr.iter().any(|x| x.name == a.name) {
                            self.zerr(&format!(
                                "An attr resource with the name '{}' already exists.",
                                a.name
                            ));
                            self.saw_error = true;
                            return Ok(());
                        }
                        self.cfg().attr.push(a);
                    }
                    EndOp::Select(i) => self.cfg().attr[i] = a,
                }
            }
            (Some(Rt::Dataset), InProgress::Dataset(d)) => {
                if d.name.is_empty() {
                    self.zerr("name not specified");
                    self.saw_error = true;
                    return Ok(());
                }
                match op {
                    EndOp::Add => {
                        if c.dataset.iter().any(|x| x.name == d.name) {
                            self.zerr(&format!(
                                "A dataset resource with the name '{}' already exists.",
                                d.name
                            ));
                            self.saw_error = true;
                            return Ok(());
                        }
                        self.cfg().dataset.push(d);
                    }
                    EndOp::Select(i) => self.cfg().dataset[i] = d,
                }
            }
            (Some(Rt::DedicatedCpu), InProgress::Pset(p)) => {
                if p.ncpu_min.is_empty() {
                    self.zerr("ncpus not specified");
                    self.saw_error = true;
                    return Ok(());
                }
                self.cfg().pset = Some(p);
            }
            (Some(Rt::CappedCpu), _) => {
                if c.get_alias("cpu-cap").is_err() {
                    self.zerr("ncpus not specified");
                    self.saw_error = true;
                    return Ok(());
                }
            }
            (Some(Rt::CappedMemory), _) => {
                let phys = c.get_alias("max-physical-memory").ok();
                let swap = c.get_alias("max-swap").ok();
                let locked = c.get_alias("max-locked-memory").ok();
                if phys.is_none() && swap.is_none() && locked.is_none() {
                    self.zerr(
                        "No property was specified.  One of physical, swap or locked is required.",
                    );
                    self.saw_error = true;
                    return Ok(());
                }
                if let (Some(p), Some(l)) = (phys, locked)
                    && p < l
                {
                    self.zerr("The locked cap must be less than or equal to the physical cap.");
                    self.saw_error = true;
                    return Ok(());
                }
            }
            (Some(Rt::Admin), InProgress::Admin(a)) => {
                reqd!(a.user, "user");
                reqd!(a.auths, "auths");
                if !done(self, failed) {
                    return Ok(());
                }
                match op {
                    EndOp::Add => {
                        if c.admin.iter().any(|x| x.user == a.user) {
                            self.zerr(&format!(
                                "A admin resource with the user '{}' already exists.",
                                a.user
                            ));
                            self.saw_error = true;
                            return Ok(());
                        }
                        self.cfg().admin.push(a);
                    }
                    EndOp::Select(i) => self.cfg().admin[i] = a,
                }
            }
            (Some(Rt::SecurityFlags), InProgress::SecFlags(s)) => {
                self.cfg().secflags = Some(s);
            }
            (rt, _) => {
                let name = rt.map(Rt::name).unwrap_or("unknown");
                self.zone_perror(name, Z_NO_RESOURCE_TYPE, true);
                return Ok(());
            }
        }
        self.need_to_commit = true;
        self.global_scope = true;
        self.end_op = None;
        self.in_progress = InProgress::None;
        Ok(())
    }
}
