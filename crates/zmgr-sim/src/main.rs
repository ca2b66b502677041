//! zmgr-sim: a simulator of the illumos zone tools (zonecfg, zoneadm,
//! dladm, zlogin, pkg) for development and tests off illumos.
//!
//! `zmgr-sim TOOL ARGS…`, or a link named after the tool. State lives in
//! the directory named by `ZMGR_SIM_STATE`.

mod brand;
mod config;
mod ctx;
mod dladm;
mod export;
mod faults;
mod getopt;
mod grammar;
mod help;
mod info;
mod ipadm;
mod ipnat;
mod lexer;
mod log;
mod names;
mod ofmt;
mod pkg;
mod random;
mod routeadm;
mod settings;
mod sim_admin;
mod state;
mod store;
mod svcadm;
mod svcs;
mod zfs;
mod zlogin;
mod zoneadm;
mod zonecfg;
mod zshell;

use std::path::PathBuf;
use std::process::ExitCode;

use ctx::Ctx;

use sim_admin::LINK_NAMES as TOOLS;

fn usage() -> String {
    format!(
        "usage: zmgr-sim TOOL [ARGS...]\n\tTOOL is one of: {}\n\tor run zmgr-sim through a link named after the tool\n",
        TOOLS.join(", ")
    )
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let invoked = argv
        .first()
        .map(|a| {
            std::path::Path::new(a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let (tool, args): (String, Vec<String>) = if TOOLS.contains(&invoked.as_str()) {
        (invoked, argv[1..].to_vec())
    } else {
        match argv.get(1) {
            Some(t) if TOOLS.contains(&t.as_str()) => (t.clone(), argv[2..].to_vec()),
            Some(t) => {
                eprint!("zmgr-sim: unknown tool '{t}'\n{}", usage());
                return ExitCode::from(2);
            }
            None => {
                eprint!("{}", usage());
                return ExitCode::from(2);
            }
        }
    };
    let Some(dir) = std::env::var_os("ZMGR_SIM_STATE").filter(|d| !d.is_empty()) else {
        eprintln!(
            "{tool}: ZMGR_SIM_STATE is not set; it must name the simulator's state directory"
        );
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let store = match store::Store::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{tool}: cannot use state directory {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    };
    // The global zone's /etc/ipf, which the ipfilter package ships.
    svcadm::make_etc_ipf(&dir);
    let faults = match faults::Faults::load(&dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{tool}: bad fault rule: {e}");
            return ExitCode::from(2);
        }
    };
    let settings = settings::Settings::load(&dir);
    let mut ctx = Ctx {
        store,
        faults,
        settings,
        stdin_read: None,
    };
    let code = match tool.as_str() {
        "zonecfg" => zonecfg::run(&mut ctx, &args),
        "zoneadm" => zoneadm::run(&mut ctx, &args),
        "dladm" => dladm::run(&mut ctx, &args),
        "zlogin" => zlogin::run(&mut ctx, &args),
        "pkg" => pkg::run(&mut ctx, &args),
        "zfs" => zfs::run(&mut ctx, &args),
        "ipadm" => ipadm::run(&mut ctx, &args),
        "routeadm" => routeadm::run(&mut ctx, &args),
        "svcadm" => svcadm::run(&mut ctx, &args),
        "svcs" => svcs::run(&mut ctx, &args),
        "svcprop" => svcs::run_svcprop(&mut ctx, &args),
        "ipnat" => ipnat::run(&mut ctx, &args),
        _ => sim_admin::run(&mut ctx, &args),
    };
    let inv = log::Invocation {
        tool: &tool,
        argv: &args,
        stdin: ctx.stdin_read.as_deref().filter(|s| !s.is_empty()),
        exit: code,
        time: ctx::now(),
    };
    if let Err(e) = log::append(&ctx.store, &inv) {
        eprintln!("{tool}: cannot write the invocation log: {e}");
    }
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
