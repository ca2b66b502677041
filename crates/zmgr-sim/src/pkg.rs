//! `pkg -R ROOT …`: the IPS image of a zone, enough to install packages
//! and manage publishers. ROOT is a zone's `<zonepath>/root` (or zonepath).

use crate::ctx::{Ctx, Exit};
use crate::state::{Publisher, ZoneState};

type Flow<T = ()> = Result<T, Exit>;

const USAGE: &str = concat!(
    "Usage:\n",
    "        pkg [options] command [cmd_options] [operands]\n",
    "\n",
    "Commands simulated:\n",
    "        pkg install [-nv] [--accept] [--no-index] [--no-refresh] package ...\n",
    "        pkg uninstall package ...\n",
    "        pkg list [-H] [package ...]\n",
    "        pkg publisher [-H] [-F tsv] [publisher ...]\n",
    "        pkg set-publisher [-g origin] [-G origin] [-m mirror] [-M mirror] [-O origin] publisher\n",
    "        pkg unset-publisher publisher ...\n",
    "\n",
    "Options:\n",
    "        -R dir\n",
);

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    match main(ctx, args) {
        Ok(()) => 0,
        Err(Exit(c)) => c,
    }
}

fn die(ctx: &Ctx, msg: &str) -> Exit {
    ctx.err(&format!("pkg: {msg}\n"));
    Exit(1)
}

fn usage(ctx: &Ctx, msg: &str) -> Exit {
    ctx.err(&format!("pkg: {msg}\n{USAGE}"));
    Exit(2)
}

fn main(ctx: &mut Ctx, args: &[String]) -> Flow {
    let mut root: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-R" => {
                i += 1;
                root = Some(
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| usage(ctx, "option -R requires an argument"))?,
                );
            }
            a if a.starts_with("-R") => root = Some(a[2..].to_string()),
            a if a.starts_with('-') => {
                return Err(usage(ctx, &format!("illegal global option -- {a}")));
            }
            _ => break,
        }
        i += 1;
    }
    let Some(sub) = args.get(i).cloned() else {
        return Err(usage(ctx, "no subcommand specified"));
    };
    let rest: Vec<String> = args[i + 1..].to_vec();
    let known = [
        "install",
        "uninstall",
        "list",
        "publisher",
        "set-publisher",
        "unset-publisher",
    ];
    if !known.contains(&sub.as_str()) {
        return Err(usage(ctx, &format!("unknown subcommand '{sub}'")));
    }
    let Some(root) = root else {
        return Err(die(
            ctx,
            "only zone images are simulated; use -R <zonepath>/root",
        ));
    };
    let st = ctx
        .store
        .read()
        .map_err(|e| die(ctx, &format!("cannot read state: {e}")))?;
    let zone = match st.zone_by_root(&root) {
        Some(z) if z.state != ZoneState::Configured => z.name.clone(),
        _ => return Err(die(ctx, &format!("No image rooted at '{root}'"))),
    };
    if let Some(f) = ctx.fault("pkg", &sub, Some(&zone)).failure {
        return Err({
            ctx.err(&format!(
                "pkg: {}\n",
                f.message.as_deref().unwrap_or("transport error")
            ));
            Exit(f.exit)
        });
    }
    match sub.as_str() {
        "install" => install(ctx, &zone, &rest),
        "uninstall" => uninstall(ctx, &zone, &rest),
        "list" => list(ctx, &zone, &rest),
        "publisher" => publisher(ctx, &zone, &rest),
        "set-publisher" => set_publisher(ctx, &zone, &rest),
        _ => unset_publisher(ctx, &zone, &rest),
    }
}

/// A package FMRI's stem: `pkg:/editor/vim@9.0`, `pkg://pub/editor/vim` and
/// `editor/vim` are all `editor/vim`.
pub fn stem(fmri: &str) -> String {
    let s = fmri
        .strip_prefix("pkg://")
        .map(|r| r.split_once('/').map(|(_, p)| p).unwrap_or(r))
        .or_else(|| fmri.strip_prefix("pkg:/"))
        .unwrap_or(fmri);
    let s = s.split('@').next().unwrap_or(s);
    s.trim_start_matches('/').to_string()
}

fn operands(
    ctx: &Ctx,
    args: &[String],
    flags: &[&str],
    sub: &str,
) -> Flow<(Vec<String>, Vec<String>)> {
    let mut opts = Vec::new();
    let mut ops = Vec::new();
    for a in args {
        if a.starts_with('-') && ops.is_empty() {
            if !flags.contains(&a.as_str()) {
                return Err(usage(ctx, &format!("{sub}: illegal option -- {a}")));
            }
            opts.push(a.clone());
        } else {
            ops.push(a.clone());
        }
    }
    Ok((opts, ops))
}

