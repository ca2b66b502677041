//! The zfs tool: list, get, create, destroy, snapshot, clone.

use super::harness::SimEnv;

fn pool_mp(env: &SimEnv) -> String {
    std::fs::canonicalize(&env.dir)
        .unwrap()
        .join("rpool")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn a_fresh_host_has_rpool_and_its_boot_environment() {
    let env = SimEnv::new();
    let mp = pool_mp(&env);
    env.run("zfs", &["list", "-H", "-o", "name,mountpoint"])
        .ok()
        .stdout(&format!(
            "rpool\t{mp}\nrpool/ROOT\tlegacy\nrpool/ROOT/openindiana\t/\n"
        ));
    // Without -H: a header, columns two spaces apart, sizes right-aligned.
    env.run("zfs", &["list", "rpool/ROOT"]).ok().stdout(
        "NAME        USED  AVAIL  REFER  MOUNTPOINT\nrpool/ROOT   19K   100G    19K  legacy\n",
    );
    env.run("zfs", &["list", "-t", "snapshot"])
        .ok()
        .stdout("no datasets available\n");
    env.run("zfs", &["list", "-H", "-t", "snapshot"])
        .ok()
        .stdout("");
    env.run("zfs", &["list", "rpool/nope"])
        .code(1)
        .stderr("cannot open 'rpool/nope': dataset does not exist\n");
    env.run("zfs", &["list", "-t", "volumes"])
        .code(2)
        .stderr_has("invalid type 'volumes'\nusage:\n\tlist [-Hp] [-r|-d max]");
}

#[test]
fn create_mounts_at_the_given_or_inherited_mountpoint() {
    let env = SimEnv::new();
    let zones = env.zones_dir();
    env.run(
        "zfs",
        &[
            "create",
            "-o",
            &format!("mountpoint={zones}"),
            "rpool/zones",
        ],
    )
    .ok()
    .stdout("")
    .stderr("");
    assert!(std::path::Path::new(&zones).is_dir());
    env.run("zfs", &["create", "rpool/zones/a"]).ok();
    assert!(std::path::Path::new(&format!("{zones}/a")).is_dir());
    env.run(
        "zfs",
        &["get", "-H", "-o", "value", "mountpoint", "rpool/zones/a"],
    )
    .ok()
    .stdout(&format!("{zones}/a\n"));
    env.run("zfs", &["get", "mountpoint,mounted", "rpool/zones/a"])
        .ok()
        .stdout(&format!(
            "NAME           PROPERTY    VALUE{pad}  SOURCE\n\
             rpool/zones/a  mountpoint  {zones}/a  inherited from rpool/zones\n\
             rpool/zones/a  mounted     yes{pad2}  -\n",
            pad = " ".repeat(zones.len() + 2 - 5),
            pad2 = " ".repeat(zones.len() + 2 - 3),
        ));
    // -p makes the parents; an existing dataset is then no error.
    env.run("zfs", &["create", "-p", "rpool/zones/b/c/d"]).ok();
    env.run("zfs", &["create", "-p", "rpool/zones/b/c/d"]).ok();
    env.run("zfs", &["list", "-H", "-o", "name", "-r", "rpool/zones/b"])
        .ok()
        .stdout("rpool/zones/b\nrpool/zones/b/c\nrpool/zones/b/c/d\n");
    // A path names the dataset whose file system holds it.
    env.run(
        "zfs",
        &["list", "-H", "-o", "name", &format!("{zones}/b/c")],
    )
    .ok()
    .stdout("rpool/zones/b/c\n");
    env.run("zfs", &["list", "-H", "-o", "name", "/nonexistent/x"])
        .code(1)
        .stderr("/nonexistent/x: No such file or directory\n");
}

#[test]
fn create_errors() {
    let env = SimEnv::new();
    let e = |args: &[&str], msg: &str| {
        let mut a = vec!["create"];
        a.extend_from_slice(args);
        env.run("zfs", &a).code(1).stderr(msg);
    };
    e(
        &["rpool/a/b"],
        "cannot create 'rpool/a/b': parent does not exist\n",
    );
    e(&["tank/a"], "cannot create 'tank/a': no such pool 'tank'\n");
    e(&["rpool"], "cannot create 'rpool': missing dataset name\n");
    e(
        &["rpool/ROOT"],
        "cannot create 'rpool/ROOT': dataset already exists\n",
    );
    e(
        &["-o", "mountpoint=relative", "rpool/x"],
        "cannot create 'rpool/x': 'mountpoint' must be an absolute path, 'none', or 'legacy'\n",
    );
    e(
        &["-o", "bogus=1", "rpool/x"],
        "cannot create 'rpool/x': invalid property 'bogus'\n",
    );
    e(
        &["rpool/a*"],
        "cannot create 'rpool/a*': invalid character '*' in name\n",
    );
    e(
        &["rpool/a@s"],
        "cannot create 'rpool/a@s': snapshot delimiter '@' is not expected here\n",
    );
    env.run("zfs", &["create"]).code(2).stderr_has(
        "missing filesystem argument\nusage:\n\tcreate [-p] [-o property=value] ... <filesystem>\n",
    );
    env.run("zfs", &["create", "-x", "rpool/x"])
        .code(2)
        .stderr_has("invalid option 'x'\n");
    env.run("zfs", &["frob"])
        .code(2)
        .stderr_has("unrecognized command 'frob'\nusage: zfs command args ...\n");
    // A mountpoint folder that is not empty cannot be mounted on.
    let busy = env.path("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("f"), "x").unwrap();
    env.run(
        "zfs",
        &["create", "-o", &format!("mountpoint={}", busy.display()), "rpool/busy"],
    )
    .code(1)
    .stderr(&format!(
        "cannot mount '{}': directory is not empty\nfilesystem successfully created, but not mounted\n",
        busy.display()
    ));
    env.run(
        "zfs",
        &["get", "-H", "-o", "value", "mounted", "rpool/busy"],
    )
    .ok()
    .stdout("no\n");
    // mountpoint=none: created, not mounted, no error.
    env.run("zfs", &["create", "-o", "mountpoint=none", "rpool/none"])
        .ok();
    env.run(
        "zfs",
        &[
            "get",
            "-H",
            "-o",
            "value,source",
            "mountpoint",
            "rpool/none",
        ],
    )
    .ok()
    .stdout("none\tlocal\n");
}

#[test]
fn destroy_checks_children_pools_and_clones() {
    let env = SimEnv::new();
    env.datasets();
    env.run("zfs", &["create", "rpool/zones/a"]).ok();
    env.run("zfs", &["create", "rpool/zones/a/b"]).ok();
    env.run("zfs", &["destroy", "rpool/zones/a"])
        .code(1)
        .stderr("cannot destroy 'rpool/zones/a': filesystem has children\nuse '-r' to destroy the following datasets:\nrpool/zones/a/b\n");
    env.run("zfs", &["destroy", "rpool"])
        .code(1)
        .stderr("cannot destroy 'rpool': operation does not apply to pools\nuse 'zfs destroy -r rpool' to destroy all datasets in the pool\nuse 'zpool destroy rpool' to destroy the pool itself\n");
    env.run("zfs", &["destroy", "rpool/nope"])
        .code(1)
        .stderr("cannot open 'rpool/nope': dataset does not exist\n");
    env.run("zfs", &["snapshot", "rpool/zones/a@s1"]).ok();
    env.run("zfs", &["snapshot", "rpool/zones/a@s1"])
        .code(1)
        .stderr("cannot create snapshot 'rpool/zones/a@s1': dataset already exists\n");
    env.run("zfs", &["snapshot", "rpool/zones/none@s1"])
        .code(2)
        .stderr_has("cannot open 'rpool/zones/none': dataset does not exist\nusage:\n\tsnapshot");
    env.run("zfs", &["snapshot", "rpool/zones/a"])
        .code(2)
        .stderr_has("usage:\n\tsnapshot [-r]");
    env.run("zfs", &["clone", "rpool/zones/a@s1", "rpool/zones/c"])
        .ok();
    env.run(
        "zfs",
        &["get", "-H", "-o", "value", "origin", "rpool/zones/c"],
    )
    .ok()
    .stdout("rpool/zones/a@s1\n");
    assert!(env.path("zones/c").is_dir());
    env.run("zfs", &["clone", "rpool/zones/a", "rpool/zones/d"])
        .code(1)
        .stderr("cannot open 'rpool/zones/a': operation not applicable to datasets of this type\n");
    env.run("zfs", &["list", "-H", "-o", "name", "-t", "snapshot"])
        .ok()
        .stdout("rpool/zones/a@s1\n");
    env.run("zfs", &["destroy", "rpool/zones/a@s1"])
        .code(1)
        .stderr("cannot destroy 'rpool/zones/a@s1': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\nrpool/zones/c\n");
    env.run("zfs", &["destroy", "-r", "rpool/zones/a"])
        .code(1)
        .stderr("cannot destroy 'rpool/zones/a': filesystem has dependent clones\nuse '-R' to destroy the following datasets:\nrpool/zones/c\n");
    env.run("zfs", &["destroy", "rpool/zones/a@nope"])
        .code(1)
        .stderr("could not find any snapshots to destroy; check snapshot names.\n");
    env.run("zfs", &["destroy", "-R", "rpool/zones/a"]).ok();
    env.run("zfs", &["list", "-H", "-o", "name", "-r", "rpool/zones"])
        .ok()
        .stdout("rpool/zones\n");
    assert!(!env.path("zones/a").exists() && !env.path("zones/c").exists());
}

#[test]
fn get_forms() {
    let env = SimEnv::new();
    env.run(
        "zfs",
        &["get", "-H", "-o", "value", "mountpoint", "rpool/ROOT"],
    )
    .ok()
    .stdout("legacy\n");
    env.run("zfs", &["get", "-H", "mountpoint", "rpool/ROOT"])
        .ok()
        .stdout("rpool/ROOT\tmountpoint\tlegacy\tlocal\n");
    env.run("zfs", &["get", "-H", "-o", "value", "bogus", "rpool"])
        .code(2)
        .stderr_has("bad property list: invalid property 'bogus'\nusage:\n\tget [-rHp]");
    env.run(
        "zfs",
        &["get", "-H", "-o", "value", "mountpoint", "rpool/x"],
    )
    .code(1)
    .stderr("cannot open 'rpool/x': dataset does not exist\n");
    env.run("zfs", &["get"])
        .code(2)
        .stderr_has("missing property argument\n");
}

#[test]
fn rollback_refuses_later_snapshots_without_r() {
    let env = SimEnv::new();
    env.datasets();
    env.run("zfs", &["create", "rpool/zones/a"]).ok();
    for s in ["one", "two", "three"] {
        env.run("zfs", &["snapshot", &format!("rpool/zones/a@{s}")])
            .ok();
    }
    // One dataset's snapshots list in the order they were made (createtxg), not by name.
    env.run(
        "zfs",
        &[
            "list",
            "-H",
            "-t",
            "snapshot",
            "-o",
            "name",
            "-r",
            "rpool/zones/a",
        ],
    )
    .ok()
    .stdout("rpool/zones/a@one\nrpool/zones/a@two\nrpool/zones/a@three\n");
    env.run("zfs", &["rollback", "rpool/zones/a@one"])
        .code(1)
        .stderr(
            "cannot rollback to 'rpool/zones/a@one': more recent snapshots or bookmarks exist\nuse '-r' to force deletion of the following snapshots and bookmarks:\nrpool/zones/a@two\nrpool/zones/a@three\n",
        );
    env.run("zfs", &["rollback", "rpool/zones/a@three"]).ok();
    env.run("zfs", &["rollback", "rpool/zones/a"])
        .code(1)
        .stderr("cannot open 'rpool/zones/a': operation not applicable to datasets of this type\n");
    env.run("zfs", &["rollback", "rpool/zones/a@nope"])
        .code(1)
        .stderr("cannot open 'rpool/zones/a@nope': dataset does not exist\n");
    env.run("zfs", &["rollback"])
        .code(2)
        .stderr_has("missing dataset argument");
    // A clone of a later snapshot stops -r; -R takes it.
    env.run("zfs", &["clone", "rpool/zones/a@three", "rpool/zones/c"])
        .ok();
    env.run("zfs", &["rollback", "-r", "rpool/zones/a@one"])
        .code(1)
        .stderr_has("clones of previous snapshots exist\nuse '-R' to force deletion of the following clones and dependents:\nrpool/zones/c\n");
    env.run("zfs", &["rollback", "-R", "rpool/zones/a@one"])
        .ok();
    env.run(
        "zfs",
        &["list", "-H", "-t", "all", "-o", "name", "-r", "rpool/zones"],
    )
    .ok()
    .stdout("rpool/zones\nrpool/zones/a\nrpool/zones/a@one\n");
}
