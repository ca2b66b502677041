//! Dispatch: each verb opens what it needs, calls one operation and renders its result;
//! errors become diagnostics and an exit status. Decisions live in zmgr-core.

use std::io::{IsTerminal, Write};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use zmgr_core::error::{Error, Problems, Result};
use zmgr_core::host::exec::System;
use zmgr_core::ops::create::CreateOptions;
use zmgr_core::ops::publishers::AddOutcome;
use zmgr_core::ops::session::{Session, SharedRunner};
use zmgr_core::ops::{create, host, modify, pools, publishers, view};
use zmgr_core::store::needs::{Needs, Want};
use zmgr_core::store::registry::Registry;

use crate::args::{
    Cli, Command, HostCommand, PoolCommand, PublisherCommand, ScriptCommand, TemplateCommand,
};
use crate::output::{self, Format};
use crate::render;

mod snapshots;

/// Runs zmgr with the process's arguments and returns the exit status.
pub fn main() -> i32 {
    use clap::{CommandFactory, FromArgMatches};
    // `ZMGR_COMPLETE=bash zmgr`, and the shell asking for a completion, end here.
    crate::complete::answer_if_asked();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `zmgr help SCRIPT` and `zmgr SCRIPT --help` describe a site script by its leading comment.
    if let Some(help) = site_script_help(&args) {
        let mut out = std::io::stdout().lock();
        return match help.and_then(|h| emit(&mut out, &h)) {
            Ok(()) => 0,
            Err(e) => {
                print_error(&e);
                e.exit_code()
            }
        };
    }
    // Site scripts are verbs too: list them in --help.
    let mut command = Cli::command();
    if let Some(listing) = site_scripts_help(&args) {
        command = command.after_long_help(listing.clone()).after_help(listing);
    }
    let cli = match command.try_get_matches_from(&args).and_then(|m| {
        let mut cli = Cli::from_arg_matches(&m)?;
        choose_location(&m, &mut cli)?;
        Ok(cli)
    }) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let mut out = std::io::stdout().lock();
    let code = match locations_from_env(&cli).and_then(|()| run(cli, &mut out)) {
        Ok(()) => 0,
        Err(e) => {
            let _ = out.flush();
            print_error(&e);
            e.exit_code()
        }
    };
    if zmgr_core::host::exec::tracing() {
        let (read, stamped) = zmgr_core::store::registry::files_read();
        eprintln!("# registry: {read} files read, {stamped} zone files known by their stamp");
    }
    code
}

/// `--root` and `--sandbox` on the command line win over `ZMGR_ROOT` and `ZMGR_SANDBOX` in
/// the environment: the one given on the command line is kept and the other dropped. Both on
/// the command line conflict; both from the environment are refused by
/// [`locations_from_env`].
fn choose_location(matches: &clap::ArgMatches, cli: &mut Cli) -> clap::error::Result<()> {
    use clap::parser::ValueSource;
    if cli.root.is_none() || cli.sandbox.is_none() {
        return Ok(());
    }
    let typed = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
    match (typed("root"), typed("sandbox")) {
        (true, true) => {
            use clap::CommandFactory;
            Err(Cli::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                "the argument '--sandbox <DIR>' cannot be used with '--root <DIR>'",
            ))
        }
        (true, false) => {
            cli.sandbox = None;
            Ok(())
        }
        (false, true) => {
            cli.root = None;
            Ok(())
        }
        // Both from the environment: refused, with the values, by `locations_from_env`.
        (false, false) => Ok(()),
    }
}

/// Refuses `ZMGR_ROOT` and `ZMGR_SANDBOX` both set when the command line chooses neither:
/// zmgr runs as root, and which registry it changes must not be a guess.
fn locations_from_env(cli: &Cli) -> Result<()> {
    match (&cli.root, &cli.sandbox) {
        (Some(root), Some(sandbox)) => Err(Error::usage(format!(
            "ZMGR_ROOT ({}) and ZMGR_SANDBOX ({}) are both set; zmgr will not guess which registry to use",
            shown_path(root),
            shown_path(sandbox)
        ))
        .with_help(
            "unset one of them, or give --root DIR or --sandbox DIR, which wins over both variables",
        )),
        _ => Ok(()),
    }
}

/// A path as a message quotes it (escaped for the terminal, cut when very long).
fn shown_path(path: &std::path::Path) -> String {
    zmgr_core::text::shown(&path.to_string_lossy())
}

