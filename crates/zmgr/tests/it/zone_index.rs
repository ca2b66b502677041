//! The zone index (`ROOT/.zmgr/zones.index`) never hides a hand edit: an entry edited in
//! place to the same size, added, removed or renamed is seen by the next command, both at once
//! (within the same second) and once the edit has settled and only the file's stamp tells; a
//! damaged index is rebuilt silently; and creates between random hand edits never hand out an
//! address a file holds.
//!
//! Entries are known by their stamp only once it is more than two seconds old (the kernel's
//! ctime is coarse), so these tests wait for that: [`settle`].

use std::collections::{BTreeMap, BTreeSet};

use crate::harness::TestEnv;

/// Long enough for every stamp written before it to count as settled (two seconds, counted
/// in whole seconds of the clock).
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(3_100));
}

/// A zone entry holding `192.0.2.HOST` (always three digits, so edits keep the size).
fn entry(name: &str, host: u32) -> String {
    format!(
        "zone \"{name}\" {{\n    brand \"ipkg\"\n    template \"ipkg\"\n    zonepath \"/zones/{name}\"\n    ip-type \"exclusive\"\n    state \"installed\"\n    net \"{name}_0\" address=\"192.0.2.{host}/24\" pool=\"default\" vnic=#true\n}}\n"
    )
}

/// A sandbox whose pool hands out 192.0.2.100 to .199 only.
fn sandbox() -> TestEnv {
    let env = TestEnv::new();
    env.sandbox(&["list"]).success();
    env.write(
        "pools/default.kdl",
        "pool \"default\" {\n    network \"192.0.2.0/24\"\n    gateway \"192.0.2.1\"\n    stub \"zmgr_stub0\"\n    range \"192.0.2.100\" \"192.0.2.199\"\n}\n",
    );
    // The folder of zmgr's private files, where the index is kept, is made by the first lock.
    env.sandbox(&["create", "first", "--no-boot"]).success();
    env
}

/// `list` as `NAME ADDRESS` lines, and the trace's count of zone files known by their stamp.
fn list(env: &TestEnv) -> (String, usize) {
    let run = env.sandbox_env(
        &["list", "-p", "-o", "name,address"],
        &[("ZMGR_TRACE", "1")],
    );
    run.success();
    let stamped = run
        .stderr()
        .lines()
        .find_map(|l| l.strip_prefix("# registry: "))
        .and_then(|l| l.split(", ").nth(1))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a trace line about the registry");
    (run.stdout(), stamped)
}

/// What the zone files hold: each zone's address's last octet, read straight from the files.
fn on_disk(env: &TestEnv) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(env.path("zones")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let addr = text
            .split("address=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("")
            .to_string();
        out.insert(name, addr);
    }
    out
}

/// `list`'s lines for what the files hold.
fn expected(env: &TestEnv) -> String {
    on_disk(env)
        .into_iter()
        .map(|(n, a)| format!("{n}:{a}\n"))
        .collect()
}

#[test]
fn every_hand_edit_is_seen_at_once_and_once_settled() {
    let env = sandbox();
    for (i, name) in ["a", "b", "c", "d"].into_iter().enumerate() {
        env.write(&format!("zones/{name}.kdl"), entry(name, 110 + i as u32));
    }
    settle();
    // The first read after the files settled records them; the next knows them all by stamp.
    assert_eq!(list(&env).0, expected(&env));
    let (out, stamped) = list(&env);
    assert_eq!(out, expected(&env));
    assert_eq!(stamped, 5, "every zone known by its stamp");

    type Edit = fn(&TestEnv);
    let edits: [(&str, Edit); 4] = [
        ("edited in place to the same size", |env| {
            env.write("zones/a.kdl", entry("a", 177));
        }),
        ("added", |env| env.write("zones/e.kdl", entry("e", 178))),
        ("removed", |env| {
            std::fs::remove_file(env.path("zones/b.kdl")).unwrap();
        }),
        ("renamed", |env| {
            std::fs::remove_file(env.path("zones/c.kdl")).unwrap();
            env.write("zones/r.kdl", entry("r", 112));
        }),
    ];
    for (what, edit) in edits {
        edit(&env);
        assert_eq!(list(&env).0, expected(&env), "{what}: within the second");
        settle();
        assert_eq!(list(&env).0, expected(&env), "{what}: once settled");
    }
    // The same file edited in place twice within one second, after it was recorded.
    env.write("zones/d.kdl", entry("d", 181));
    env.write("zones/d.kdl", entry("d", 182));
    assert_eq!(list(&env).0, expected(&env));
    settle();
    assert_eq!(list(&env).0, expected(&env));
    env.sandbox(&["check"]).success();
}

