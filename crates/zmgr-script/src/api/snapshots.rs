//! The snapshot verbs' twins: `zmgr::snapshot`, `snapshots`, `rollback` and
//! `snapshot_delete`, over `zmgr_core::ops::snapshots` as the verbs are.

use std::rc::Rc;

use rhai::{Array, Dynamic, Map, Module, NativeCallContext};

use super::{Host, Rr, at, bool_option, core_error, json_dynamic, reg};
use zmgr_core::error::Error;
use zmgr_core::ops::snapshots;

/// Registers the functions in the `zmgr` module.
pub(super) fn register(m: &mut Module, host: &Rc<Host>) {
    let h = host.clone();
    reg(
        m,
        "snapshot",
        &["name: &str", "Map"],
        "Takes a snapshot of a halted zone named after the UTC time, as `zmgr snapshot NAME --json`; returns `zone`, `snapshot`, `dataset`, `commands`.",
        move |ctx: NativeCallContext, name: &str| -> Rr<Dynamic> { at(&ctx, take(&h, name, None)) },
    );
    let h = host.clone();
    reg(
        m,
        "snapshot",
        &["name: &str", "snap: &str", "Map"],
        "Takes the snapshot `snap` (zmgr-SNAP in ZFS) of a halted zone, as `zmgr snapshot NAME SNAP --json`.",
        move |ctx: NativeCallContext, name: &str, snap: &str| -> Rr<Dynamic> {
            at(&ctx, take(&h, name, Some(snap)))
        },
    );
    let h = host.clone();
    reg(
        m,
        "snapshots",
        &["name: &str", "Array"],
        "The snapshots zmgr made of a zone, oldest first, as `zmgr snapshots NAME --json`: each with `name`, `created` and `zfs_snapshot` (`DATASET@zmgr-NAME`).",
        move |ctx: NativeCallContext, name: &str| -> Rr<Array> {
            at(
                &ctx,
                (|| -> Rr<Array> {
                    let reg = h.registry_for(true, snapshots::needs(name))?;
                    let core = h.core.borrow();
                    let list = h
                        .budget
                        .outside(|| snapshots::list(&core, &reg, name))
                        .map_err(core_error)?;
                    Ok(json_dynamic(&list).into_array().unwrap_or_default())
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        m,
        "snapshot_delete",
        &["name: &str", "snap: &str", "Map"],
        "Deletes a zmgr snapshot of a zone, as `zmgr snapshot --delete NAME SNAP --json`.",
        move |ctx: NativeCallContext, name: &str, snap: &str| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    h.writable()?;
                    let reg = h.registry_for(true, snapshots::needs(name))?;
                    let mut core = h.core.borrow_mut();
                    let r = h
                        .budget
                        .outside(|| snapshots::delete(&mut core, &reg, name, snap, false))
                        .map_err(core_error)?;
                    Ok(json_dynamic(&r))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        m,
        "rollback",
        &["name: &str", "snap: &str", "Map"],
        "Rolls a halted zone back to its latest zmgr snapshot `snap`, as `zmgr rollback NAME SNAP --json`.",
        move |ctx: NativeCallContext, name: &str, snap: &str| -> Rr<Dynamic> {
            at(&ctx, roll(&h, name, snap, Map::new()))
        },
    );
    let h = host.clone();
    reg(
        m,
        "rollback",
        &["name: &str", "snap: &str", "options: Map", "Map"],
        "Rolls a halted zone back to a zmgr snapshot; options: force (bool: destroy the later zmgr snapshots), dry_run (bool).",
        move |ctx: NativeCallContext, name: &str, snap: &str, options: Map| -> Rr<Dynamic> {
            at(&ctx, roll(&h, name, snap, options))
        },
    );
}

fn take(h: &Host, name: &str, snap: Option<&str>) -> Rr<Dynamic> {
    h.writable()?;
    let reg = h.registry_for(true, snapshots::needs(name))?;
    let mut core = h.core.borrow_mut();
    let r = h
        .budget
        .outside(|| snapshots::snapshot(&mut core, &reg, name, snap, false))
        .map_err(core_error)?;
    Ok(json_dynamic(&r))
}

fn roll(h: &Host, name: &str, snap: &str, options: Map) -> Rr<Dynamic> {
    let flag = |k: &str| bool_option(&options, k);
    if let Some(k) = options
        .keys()
        .find(|k| !["force", "dry_run"].contains(&k.as_str()))
    {
        return Err(core_error(Error::usage(format!(
            "unknown rollback option `{k}`; options are force, dry_run"
        ))));
    }
    let (force, dry_run) = (flag("force")?, flag("dry_run")?);
    if !dry_run {
        h.writable()?;
    }
    let reg = h.registry_for(true, snapshots::needs(name))?;
    let mut core = h.core.borrow_mut();
    let r = h
        .budget
        .outside(|| snapshots::rollback(&mut core, &reg, name, snap, force, dry_run))
        .map_err(core_error)?;
    Ok(json_dynamic(&r))
}
