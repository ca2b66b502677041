//! The manual pages: `zmgr man --dir DIR` writes zmgr(8), a page for every verb that
//! `--help` lists (and every verb of a verb group), each naming every option its `--help`
//! shows, zmgr-files(5) and zmgr-scripting(7) with every section of their documents; groff
//! renders each without a warning.

use std::path::Path;

use crate::harness::TestEnv;

/// The verbs a `--help` lists under "Commands:".
fn verbs(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // A description that runs on is indented further than a verb.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|v| v != "help")
        .collect()
}

/// Every `--long` option a `--help` shows.
fn long_options(help: &str) -> Vec<String> {
    let mut out: Vec<String> = help
        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.trim_end_matches(['.', ')', ';', ':']).to_string())
        .filter(|w| w[2..].chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn help(env: &TestEnv, words: &[&str]) -> String {
    let mut args: Vec<&str> = words.to_vec();
    args.push("--help");
    let run = env.zmgr(&args);
    run.success();
    run.stdout()
}

#[test]
fn every_verb_has_a_page_with_its_options_and_groff_renders_them() {
    let env = TestEnv::new();
    let dir = env.dir().join("man");
    let run = env.zmgr(&["man", "--dir", dir.to_str().unwrap()]);
    run.success();
    let page = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let mut pages = vec![("zmgr.8".to_string(), vec![])];
    for verb in verbs(&help(&env, &[])) {
        let subs = verbs(&help(&env, &[&verb]));
        pages.push((format!("zmgr-{verb}.8"), vec![verb.clone()]));
        for sub in subs {
            pages.push((format!("zmgr-{verb}-{sub}.8"), vec![verb.clone(), sub]));
        }
    }
    assert!(pages.len() > 30, "{} pages", pages.len());
    for (name, words) in &pages {
        let text = page(name);
        assert!(text.contains(".SH NAME"), "{name} has no NAME");
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        for opt in long_options(&help(&env, &words)) {
            if opt == "--help" || opt == "--version" {
                continue;
            }
            let roff = opt.replace('-', "\\-");
            assert!(text.contains(&roff), "{name} does not mention {opt}");
        }
        assert!(
            run.stdout().contains(&format!("{name}\n")),
            "{name} is not listed"
        );
    }
    // zmgr(8) points at every other page.
    let main = page("zmgr.8");
    for (name, _) in pages.iter().skip(1) {
        let bare = name.trim_end_matches(".8");
        assert!(
            main.contains(&format!("\\fB{bare}\\fR(8)")),
            "zmgr.8 does not name {bare}"
        );
    }
    // The pages made from the documents have every section of them.
    for (name, doc) in [
        ("zmgr-files.5", "file-formats.md"),
        ("zmgr-scripting.7", "scripting.md"),
    ] {
        let text = page(name);
        let md = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../docs")
                .join(doc),
        )
        .unwrap();
        for heading in md.lines().filter_map(|l| l.strip_prefix("## ")) {
            let plain = heading.replace('`', "").replace('-', "\\-").to_uppercase();
            assert!(
                text.contains(&format!(".SH \"{plain}\"")),
                "{name} has no section {heading}"
            );
        }
    }
    render_all(&dir);
}

/// groff reads every page and has nothing to say about it.
fn render_all(dir: &Path) {
    let groff = Path::new("/usr/bin/groff");
    if !groff.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "groff is missing: .ci/run installs it (Debian package groff-base)"
        );
        eprintln!("NOTE: groff is missing; the man pages were checked but not rendered");
        return;
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let out = std::process::Command::new(groff)
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "groff on {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
