//! Text for people: what the verbs print when they do not print JSON or tables.

use zmgr_core::ops::session::Session;

use crate::output;

/// What `create` prints when it is done: `created zone web01: 192.0.2.10/24 on web01_0,
/// running`, one `ADDRESS on LINK` per interface.
pub fn created(c: &zmgr_core::ops::create::Created) -> String {
    let nets: Vec<String> = c
        .nets
        .iter()
        .map(|n| format!("{} on {}", n.address, n.link))
        .collect();
    let nets = if nets.is_empty() {
        "no network".to_string()
    } else {
        nets.join(", ")
    };
    format!("created zone {}: {nets}, {}\n", c.zone, c.state)
}

pub fn dry_run_text(core: &Session, dry: &zmgr_core::ops::create::DryRun) -> String {
    let plan = &dry.plan;
    let mut pairs: Vec<(&str, String)> = vec![
        ("zone", plan.zone.clone()),
        (
            "template",
            format!("{} (brand {})", plan.template, plan.brand),
        ),
    ];
    let exclusive = plan.ip_type == zmgr_core::model::template::IpType::Exclusive;
    let link = |n: &zmgr_core::ops::create::PlanNet| {
        if exclusive {
            format!("{} over {}", n.link, n.over)
        } else {
            format!("{} (shared IP)", n.link)
        }
    };
    match plan.nets.as_slice() {
        [] => pairs.push(("network", "none".into())),
        [n] => {
            pairs.push(("pool", n.pool.clone()));
            pairs.push(("address", format!("{}/{}", n.address, n.prefix)));
            pairs.push((
                "gateway",
                n.gateway.map(|g| g.to_string()).unwrap_or_default(),
            ));
            pairs.push((if exclusive { "vnic" } else { "link" }, link(n)));
        }
        nets => {
            for n in nets {
                let router = n
                    .gateway
                    .map(|g| format!(", default router {g}"))
                    .unwrap_or_default();
                pairs.push((
                    "net",
                    format!(
                        "{}/{} from pool {} on {}{router}",
                        n.address,
                        n.prefix,
                        n.pool,
                        link(n)
                    ),
                ));
            }
        }
    }
    pairs.push(("zonepath", plan.zonepath.display().to_string()));
    pairs.push(("boot", if plan.boot { "yes".into() } else { "no".into() }));
    let mut t = output::key_values(&pairs);
    t += "\nzonecfg command file (given on standard input):\n";
    for line in plan.zonecfg.lines() {
        t += &format!("    {line}\n");
    }
    t += "\ncommands:\n";
    for c in &dry.commands {
        t += &format!("    {c}\n");
    }
    t += &format!(
        "\nregistry: {} (state creating, then {})\n",
        zmgr_core::store::entries::entry_path(core.root(), &plan.zone).display(),
        if plan.boot { "running" } else { "installed" }
    );
    for p in &dry.problems {
        t += &format!("would fail: {p}\n");
    }
    t += "nothing was changed (--dry-run)\n";
    t
}

pub fn import_report(
    results: &[zmgr_core::ops::import::ZoneImport],
    dry_run: bool,
    json: bool,
) -> String {
    use zmgr_core::ops::import::ZoneImport;
    if json {
        return output::json_list_of("results", results);
    }
    let mut t = String::new();
    for r in results {
        match r {
            ZoneImport::Imported {
                zone,
                template,
                entry,
                notes,
            } => {
                let how = match template {
                    Some(tpl) => format!("template {tpl}"),
                    None => "no template".into(),
                };
                if dry_run {
                    t += &format!("would import {zone} ({how}):\n");
                    for line in entry.lines() {
                        t += &format!("    {line}\n");
                    }
                } else {
                    t += &format!("imported {zone} ({how})\n");
                }
                for n in notes {
                    t += &format!("    note: {n}\n");
                }
            }
            ZoneImport::Skipped { zone, reason } => t += &format!("skipped {zone}: {reason}\n"),
            ZoneImport::Conflict {
                zone,
                address,
                holder,
            } => {
                t += &format!(
                    "conflict: zone {zone} uses {address}, which the registry gives to zone {holder}; {zone} not imported\n"
                )
            }
            ZoneImport::LinkConflict { zone, link, holder } => {
                t += &format!(
                    "conflict: zone {zone} uses link {link}, which the registry gives to zone {holder}; {zone} not imported\n"
                )
            }
            ZoneImport::Failed { zone, error } => {
                t += &format!("failed: {zone} not imported: {error}\n")
            }
        }
    }
    if results.is_empty() {
        t += "no zones to import\n";
    }
    if dry_run {
        t += "nothing was changed (--dry-run)\n";
    }
    t
}

pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// `host check`: one line a prerequisite, its status first, and the fix under what is not ok.
pub fn host_report(report: &zmgr_core::ops::host::HostReport) -> String {
    use zmgr_core::ops::host::Status;
    let mut t = String::new();
    for p in &report.prerequisites {
        let status = match p.status {
            Status::Ok => "ok",
            Status::Missing => "missing",
            Status::Wrong => "wrong",
        };
        t += &format!("{status:<8} {}: {}\n", p.subject, p.detail);
        for f in &p.fix {
            t += &format!("         fix: {f}\n");
        }
    }
    if report.is_ready() {
        t += "the host is ready\n";
    } else if report
        .prerequisites
        .iter()
        .any(|p| p.status == Status::Missing)
    {
        t += "`zmgr host setup` makes what is missing\n";
    }
    t
}

/// `host setup`: each change made (or, in a dry run, to be made), then what needs a person.
pub fn host_setup(report: &zmgr_core::ops::host::SetupReport) -> String {
    let mut t = String::new();
    let verb = if report.dry_run { "would run" } else { "ran" };
    for c in &report.changes {
        t += &format!("{verb}: {c}\n");
    }
    if report.changes.is_empty() {
        t += "nothing to do: every prerequisite zmgr can make is there\n";
    }
    for p in &report.wrong {
        t += &format!("needs a person: {}: {}\n", p.subject, p.detail);
        for f in &p.fix {
            t += &format!("    fix: {f}\n");
        }
    }
    if report.dry_run {
        t += "nothing was changed (--dry-run)\n";
    }
    t
}

/// What `set`, `add` and `remove` print: `what` was done and when it takes effect (with
/// `--dry-run`, the zonecfg commands and every command instead), or the JSON. An interface
/// is named with its address and pool after `what`'s first word.
pub fn modified(m: &zmgr_core::ops::modify::Modified, what: &str, json: bool) -> String {
    if json {
        return output::json_object(m);
    }
    let mut t = String::new();
    if m.dry_run {
        t += "zonecfg command file (given on standard input):\n";
        for l in &m.zonecfg {
            t += &format!("    {l}\n");
        }
        t += "commands:\n";
        for c in &m.commands {
            t += &format!("    {c}\n");
        }
        t += "nothing was changed (--dry-run)\n";
        return t;
    }
    let what = match &m.net {
        Some(n) => what.replacen(
            "net",
            &format!("interface {} ({} from pool {})", n.link, n.address, n.pool),
            1,
        ),
        None => what.to_string(),
    };
    t += &format!("{what}: {}\n", m.effect);
    t
}