/// "Site scripts (…): a, b" for the help text, if there are any.
fn site_scripts_help(args: &[std::ffi::OsString]) -> Option<String> {
    let root = crate::location::guess_root(args);
    let names: Vec<String> = zmgr_script::site_scripts(&root)
        .into_iter()
        .filter(|(n, _)| !builtin(n))
        .map(|(n, _)| n)
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "Site scripts ({}): {}\nRun one as `zmgr NAME ARGS…`; `zmgr scripts` lists them.",
            root.join("scripts").display(),
            names.join(", ")
        )
    })
}

/// The note for a host that has neither the illumos tools nor a registry at `root`: zmgr
/// cannot do anything for it but in a sandbox, which is what a person trying it out wants.
fn not_illumos(root: &std::path::Path) -> Option<String> {
    use zmgr_core::host::exec::Tool;
    let tools = [Tool::Zoneadm, Tool::Zonecfg].map(|t| std::path::Path::new(t.default_path()));
    if tools.iter().any(|t| t.exists())
        || std::fs::symlink_metadata(root.join("config.kdl")).is_ok()
    {
        return None;
    }
    Some(format!(
        "this does not look like an illumos host: {} does not exist, and there is no registry at {}; \
         to try zmgr here, use its simulator: `zmgr --sandbox DIR VERB …` (a new DIR is set up on first use)",
        tools[0].display(),
        shown_path(root)
    ))
}

/// The error for a verb that is neither built in nor a site script, with the nearest of
/// both as "did you mean".
fn unknown_verb(root: &std::path::Path, name: &str, e: Error) -> Error {
    use clap::CommandFactory;
    let Error::Usage { help, .. } = e else {
        return e;
    };
    let command = Cli::command();
    let scripts = zmgr_script::site_scripts(root);
    let known: Vec<&str> = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name())
        .chain(["help"])
        .chain(scripts.iter().map(|(n, _)| n.as_str()))
        .collect();
    let help = match (zmgr_core::suggest::did_you_mean(name, &known), help) {
        (Some(near), Some(h)) => format!("did you mean `{near}`? {h}"),
        (Some(near), None) => format!("did you mean `{near}`?"),
        (None, Some(h)) => h,
        (None, None) => "`zmgr --help` lists the verbs and `zmgr scripts` the site scripts".into(),
    };
    Error::usage(format!("unknown verb `{}`", zmgr_core::text::shown(name))).with_help(help)
}

/// Whether `name` is a built-in verb (which a site script cannot shadow).
/// The help of a site script when the command line asks for it (`zmgr help NAME`, `zmgr NAME
/// --help`, `-h`): its leading `//` comment. `None` when the line is not about a site script.
fn site_script_help(args: &[std::ffi::OsString]) -> Option<Result<String>> {
    let mut words = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    let mut rest = Vec::new();
    while let Some(w) = words.next() {
        match w.as_str() {
            "--root" | "--sandbox" => {
                words.next();
            }
            "-v" | "--verbose" => {}
            _ if w.starts_with("--root=") || w.starts_with("--sandbox=") => {}
            _ => {
                rest.push(w);
                rest.extend(words.by_ref().take(1));
                break;
            }
        }
    }
    let name = match rest.as_slice() {
        [help, name] if help == "help" => name,
        [name, flag] if flag == "--help" || flag == "-h" => name,
        _ => return None,
    };
    if builtin(name) {
        return None;
    }
    let path = zmgr_script::site_script(&crate::location::guess_root(args), name).ok()?;
    Some(
        zmgr_core::fs::trust::read_code(&path, 1 << 20)
            .map_err(|p| Error::Script(Box::new(p)))
            .map(|bytes| {
                let doc = leading_comment(&String::from_utf8_lossy(&bytes));
                if doc.is_empty() {
                    format!(
                        "zmgr {name}: site script {} (it has no leading // comment to describe it)\n",
                        path.display()
                    )
                } else {
                    format!("zmgr {name}: site script {}\n\n{doc}", path.display())
                }
            }),
    )
}

/// The `//` comment lines a script begins with, without the slashes.
fn leading_comment(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("//") else {
            break;
        };
        let rest = rest.trim_start_matches(['/', '!']);
        out += rest.strip_prefix(' ').unwrap_or(rest);
        out.push('\n');
    }
    out
}

fn builtin(name: &str) -> bool {
    use clap::CommandFactory;
    Cli::command()
        .get_subcommands()
        .any(|c| c.get_name() == name || c.get_all_aliases().any(|a| a == name))
        || name == "help"
}

