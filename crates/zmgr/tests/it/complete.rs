//! Shell completion: bash asks zmgr for the words, which come from the registry's file names:
//! `zmgr boot w<TAB>` offers the zones starting with w, `--template <TAB>` the templates, and
//! a site script completes as a verb. zsh and fish get their registration code the same way.

use crate::harness::TestEnv;

/// What bash completes for the words of `line` (the last word is the one being completed).
fn complete(env: &TestEnv, line: &[&str]) -> Vec<String> {
    let zmgr = env!("CARGO_BIN_EXE_zmgr");
    let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let cword = line.len() - 1;
    let script = format!(
        "source <(ZMGR_COMPLETE=bash {zmgr})\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD={cword}\n\
         COMP_TYPE=9\n\
         _clap_complete_zmgr zmgr '{current}' '{previous}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = words.join(" "),
        current = line[cword],
        previous = line[cword - 1],
    );
    let run = env.run("/bin/bash", &["-c", &script], &[("PATH", "/usr/bin:/bin")]);
    run.success();
    run.stdout()
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn entry(name: &str, host: u32) -> String {
    format!(
        "zone \"{name}\" {{\n    brand \"ipkg\"\n    zonepath \"/zones/{name}\"\n    state \"installed\"\n    net \"{name}_0\" address=\"192.0.2.{host}/24\" pool=\"default\" vnic=#true\n}}\n"
    )
}

#[test]
fn bash_completes_zone_template_pool_names_and_site_scripts_from_the_registry() {
    let env = TestEnv::new();
    env.sandbox(&["list"]).success();
    for (i, name) in ["web01", "web02", "db01"].into_iter().enumerate() {
        env.write(&format!("zones/{name}.kdl"), entry(name, 20 + i as u32));
    }
    // Not a zone's file: an editor's swap file, and a file of another kind.
    env.write("zones/.web03.kdl.swp", "x");
    env.write("zones/notes.txt", "x");
    env.write("scripts/provision-role.rhai", "zmgr::out(\"hi\");\n");
    let sandbox = env.sandbox_dir();
    let dir = sandbox.to_str().unwrap();

    assert_eq!(
        complete(&env, &["zmgr", "--sandbox", dir, "boot", "w"]),
        ["web01", "web02"]
    );
    assert_eq!(
        complete(&env, &["zmgr", "--sandbox", dir, "destroy", "web01", "d"]),
        ["db01"]
    );
    assert_eq!(
        complete(&env, &["zmgr", "--sandbox", dir, "show", "web0"]),
        ["web01", "web02"]
    );
    assert_eq!(
        complete(
            &env,
            &["zmgr", "--sandbox", dir, "create", "x", "--template", ""]
        ),
        ["ipkg", "nlipkg"]
    );
    assert_eq!(
        complete(&env, &["zmgr", "--sandbox", dir, "pool", "show", "d"]),
        ["default"]
    );
    let verbs = complete(&env, &["zmgr", "--sandbox", dir, "pro"]);
    assert_eq!(verbs, ["provision-role"]);
    // The same registry through --root.
    let root = env.root();
    assert_eq!(
        complete(
            &env,
            &["zmgr", "--root", root.to_str().unwrap(), "halt", "db"]
        ),
        ["db01"]
    );
    // The hidden verb is not offered.
    let all = complete(&env, &["zmgr", "--sandbox", dir, ""]);
    assert!(
        all.contains(&"create".to_string()) && !all.contains(&"man".to_string()),
        "{all:?}"
    );
}

#[test]
fn zsh_and_fish_get_their_registration_code() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = env.run(env!("CARGO_BIN_EXE_zmgr"), &[], &[("ZMGR_COMPLETE", shell)]);
        run.success().stdout_has("zmgr");
        assert!(
            run.stdout().contains("ZMGR_COMPLETE"),
            "{shell}: {}",
            run.stdout()
        );
    }
}

#[test]
fn a_complete_variable_of_another_tool_changes_nothing() {
    let env = TestEnv::new();
    env.sandbox(&["list"]).success();
    let run = env.sandbox_env(&["list", "-p", "-o", "name"], &[("COMPLETE", "1")]);
    run.success().stdout_is("");
}