fn install(ctx: &Ctx, zone: &str, args: &[String]) -> Flow {
    let flags = [
        "-n",
        "-v",
        "-q",
        "--accept",
        "--no-index",
        "--no-refresh",
        "--no-backup-be",
    ];
    let (opts, pkgs) = operands(ctx, args, &flags, "install")?;
    if pkgs.is_empty() {
        return Err(usage(ctx, "install: at least one package name required"));
    }
    let mut pkgs: Vec<String> = pkgs.iter().map(|p| stem(p)).collect();
    pkgs.dedup();
    let dry = opts.iter().any(|o| o == "-n");
    let added = ctx
        .store
        .update(|st| {
            let z = st.zone_mut(zone).expect("resolved");
            let new: Vec<String> = pkgs
                .iter()
                .filter(|p| !z.image.packages.contains(p))
                .cloned()
                .collect();
            if !dry {
                z.image.packages.extend(new.iter().cloned());
            }
            new
        })
        .map_err(|e| die(ctx, &e.to_string()))?;
    if added.is_empty() {
        ctx.out("No updates necessary for this image.\n");
        return Err(Exit(4));
    }
    if !opts.iter().any(|o| o == "-q") {
        ctx.out(&format!(
            "           Packages to install: {:>5}\n",
            added.len()
        ));
    }
    Ok(())
}

fn uninstall(ctx: &Ctx, zone: &str, args: &[String]) -> Flow {
    let (_, pkgs) = operands(ctx, args, &["-n", "-v", "-q"], "uninstall")?;
    if pkgs.is_empty() {
        return Err(usage(ctx, "uninstall: at least one package name required"));
    }
    let missing = ctx
        .store
        .update(|st| {
            let z = st.zone_mut(zone).expect("resolved");
            let missing: Vec<String> = pkgs
                .iter()
                .filter(|p| !z.image.packages.contains(p))
                .cloned()
                .collect();
            if missing.is_empty() {
                z.image.packages.retain(|p| !pkgs.contains(p));
            }
            missing
        })
        .map_err(|e| die(ctx, &e.to_string()))?;
    if !missing.is_empty() {
        ctx.err(&format!(
            "\npkg uninstall: The following pattern(s) did not match any allowable packages.  Try\nusing a different matching pattern, or refreshing publisher information:\n\n        {}\n",
            missing.join("\n        ")
        ));
        return Err(Exit(1));
    }
    Ok(())
}

fn list(ctx: &Ctx, zone: &str, args: &[String]) -> Flow {
    let (opts, pkgs) = operands(ctx, args, &["-H"], "list")?;
    let st = ctx.store.read().map_err(|e| die(ctx, &e.to_string()))?;
    let z = st.zone(zone).expect("resolved");
    let publisher = z
        .image
        .publishers
        .first()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let shown: Vec<&String> = z
        .image
        .packages
        .iter()
        .filter(|p| pkgs.is_empty() || pkgs.contains(p))
        .collect();
    if let Some(p) = pkgs.iter().find(|p| !z.image.packages.contains(p)) {
        ctx.err(&format!("pkg list: No packages matching '{p}' installed\n"));
        return Err(Exit(1));
    }
    let mut out = String::new();
    if !opts.iter().any(|o| o == "-H") {
        out.push_str(&format!(
            "{:<53} {:<26} {}\n",
            "NAME (PUBLISHER)", "VERSION", "IFO"
        ));
    }
    for p in shown {
        let name = if publisher.is_empty() {
            p.clone()
        } else {
            format!("{p} ({publisher})")
        };
        out.push_str(&format!("{name:<53} {:<26} i--\n", "0.5.11"));
    }
    ctx.out(&out);
    Ok(())
}

fn publisher(ctx: &Ctx, zone: &str, args: &[String]) -> Flow {
    let mut header = true;
    let mut tsv = false;
    let mut names = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-H" => header = false,
            "-F" => {
                i += 1;
                match args.get(i).map(String::as_str) {
                    Some("tsv") => tsv = true,
                    Some("default") => {}
                    other => {
                        return Err(usage(
                            ctx,
                            &format!("publisher: invalid format '{}'", other.unwrap_or("")),
                        ));
                    }
                }
            }
            "-Ftsv" => tsv = true,
            a if a.starts_with('-') => {
                return Err(usage(ctx, &format!("publisher: illegal option -- {a}")));
            }
            n => names.push(n.to_string()),
        }
        i += 1;
    }
    let st = ctx.store.read().map_err(|e| die(ctx, &e.to_string()))?;
    let z = st.zone(zone).expect("resolved");
    if let Some(n) = names
        .iter()
        .find(|n| !z.image.publishers.iter().any(|p| &p.name == *n))
    {
        return Err(die(ctx, &format!("Unknown publisher '{n}'.")));
    }
    let mut out = String::new();
    if header {
        if tsv {
            out.push_str("PUBLISHER\tSTICKY\tSYSPUB\tENABLED\tTYPE\tSTATUS\tURI\tPROXY\n");
        } else {
            out.push_str(&format!(
                "{:<27} {:<8} {:<6} {} {}\n",
                "PUBLISHER", "TYPE", "STATUS", "P", "LOCATION"
            ));
        }
    }
    for p in &z.image.publishers {
        if !names.is_empty() && !names.contains(&p.name) {
            continue;
        }
        for o in &p.origins {
            if tsv {
                out.push_str(&format!(
                    "{}\ttrue\tfalse\ttrue\torigin\tonline\t{o}\t-\n",
                    p.name
                ));
            } else {
                out.push_str(&format!(
                    "{:<27} {:<8} {:<6} F {o}\n",
                    p.name, "origin", "online"
                ));
            }
        }
    }
    ctx.out(&out);
    Ok(())
}

