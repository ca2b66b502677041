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

mod lifecycle;
mod props;
mod remove;
mod resource;
mod set;
mod show;
mod verify;

use props::*;

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
}