/// Writes to stdout; a closed pipe (`zmgr list | head`) is not an error worth a panic.
fn emit(out: &mut dyn Write, text: &str) -> Result<()> {
    match out.write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|e| Error::io("write", "standard output", e)),
    }
}

pub fn run(cli: Cli, out: &mut dyn Write) -> Result<()> {
    // -v belongs to the verbs that run commands; before the verb, only a site script takes it.
    if cli.verbose && !matches!(cli.command, Command::Site(_)) {
        return Err(Error::usage(
            "-v before the verb is for site scripts (`zmgr -v NAME ARGS…`)",
        )
        .with_help(
            "write it after a verb that runs commands, e.g. `zmgr create -v web01`; `zmgr VERB --help` shows whether it takes -v",
        ));
    }
    // Needs no registry and no host.
    if let Command::Man { dir } = &cli.command {
        let mut listing = String::new();
        for path in crate::man::write_all(dir)? {
            listing += &format!("{}\n", path.display());
        }
        return emit(out, &listing);
    }
    let sandbox = match &cli.sandbox {
        Some(dir) => Some(crate::sandbox::Sandbox::new(dir)?),
        None => None,
    };
    let root = match (&sandbox, cli.root) {
        (Some(s), _) => s.root(),
        (None, Some(r)) => r,
        (None, None) => Registry::default_root(),
    };
    if sandbox.is_none()
        && let Some(note) = not_illumos(&root)
    {
        eprintln!("zmgr: {note}");
    }
    // A site script is found (or the verb refused) before a sandbox is set up for it.
    let site = match &cli.command {
        Command::Site(words) => {
            let name = words.first().expect("clap gives the verb");
            Some(zmgr_script::site_script(&root, name).map_err(|e| unknown_verb(&root, name, e))?)
        }
        _ => None,
    };
    if let Some(s) = &sandbox {
        let repair = matches!(cli.command, Command::Init);
        for line in s.prepare(&crate::sandbox::find_simulator()?, repair)? {
            eprintln!("zmgr: {line}");
        }
    }
    let verbose = cli.verbose || cli.command.streams();
    // Opens a session over the registry, for a verb that depends on the files `needs` names;
    // broken files it does not depend on are shown as warnings and left out.
    let open_core =
        |zones: bool, needs: &mut dyn FnMut(&Registry) -> Needs| -> Result<(Session, Registry)> {
            let progress: Box<dyn zmgr_core::ops::progress::Progress> =
                if std::io::stderr().is_terminal() {
                    Box::new(crate::progress::Terminal::new(verbose))
                } else {
                    Box::new(zmgr_core::ops::progress::Plain { verbose })
                };
            zmgr_core::host::interrupt::install();
            let (session, registry, warnings) = Session::open(
                &root,
                zones,
                needs,
                |registry| -> SharedRunner {
                    let commands = registry.config.commands.clone();
                    match &sandbox {
                        Some(s) => std::sync::Arc::new(s.runner(commands)),
                        None => std::sync::Arc::new(System::new(commands)),
                    }
                },
                progress,
            )?;
            print_problems(&warnings);
            Ok((
                session.with_hooks(std::sync::Arc::new(zmgr_script::hooks::ScriptHooks)),
                registry,
            ))
        };
    match cli.command {
        Command::Create {
            name,
            template,
            pool,
            ip,
            net,
            force_range,
            vnic,
            no_boot,
            clone,
            dry_run,
            keep_on_failure,
            json,
            ..
        } => {
            let opts = CreateOptions {
                clone,
                name,
                template,
                pool,
                ip,
                nets: net,
                force_range,
                vnic,
                no_boot,
                keep_on_failure,
            };
            // A real create reads the ledger under the lock; a dry run plans from it now.
            let (mut core, registry) = open_core(dry_run, &mut create::needs(&opts))?;
            if dry_run {
                let dry = zmgr_core::ops::create::dry_run(&core, &registry, &opts)?;
                let text = if json {
                    output::json_object(&dry)
                } else {
                    render::dry_run_text(&core, &dry)
                };
                emit(out, &text)?;
                return dry.problem().map_or(Ok(()), Err);
            }
            let created = zmgr_core::ops::create::create(&mut core, registry, &opts)?;
            let text = if json {
                output::json_object(&created)
            } else {
                render::created(&created)
            };
            emit(out, &text)
        }
        Command::Destroy {
            zones,
            dry_run,
            yes,
            json,
            ..
        } => {
            let sel = zones.selection();
            let confirmed = if !dry_run && !yes {
                // Asked before zmgr catches Ctrl-C (open_core), so Ctrl-C ends the question.
                let reg = load_for(&root, |r| sel.destroy_needs(r))?;
                crate::zones::confirm(&reg, &sel)?
            } else {
                None
            };
            // After a question, exactly the zones it was about are read and destroyed.
            let reads = match &confirmed {
                Some(c) => zmgr_core::ops::bulk::Selection {
                    names: c.zones.clone(),
                    ..Default::default()
                },
                None => sel.clone(),
            };
            let opened = open_core(true, &mut |r| reads.destroy_needs(r))?;
            crate::zones::destroy(
                opened,
                &sel,
                confirmed,
                zones.jobs,
                dry_run,
                json,
                out,
                &print_error,
            )
        }
        Command::Import {
            names,
            dry_run,
            json,
            ..
        } => {
            let (mut core, registry) = open_core(true, &mut zmgr_core::ops::import::needs)?;
            let imported = zmgr_core::ops::import::import(&mut core, &registry, &names, dry_run)?;
            emit(out, &render::import_report(&imported.0, dry_run, json))?;
            imported.problem().map_or(Ok(()), Err)
        }
        Command::Reconcile { fix, json, .. } => {
            let (mut core, registry) = open_core(true, &mut |_| Needs::everything())?;
            let report = zmgr_core::ops::reconcile::reconcile(&mut core, &registry, fix)?;
            let diffs = &report.0;
            let text = if json {
                output::json_list_of("differences", diffs)
            } else {
                let mut t = String::new();
                for d in diffs {
                    t += &format!("{}\n", d.message);
                    match (d.fixed, &d.fix_error, &d.advice) {
                        _ if matches!(
                            d.finding,
                            zmgr_core::ops::reconcile::Finding::Creating { .. }
                        ) => {}
                        (Some(true), _, _) => t += "    fixed\n",
                        (Some(false), Some(e), _) => t += &format!("    could not fix: {e}\n"),
                        (_, _, Some(a)) => t += &format!("    needs a person: {a}\n"),
                        _ => t += "    `zmgr reconcile --fix` repairs this\n",
                    }
                }
                if diffs.is_empty() {
                    t += "the registry and the system agree\n";
                }
                t
            };
            emit(out, &text)?;
            report.problem().map_or(Ok(()), Err)
        }
        Command::Run { file, args, .. } => {
            let (core, registry) = open_core(false, &mut |_| Needs::config())?;
            zmgr_script::api::Runtime::for_registry(core, &registry).run(&file, &args)
        }
        Command::Site(words) => {
            let path = site.expect("looked up above");
            let (core, registry) = open_core(false, &mut |_| Needs::config())?;
            zmgr_script::api::Runtime::for_registry(core, &registry).run(&path, &words[1..])
        }
        Command::Man { .. } => unreachable!("handled before the registry is found"),
        Command::Scripts => {
            let mut t = String::new();
            for (name, path) in zmgr_script::site_scripts(&root) {
                if builtin(&name) {
                    t += &format!(
                        "{name:<16} {} (never runs: `{name}` is a built-in verb)\n",
                        path.display()
                    );
                } else {
                    t += &format!("{name:<16} {}\n", path.display());
                }
            }
            if t.is_empty() {
                t = format!("no site scripts in {}\n", root.join("scripts").display());
            }
            emit(out, &t)
        }
        Command::Script(ScriptCommand::Api) => emit(out, &zmgr_script::reference::generate()),
        Command::Boot(a) => zones_verb(
            &open_core,
            &a,
            crate::zones::Verb::Change(zmgr_core::ops::lifecycle::Action::Boot),
            out,
        ),
        Command::Halt(a) => zones_verb(
            &open_core,
            &a,
            crate::zones::Verb::Change(zmgr_core::ops::lifecycle::Action::Halt),
            out,
        ),
        Command::Shutdown { args, timeout, .. } => zones_verb(
            &open_core,
            &args,
            crate::zones::Verb::Shutdown(zmgr_core::ops::shutdown::Options {
                timeout: std::time::Duration::from_secs(timeout),
                reboot: false,
            }),
            out,
        ),
        Command::Reboot {
            args,
            force,
            timeout,
            ..
        } => zones_verb(
            &open_core,
            &args,
            crate::zones::Verb::Reboot(zmgr_core::ops::shutdown::RebootOptions {
                force,
                // clap refuses --timeout with --force; its default is not a timeout given.
                timeout: (!force).then(|| std::time::Duration::from_secs(timeout)),
            }),
            out,
        ),
        Command::Login { name, command } => {
            let (core, registry) = open_core(true, &mut zmgr_core::ops::login::needs(&name))?;
            let login = if command.is_empty() {
                zmgr_core::ops::login::Login::Shell
            } else {
                zmgr_core::ops::login::Login::Command(command)
            };
            let _ = out.flush();
            Err(zmgr_core::ops::login::exec(&core, &registry, &name, &login))
        }
        Command::Console { name } => {
            let (core, registry) = open_core(true, &mut zmgr_core::ops::login::needs(&name))?;
            let _ = out.flush();
            Err(zmgr_core::ops::login::exec(
                &core,
                &registry,
                &name,
                &zmgr_core::ops::login::Login::Console,
            ))
        }
        Command::Init => {
            // A sandbox's files have its own commands and pool.
            let steps = match &sandbox {
                Some(s) => s.init()?,
                None => zmgr_core::store::init::init(&root)?,
            };
            // A registry that was there already and does not read is only an error: init
            // changed nothing, so it reports nothing done.
            let opened = open_core(false, &mut |_| Needs::everything());
            if opened.is_err() && !steps.iter().any(|s| s.created) {
                return opened.map(|_| ());
            }
            for step in steps {
                let verb = if step.created { "created" } else { "exists " };
                emit(out, &format!("{verb} {}\n", step.path.display()))?;
            }
            // On a host with the tools, say what the first create still needs.
            let (session, registry) = opened?;
            match zmgr_core::ops::host::check(&session, &registry, None) {
                Ok(report) if report.is_ready() => emit(out, "the host is ready\n"),
                Ok(report) => emit(
                    out,
                    &format!("\nhost check:\n{}", render::host_report(&report)),
                ),
                Err(Error::Command(zmgr_core::host::exec::ExecError::Missing { .. })) => Ok(()),
                Err(e) => {
                    eprintln!("zmgr: host check: {e}");
                    Ok(())
                }
            }
        }
        Command::Check { json } => check(&root, json, out),
        Command::List {
            pattern,
            state,
            template,
            pool,
            brand,
            output: o,
        } => {
            let format = o.format()?;
            let filter = view::ZoneFilter::parse(&state, template, pool, brand, pattern)?;
            if !matches!(format, Format::Json) {
                // A mistyped field is refused before the registry is read.
                output::render_rows(view::ZONE_FIELDS, &Vec::new(), &format)?;
            }
            let reg = load(&root)?;
            let zones = view::filter_zones(reg.zones.values(), &filter);
            let text = match format {
                Format::Json => output::render(&view::zones_json(zones), &format)?,
                _ => output::render_rows(view::ZONE_FIELDS, &view::ZoneRows(zones), &format)?,
            };
            emit(out, &text)
        }
        Command::Snapshot {
            name,
            snap,
            delete,
            dry_run,
            json,
            ..
        } => {
            let (mut core, registry) =
                open_core(true, &mut zmgr_core::ops::snapshots::needs(&name))?;
            let report = if delete {
                let snap = snap.as_deref().expect("clap requires SNAP with --delete");
                zmgr_core::ops::snapshots::delete(&mut core, &registry, &name, snap, dry_run)?
            } else {
                zmgr_core::ops::snapshots::snapshot(
                    &mut core,
                    &registry,
                    &name,
                    snap.as_deref(),
                    dry_run,
                )?
            };
            let verb = if delete { "deleted" } else { "took" };
            emit(out, &snapshots::report(&report, verb, json))
        }
        Command::Snapshots { name, json } => {
            let (core, registry) = open_core(true, &mut zmgr_core::ops::snapshots::needs(&name))?;
            let list = zmgr_core::ops::snapshots::list(&core, &registry, &name)?;
            emit(out, &snapshots::listing(&name, &list, json))
        }
        Command::Rollback {
            name,
            snap,
            force,
            dry_run,
            json,
            ..
        } => {
            let (mut core, registry) =
                open_core(true, &mut zmgr_core::ops::snapshots::needs(&name))?;
            let report = zmgr_core::ops::snapshots::rollback(
                &mut core, &registry, &name, &snap, force, dry_run,
            )?;
            emit(out, &snapshots::report(&report, "rolled back to", json))
        }
        Command::Set {
            name,
            settings,
            dry_run,
            json,
            ..
        } => {
            let (mut core, registry) = open_core(true, &mut |_| modify::needs(&name, None))?;
            let m = modify::set(&mut core, &registry, &name, &settings, dry_run)?;
            emit(
                out,
                &render::modified(&m, &format!("changed zone {name}"), json),
            )
        }
        Command::Add {
            name,
            kind,
            props,
            dry_run,
            json,
            ..
        } => {
            let props = modify::parse_props(&props)?;
            let pool = props
                .iter()
                .find(|(k, _)| k == "pool")
                .map(|(_, v)| v.clone());
            let (mut core, registry) =
                open_core(true, &mut |_| modify::needs(&name, pool.as_deref()))?;
            let m = modify::add(&mut core, &registry, &name, kind, &props, dry_run)?;
            let what = format!("added {} to zone {name}", kind.as_str());
            emit(out, &render::modified(&m, &what, json))
        }
        Command::Remove {
            name,
            kind,
            props,
            dry_run,
            json,
            ..
        } => {
            let props = modify::parse_props(&props)?;
            let (mut core, registry) = open_core(true, &mut |_| modify::needs(&name, None))?;
            let m = modify::remove(&mut core, &registry, &name, kind, &props, dry_run)?;
            let what = format!("removed {} from zone {name}", kind.as_str());
            emit(out, &render::modified(&m, &what, json))
        }
        Command::Config { name, json } => {
            let (core, registry) = open_core(true, &mut |_| modify::needs(&name, None))?;
            let c = modify::config(&core, &registry, &name)?;
            let text = if json {
                output::json_object(&c)
            } else {
                c.export.clone()
            };
            emit(out, &text)
        }
        Command::Show { name, output: o } => {
            let format = o.format()?;
            // The zone's file only, however large the registry.
            let reg = load_for(&root, |_| {
                Needs {
                    zones: Want::one(&name),
                    ..Needs::nothing()
                }
                .only()
            })?;
            let zone = reg.zone(&name)?;
            emit(
                out,
                &output::render_one(&view::zones([zone]), &format, &[])?,
            )
        }
        Command::Template(TemplateCommand::List(o)) => {
            let format = o.format()?;
            let reg = load(&root)?;
            emit(
                out,
                &output::render(&view::templates(reg.templates.values()), &format)?,
            )
        }
        Command::Template(TemplateCommand::Show { name, output: o }) => {
            let format = o.format()?;
            let reg = load_for(&root, |_| Needs {
                templates: Want::one(&name),
                ..Needs::nothing()
            })?;
            let t = reg.template(&name)?;
            let text =
                output::render_one(&view::templates([t]), &format, &view::template_details(t))?;
            emit(out, &text)
        }
        Command::Pool(PoolCommand::List(o)) => {
            let format = o.format()?;
            let reg = load(&root)?;
            emit(
                out,
                &output::render(&view::pools(&reg, reg.pools.values())?, &format)?,
            )
        }
        Command::Pool(PoolCommand::Show { name, output: o }) => {
            let format = o.format()?;
            let reg = load_for(&root, |_| Needs {
                pools: Want::one(&name),
                ..Needs::nothing()
            })?;
            let p = reg.pool(&name)?;
            let (listing, zones) = view::pool_show(&reg, p)?;
            let mut text = output::render_one(&listing, &format, &view::pool_details(p))?;
            if matches!(format, Format::Table { ref fields } if fields.is_empty())
                && !zones.rows.is_empty()
            {
                text += "\n";
                text += &output::render(&zones, &Format::Table { fields: vec![] })?;
            }
            emit(out, &text)
        }
        Command::Pool(PoolCommand::Reserve { pool }) => {
            let (session, _) = open_core(false, &mut |_| pools::needs(&pool))?;
            let ip = zmgr_core::ops::pools::reserve_next(&session, &pool)?;
            emit(out, &format!("{ip}\n"))
        }
        Command::Pool(PoolCommand::Publish { name, json }) => {
            let (session, registry) = open_core(false, &mut |_| Needs {
                config: true,
                pools: Want::one(&name),
                ..Needs::nothing()
            })?;
            let published = zmgr_core::ops::shared_pools::publish(&session, &registry, &name)?;
            let text = if json {
                output::json_object(&published)
            } else if !published.changed {
                format!("pool {name}: etcd has this definition already\n")
            } else if published.replaced {
                format!("pool {name}: published, replacing the definition etcd had\n")
            } else {
                format!("pool {name}: published\n")
            };
            emit(out, &text)
        }
        Command::Pool(PoolCommand::Release { pool, address }) => {
            let (session, _) = open_core(false, &mut |_| pools::needs(&pool))?;
            zmgr_core::ops::pools::release(&session, &pool, address)?;
            emit(out, &format!("released {address} in pool {pool}\n"))
        }
        Command::Host(HostCommand::Check { pool, json }) => {
            let (session, registry) = open_core(false, &mut host::needs(pool.as_deref()))?;
            let report = zmgr_core::ops::host::check(&session, &registry, pool.as_deref())?;
            let text = if json {
                output::json_object(&report)
            } else {
                render::host_report(&report)
            };
            emit(out, &text)?;
            report.problem().map_or(Ok(()), Err)
        }
        Command::Host(HostCommand::Setup {
            pool,
            dry_run,
            json,
            ..
        }) => {
            let (mut session, registry) = open_core(false, &mut host::needs(pool.as_deref()))?;
            let report =
                zmgr_core::ops::host::setup(&mut session, &registry, pool.as_deref(), dry_run)?;
            let text = if json {
                output::json_object(&report)
            } else {
                render::host_setup(&report)
            };
            emit(out, &text)?;
            match report.wrong.len() {
                0 => Ok(()),
                n => Err(Error::failed(format!(
                    "{n} prerequisite{} need{} a person",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" }
                ))),
            }
        }
        Command::Publisher(PublisherCommand::List(o)) => {
            let format = o.format()?;
            let reg = load(&root)?;
            emit(
                out,
                &output::render(&view::publishers(reg.publishers.values()), &format)?,
            )
        }
        Command::Publisher(PublisherCommand::Show { name, output: o }) => {
            let format = o.format()?;
            let reg = load_for(&root, |_| Needs {
                publishers: Want::one(&name),
                ..Needs::nothing()
            })?;
            let p = reg.publisher(&name)?;
            emit(
                out,
                &output::render_one(&view::publishers([p]), &format, &[])?,
            )
        }
        Command::Publisher(PublisherCommand::Add { name, uris }) => {
            let reg = load_for(&root, publishers::needs(&name))?;
            let msg = match zmgr_core::ops::publishers::add(&reg, None, &name, &uris)? {
                AddOutcome::Created => format!("added publisher {name}\n"),
                AddOutcome::Extended(new) => new
                    .iter()
                    .map(|u| format!("added origin {u} to publisher {name}\n"))
                    .collect(),
                AddOutcome::Unchanged => {
                    format!("publisher {name} already has every given origin; nothing changed\n")
                }
            };
            emit(out, &msg)
        }
        Command::Publisher(PublisherCommand::Remove { name, uris }) => {
            let reg = load_for(&root, publishers::needs(&name))?;
            zmgr_core::ops::publishers::remove(&reg, None, &name, &uris)?;
            let msg = if uris.is_empty() {
                format!("removed publisher {name}\n")
            } else {
                uris.iter()
                    .map(|u| format!("removed origin {u} from publisher {name}\n"))
                    .collect()
            };
            emit(out, &msg)
        }
    }
}

