//! `sim-admin`: simulator-only setup that no real tool offers.

use crate::ctx::Ctx;
use crate::names::valid_link_name;
use crate::settings::{self, SETTINGS_FILE};
use crate::state::Link;
use crate::store::write_atomic;

const USAGE: &str = concat!(
    "usage:\tsim-admin add-phys <link> [<speed-mbps>]\n",
    "\tsim-admin link-tools <dir>\n",
    "\tsim-admin plumb <link>\n",
    "\tsim-admin unplumb <link>\n",
    "\tsim-admin remove-link <link>\n",
    "\tsim-admin set <key> <value>\n",
    "\tsim-admin show-state\n",
    "keys: export-style (quoted|legacy), zonecfg-dialect (omnios|gate),\n",
    "\tpublishers-with-entire (NAME,...), multi-user-delay (SECONDS),\n",
    "\tdladm-vnic-zone (yes|no)\n",
);

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["add-phys", name] => add_phys(ctx, name, "1000"),
        ["add-phys", name, speed] => add_phys(ctx, name, speed),
        ["remove-link", name] => remove_link(ctx, name),
        ["plumb", name] => plumb(ctx, name, true),
        ["unplumb", name] => plumb(ctx, name, false),
        ["link-tools", dir] => link_tools(ctx, dir),
        ["set", key, value] => set(ctx, key, value),
        ["show-state"] => match ctx.store.read() {
            Ok(st) => {
                let text = serde_json::to_string_pretty(&st).unwrap_or_default();
                ctx.out(&format!("{text}\n"));
                0
            }
            Err(e) => {
                ctx.err(&format!("sim-admin: {e}\n"));
                1
            }
        },
        _ => {
            ctx.err(USAGE);
            2
        }
    }
}

fn add_phys(ctx: &mut Ctx, name: &str, speed: &str) -> i32 {
    if !valid_link_name(name) {
        ctx.err(&format!("sim-admin: invalid link name '{name}'\n"));
        return 1;
    }
    let Ok(speed) = speed.parse::<u64>() else {
        ctx.err(&format!("sim-admin: invalid speed '{speed}'\n"));
        return 2;
    };
    match ctx.store.update(|st| {
        if st.link(name).is_some() {
            return false;
        }
        st.links.push(Link::phys(name, speed));
        true
    }) {
        Ok(true) => 0,
        Ok(false) => {
            ctx.err(&format!("sim-admin: link '{name}' already exists\n"));
            1
        }
        Err(e) => {
            ctx.err(&format!("sim-admin: {e}\n"));
            1
        }
    }
}

fn remove_link(ctx: &mut Ctx, name: &str) -> i32 {
    match ctx.store.update(|st| {
        let before = st.links.len();
        st.links.retain(|l| l.name != name);
        before != st.links.len()
    }) {
        Ok(true) => 0,
        Ok(false) => {
            ctx.err(&format!("sim-admin: no link '{name}'\n"));
            1
        }
        Err(e) => {
            ctx.err(&format!("sim-admin: {e}\n"));
            1
        }
    }
}

/// Gives a global-zone link an IP interface (or takes it away), as
/// `ipadm create-if` would: what a shared-IP zone's `physical` needs.
fn plumb(ctx: &mut Ctx, name: &str, on: bool) -> i32 {
    match ctx.store.update(|st| {
        let has = st.ip_interfaces.iter().any(|i| i == name);
        if on && !has {
            st.ip_interfaces.push(name.to_string());
        } else if !on {
            st.ip_interfaces.retain(|i| i != name);
        }
        on != has
    }) {
        Ok(true) => 0,
        Ok(false) => {
            let what = if on { "already has" } else { "has no" };
            ctx.err(&format!("sim-admin: {name} {what} an IP interface\n"));
            1
        }
        Err(e) => {
            ctx.err(&format!("sim-admin: {e}\n"));
            1
        }
    }
}

fn set(ctx: &mut Ctx, key: &str, value: &str) -> i32 {
    if !settings::KEYS.contains(&key) {
        ctx.err(&format!("sim-admin: unknown setting '{key}'\n{USAGE}"));
        return 2;
    }
    if !settings::valid(key, value) {
        ctx.err(&format!("sim-admin: invalid value '{value}' for {key}\n"));
        return 2;
    }
    let store = &ctx.store;
    let path = store.dir().join(SETTINGS_FILE);
    let res = store.locked(|| {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let mut lines: Vec<String> = old
            .lines()
            .filter(|l| l.split_once('=').is_none_or(|(k, _)| k.trim() != key))
            .map(str::to_string)
            .collect();
        lines.push(format!("{key}={value}"));
        write_atomic(&path, (lines.join("\n") + "\n").as_bytes())
    });
    match res {
        Ok(()) => 0,
        Err(e) => {
            ctx.err(&format!("sim-admin: {e}\n"));
            1
        }
    }
}

/// The names a link to zmgr-sim can have to act as that tool.
pub const LINK_NAMES: [&str; 13] = [
    "zonecfg",
    "zoneadm",
    "dladm",
    "zlogin",
    "pkg",
    "zfs",
    "ipadm",
    "routeadm",
    "svcadm",
    "svcs",
    "svcprop",
    "ipnat",
    "sim-admin",
];

/// Makes DIR/zonecfg, DIR/zoneadm… links to this binary, so that a program
/// configured with command paths can run the simulator unchanged.
fn link_tools(ctx: &mut Ctx, dir: &str) -> i32 {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            ctx.err(&format!("sim-admin: cannot find this program: {e}\n"));
            return 1;
        }
    };
    let dir = std::path::Path::new(dir);
    if let Err(e) = std::fs::create_dir_all(dir) {
        ctx.err(&format!("sim-admin: {}: {e}\n", dir.display()));
        return 1;
    }
    for name in LINK_NAMES {
        let link = dir.join(name);
        match std::fs::read_link(&link) {
            Ok(target) if target == exe => continue,
            Ok(_) => {
                if let Err(e) = std::fs::remove_file(&link) {
                    ctx.err(&format!("sim-admin: {}: {e}\n", link.display()));
                    return 1;
                }
            }
            Err(_) if link.exists() => {
                ctx.err(&format!(
                    "sim-admin: {} exists and is not a link\n",
                    link.display()
                ));
                return 1;
            }
            Err(_) => {}
        }
        if let Err(e) = std::os::unix::fs::symlink(&exe, &link) {
            ctx.err(&format!("sim-admin: {}: {e}\n", link.display()));
            return 1;
        }
    }
    0
}
