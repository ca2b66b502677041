//! `zonecfg`: the command interpreter of zonecfg.c over the simulated
//! configuration store. Messages, their order, and which of them count as
//! errors follow the OmniOS source.

use crate::config::{
    Admin, AliasErr, Attr, Dataset, Device, Fs, IpType, Net, Pset, Rctl, RctlValue, SecFlags,
    ZoneConfig, str_to_bytes,
};
use crate::ctx::{Ctx, Exit, strerror};
use crate::export::export;
use crate::getopt::{Getopt, Opt};
use crate::grammar::{Cmd, ListItem, Parsed, Parser, PropValue, UsageExtra};
use crate::help::{self, cmd_name, long_help, short_usage, usage};
use crate::info;
use crate::lexer::{CmdWord, Lexer, Pt, Rt};
use crate::names::{valid_link_name, valid_zone_name};
use crate::state::{State, ZoneState};

const EXECNAME: &str = "zonecfg";

// libzonecfg error strings (zonecfg_strerror).
const Z_NO_ZONE: &str = "No such zone configured";
const Z_BOGUS_ZONE_NAME: &str = "Bogus zone name";
const Z_NO_RESOURCE_TYPE: &str = "No such resource type";
const Z_NO_RESOURCE_ID: &str = "No such resource with that id";
const Z_NO_PROPERTY_TYPE: &str = "No such property type";
const Z_NO_PROPERTY_ID: &str = "No such property with that id";
const Z_NO_ENTRY: &str = "No such entry";
const Z_INSUFFICIENT_SPEC: &str = "Insufficient specification";
const Z_NAME_IN_USE: &str = "Zone name already in use";
const Z_REQD_RESOURCE_MISSING: &str = "Required resource missing";
const Z_REQD_PROPERTY_MISSING: &str = "Required property missing";
const Z_INVAL: &str = "Invalid argument";
const Z_INCOMPATIBLE: &str = "Incompatible settings";
const Z_BAD_PROPERTY: &str = "Bad document property";
const Z_ALIAS_DISALLOW: &str = "An incompatible rctl already exists for this property";
const Z_CLEAR_DISALLOW: &str = "Clearing this property is not allowed";
const Z_BAD_ZONE_STATE: &str = "Zone state is invalid for the requested operation";
const Z_SAVING_FILE: &str = "Problem saving file";

type Flow<T = ()> = Result<T, Exit>;

/// Options a subcommand was given, with their arguments.
type OptList = Vec<(char, Option<String>)>;

/// The resource being added or modified in resource scope.
#[derive(Clone, Debug)]
enum InProgress {
    None,
    Fs(Fs),
    Net(Net),
    Device(Device),
    Rctl(Rctl),
    Attr(Attr),
    Dataset(Dataset),
    Pset(Pset),
    Admin(Admin),
    SecFlags(SecFlags),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EndOp {
    Add,
    /// Modifying the existing resource at this index.
    Select(usize),
}

struct Session<'a> {
    ctx: &'a mut Ctx,
    zone: String,
    revert_zone: String,
    global_zone: bool,
    /// The loaded or created configuration (`handle`).
    handle: Option<ZoneConfig>,
    /// The name the handle is stored under; `None` for a zone not yet saved.
    stored_name: Option<String>,
    got_handle: bool,
    need_to_commit: bool,
    saw_error: bool,
    interactive: bool,
    cmd_file_mode: bool,
    cmd_file_name: String,
    ok_to_prompt: bool,
    time_to_exit: bool,
    force_exit: bool,
    global_scope: bool,
    scope: Option<Rt>,
    end_op: Option<EndOp>,
    in_progress: InProgress,
    lineno: u32,
    last_lineno: u32,
    /// Exit status demanded by a fault rule.
    fault_exit: Option<i32>,
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    match main(ctx, args) {
        Ok(code) | Err(Exit(code)) => code,
    }
}