fn set_publisher(ctx: &Ctx, zone: &str, args: &[String]) -> Flow {
    let mut add = Vec::new();
    let mut remove = Vec::new();
    let mut add_mirror = Vec::new();
    let mut remove_mirror = Vec::new();
    let mut replace: Option<String> = None;
    let mut name = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let take = |i: &mut usize| -> Flow<String> {
            *i += 1;
            args.get(*i).cloned().ok_or_else(|| {
                usage(
                    ctx,
                    &format!("set-publisher: option {a} requires an argument"),
                )
            })
        };
        match a {
            "-g" | "--add-origin" => add.push(take(&mut i)?),
            "-m" | "--add-mirror" => add_mirror.push(take(&mut i)?),
            "-M" | "--remove-mirror" => remove_mirror.push(take(&mut i)?),
            "-G" | "--remove-origin" => remove.push(take(&mut i)?),
            "-O" | "--origin-uri" => replace = Some(take(&mut i)?),
            "-P" | "--search-first" | "--enable" | "--non-sticky" | "--sticky" => {}
            x if x.starts_with('-') => {
                return Err(usage(ctx, &format!("set-publisher: illegal option -- {x}")));
            }
            n => {
                if name.is_some() {
                    return Err(usage(
                        ctx,
                        "set-publisher: only one publisher name may be given",
                    ));
                }
                name = Some(n.to_string());
            }
        }
        i += 1;
    }
    let Some(name) = name else {
        return Err(usage(ctx, "set-publisher: publisher name required"));
    };
    let res = ctx
        .store
        .update(|st| {
            let z = st.zone_mut(zone).expect("resolved");
            let idx = match z.image.publishers.iter().position(|p| p.name == name) {
                Some(i) => i,
                None => {
                    if add.is_empty() && replace.is_none() && add_mirror.is_empty() {
                        return Err(format!("Unknown publisher '{name}'."));
                    }
                    z.image.publishers.push(Publisher {
                        name: name.clone(),
                        origins: Vec::new(),
                        mirrors: Vec::new(),
                    });
                    z.image.publishers.len() - 1
                }
            };
            let p = &mut z.image.publishers[idx];
            if let Some(o) = &replace {
                p.origins = vec![o.clone()];
            }
            for o in &remove {
                if !p.origins.contains(o) {
                    return Err(format!(
                        "Origin '{o}' does not exist for publisher '{name}'."
                    ));
                }
                p.origins.retain(|x| x != o);
            }
            for m in &remove_mirror {
                if !p.mirrors.contains(m) {
                    return Err(format!(
                        "Mirror '{m}' does not exist for publisher '{name}'."
                    ));
                }
                p.mirrors.retain(|x| x != m);
            }
            for m in &add_mirror {
                if !p.mirrors.contains(m) {
                    p.mirrors.push(m.clone());
                }
            }
            for o in &add {
                if !p.origins.contains(o) {
                    p.origins.push(o.clone());
                }
            }
            Ok(())
        })
        .map_err(|e| die(ctx, &e.to_string()))?;
    res.map_err(|m| die(ctx, &m))
}

fn unset_publisher(ctx: &Ctx, zone: &str, args: &[String]) -> Flow {
    if args.is_empty() {
        return Err(usage(
            ctx,
            "unset-publisher: at least one publisher must be specified",
        ));
    }
    let res = ctx
        .store
        .update(|st| {
            let z = st.zone_mut(zone).expect("resolved");
            if let Some(n) = args
                .iter()
                .find(|n| !z.image.publishers.iter().any(|p| &p.name == *n))
            {
                return Err(format!("Unknown publisher '{n}'."));
            }
            z.image.publishers.retain(|p| !args.contains(&p.name));
            Ok(())
        })
        .map_err(|e| die(ctx, &e.to_string()))?;
    res.map_err(|m| die(ctx, &m))
}