/// What opens a session for a verb: whether it reads the zone entries, and the files it needs.
type OpenCore<'a> =
    dyn Fn(bool, &mut dyn FnMut(&Registry) -> Needs) -> Result<(Session, Registry)> + 'a;

/// `boot`, `halt`, `shutdown` and `reboot` over the zones the arguments select.
fn zones_verb(
    open_core: &OpenCore<'_>,
    a: &crate::args::LifecycleArgs,
    verb: crate::zones::Verb,
    out: &mut dyn Write,
) -> Result<()> {
    let sel = a.zones.selection();
    let opened = open_core(true, &mut |_| sel.needs())?;
    crate::zones::lifecycle(
        opened,
        &sel,
        a.zones.jobs,
        verb,
        a.dry_run,
        a.json,
        out,
        &print_error,
    )
}

/// Loads the registry for a verb that shows it, printing its warnings (a broken file is
/// one, and is left out).
fn load(root: &std::path::Path) -> Result<Registry> {
    let (reg, warnings) = Registry::load_to_show(root)?;
    print_problems(&warnings);
    Ok(reg)
}

/// Loads the registry for a verb that depends on the files `needs` names, printing the
/// warnings about the others.
fn load_for(root: &std::path::Path, needs: impl FnMut(&Registry) -> Needs) -> Result<Registry> {
    let (reg, warnings) = Registry::load_for(root, true, needs)?;
    print_problems(&warnings);
    Ok(reg)
}

