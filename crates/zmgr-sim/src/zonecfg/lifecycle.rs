//! zonecfg's create, delete, exit and revert.

use super::*;

impl Session<'_> {
    pub(super) fn create_func(&mut self, cmd: &Cmd) -> Flow {
        let Ok((opts, optind)) = self.opts(cmd, "?a:bFt:") else {
            return Ok(());
        };
        let mut template = "SUNWdefault".to_string();
        let mut force = false;
        let mut attach = false;
        for (c, a) in opts {
            match c {
                'a' => attach = true,
                'b' => template = "SUNWblank".into(),
                'F' => force = true,
                't' => {
                    let t = a.unwrap_or_default();
                    template = if t.starts_with(|c: char| c.is_ascii_uppercase()) {
                        t
                    } else {
                        format!("OMNI{t}")
                    };
                }
                _ => {}
            }
        }
        if optind != cmd.argv.len() {
            self.short_usage(CmdWord::Create);
            return Ok(());
        }
        if self.zone_is_read_only() {
            return Ok(());
        }
        // check_if_zone_already_exists
        let zone = self.zone.clone();
        let existing = if self.global_zone {
            Some(ZoneState::Running)
        } else {
            self.read_state()?.zone(&zone).map(|z| z.state)
        };
        if let Some(state) = existing {
            if state >= ZoneState::Installed {
                self.zerr(&format!(
                    "Zone {zone} already installed; create not allowed."
                ));
                return Ok(());
            }
            if force {
                self.ctx
                    .out(&format!("Zone {zone} already exists; overwriting.\n"));
            } else {
                match self.ask_yesno(false, &format!("Zone {zone} already exists; create anyway")) {
                    None => {
                        self.zerr(
                            "Zone exists, input not from terminal and -F not specified:\ncreate command ignored, exiting.",
                        );
                        return Err(Exit(1));
                    }
                    Some(false) => return Ok(()),
                    Some(true) => {}
                }
            }
        }
        if attach {
            self.ctx.err("invalid path to detached zone\n");
            return Ok(());
        }
        let config = match ZoneConfig::template(&template) {
            Some(c) => Some(c),
            None => self.read_state()?.zone(&template).map(|z| z.config.clone()),
        };
        let Some(config) = config else {
            self.zone_perror(&template, Z_NO_ZONE, true);
            return Ok(());
        };
        self.need_to_commit = true;
        self.handle = Some(config);
        self.stored_name = existing.map(|_| zone);
        self.got_handle = true;
        Ok(())
    }

    pub(super) fn delete_func(&mut self, cmd: &Cmd) -> Flow {
        let Ok((opts, optind)) = self.opts(cmd, "?F") else {
            return Ok(());
        };
        let force = opts.iter().any(|(c, _)| *c == 'F');
        if optind != cmd.argv.len() {
            self.short_usage(CmdWord::Delete);
            return Ok(());
        }
        if self.zone_is_read_only() {
            return Ok(());
        }
        let zone = self.zone.clone();
        if !force {
            if !self.initialize(true)? {
                return Ok(());
            }
            match self.ask_yesno(
                false,
                &format!("Are you sure you want to delete zone {zone}"),
            ) {
                None => {
                    self.zerr(
                        "Input not from terminal and -F not specified:\ndelete command ignored, exiting.",
                    );
                    return Err(Exit(1));
                }
                Some(false) => return Ok(()),
                Some(true) => {}
            }
        }
        enum Res {
            Gone,
            NoZone,
            BadState,
        }
        let global = self.global_zone;
        let res = self.ctx.store.update(|st| {
            if global {
                return Res::BadState;
            }
            let Some(z) = st.zone(&zone) else {
                return Res::NoZone;
            };
            if z.state != ZoneState::Configured && !force {
                return Res::BadState;
            }
            st.zones.retain(|z| z.name != zone);
            st.release_links(&zone);
            Res::Gone
        });
        match res {
            Ok(Res::Gone) => {}
            Ok(Res::NoZone) => self.zone_perror(&zone, Z_NO_ZONE, true),
            Ok(Res::BadState) if !force => self.zerr(&format!(
                "Zone {zone} not in configured state; delete not allowed.  Use -F to force delete."
            )),
            Ok(Res::BadState) => self.zone_perror(&zone, Z_BAD_ZONE_STATE, true),
            Err(e) => {
                self.zone_perror(&zone, &e.to_string(), true);
            }
        }
        self.need_to_commit = false;
        if force && self.handle.is_none() && self.interactive {
            self.ctx
                .out("Use 'create' to begin configuring a new zone.\n");
        }
        if self.got_handle {
            self.handle = None;
            let st = self.read_state()?;
            match st.zone(&zone) {
                Some(z) => {
                    self.handle = Some(z.config.clone());
                    self.stored_name = Some(z.name.clone());
                }
                None => {
                    self.got_handle = false;
                    self.stored_name = None;
                }
            }
        }
        Ok(())
    }

    pub(super) fn exit_func(&mut self, cmd: &Cmd) -> Flow {
        let Ok((opts, optind)) = self.opts(cmd, "?F") else {
            return Ok(());
        };
        if opts.iter().any(|(c, _)| *c == 'F') {
            self.force_exit = true;
        }
        if optind < cmd.argv.len() {
            self.short_usage(CmdWord::Exit);
            return Ok(());
        }
        if self.global_scope || self.force_exit {
            self.time_to_exit = true;
            return Ok(());
        }
        match self.ask_yesno(false, "Resource incomplete; really quit") {
            None => {
                self.zerr(
                    "Resource incomplete, input not from terminal and -F not specified:\nexit command ignored, but exiting anyway.",
                );
                Err(Exit(1))
            }
            Some(true) => {
                self.time_to_exit = true;
                Ok(())
            }
            Some(false) => Ok(()),
        }
    }

    pub(super) fn revert_func(&mut self, cmd: &Cmd) -> Flow {
        let Ok((opts, optind)) = self.opts(cmd, "?F") else {
            return Ok(());
        };
        let force = opts.iter().any(|(c, _)| *c == 'F');
        if optind != cmd.argv.len() {
            self.short_usage(CmdWord::Revert);
            return Ok(());
        }
        if self.zone_is_read_only() {
            return Ok(());
        }
        if !self.global_scope {
            self.zerr("You can only use revert in the global scope.\nUse 'cancel' to cancel changes to a resource specification.");
            self.saw_error = true;
            return Ok(());
        }
        if self.handle.is_none() {
            self.zerr("No changes to revert.");
            self.saw_error = true;
            return Ok(());
        }
        if !force {
            match self.ask_yesno(false, "Are you sure you want to revert") {
                None => {
                    self.zerr("Input not from terminal and -F not specified:\nrevert command ignored, exiting.");
                    return Err(Exit(1));
                }
                Some(false) => return Ok(()),
                Some(true) => {}
            }
        }
        let st = self.read_state()?;
        let revert = self.revert_zone.clone();
        let saved = if self.global_zone {
            Some(st.global.clone())
        } else {
            st.zone(&revert).map(|z| z.config.clone())
        };
        match saved {
            Some(c) => {
                self.handle = Some(c);
                self.stored_name = Some(revert.clone());
            }
            None => {
                self.saw_error = true;
                self.got_handle = false;
                self.handle = None;
                self.zerr(&format!("{revert}: no such saved zone to revert to."));
            }
        }
        self.zone = revert;
        Ok(())
    }
}
