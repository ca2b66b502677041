//! `info`, `export` and `help`.

use super::*;

impl Session<'_> {
    pub(super) fn info_func(&mut self, cmd: &Cmd) -> Flow {
        if !self.initialize(true)? {
            return Ok(());
        }
        let c = self.handle.clone().expect("initialized");
        if !self.global_scope {
            let text = match &self.in_progress {
                InProgress::Fs(f) => info::fs(f),
                InProgress::Net(n) => info::net(n),
                InProgress::Device(d) => info::device(d),
                InProgress::Rctl(r) => info::rctl(r),
                InProgress::Attr(a) => info::attr(a),
                InProgress::Dataset(d) => info::dataset(d),
                InProgress::Pset(p) => info::pset(p),
                InProgress::Admin(a) => info::admin(a),
                InProgress::SecFlags(s) => info::secflags(s),
                InProgress::None => match self.scope {
                    Some(Rt::CappedCpu) => info::pcap(&c),
                    Some(Rt::CappedMemory) => info::mcap_block(
                        c.get_alias("max-physical-memory").ok(),
                        c.get_alias("max-swap").ok(),
                        c.get_alias("max-locked-memory").ok(),
                    ),
                    _ => String::new(),
                },
            };
            self.ctx.out(&text);
            return Ok(());
        }
        let zone = self.zone.clone();
        if let Some(pt) = cmd.info_prop {
            if gz_invalid_property(self.global_zone, pt) {
                self.zerr(&format!(
                    "{} is not a valid property for the global zone.",
                    pt.name()
                ));
                return Ok(());
            }
            self.ctx.out(&info::global_line(&c, &zone, pt.name()));
            return Ok(());
        }
        let Some(rt) = cmd.res else {
            self.ctx.out(&info::whole(&c, &zone, self.global_zone));
            return Ok(());
        };
        if gz_invalid_resource(self.global_zone, Some(rt)) {
            self.zerr(&format!(
                "{} is not a valid resource for the global zone.",
                rt.name()
            ));
            return Ok(());
        }
        let text = match rt {
            Rt::DedicatedCpu => c.pset.as_ref().map(info::pset).unwrap_or_default(),
            Rt::CappedCpu => info::pcap(&c),
            Rt::CappedMemory => info::mcap(&c),
            Rt::SecurityFlags => c.secflags.as_ref().map(info::secflags).unwrap_or_default(),
            _ => {
                let mut out = String::new();
                let mut matched = false;
                for i in 0..count(&c, rt) {
                    if cmd.props.is_empty() {
                        out.push_str(&block(&c, rt, i));
                        continue;
                    }
                    let Ok(quals) = self.qualifiers(rt, &cmd.props) else {
                        continue;
                    };
                    // info compares only the identifying properties.
                    let relevant: &[Pt] = match rt {
                        Rt::Fs => &[Pt::Dir, Pt::Special, Pt::Type],
                        Rt::Net => &[Pt::Physical, Pt::Address],
                        Rt::Device => &[Pt::Match],
                        Rt::Rctl | Rt::Dataset => &[Pt::Name],
                        Rt::Attr => &[Pt::Name, Pt::Type, Pt::Value],
                        Rt::Admin => &[Pt::User],
                        _ => &[],
                    };
                    let ok = quals
                        .iter()
                        .filter(|(p, _)| relevant.contains(p))
                        .all(|(p, v)| {
                            let f = field(&c, rt, i, *p);
                            if *p == Pt::Address {
                                addr_part(&f) == addr_part(v)
                            } else {
                                f == *v
                            }
                        });
                    if ok {
                        out.push_str(&block(&c, rt, i));
                        matched = true;
                    }
                }
                if !matched && !cmd.props.is_empty() {
                    out.push_str(&format!("No such {} resource.\n", rt.name()));
                }
                out
            }
        };
        self.ctx.out(&text);
        Ok(())
    }

    pub(super) fn export_func(&mut self, cmd: &Cmd) -> Flow {
        let Ok((opts, optind)) = self.opts(cmd, "?f:") else {
            return Ok(());
        };
        if optind != cmd.argv.len() {
            self.short_usage(CmdWord::Export);
            return Ok(());
        }
        let outfile = opts
            .into_iter()
            .filter(|(c, _)| *c == 'f')
            .filter_map(|(_, a)| a)
            .next_back();
        if !self.initialize(true)? {
            return Ok(());
        }
        let text = export(
            self.handle.as_ref().expect("initialized"),
            self.ctx.settings.export_style,
        );
        match outfile {
            None => self.ctx.out(&text),
            Some(path) => {
                if let Err(e) = std::fs::write(&path, text) {
                    self.zerr(&format!("opening file {path}: {}", strerror(&e)));
                }
            }
        }
        Ok(())
    }

    pub(super) fn help_func(&mut self, cmd: &Cmd) -> Flow {
        let Some(arg) = cmd.argv.first() else {
            let flags = if self.global_scope {
                help::HELP_SUBCMDS
            } else {
                help::HELP_RES_SCOPE
            };
            self.ctx.out(&usage(true, flags, EXECNAME, self.scope));
            return Ok(());
        };
        match arg.as_str() {
            "usage" => self.ctx.out(&usage(true, help::HELP_USAGE, EXECNAME, None)),
            "commands" => self
                .ctx
                .out(&usage(true, help::HELP_SUBCMDS, EXECNAME, None)),
            "syntax" => self.ctx.out(&usage(
                true,
                help::HELP_SYNTAX | help::HELP_RES_PROPS,
                EXECNAME,
                None,
            )),
            "-?" => self.longer_usage(CmdWord::Help),
            other => match help::COMMANDS.iter().find(|c| cmd_name(**c) == other) {
                Some(c) => self.longer_usage(*c),
                None => {
                    self.ctx.err(&format!("Unknown help subject {other}.  "));
                    self.err_usage(help::HELP_META);
                }
            },
        }
        Ok(())
    }
}