fn check(root: &std::path::Path, json: bool, out: &mut dyn Write) -> Result<()> {
    let (reg, problems) = zmgr_script::check(root)?;
    if json {
        emit(
            out,
            &output::json_object(&view::check_report(&reg, &problems)),
        )?;
        return if problems.has_errors() {
            Err(Error::Registry {
                root: root.to_path_buf(),
                problems,
            })
        } else {
            Ok(())
        };
    }
    if problems.has_errors() {
        return Err(Error::Registry {
            root: root.to_path_buf(),
            problems,
        });
    }
    print_problems(&problems);
    let warn = if problems.0.is_empty() {
        String::new()
    } else {
        format!(" ({})", problems.summary())
    };
    emit(
        out,
        &format!(
            "{} is valid{warn}: {}, {}, {}, {}\n",
            root.display(),
            render::count(reg.templates.len(), "template"),
            render::count(reg.pools.len(), "pool"),
            render::count(reg.zones.len(), "zone"),
            render::count(reg.publishers.len(), "publisher"),
        ),
    )
}

fn handler() -> GraphicalReportHandler {
    let tty = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if tty {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let width = if tty {
        terminal_width().unwrap_or(100)
    } else {
        100
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
}

fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS").ok()?.parse().ok()
}

/// Renders one diagnostic as text.
pub fn render_diagnostic(d: &dyn Diagnostic) -> String {
    render_as(d, d.severity())
}

/// miette puts a bare "Error:" line before each related diagnostic (the other file of a
/// duplicate address); each is shown right after as a report of its own, marked `☞` as a
/// pointer to the other place.
fn render_as(d: &dyn Diagnostic, severity: Option<miette::Severity>) -> String {
    let mut s = String::new();
    if handler()
        .render_report(&mut s, &Alone(d, severity))
        .is_err()
    {
        s = format!("{d}\n");
    }
    for related in d.related().into_iter().flatten() {
        s += &render_as(related, Some(miette::Severity::Advice));
    }
    s
}

/// A diagnostic without its related ones, with the severity it is shown with.
struct Alone<'a>(&'a dyn Diagnostic, Option<miette::Severity>);

