//! Benchmark: `zmgr create --clone gold` against `zmgr create` (an install), in the
//! simulator at zero delay: the processes each spawns and zmgr's own time (the create's
//! wall time minus the time inside the commands it ran, which `ZMGR_TRACE=1` prints). The
//! simulator's install takes no time, so this compares what zmgr does around the two, not
//! the minutes a real IPS install takes against the seconds of a ZFS clone.
//!
//! Run with `cargo bench --bench clone`. Medians of several creates.

mod common;

use common::{median, ms, traced, zmgr};

const CREATES: usize = 7;

fn main() {
    let dir = std::env::temp_dir().join(format!("zmgr-bench-clone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    zmgr(&dir, &["create", "gold", "--no-boot"], false);
    println!(
        "{:<10} {:>10} {:>12} {:>12} {:>10}",
        "create", "wall", "in tools", "zmgr itself", "processes"
    );
    for (label, extra) in [("install", &[][..]), ("clone", &["--clone", "gold"][..])] {
        let (mut totals, mut tools, mut own) = (Vec::new(), Vec::new(), Vec::new());
        let mut processes = 0;
        for i in 0..CREATES {
            let name = format!("{label}{i}");
            let mut args = vec!["create", name.as_str()];
            args.extend_from_slice(extra);
            let (total, stderr) = zmgr(&dir, &args, true);
            let (in_tools, n) = traced(&stderr);
            totals.push(total);
            tools.push(in_tools);
            own.push(total.saturating_sub(in_tools));
            // zmgr itself, plus each command it ran.
            processes = n + 1;
            zmgr(&dir, &["destroy", &name], false);
        }
        println!(
            "{label:<10} {:>8.1}ms {:>10.1}ms {:>10.1}ms {:>10}",
            ms(median(totals)),
            ms(median(tools)),
            ms(median(own)),
            processes
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
