//! Finding resources by their properties; remove, clear and select.

use super::*;

impl Session<'_> {
    /// Checks qualifiers and finds the one resource they match.
    /// `Ok(None)` means an error was printed by the qualifier check.
    pub(super) fn lookup(
        &mut self,
        rt: Rt,
        props: &[(Pt, PropValue)],
    ) -> Result<usize, &'static str> {
        let quals = self.qualifiers(rt, props)?;
        let c = self.handle.as_ref().expect("initialized");
        let matches: Vec<usize> = (0..count(c, rt))
            .filter(|&i| {
                quals.iter().all(|(pt, v)| {
                    let f = field(c, rt, i, *pt);
                    if rt == Rt::Net && matches!(pt, Pt::Address | Pt::AllowedAddress) {
                        addr_part(&f) == addr_part(v)
                    } else {
                        &f == v
                    }
                })
            })
            .collect();
        match matches.as_slice() {
            [] => Err(Z_NO_RESOURCE_ID),
            [i] => Ok(*i),
            _ => Err(Z_INSUFFICIENT_SPEC),
        }
    }

    pub(super) fn qualifiers(
        &mut self,
        rt: Rt,
        props: &[(Pt, PropValue)],
    ) -> Result<Vec<(Pt, String)>, &'static str> {
        let mut out = Vec::new();
        for (pt, v) in props {
            let PropValue::Simple(s) = v else {
                self.zerr("A simple value was expected here.");
                self.saw_error = true;
                return Err(Z_INSUFFICIENT_SPEC);
            };
            if !qualifier_props(rt).contains(pt) {
                self.zone_perror(pt.name(), Z_NO_PROPERTY_TYPE, true);
                return Err(Z_INSUFFICIENT_SPEC);
            }
            out.push((*pt, s.clone()));
        }
        Ok(out)
    }

    // ---- remove / clear / select ------------------------------------------

    pub(super) fn remove_func(&mut self, cmd: &Cmd) -> Flow {
        if self.zone_is_read_only() {
            return Ok(());
        }
        if self.global_scope {
            if gz_invalid_resource(self.global_zone, cmd.res) {
                let rt = cmd.res.map(Rt::name).unwrap_or_default();
                self.zerr(&format!(
                    "{rt} is not a valid resource for the global zone."
                ));
                self.saw_error = true;
                return Ok(());
            }
            self.remove_resource(cmd)
        } else {
            self.remove_property(cmd)
        }
    }

    pub(super) fn remove_resource(&mut self, cmd: &Cmd) -> Flow {
        let Some(rt) = cmd.res else {
            self.long_usage(CmdWord::Remove, true);
            return Ok(());
        };
        let Ok((opts, _)) = self.opts(cmd, "?F") else {
            return Ok(());
        };
        let force = opts.iter().any(|(c, _)| *c == 'F');
        if !self.initialize(true)? {
            return Ok(());
        }
        match rt {
            Rt::DedicatedCpu => {
                if self.cfg().pset.take().is_none() {
                    self.cmd_rt_perror(CmdWord::Remove, rt, Z_NO_ENTRY);
                } else {
                    self.need_to_commit = true;
                }
            }
            Rt::CappedCpu => {
                if self.cfg().get_alias("cpu-cap").is_err() {
                    self.cmd_rt_perror(CmdWord::Remove, rt, Z_NO_RESOURCE_TYPE);
                } else {
                    self.cfg().remove_alias("cpu-cap");
                    self.need_to_commit = true;
                }
            }
            Rt::CappedMemory => {
                let names = ["max-physical-memory", "max-swap", "max-locked-memory"];
                let set: Vec<&str> = names
                    .into_iter()
                    .filter(|a| self.handle.as_ref().is_some_and(|c| c.get_alias(a).is_ok()))
                    .collect();
                if set.is_empty() {
                    self.cmd_rt_perror(CmdWord::Remove, rt, Z_NO_RESOURCE_TYPE);
                } else {
                    for a in set {
                        self.cfg().remove_alias(a);
                    }
                    self.need_to_commit = true;
                }
            }
            Rt::SecurityFlags => {
                if self.cfg().secflags.take().is_none() {
                    self.zerr(&format!("remove security-flags: {Z_NO_RESOURCE_TYPE}"));
                } else {
                    self.need_to_commit = true;
                }
            }
            _ if !cmd.props.is_empty() => match self.lookup(rt, &cmd.props) {
                Err(e) => self.cmd_rt_perror(CmdWord::Remove, rt, e),
                Ok(i) => {
                    let c = self.cfg();
                    match rt {
                        Rt::Fs => drop(c.fs.remove(i)),
                        Rt::Net => drop(c.net.remove(i)),
                        Rt::Device => drop(c.device.remove(i)),
                        Rt::Rctl => drop(c.rctl.remove(i)),
                        Rt::Attr => drop(c.attr.remove(i)),
                        Rt::Dataset => drop(c.dataset.remove(i)),
                        Rt::Admin => drop(c.admin.remove(i)),
                        _ => {}
                    }
                    self.need_to_commit = true;
                }
            },
            _ => {
                let n = count(self.handle.as_ref().expect("initialized"), rt);
                if n == 0 {
                    self.cmd_rt_perror(CmdWord::Remove, rt, Z_NO_ENTRY);
                    return Ok(());
                }
                if n > 1 && !force {
                    if !self.interactive {
                        self.zerr("There are multiple instances of this resource.  Either qualify the resource to\nremove a single instance or use the -F option to remove all instances.");
                        self.saw_error = true;
                        return Ok(());
                    }
                    let q = format!(
                        "Are you sure you want to remove ALL '{}' resources",
                        rt.name()
                    );
                    match self.ask_yesno(false, &q) {
                        None => {
                            self.zerr("Resource incomplete.");
                            return Ok(());
                        }
                        Some(false) => return Ok(()),
                        Some(true) => {}
                    }
                }
                let c = self.cfg();
                match rt {
                    Rt::Fs => c.fs.clear(),
                    Rt::Net => c.net.clear(),
                    Rt::Device => c.device.clear(),
                    Rt::Rctl => c.rctl.clear(),
                    Rt::Attr => c.attr.clear(),
                    Rt::Dataset => c.dataset.clear(),
                    Rt::Admin => c.admin.clear(),
                    _ => {}
                }
                self.need_to_commit = true;
            }
        }
        Ok(())
    }

    pub(super) fn remove_property(&mut self, cmd: &Cmd) -> Flow {
        let Some((pt, value)) = cmd.props.first().cloned() else {
            self.long_usage(CmdWord::Remove, true);
            return Ok(());
        };
        let Some(rt) = self.scope else {
            self.long_usage(CmdWord::Remove, true);
            return Ok(());
        };
        if !self.initialize(true)? {
            return Ok(());
        }
        match rt {
            Rt::Fs => {
                if pt != Pt::Options {
                    self.no_such_prop(pt, CmdWord::Remove);
                    return Ok(());
                }
                let opts = match value {
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
                for o in opts {
                    let found = match &mut self.in_progress {
                        InProgress::Fs(f) => match f.options.iter().position(|x| *x == o) {
                            Some(i) => {
                                f.options.remove(i);
                                true
                            }
                            None => false,
                        },
                        _ => false,
                    };
                    if !found {
                        self.zone_perror("options", Z_NO_PROPERTY_ID, true);
                    }
                }
            }
            Rt::Net | Rt::Device => {
                if pt != Pt::Property {
                    self.no_such_prop(pt, CmdWord::Remove);
                    return Ok(());
                }
                let PropValue::Complex(pieces) = value else {
                    self.zerr("A complex value was expected here.");
                    self.saw_error = true;
                    return Ok(());
                };
                let mut name = String::new();
                let mut val = String::new();
                for (p, v) in &pieces {
                    match p {
                        Pt::Name => name = v.clone(),
                        Pt::Value => val = v.clone(),
                        _ => {
                            self.no_such_prop(pt, CmdWord::Remove);
                            return Ok(());
                        }
                    }
                }
                let list = match &mut self.in_progress {
                    InProgress::Net(n) => Some(&mut n.properties),
                    InProgress::Device(d) => Some(&mut d.properties),
                    _ => None,
                };
                let removed = list.is_some_and(|l| {
                    match l.iter().position(|(n, v)| *n == name && *v == val) {
                        Some(i) => {
                            l.remove(i);
                            true
                        }
                        None => false,
                    }
                });
                if !removed {
                    self.zone_perror("property", Z_NO_PROPERTY_ID, true);
                }
            }
            Rt::Rctl => {
                if pt != Pt::Value {
                    self.no_such_prop(pt, CmdWord::Remove);
                    return Ok(());
                }
                let PropValue::Complex(pieces) = value else {
                    self.zerr("A complex value was expected here.");
                    self.saw_error = true;
                    return Ok(());
                };
                let target = self.rctl_value(&pieces, false).unwrap_or_default();
                let removed = match &mut self.in_progress {
                    InProgress::Rctl(r) => match r.values.iter().position(|v| *v == target) {
                        Some(i) => {
                            r.values.remove(i);
                            true
                        }
                        None => false,
                    },
                    _ => false,
                };
                if !removed {
                    self.zone_perror("value", Z_NO_PROPERTY_ID, true);
                }
            }
            other => self.no_such_res(Some(other), CmdWord::Remove),
        }
        Ok(())
    }

    pub(super) fn clear_func(&mut self, cmd: &Cmd) -> Flow {
        if self.zone_is_read_only() {
            return Ok(());
        }
        let Some(pt) = cmd.clear else {
            self.long_usage(CmdWord::Clear, true);
            return Ok(());
        };
        if self.global_scope {
            if gz_invalid_property(self.global_zone, pt) {
                self.zerr(&format!(
                    "{} is not a valid property for the global zone.",
                    pt.name()
                ));
                self.saw_error = true;
                return Ok(());
            }
            if !self.initialize(true)? {
                return Ok(());
            }
            let c = self.cfg();
            match pt {
                Pt::Zonename | Pt::Zonepath | Pt::Brand => {
                    self.zone_perror(pt.name(), Z_CLEAR_DISALLOW, true);
                    return Ok(());
                }
                Pt::Autoboot => c.autoboot = false,
                Pt::Pool => c.pool.clear(),
                Pt::Limitpriv => c.limitpriv.clear(),
                Pt::Bootargs => c.bootargs.clear(),
                Pt::SchedulingClass => c.scheduling_class.clear(),
                Pt::IpType => c.ip_type = IpType::Shared,
                Pt::Hostid => c.hostid.clear(),
                Pt::FsAllowed => c.fs_allowed.clear(),
                _ if is_alias(pt) => {
                    self.remove_aliased(pt, pt.name());
                    return Ok(());
                }
                _ => {
                    self.no_such_prop(pt, CmdWord::Clear);
                    return Ok(());
                }
            }
            self.need_to_commit = true;
            return Ok(());
        }
        if !self.initialize(true)? {
            return Ok(());
        }
        let cleared = match (&mut self.in_progress, self.scope, pt) {
            (InProgress::Fs(f), _, Pt::Raw) => {
                f.raw.clear();
                true
            }
            (InProgress::Pset(p), _, Pt::Importance) => {
                p.importance.clear();
                true
            }
            (InProgress::Net(n), _, p) => {
                let field = match p {
                    Pt::AllowedAddress => Some(&mut n.allowed_address),
                    Pt::Defrouter => Some(&mut n.defrouter),
                    Pt::GlobalNic => Some(&mut n.global_nic),
                    Pt::MacAddr => Some(&mut n.mac_addr),
                    Pt::VlanId => Some(&mut n.vlan_id),
                    _ => None,
                };
                field.map(|f| f.clear()).is_some()
            }
            (InProgress::SecFlags(s), _, p) => {
                let field = match p {
                    Pt::Lower => Some(&mut s.lower),
                    Pt::Default => Some(&mut s.default),
                    Pt::Upper => Some(&mut s.upper),
                    _ => None,
                };
                field.map(|f| f.clear()).is_some()
            }
            (_, Some(Rt::CappedMemory), p @ (Pt::Physical | Pt::Swap | Pt::Locked)) => {
                let alias = match p {
                    Pt::Physical => "max-physical-memory",
                    Pt::Swap => "max-swap",
                    _ => "max-locked-memory",
                };
                self.remove_aliased(p, alias);
                return Ok(());
            }
            _ => false,
        };
        if cleared {
            self.need_to_commit = true;
        } else {
            self.zone_perror(pt.name(), Z_CLEAR_DISALLOW, true);
        }
        Ok(())
    }

    pub(super) fn remove_aliased(&mut self, pt: Pt, alias: &str) {
        match self.cfg().get_alias(alias) {
            Ok(_) => {
                self.cfg().remove_alias(alias);
                self.need_to_commit = true;
            }
            Err(e) => {
                let msg = if e == AliasErr::NoEntry {
                    Z_NO_ENTRY
                } else {
                    Z_ALIAS_DISALLOW
                };
                self.zerr(&format!("clear {}: {msg}", pt.name()));
                self.saw_error = true;
            }
        }
    }

    pub(super) fn select_func(&mut self, cmd: &Cmd) -> Flow {
        if self.zone_is_read_only() {
            return Ok(());
        }
        if !self.global_scope {
            self.scope_usage(CmdWord::Select);
            return Ok(());
        }
        self.global_scope = false;
        self.scope = cmd.res;
        let Some(rt) = cmd.res else {
            self.long_usage(CmdWord::Select, true);
            return Ok(());
        };
        if !self.initialize(true)? {
            return Ok(());
        }
        let c = self.handle.clone().expect("initialized");
        let fail = |s: &mut Self, e: &str| {
            s.cmd_rt_perror(CmdWord::Select, rt, e);
            s.global_scope = true;
        };
        match rt {
            Rt::DedicatedCpu => match &c.pset {
                Some(p) => {
                    self.in_progress = InProgress::Pset(p.clone());
                    self.end_op = Some(EndOp::Select(0));
                }
                None => fail(self, Z_NO_ENTRY),
            },
            Rt::CappedCpu => match c.get_alias("cpu-cap") {
                Ok(_) => self.end_op = Some(EndOp::Select(0)),
                Err(AliasErr::NoEntry) => fail(self, Z_NO_ENTRY),
                Err(AliasErr::Disallow) => fail(self, Z_ALIAS_DISALLOW),
            },
            Rt::CappedMemory => {
                if ["max-physical-memory", "max-swap", "max-locked-memory"]
                    .iter()
                    .all(|a| c.get_alias(a).is_err())
                {
                    fail(self, Z_NO_RESOURCE_TYPE);
                } else {
                    self.end_op = Some(EndOp::Select(0));
                }
            }
            Rt::SecurityFlags => match &c.secflags {
                Some(s) => {
                    self.in_progress = InProgress::SecFlags(s.clone());
                    self.end_op = Some(EndOp::Select(0));
                }
                None => fail(self, Z_NO_ENTRY),
            },
            _ => match self.lookup(rt, &cmd.props) {
                Err(e) => fail(self, e),
                Ok(i) => {
                    self.end_op = Some(EndOp::Select(i));
                    self.in_progress = match rt {
                        Rt::Fs => InProgress::Fs(c.fs[i].clone()),
                        Rt::Net => InProgress::Net(c.net[i].clone()),
                        Rt::Device => InProgress::Device(c.device[i].clone()),
                        Rt::Rctl => InProgress::Rctl(c.rctl[i].clone()),
                        Rt::Attr => InProgress::Attr(c.attr[i].clone()),
                        Rt::Dataset => InProgress::Dataset(c.dataset[i].clone()),
                        Rt::Admin => InProgress::Admin(c.admin[i].clone()),
                        _ => InProgress::None,
                    };
                }
            },
        }
        Ok(())
    }
}
