//! The IPS package: `packaging/ips/build` lays out a proto area holding exactly what
//! `packaging/ips/zmgr.p5m` names (every file and folder, with the modes it gives, owned as it
//! says), and the manifest carries what a publisher needs (FMRI, summary, classification,
//! license). Publishing needs illumos's pkgsend; on Linux the proto area is what is checked.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::harness::TestEnv;

/// One action of the manifest: its kind and attributes (the payload of a `license` action as
/// `payload`).
type Action = (String, BTreeMap<String, String>);

fn actions(manifest: &str) -> Vec<Action> {
    let joined = manifest.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kind, rest) = line.split_once(' ').expect("an action with attributes");
        let mut attrs = BTreeMap::new();
        let mut rest = rest.trim();
        while !rest.is_empty() {
            let word_end = rest.find([' ', '=']).unwrap_or(rest.len());
            if rest[word_end..].starts_with('=') {
                let key = &rest[..word_end];
                let v = &rest[word_end + 1..];
                let (value, after) = match v.strip_prefix('"') {
                    Some(q) => {
                        let end = q.find('"').expect("a closing quote");
                        (&q[..end], &q[end + 1..])
                    }
                    None => v.split_once(' ').unwrap_or((v, "")),
                };
                attrs.insert(key.to_string(), value.to_string());
                rest = after.trim();
            } else {
                // A license action's payload: the file, before its attributes.
                attrs.insert("payload".into(), rest[..word_end].to_string());
                rest = rest[word_end..].trim();
            }
        }
        out.push((kind.to_string(), attrs));
    }
    out
}

/// Every file and folder under `dir`, relative to it.
fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        out.push(path.strip_prefix(base).unwrap().to_path_buf());
        if path.is_dir() {
            walk(&path, base, out);
        }
    }
}

#[test]
fn the_proto_area_holds_exactly_what_the_manifest_names_with_its_modes() {
    let env = TestEnv::new();
    let top = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let proto = env.dir().join("proto");
    let run = env.run(
        "/bin/bash",
        &[
            top.join("packaging/ips/build").to_str().unwrap(),
            "--bin",
            env!("CARGO_BIN_EXE_zmgr"),
            "--proto",
            proto.to_str().unwrap(),
        ],
        &[("PATH", "/usr/bin:/bin")],
    );
    run.success().stdout_has("proto area:");
    let manifest = std::fs::read_to_string(top.join("packaging/ips/zmgr.p5m")).unwrap();
    let actions = actions(&manifest);

    let set = |name: &str| {
        actions
            .iter()
            .find(|(k, a)| k == "set" && a.get("name").map(String::as_str) == Some(name))
            .and_then(|(_, a)| a.get("value").cloned())
            .unwrap_or_else(|| panic!("the manifest sets no {name}"))
    };
    assert!(set("pkg.fmri").starts_with("pkg:/system/zones/zmgr@$(VERSION)"));
    assert!(!set("pkg.summary").is_empty());
    assert!(
        set("info.classification")
            .starts_with("org.opensolaris.category.2008:System/Administration and Configuration")
    );

    let mut named: Vec<PathBuf> = Vec::new();
    for (kind, attrs) in &actions {
        let path = match kind.as_str() {
            "file" | "dir" => PathBuf::from(&attrs["path"]),
            "license" => {
                assert_eq!(attrs.get("license").map(String::as_str), Some("MPL-2.0"));
                PathBuf::from(&attrs["payload"])
            }
            "set" => continue,
            other => panic!("unexpected action {other}"),
        };
        let on_disk = proto.join(&path);
        let meta = std::fs::metadata(&on_disk)
            .unwrap_or_else(|_| panic!("{} is named but not in the proto area", path.display()));
        if kind != "license" {
            assert_eq!(
                attrs.get("owner").map(String::as_str),
                Some("root"),
                "{kind} {path:?}"
            );
            assert!(
                matches!(attrs.get("group").map(String::as_str), Some("bin" | "sys")),
                "{kind} {path:?} has no group"
            );
            let mode = u32::from_str_radix(&attrs["mode"], 8).unwrap();
            assert_eq!(
                meta.permissions().mode() & 0o7777,
                mode,
                "{} has mode {:o}, the manifest says {mode:o}",
                path.display(),
                meta.permissions().mode() & 0o7777
            );
            assert_eq!(meta.is_dir(), kind == "dir", "{path:?} is not a {kind}");
        }
        assert!(
            !path.starts_with("etc"),
            "{path:?}: /etc/zmgr is zmgr init's"
        );
        named.push(path);
    }
    let mut found = Vec::new();
    walk(&proto, &proto, &mut found);
    for path in &found {
        assert!(
            named.contains(path),
            "{} is in the proto area but not in the manifest",
            path.display()
        );
    }
    // The pages, the binary and the shipped files are all there.
    for path in [
        "usr/sbin/zmgr",
        "usr/share/man/man8/zmgr.8",
        "usr/share/man/man8/zmgr-create.8",
        "usr/share/man/man5/zmgr-files.5",
        "usr/share/man/man7/zmgr-scripting.7",
        "usr/share/zmgr/templates/ipkg.kdl",
        "usr/share/zmgr/scripts/provision-role.rhai",
    ] {
        assert!(
            named.contains(&PathBuf::from(path)),
            "{path} is not packaged"
        );
    }
}