impl std::fmt::Debug for Alone<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0, f)
    }
}

impl std::fmt::Display for Alone<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.0, f)
    }
}

impl std::error::Error for Alone<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Diagnostic for Alone<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.1
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.help()
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.url()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.0.diagnostic_source()
    }
}

fn print_problems(problems: &Problems) {
    let mut err = std::io::stderr().lock();
    for p in problems.iter() {
        let _ = write!(err, "{}", render_diagnostic(p));
    }
}

fn print_error(e: &Error) {
    let mut err = std::io::stderr().lock();
    match e {
        Error::Registry { problems, .. } => {
            for p in problems.iter() {
                let _ = write!(err, "{}", render_diagnostic(p));
            }
            let _ = writeln!(err, "zmgr: {e}");
        }
        // A problem that points into a file (a script, the template line behind a value a
        // tool refused): show it with its source.
        Error::Script(p) | Error::Refused { problem: p, .. } => {
            let _ = write!(err, "{}", render_diagnostic(&**p));
        }
        // A hook's failure, or a template value zonecfg refused, is shown once, with its
        // source, under a short headline that keeps what create undid.
        Error::Create { zone, cause, .. }
            if matches!(&**cause, Error::Script(_) | Error::Refused { .. }) =>
        {
            let (what, p) = match &**cause {
                Error::Script(p) => ("a hook failed", p),
                Error::Refused { problem, .. } => ("zonecfg refused its configuration", problem),
                _ => unreachable!("matched above"),
            };
            let headline = Headline {
                message: format!("could not create zone `{zone}`: {what} (below)"),
                inner: e,
            };
            let _ = write!(err, "{}", render_diagnostic(&headline));
            let _ = write!(err, "{}", render_diagnostic(&**p));
        }
        _ => {
            let _ = write!(err, "{}", render_diagnostic(e));
        }
    }
}

/// An error shown under another message, with its help.
struct Headline<'a> {
    message: String,
    inner: &'a Error,
}

impl std::fmt::Display for Headline<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Debug for Headline<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Headline<'_> {}

impl Diagnostic for Headline<'_> {
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.help()
    }
}
