//! The text and JSON of `zmgr snapshot`, `snapshots` and `rollback`.

use zmgr_core::ops::snapshots::{Report, ZoneSnapshot};

use crate::output;

/// What a snapshot verb did (`verb`: "took", "deleted", "rolled back to"), or with
/// `--dry-run` the commands it would run.
pub fn report(r: &Report, verb: &str, json: bool) -> String {
    if json {
        return output::json_object(r);
    }
    let mut t = String::new();
    if r.dry_run {
        for c in &r.commands {
            t += &format!("would run: {c}\n");
        }
        t += "nothing was changed (--dry-run)\n";
        return t;
    }
    if !r.destroyed.is_empty() {
        t += &format!(
            "destroyed the later snapshots of zone {}: {}\n",
            r.zone,
            r.destroyed.join(", ")
        );
    }
    if !r.left.is_empty() {
        t += &format!(
            "left as they are (made after snapshot {}): {}\n",
            r.snapshot,
            r.left.join(", ")
        );
    }
    match verb {
        "rolled back to" => {
            t += &format!("rolled zone {} back to snapshot {}\n", r.zone, r.snapshot)
        }
        _ => t += &format!("{verb} snapshot {} of zone {}\n", r.snapshot, r.zone),
    }
    t
}

/// `zmgr snapshots NAME`: a table of name and creation time, oldest first.
pub fn listing(zone: &str, list: &[ZoneSnapshot], json: bool) -> String {
    if json {
        return output::json_object(&serde_json::json!({ "zone": zone, "snapshots": list }));
    }
    if list.is_empty() {
        return format!("zone {zone} has no snapshots made by zmgr\n");
    }
    let width = list
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0)
        .max("NAME".len());
    let mut t = format!("{:<width$}  CREATED\n", "NAME");
    for s in list {
        t += &format!("{:<width$}  {}\n", s.name, s.created);
    }
    t
}