fn main(ctx: &mut Ctx, args: &[String]) -> Flow<i32> {
    if args.is_empty() {
        ctx.err(&usage(
            false,
            help::HELP_USAGE | help::HELP_SUBCMDS,
            EXECNAME,
            None,
        ));
        return Ok(2);
    }
    let mut s = Session::new(ctx);
    if args[0] == "help" {
        let text = args.join(" ") + "\n";
        s.one_command(&text)?;
        return Ok(0);
    }
    let mut file: Option<String> = None;
    let mut zone: Option<String> = None;
    let mut g = Getopt::new(args, "?f:R:z:", 0);
    for opt in g.by_ref() {
        match opt {
            Opt::Flag('?', _) => {
                s.ctx.out(&usage(
                    true,
                    help::HELP_USAGE | help::HELP_SUBCMDS,
                    EXECNAME,
                    None,
                ));
                return Ok(2);
            }
            Opt::Flag('f', Some(f)) => {
                s.cmd_file_name = f.clone();
                file = Some(f);
                s.cmd_file_mode = true;
            }
            Opt::Flag('R', Some(root)) => {
                if !root.starts_with('/') {
                    s.zerr(&format!("root path must be absolute: {root}"));
                    return Ok(2);
                }
                if !std::path::Path::new(&root).is_dir() {
                    s.zerr(&format!("root path must be a directory: {root}"));
                    return Ok(2);
                }
            }
            Opt::Flag('z', Some(z)) => {
                if z == "global" {
                    s.global_zone = true;
                } else if !valid_zone_name(&z) {
                    s.zone_perror(&z, Z_BOGUS_ZONE_NAME, true);
                    s.ctx.err(&usage(false, help::HELP_SYNTAX, EXECNAME, None));
                    return Ok(2);
                }
                zone = Some(z);
            }
            Opt::Unknown(c) => {
                s.ctx.err(&format!("{EXECNAME}: illegal option -- {c}\n"));
                s.ctx.err(&usage(false, help::HELP_USAGE, EXECNAME, None));
                return Ok(2);
            }
            Opt::MissingArg(c) | Opt::Flag(c, _) => {
                s.ctx
                    .err(&format!("{EXECNAME}: option requires an argument -- {c}\n"));
                s.ctx.err(&usage(false, help::HELP_USAGE, EXECNAME, None));
                return Ok(2);
            }
        }
    }
    let Some(zone) = zone else {
        s.ctx.err(&usage(false, help::HELP_USAGE, EXECNAME, None));
        return Ok(2);
    };
    s.zone = zone.clone();
    s.revert_zone = zone;
    s.ok_to_prompt = s.ctx.stdin_is_tty();
    let rest = &args[g.optind..];
    let code = if rest.is_empty() {
        match file {
            None => s.do_interactive()?,
            Some(f) => s.cmd_file(&f)?,
        }
    } else {
        s.one_command(&(rest.join(" ") + "\n"))?
    };
    Ok(s.fault_exit.unwrap_or(code))
}

fn rt_of_pt(pt: Pt) -> Option<&'static str> {
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