#[test]
fn a_damaged_or_foreign_index_is_rebuilt_without_a_word() {
    let env = sandbox();
    for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
        env.write(&format!("zones/{name}.kdl"), entry(name, 120 + i as u32));
    }
    settle();
    list(&env);
    let index = env.path(".zmgr/zones.index");
    let good = std::fs::read(&index).unwrap();
    let mut damaged = good.clone();
    let at = damaged.len() / 2;
    damaged[at] ^= 1;
    let cut = good[..good.len() - 9].to_vec();
    for (what, bytes) in [
        ("one bit flipped", damaged),
        ("cut short", cut),
        ("empty", Vec::new()),
        ("not an index", b"zone \"x\" {}\n".to_vec()),
    ] {
        std::fs::write(&index, &bytes).unwrap();
        let run = env.sandbox(&["list", "-p", "-o", "name,address"]);
        run.success().stdout_is(&expected(&env));
        assert_eq!(run.stderr(), "", "{what}: said something");
        assert_eq!(std::fs::read(&index).unwrap(), good, "{what}: not rebuilt");
        // Rebuilt means used again.
        assert_eq!(list(&env).1, 4, "{what}");
    }
    // An index someone else could have written is not read.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o666)).unwrap();
    env.write("zones/a.kdl", entry("a", 150));
    settle();
    assert_eq!(list(&env).1, 0, "a group-writable index was used");
    assert_eq!(list(&env).0, expected(&env));
    let mode = std::fs::metadata(&index).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the index was not replaced");
    // Nothing is left behind by the writers.
    let private: Vec<String> = std::fs::read_dir(env.path(".zmgr"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(private.is_empty(), "{private:?}");
    // One left by a writer killed between its write and its rename (no pid is this large) is
    // removed by `reconcile --fix`.
    let leftover = env.path(".zmgr/zones.index.tmp.2147483646.0");
    std::fs::write(&leftover, b"half an index").unwrap();
    for name in ["a", "b", "c"] {
        std::fs::remove_file(env.path(&format!("zones/{name}.kdl"))).unwrap();
    }
    env.sandbox(&["reconcile", "--fix"]).success();
    assert!(!leftover.exists(), "a dead writer's file was left");
}

/// A small random number generator (xorshift), seeded for a repeatable run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn creates_between_random_hand_edits_never_hold_an_address_twice() {
    let env = sandbox();
    for i in 0..12u32 {
        env.write(
            &format!("zones/h{i:02}.kdl"),
            entry(&format!("h{i:02}"), 130 + i),
        );
    }
    settle();
    list(&env);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..10 {
        let files = on_disk(&env);
        let held: BTreeSet<u32> = files
            .values()
            .filter_map(|a| a.strip_prefix("192.0.2.")?.split('/').next()?.parse().ok())
            .collect();
        // The address the next create would take, were the ledger stale: hand it to a zone.
        let next = (100..200).find(|h| !held.contains(h)).unwrap();
        let hand: Vec<&String> = files.keys().filter(|n| n.starts_with('h')).collect();
        match rng.below(3) {
            0 => {
                // In place, to the same size, in a file the index recorded.
                let n = hand[rng.below(hand.len() as u64) as usize].clone();
                env.write(&format!("zones/{n}.kdl"), entry(&n, next));
            }
            1 => env.write(
                &format!("zones/n{round:02}.kdl"),
                entry(&format!("n{round:02}"), next),
            ),
            _ => {
                let n = hand[rng.below(hand.len() as u64) as usize].clone();
                std::fs::remove_file(env.path(&format!("zones/{n}.kdl"))).unwrap();
                env.write(
                    &format!("zones/m{round:02}.kdl"),
                    entry(&format!("m{round:02}"), next),
                );
            }
        }
        // Half the rounds let the edit settle, so that only its stamp tells.
        if round % 2 == 1 {
            settle();
        }
        env.sandbox(&["create", &format!("c{round:02}"), "--no-boot"])
            .success();
        let files = on_disk(&env);
        let mut seen = BTreeMap::new();
        for (zone, addr) in &files {
            if let Some(other) = seen.insert(addr.clone(), zone.clone()) {
                panic!("round {round}: {addr} held by {other} and {zone}");
            }
        }
        assert_eq!(list(&env).0, expected(&env), "round {round}");
    }
    env.sandbox(&["check"]).success();
}

