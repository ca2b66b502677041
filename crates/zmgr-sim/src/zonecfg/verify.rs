//! `verify` and `commit`, which is verify followed by a save.

use super::*;

impl Session<'_> {
    pub(super) fn verify_func(&mut self, cmd: &Cmd) -> Flow {
        let Ok((_, optind)) = self.opts(cmd, "?") else {
            return Ok(());
        };
        if optind > cmd.argv.len() {
            self.short_usage(CmdWord::Verify);
            return Ok(());
        }
        let save = cmd.argv.first().is_some_and(|a| a == "save");
        self.commit_or_verify(save)
    }

    pub(super) fn commit_func(&mut self, cmd: &Cmd) -> Flow {
        if !self.no_args(cmd) {
            return Ok(());
        }
        self.commit_or_verify(true)
    }

    pub(super) fn check_reqd(
        &mut self,
        v: &str,
        rt: &str,
        pt: &str,
        ret: &mut Option<&'static str>,
        code: &'static str,
    ) {
        if v.is_empty() {
            self.zerr(&format!("{rt}: {pt} not specified"));
            self.saw_error = true;
            ret.get_or_insert(code);
        }
    }

    /// `verify_func`, which with `save` is `commit`.
    pub(super) fn commit_or_verify(&mut self, save: bool) -> Flow {
        if self.zone_is_read_only() {
            return Ok(());
        }
        if !self.initialize(true)? {
            return Ok(());
        }
        let c = self.handle.clone().expect("initialized");
        let mut ret: Option<&'static str> = None;
        if c.zonepath.is_empty() && !self.global_zone {
            self.zerr("zonepath cannot be empty.");
            ret = Some(Z_REQD_RESOURCE_MISSING);
            self.saw_error = true;
        }
        for f in &c.fs {
            self.check_reqd(&f.dir, "fs", "dir", &mut ret, Z_REQD_PROPERTY_MISSING);
            self.check_reqd(
                &f.special,
                "fs",
                "special",
                &mut ret,
                Z_REQD_PROPERTY_MISSING,
            );
            self.check_reqd(&f.fstype, "fs", "type", &mut ret, Z_REQD_PROPERTY_MISSING);
        }
        // Exclusive-IP links with an allowed-address / a defrouter.
        let mut xif: Vec<(String, bool, bool)> = Vec::new();
        for n in &c.net {
            self.check_reqd(
                &n.physical,
                "net",
                "physical",
                &mut ret,
                Z_REQD_PROPERTY_MISSING,
            );
            if !self.valid_physical(&n.physical) {
                self.saw_error = true;
                ret.get_or_insert(Z_INVAL);
            }
            match c.ip_type {
                IpType::Shared => {
                    self.check_reqd(
                        &n.address,
                        "net",
                        "address",
                        &mut ret,
                        Z_REQD_PROPERTY_MISSING,
                    );
                    if !n.allowed_address.is_empty() {
                        self.zerr("net: allowed-address cannot be specified for a shared IP type");
                        self.saw_error = true;
                        ret.get_or_insert(Z_INVAL);
                    }
                }
                IpType::Exclusive => {
                    if !n.address.is_empty() {
                        self.zerr("net: address cannot be specified for an exclusive IP type");
                        self.saw_error = true;
                        ret.get_or_insert(Z_INVAL);
                    } else {
                        let has_addr = !n.allowed_address.is_empty();
                        let has_router = !n.defrouter.is_empty();
                        match xif.iter_mut().find(|x| x.0 == n.physical) {
                            Some(x) => {
                                x.1 |= has_addr;
                                x.2 |= has_router;
                            }
                            None => xif.insert(0, (n.physical.clone(), has_addr, has_router)),
                        }
                    }
                }
            }
        }
        for (name, has_addr, has_router) in &xif {
            if !has_addr && *has_router {
                self.zerr(&format!("net: defrouter for {name} cannot be specified without allowed-address for an exclusive IP type"));
                self.saw_error = true;
                ret = Some(Z_INVAL);
            }
        }
        let mut cpu_shares = false;
        let mut cpu_cap = false;
        for r in &c.rctl {
            self.check_reqd(&r.name, "rctl", "name", &mut ret, Z_REQD_PROPERTY_MISSING);
            cpu_shares |= r.name == "zone.cpu-shares";
            cpu_cap |= r.name == "zone.cpu-cap";
            if r.values.is_empty() {
                self.zerr("rctl: no value specified");
                self.saw_error = true;
                ret.get_or_insert(Z_REQD_PROPERTY_MISSING);
            }
        }
        if c.pset.is_some() && cpu_shares {
            self.zerr("rctl zone.cpu-shares and dedicated-cpu are incompatible.");
            self.saw_error = true;
            ret.get_or_insert(Z_INCOMPATIBLE);
        }
        if cpu_shares && !c.scheduling_class.is_empty() && c.scheduling_class != "FSS" {
            self.zerr(&format!(
                "WARNING: rctl zone.cpu-shares and scheduling-class={} are incompatible",
                c.scheduling_class
            ));
            self.saw_error = true;
            ret.get_or_insert(Z_INCOMPATIBLE);
        }
        if c.pset.is_some() && cpu_cap {
            self.zerr("rctl zone.cpu-cap and the dedicated-cpu are incompatible.");
            self.saw_error = true;
            ret.get_or_insert(Z_INCOMPATIBLE);
        }
        for a in &c.attr {
            self.check_reqd(&a.name, "attr", "name", &mut ret, Z_REQD_PROPERTY_MISSING);
            self.check_reqd(
                &a.attr_type,
                "attr",
                "type",
                &mut ret,
                Z_REQD_PROPERTY_MISSING,
            );
            self.check_reqd(&a.value, "attr", "value", &mut ret, Z_REQD_PROPERTY_MISSING);
        }
        for d in &c.dataset {
            if d.name.is_empty() {
                self.zerr("dataset: name not specified");
                self.saw_error = true;
                ret.get_or_insert(Z_REQD_PROPERTY_MISSING);
            } else if !zfs_name_valid(&d.name) {
                self.zerr("dataset: name invalid");
                self.saw_error = true;
                ret.get_or_insert(Z_BAD_PROPERTY);
            }
        }
        for a in &c.admin {
            self.check_reqd(&a.user, "admin", "user", &mut ret, Z_REQD_PROPERTY_MISSING);
            self.check_reqd(
                &a.auths,
                "admin",
                "auths",
                &mut ret,
                Z_REQD_PROPERTY_MISSING,
            );
        }
        if !self.global_scope {
            self.zerr("resource specification incomplete");
            self.saw_error = true;
            ret.get_or_insert(Z_INSUFFICIENT_SPEC);
        }
        let zone = self.zone.clone();
        if save {
            if ret.is_none() {
                if let Some(e) = self.save(c)? {
                    self.zone_perror(&zone, &e, true);
                }
                return Ok(());
            }
            self.zerr(&format!("Zone {zone} failed to verify"));
        }
        if let Some(e) = ret {
            self.zone_perror(&zone, e, true);
        }
        Ok(())
    }

    /// `zonecfg_save`: writes the handle to the store. Returns the error
    /// string on failure.
    pub(super) fn save(&mut self, c: ZoneConfig) -> Flow<Option<String>> {
        let zone = self.zone.clone();
        let outcome = self.ctx.fault(EXECNAME, "commit", Some(&zone));
        if let Some(f) = outcome.failure {
            self.fault_exit = Some(f.exit);
            return Ok(Some(f.message.unwrap_or_else(|| Z_SAVING_FILE.to_string())));
        }
        let stored = self.stored_name.clone();
        let global = self.global_zone;
        let res = self.ctx.store.update(|st| -> Result<(), &'static str> {
            if global {
                st.global = c;
                return Ok(());
            }
            let existing = stored
                .as_deref()
                .and_then(|n| st.zone(n))
                .map(|z| z.name.clone());
            match existing {
                Some(old) => {
                    if old != zone && st.zone(&zone).is_some() {
                        return Err(Z_NAME_IN_USE);
                    }
                    let z = st.zone_mut(&old).expect("present");
                    if old != zone {
                        if z.state != ZoneState::Configured {
                            return Err(Z_BAD_ZONE_STATE);
                        }
                        z.name = zone.clone();
                    }
                    z.config = c;
                }
                None => {
                    if st.zone(&zone).is_some() {
                        return Err(Z_NAME_IN_USE);
                    }
                    let debug_id = st.next_debug_id;
                    st.next_debug_id += 1;
                    st.zones.push(crate::state::Zone {
                        name: zone.clone(),
                        state: ZoneState::Configured,
                        config: c,
                        uuid: String::new(),
                        zone_id: None,
                        debug_id,
                        install: None,
                        image: Default::default(),
                        zlogin: Vec::new(),
                        root_dir: None,
                        booted_at_ms: None,
                        skipped_nets: Vec::new(),
                        demand_vnics: Vec::new(),
                    });
                }
            }
            Ok(())
        });
        match res {
            Ok(Ok(())) => {
                self.need_to_commit = false;
                self.stored_name = Some(zone.clone());
                self.revert_zone = zone;
                Ok(None)
            }
            Ok(Err(e)) => Ok(Some(e.to_string())),
            Err(e) => {
                self.ctx.err(&format!("{EXECNAME}: {e}\n"));
                Ok(Some(Z_SAVING_FILE.to_string()))
            }
        }
    }
}