fn is_alias(pt: Pt) -> bool {
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

fn gz_invalid_resource(global_zone: bool, rt: Option<Rt>) -> bool {
    global_zone
        && matches!(
            rt,
            Some(Rt::Fs | Rt::Net | Rt::Device | Rt::Attr | Rt::Dataset)
        )
}

fn gz_invalid_property(global_zone: bool, pt: Pt) -> bool {
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
fn qualifier_props(rt: Rt) -> &'static [Pt] {
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
fn field(cfg: &ZoneConfig, rt: Rt, i: usize, pt: Pt) -> String {
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

fn count(cfg: &ZoneConfig, rt: Rt) -> usize {
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

fn block(cfg: &ZoneConfig, rt: Rt, i: usize) -> String {
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
fn addr_part(a: &str) -> &str {
    a.split('/').next().unwrap_or(a)
}

/// C `atoi`: leading optional sign and digits, 0 if none.
fn atoi(s: &str) -> i64 {
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
fn valid_uint(s: &str) -> Option<u64> {
    if s.contains('-') {
        return None;
    }
    s.parse().ok()
}

/// `zfs_name_valid` for a filesystem name.
fn zfs_name_valid(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && name.split('/').all(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_-.:".contains(ch))
        })
}

impl<'a> Session<'a> {
    fn new(ctx: &'a mut Ctx) -> Session<'a> {
        Session {
            ctx,
            zone: String::new(),
            revert_zone: String::new(),
            global_zone: false,
            handle: None,
            stored_name: None,
            got_handle: false,
            need_to_commit: false,
            saw_error: false,
            interactive: false,
            cmd_file_mode: false,
            cmd_file_name: String::new(),
            ok_to_prompt: false,
            time_to_exit: false,
            force_exit: false,
            global_scope: true,
            scope: None,
            end_op: None,
            in_progress: InProgress::None,
            lineno: 1,
            last_lineno: 0,
            fault_exit: None,
        }
    }

    // ---- messages -------------------------------------------------------

    fn zerr(&mut self, msg: &str) {
        if self.cmd_file_mode && self.lineno > self.last_lineno {
            if self.cmd_file_name == "-" {
                self.ctx.err(&format!("On line {}:\n", self.lineno - 1));
            } else {
                self.ctx.err(&format!(
                    "On line {} of {}:\n",
                    self.lineno - 1,
                    self.cmd_file_name
                ));
            }
            self.last_lineno = self.lineno;
        }
        self.ctx.err(&format!("{msg}\n"));
    }

    fn zone_perror(&mut self, prefix: &str, err: &str, set_saw: bool) {
        self.zerr(&format!("{prefix}: {err}"));
        if set_saw {
            self.saw_error = true;
        }
    }

    fn cmd_rt_perror(&mut self, cmd: CmdWord, rt: Rt, err: &str) {
        self.zerr(&format!("{} {}: {err}", cmd_name(cmd), rt.name()));
        self.saw_error = true;
    }

    fn short_usage(&mut self, cmd: CmdWord) {
        if self.cmd_file_mode {
            if self.cmd_file_name == "-" {
                self.ctx
                    .err(&format!("syntax error on line {}\n", self.lineno - 1));
            } else {
                self.ctx.err(&format!(
                    "syntax error on line {} of {}\n",
                    self.lineno - 1,
                    self.cmd_file_name
                ));
            }
        }
        self.ctx.err(&format!("usage:\n{}\n", short_usage(cmd)));
        self.saw_error = true;
    }

    fn long_usage(&mut self, cmd: CmdWord, set_saw: bool) {
        let text = format!("usage:\n{}\n\t{}\n", short_usage(cmd), long_help(cmd));
        if set_saw {
            self.ctx.err(&text);
            self.saw_error = true;
        } else {
            self.ctx.out(&text);
        }
    }

    fn longer_usage(&mut self, cmd: CmdWord) {
        self.long_usage(cmd, false);
        let flags = help::help_flags(cmd);
        if flags != 0 {
            self.ctx.out("\n");
            self.ctx.out(&usage(true, flags, EXECNAME, self.scope));
        }
    }

    fn err_usage(&mut self, flags: u32) {
        self.ctx.err(&usage(false, flags, EXECNAME, self.scope));
    }

    fn scope_usage(&mut self, cmd: CmdWord) {
        let which = if self.global_scope {
            "resource"
        } else {
            "global"
        };
        self.zerr(&format!(
            "The {} command only makes sense in the {which} scope.",
            cmd_name(cmd)
        ));
        self.saw_error = true;
    }

    /// `ask_yesno`: `None` when prompting is impossible.
    fn ask_yesno(&mut self, default_yes: bool, question: &str) -> Option<bool> {
        if !self.ok_to_prompt {
            self.saw_error = true;
            return None;
        }
        loop {
            let choices = if default_yes { "[y]/n" } else { "y/[n]" };
            self.ctx.out(&format!("{question} ({choices})? "));
            let line = self.ctx.read_stdin_line()?;
            match line.chars().next() {
                Some('\n') => return Some(default_yes),
                Some(c) if c.eq_ignore_ascii_case(&'y') => return Some(true),
                Some(c) if c.eq_ignore_ascii_case(&'n') => return Some(false),
                _ => {}
            }
        }
    }

    // ---- state access ---------------------------------------------------

    fn read_state(&mut self) -> Flow<State> {
        match self.ctx.store.read() {
            Ok(s) => Ok(s),
            Err(e) => {
                self.ctx.err(&format!("{EXECNAME}: {e}\n"));
                Err(Exit(1))
            }
        }
    }

    fn zone_state(&mut self) -> Flow<Option<ZoneState>> {
        if self.global_zone {
            return Ok(Some(ZoneState::Running));
        }
        let st = self.read_state()?;
        Ok(st.zone(&self.zone).map(|z| z.state))
    }

    fn state_atleast(&mut self, s: ZoneState) -> Flow<bool> {
        Ok(self.zone_state()?.is_some_and(|z| z >= s))
    }

    /// `initialize`: loads the zone's configuration if none is loaded.
    fn initialize(&mut self, handle_expected: bool) -> Flow<bool> {
        if self.handle.is_some() {
            return Ok(true);
        }
        let st = self.read_state()?;
        if self.global_zone {
            self.handle = Some(st.global.clone());
            self.stored_name = Some("global".into());
            self.got_handle = true;
            return Ok(true);
        }
        if let Some(z) = st.zone(&self.zone) {
            self.handle = Some(z.config.clone());
            self.stored_name = Some(z.name.clone());
            self.got_handle = true;
            return Ok(true);
        }
        // Templates can be looked at (and nothing else, being SUNW*).
        if self.zone.starts_with("SUNW")
            && let Some(t) = ZoneConfig::template(&self.zone)
        {
            self.handle = Some(t);
            self.got_handle = true;
            return Ok(true);
        }
        let zone = self.zone.clone();
        self.zone_perror(&zone, Z_NO_ZONE, handle_expected || self.got_handle);
        if !self.got_handle && self.interactive {
            self.ctx
                .out("Use 'create' to begin configuring a new zone.\n");
        }
        Ok(false)
    }

    fn cfg(&mut self) -> &mut ZoneConfig {
        self.handle.as_mut().expect("initialized")
    }

    fn zone_is_read_only(&mut self) -> bool {
        if self.zone.starts_with("SUNW") {
            let zone = self.zone.clone();
            self.zerr(&format!("{zone}: zones beginning with SUNW are read-only."));
            self.saw_error = true;
            return true;
        }
        false
    }

    // ---- input modes ----------------------------------------------------

    fn do_interactive(&mut self) -> Flow<i32> {
        self.interactive = true;
        self.initialize(false)?;
        self.read_input()
    }

    fn cmd_file(&mut self, file: &str) -> Flow<i32> {
        self.cmd_file_name = file.to_string();
        if file == "-" {
            self.interactive = true;
            return self.read_input();
        }
        // No line numbers on these messages.
        self.cmd_file_mode = false;
        let meta = match std::fs::metadata(file) {
            Ok(m) => m,
            Err(e) => {
                self.zerr(&format!("could not open file {file}: {}", strerror(&e)));
                return Ok(1);
            }
        };
        if !meta.is_file() {
            self.zerr(&format!("{file} is not a regular file."));
            return Ok(1);
        }
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                self.zerr(&format!("could not open file {file}: {}", strerror(&e)));
                return Ok(1);
            }
        };
        self.cmd_file_mode = true;
        self.ok_to_prompt = false;
        let mut lexer = Lexer::new(self.ctx.settings.dialect);
        let toks = lexer.tokenize(&text);
        self.run_tokens(toks)?;
        self.cleanup()
    }

    fn one_command(&mut self, text: &str) -> Flow<i32> {
        let mut lexer = Lexer::new(self.ctx.settings.dialect);
        let toks = lexer.tokenize(text);
        self.run_tokens(toks)?;
        self.ok_to_prompt = false;
        self.cleanup()
    }

    /// Reads commands from stdin: a line at a time with prompts from a
    /// terminal, otherwise the whole input as one stream.
    fn read_input(&mut self) -> Flow<i32> {
        let mut lexer = Lexer::new(self.ctx.settings.dialect);
        if self.ctx.stdin_is_tty() {
            loop {
                let prompt = match (self.global_scope, self.scope) {
                    (false, Some(rt)) => format!("{EXECNAME}:{}:{}> ", self.zone, rt.name()),
                    _ => format!("{EXECNAME}:{}> ", self.zone),
                };
                self.ctx.out(&prompt);
                let Some(line) = self.ctx.read_stdin_line() else {
                    break;
                };
                let toks = lexer.tokenize(&line);
                self.run_tokens(toks)?;
                if self.time_to_exit {
                    break;
                }
            }
        } else {
            let text = self.ctx.read_stdin_all();
            let toks = lexer.tokenize(&text);
            self.run_tokens(toks)?;
        }
        self.cleanup()
    }

    /// The yyparse loop: one command at a time, with error recovery.
    fn run_tokens(&mut self, toks: Vec<crate::lexer::Token>) -> Flow {
        let mut p = Parser::new(toks);
        loop {
            let parsed = p.next_command();
            self.lineno = self.lineno.max(p.lineno());
            match parsed {
                Parsed::Eof => break,
                Parsed::Empty => {}
                Parsed::Command(cmd) => {
                    self.execute(&cmd)?;
                }
                Parsed::Usage { cmd, extra, line } => {
                    self.lineno = line;
                    self.short_usage(cmd);
                    match extra {
                        UsageExtra::None => {}
                        UsageExtra::ResProps => {
                            self.ctx.err("\n");
                            self.err_usage(help::HELP_RES_PROPS);
                        }
                        UsageExtra::Props => {
                            self.ctx.err("\n");
                            self.err_usage(help::HELP_PROPS);
                        }
                    }
                    p.recover();
                }
                Parsed::Syntax(tok) => {
                    if tok.kind == crate::lexer::TokKind::Eof {
                        // End of input inside a command is not an error.
                        break;
                    }
                    self.lineno = tok.line_after;
                    self.saw_error = true;
                    if self.cmd_file_mode {
                        self.ctx.err(&format!(
                            "syntax error on line {} at '{}'\n",
                            self.lineno,
                            tok.shown()
                        ));
                    } else {
                        self.ctx
                            .err(&format!("syntax error at '{}'\n", tok.shown()));
                    }
                    self.err_usage(help::HELP_SUBCMDS);
                    p.recover();
                }
            }
            self.lineno = self.lineno.max(p.lineno());
            if self.saw_error && self.cmd_file_mode && !self.interactive {
                self.time_to_exit = true;
            }
            if self.time_to_exit {
                break;
            }
        }
        Ok(())
    }

    fn cleanup(&mut self) -> Flow<i32> {
        if !self.global_scope {
            if !self.time_to_exit {
                match self.ask_yesno(false, "Resource incomplete; really quit") {
                    None => {
                        self.zerr("Resource incomplete.");
                        return Ok(1);
                    }
                    Some(false) => {
                        // Keep going from the terminal.
                        self.time_to_exit = false;
                        return self.read_input();
                    }
                    Some(true) => {}
                }
            } else {
                self.saw_error = true;
            }
        }
        if self.need_to_commit && self.handle.is_some() {
            self.commit_or_verify(true)?;
            if self.need_to_commit {
                if self.force_exit {
                    self.zerr("Configuration not saved.");
                    return Ok(1);
                }
                match self.ask_yesno(false, "Configuration not saved; really quit") {
                    None => {
                        self.zerr("Configuration not saved.");
                        return Ok(1);
                    }
                    Some(false) => {
                        self.time_to_exit = false;
                        return self.read_input();
                    }
                    Some(true) => {}
                }
            }
        }
        Ok(if self.need_to_commit || self.saw_error {
            1
        } else {
            0
        })
    }

    // ---- dispatch -------------------------------------------------------

    fn execute(&mut self, cmd: &Cmd) -> Flow {
        let name = cmd_name(cmd.word);
        let zone = self.zone.clone();
        // commit is checked where the configuration is saved.
        let outcome = if cmd.word == CmdWord::Commit {
            Default::default()
        } else {
            self.ctx.fault(EXECNAME, name, Some(&zone))
        };
        if let Some(f) = outcome.failure {
            let default = match cmd.word {
                CmdWord::Commit | CmdWord::Delete => Z_SAVING_FILE,
                _ => Z_INVAL,
            };
            let msg = f.message.unwrap_or_else(|| default.to_string());
            self.zone_perror(&zone, &msg, true);
            self.fault_exit = Some(f.exit);
            return Ok(());
        }
        match cmd.word {
            CmdWord::Add => self.add_func(cmd),
            CmdWord::Cancel => self.cancel_func(cmd),
            CmdWord::Clear => self.clear_func(cmd),
            CmdWord::Commit => self.commit_func(cmd),
            CmdWord::Create => self.create_func(cmd),
            CmdWord::Delete => self.delete_func(cmd),
            CmdWord::End => self.end_func(cmd),
            CmdWord::Exit => self.exit_func(cmd),
            CmdWord::Export => self.export_func(cmd),
            CmdWord::Help => self.help_func(cmd),
            CmdWord::Info => self.info_func(cmd),
            CmdWord::Remove => self.remove_func(cmd),
            CmdWord::Revert => self.revert_func(cmd),
            CmdWord::Select => self.select_func(cmd),
            CmdWord::Set => self.set_func(cmd),
            CmdWord::Verify => self.verify_func(cmd),
        }
    }

    /// Runs getopt over the command's words. `Err` means a usage message
    /// was printed.
    fn opts(&mut self, cmd: &Cmd, spec: &str) -> Result<(OptList, usize), ()> {
        let mut out = Vec::new();
        let mut g = Getopt::new(&cmd.argv, spec, 0);
        let mut err = false;
        for o in g.by_ref() {
            match o {
                Opt::Flag('?', _) => {
                    self.longer_usage(cmd.word);
                    err = true;
                }
                Opt::Flag(c, a) => out.push((c, a)),
                Opt::Unknown(c) => {
                    self.ctx
                        .err(&format!("{}: illegal option -- {c}\n", cmd.argv[0]));
                    self.short_usage(cmd.word);
                    err = true;
                }
                Opt::MissingArg(c) => {
                    self.ctx.err(&format!(
                        "{}: option requires an argument -- {c}\n",
                        cmd.argv[0]
                    ));
                    self.short_usage(cmd.word);
                    err = true;
                }
            }
        }
        if err { Err(()) } else { Ok((out, g.optind)) }
    }

    /// Commands that take no words besides `-?`.
    fn no_args(&mut self, cmd: &Cmd) -> bool {
        match self.opts(cmd, "?") {
            Err(()) => false,
            Ok((_, optind)) if optind != cmd.argv.len() => {
                self.short_usage(cmd.word);
                false
            }
            Ok(_) => true,
        }
    }

    // ---- create / delete / exit / revert --------------------------------

    fn create_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn delete_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn exit_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn revert_func(&mut self, cmd: &Cmd) -> Flow {
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

    // ---- add / cancel / end ----------------------------------------------

    fn add_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn add_resource(&mut self, rt: Option<Rt>) {
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

    fn no_such_prop(&mut self, pt: Pt, cmd: CmdWord) {
        self.zone_perror(pt.name(), Z_NO_PROPERTY_TYPE, true);
        self.long_usage(cmd, true);
        self.err_usage(help::HELP_PROPS);
    }

    fn no_such_res(&mut self, rt: Option<Rt>, cmd: CmdWord) {
        let name = rt.map(Rt::name).unwrap_or("unknown");
        self.zone_perror(name, Z_NO_RESOURCE_TYPE, true);
        self.long_usage(cmd, true);
        self.err_usage(help::HELP_RESOURCES);
    }

    fn add_property(&mut self, cmd: &Cmd) -> Flow {
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
    fn res_attr(&mut self, pieces: &[(Pt, String)]) -> Option<(String, String)> {
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
    fn rctl_value(&mut self, pieces: &[(Pt, String)], check: bool) -> Option<RctlValue> {
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
            let priv_ok = matches!(val.priv_.as_str(), "basic" | "privileged" | "system");
            let action_ok =
                val.action == "none" || val.action == "deny" || val.action.starts_with("signal=");
            if !priv_ok || !action_ok || val.limit.parse::<u64>().is_err() {
                self.zerr("Invalid rctl value specification");
                return None;
            }
        }
        Some(val)
    }

    fn cancel_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn end_func(&mut self, cmd: &Cmd) -> Flow {
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

    // ---- qualifier lookups (fill_in_*) ----------------------------------

    /// Checks qualifiers and finds the one resource they match.
    /// `Ok(None)` means an error was printed by the qualifier check.
    fn lookup(&mut self, rt: Rt, props: &[(Pt, PropValue)]) -> Result<usize, &'static str> {
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

    fn qualifiers(
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

    fn remove_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn remove_resource(&mut self, cmd: &Cmd) -> Flow {
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

    fn remove_property(&mut self, cmd: &Cmd) -> Flow {
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

    fn clear_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn remove_aliased(&mut self, pt: Pt, alias: &str) {
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

    fn select_func(&mut self, cmd: &Cmd) -> Flow {
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

    // ---- set --------------------------------------------------------------

    fn set_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn set_global(&mut self, global: &str, pt: Pt, v: &str) -> Flow {
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

    fn set_aliased_rctl(&mut self, alias: &str, pt: Pt, v: &str) {
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

    fn set_resource(&mut self, rt: Rt, pt: Pt, cmd: &Cmd, value: &PropValue, v: &str) -> Flow {
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
                    if !v.starts_with("zone.") || v.len() <= 5 {
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
    fn valid_net_address(&mut self, address: &str, ishost: bool) -> bool {
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
    fn valid_physical(&mut self, ifname: &str) -> bool {
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

    // ---- verify / commit --------------------------------------------------

    fn verify_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn commit_func(&mut self, cmd: &Cmd) -> Flow {
        if !self.no_args(cmd) {
            return Ok(());
        }
        self.commit_or_verify(true)
    }

    fn check_reqd(
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
    fn commit_or_verify(&mut self, save: bool) -> Flow {
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
    fn save(&mut self, c: ZoneConfig) -> Flow<Option<String>> {
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

    // ---- info / export / help ---------------------------------------------

    fn info_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn export_func(&mut self, cmd: &Cmd) -> Flow {
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

    fn help_func(&mut self, cmd: &Cmd) -> Flow {
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