#[test]
fn a_problem_with_an_entry_known_by_its_stamp_shows_the_file_lines() {
    let env = sandbox();
    env.write("zones/a.kdl", entry("a", 140));
    settle();
    list(&env);
    assert_eq!(list(&env).1, 2, "known by stamp");
    // The entry is unchanged; what it names is gone.
    std::fs::remove_file(env.path("templates/ipkg.kdl")).unwrap();
    let run = env.sandbox(&["check"]);
    let all = format!("{}{}", run.stdout(), run.stderr());
    let at = format!("{}:3:14", env.path("zones/a.kdl").display());
    assert!(all.contains(&at), "no position {at}:\n{all}");
    assert!(all.contains("template \"ipkg\""), "no line shown:\n{all}");
    assert!(all.contains("which no longer exists"), "{all}");
}

/// A script's registry reads: the trace's files read and zone files known by their stamp.
fn script_reads(env: &TestEnv, prefix: &str, creates: usize) -> (usize, usize) {
    let script = crate::script_support::work_script(
        env,
        &format!("{prefix}.rhai"),
        &format!(
            "for i in 0..{creates} {{ zmgr::create(`{prefix}${{i}}`, #{{no_boot: true}}); }}\n"
        ),
    );
    let run = env.sandbox_env(&["run", &script], &[("ZMGR_TRACE", "1")]);
    run.success();
    let line = run
        .stderr()
        .lines()
        .find_map(|l| l.strip_prefix("# registry: ").map(str::to_string))
        .expect("a trace line about the registry");
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn a_script_reads_each_file_it_did_not_write_at_most_once() {
    let env = sandbox();
    for i in 0..60u32 {
        env.write(
            &format!("zones/h{i:02}.kdl"),
            entry(&format!("h{i:02}"), 100 + i + 1),
        );
    }
    settle();
    list(&env);
    let (read10, stamped10) = script_reads(&env, "a", 10);
    // Files another process changed in the last two seconds are read on every call.
    settle();
    let (read20, stamped20) = script_reads(&env, "b", 20);
    // Per create a few files (config, template, pool): linear in the calls, not growing with
    // the zones made before (each of which was written by the script itself) nor with the
    // 60 that were there (or the first script's 10, read once).
    assert!(read10 <= 10 * 10, "{read10} files read for 10 creates");
    assert!(
        read20 * 10 <= read10 * 22,
        "20 creates read {read20} files, 10 read {read10}: not linear"
    );
    // Every other file is known by its stamp on each call: checked, not read.
    assert!(
        stamped10 >= 10 * 61 && stamped20 >= 20 * 71,
        "{stamped10} {stamped20}"
    );
}

#[test]
fn a_file_the_index_cannot_name_is_still_seen_by_every_command() {
    let env = sandbox();
    // A name with a line break: check refuses it, and create must still see its address.
    env.write("zones/nl\nx.kdl", entry("nlx", 150));
    settle();
    env.sandbox(&["check"]).exit(2);
    env.sandbox(&["check"]).exit(2);
    env.sandbox(&["list"]).success();
    let run = env.sandbox(&["create", "second", "--ip", "192.0.2.150", "--no-boot"]);
    assert_ne!(run.code(), 0, "create took an address a file holds");
    assert!(!env.path("zones/second.kdl").exists());
}

#[test]
fn entries_a_script_just_wrote_are_not_recorded_before_they_settle() {
    let env = sandbox();
    // Files just written, more than the index may lag behind: the script's second read
    // writes the index again, with what this process's cache holds.
    for i in 0..20u32 {
        env.write(
            &format!("zones/h{i:02}.kdl"),
            entry(&format!("h{i:02}"), 170 + i),
        );
    }
    std::fs::remove_file(env.path(".zmgr/zones.index")).ok();
    let script = crate::script_support::work_script(
        &env,
        "make.rhai",
        "zmgr::create(\"s1\", #{no_boot: true});\nlet n = zmgr::zones().len();\n",
    );
    env.sandbox(&["run", &script]).success();
    let index = std::fs::read_to_string(env.path(".zmgr/zones.index")).unwrap();
    assert!(
        index.lines().any(|l| l == "name\ts1.kdl"),
        "the index was not written after the create:\n{index}"
    );
    assert!(
        !index.lines().any(|l| l.starts_with("zone\t")),
        "a stamp not yet settled was recorded:\n{index}"
    );
}

#[test]
fn a_linked_private_folder_is_not_swept() {
    let env = sandbox();
    let victim = env.dir().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    let precious = victim.join("data.tmp.2147483646.0");
    std::fs::write(&precious, b"keep").unwrap();
    std::fs::rename(env.path(".zmgr"), env.dir().join("old-private")).unwrap();
    std::os::unix::fs::symlink(&victim, env.path(".zmgr")).unwrap();
    env.write("zones/a.kdl", entry("a", 160));
    settle();
    env.sandbox(&["list"]).success();
    env.sandbox(&["check"]);
    assert_eq!(std::fs::read(&precious).unwrap(), b"keep");
}
