//! Issue 12: one `zmgr check` reports every problem of a pool file, even when its `network` is
//! refused (a CIDR `range` with host bits set is refused as such a `network` is); and a host
//! command's failure shows all that the tool said on standard error, one line a line,
//! escaped and cut when there is too much of it.

use crate::harness::{Run, TestEnv};
use crate::lifecycle_support::{assert_gone, sandbox};
use crate::registry_support::{Diag, assert_diag, errors_line, read_errors};

fn pool(name: &str, body: &str) -> String {
    format!("pool \"{name}\" {{\n{body}}}\n")
}

/// Each diagnostic as (message, position, label, help), for one comparison of the lot.
fn shown(ds: &[Diag]) -> Vec<(String, String, String, String)> {
    ds.iter()
        .map(|d| {
            (
                d.message.clone(),
                d.position.clone().unwrap_or_default(),
                d.labels.join(" | "),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn diag(
    message: &str,
    position: &str,
    label: &str,
    help: &str,
) -> (String, String, String, String) {
    (
        message.to_string(),
        crate::registry_support::at(position),
        label.to_string(),
        help.to_string(),
    )
}

#[test]
fn a_cidr_range_with_host_bits_is_refused_with_the_block_it_means() {
    let env = TestEnv::initialised();
    env.write(
        "pools/lan.kdl",
        pool(
            "lan",
            "    network \"10.0.0.0/24\"\n    stub \"stub0\"\n    range \"10.0.0.100/28\"\n    range \"10.0.0.192/27\"\n    exclude \"10.0.0.201/29\"\n",
        ),
    );
    env.write(
        "pools/v6.kdl",
        pool(
            "v6",
            "    network \"2001:db8::/64\"\n    stub \"stub0\"\n    range \"2001:db8::1:1/112\"\n",
        ),
    );
    let (ds, summary) = read_errors(&env);
    assert_eq!(ds.len(), 3, "{ds:#?}");
    assert_diag(
        &ds[0],
        "range 10.0.0.100/28 has host bits set",
        "pools/lan.kdl:4:11",
        "not a network address",
        Some("did you mean 10.0.0.96/28?"),
    );
    assert_diag(
        &ds[1],
        "exclude 10.0.0.201/29 has host bits set",
        "pools/lan.kdl:6:13",
        "not a network address",
        Some("did you mean 10.0.0.200/29?"),
    );
    assert_diag(
        &ds[2],
        "range 2001:db8::1:1/112 has host bits set",
        "pools/v6.kdl:4:11",
        "not a network address",
        Some("did you mean 2001:db8::1:0/112?"),
    );
    assert_eq!(summary, errors_line(3));
}

#[test]
fn a_network_with_host_bits_still_has_its_gateway_ranges_and_excludes_checked() {
    let env = TestEnv::initialised();
    env.write(
        "pools/lan.kdl",
        pool(
            "lan",
            concat!(
                "    network \"10.0.0.5/24\"\n",
                "    gateway \"10.0.1.1\"\n",
                "    stub \"stub0\"\n",
                "    range \"10.0.0.10\" \"10.0.0.50\"\n",
                "    range \"10.0.0.40\" \"10.0.0.60\"\n",
                "    range \"10.0.7.0/28\"\n",
                "    range \"10.0.0.99/30\"\n",
                "    reserve \"10.0.9.9\"\n",
                "    exclude \"10.0.8.1\" \"10.0.8.9\"\n",
            ),
        ),
    );
    let (ds, summary) = read_errors(&env);
    let outside = |what: &str, position: &str| {
        diag(
            &format!("{what} is outside the pool's network 10.0.0.0/24"),
            position,
            "outside the network",
            "10.0.0.0/24 holds 10.0.0.0 to 10.0.0.255",
        )
    };
    assert_eq!(
        shown(&ds),
        [
            diag(
                "network 10.0.0.5/24 has host bits set",
                "pools/lan.kdl:2:13",
                "not a network address",
                "did you mean 10.0.0.0/24?",
            ),
            diag(
                "range 10.0.0.99/30 has host bits set",
                "pools/lan.kdl:8:11",
                "not a network address",
                "did you mean 10.0.0.96/30?",
            ),
            outside("gateway 10.0.1.1", "pools/lan.kdl:3:13"),
            outside("address 10.0.7.0", "pools/lan.kdl:7:11"),
            outside("address 10.0.8.1", "pools/lan.kdl:10:13"),
            outside("reserved address 10.0.9.9", "pools/lan.kdl:9:13"),
            diag(
                "range 10.0.0.40-10.0.0.60 overlaps range 10.0.0.10-10.0.0.50",
                "pools/lan.kdl:6:11",
                "overlapping range",
                "the other range is on line 5; ranges must not share addresses",
            ),
        ],
        "{ds:#?}"
    );
    assert_eq!(summary, errors_line(7));
}

#[test]
fn a_network_that_cannot_be_read_says_what_was_not_checked_and_the_rest_is_checked() {
    let env = TestEnv::initialised();
    env.write(
        "pools/lan.kdl",
        pool(
            "lan",
            concat!(
                "    network \"10.0.0.0\"\n",
                "    gateway \"10.0.0.1\"\n",
                "    stub \"stub0\"\n",
                "    range \"10.0.0.10\" \"10.0.0.50\"\n",
                "    range \"10.0.0.32/27\"\n",
                "    exclude \"10.0.0.9\" \"10.0.0.8\"\n",
            ),
        ),
    );
    env.write(
        "pools/wan.kdl",
        pool(
            "wan",
            "    network \"10.1.0.0/33\"\n    stub \"stub0\"\n    range \"10.1.0.10\"\n",
        ),
    );
    let (ds, summary) = read_errors(&env);
    assert_eq!(
        shown(&ds),
        [
            diag(
                "network `10.0.0.0` is not a CIDR network",
                "pools/lan.kdl:2:13",
                "not a CIDR network",
                // The help's second line, joined on as the renderer wrapped it.
                "add the prefix length, like 192.0.2.0/24 or 2001:db8::/64 the gateway, the ranges \
                 and the excluded ranges were not checked against the network, which could not be read",
            ),
            diag(
                "range starts at 10.0.0.9, after its end 10.0.0.8",
                "pools/lan.kdl:7:13",
                "reversed range",
                "write `exclude \"10.0.0.8\" \"10.0.0.9\"`",
            ),
            diag(
                "range 10.0.0.32-10.0.0.63 overlaps range 10.0.0.10-10.0.0.50",
                "pools/lan.kdl:6:11",
                "overlapping range",
                "the other range is on line 5; ranges must not share addresses",
            ),
            diag(
                "network `10.1.0.0/33` has prefix length /33, longer than 32",
                "pools/wan.kdl:2:13",
                "invalid prefix length",
                "an IPv4 prefix length is 0 to 32 the ranges were not checked against the \
                 network, which could not be read",
            ),
        ],
        "{ds:#?}"
    );
    assert_eq!(summary, errors_line(4));
}

/// The index of the last line of the message proper (the lines after it are the tool's,
/// indented), whose text, joined across the renderer's wrapping (which depends on the length of
/// the sandbox's path), ends with `end`.
#[track_caller]
fn message_end(lines: &[String], end: &str) -> usize {
    let at = lines
        .iter()
        .position(|l| l.starts_with("    "))
        .unwrap_or_else(|| panic!("no indented line: {lines:#?}"))
        - 1;
    let text = lines[..=at].join(" ");
    assert!(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .ends_with(end),
        "{lines:#?}"
    );
    at
}

/// The message lines of each diagnostic on stderr, from its `×` line to the line before its
/// help, without the renderer's `  × ` and `  │ ` gutters.
fn diagnostics(run: &Run) -> Vec<Vec<String>> {
    let mut all: Vec<Vec<String>> = Vec::new();
    let mut open = false;
    for l in run.stderr().lines() {
        if let Some(first) = l.strip_prefix("  × ") {
            all.push(vec![first.to_string()]);
            open = true;
            continue;
        }
        let rest = l
            .strip_prefix("  │ ")
            .or_else(|| (l.trim_end() == "  │").then_some(""));
        match (open, rest, all.last_mut()) {
            (true, Some(rest), Some(d)) => d.push(rest.to_string()),
            _ => open = false,
        }
    }
    all
}

/// The lines of the first diagnostic whose message (its lines joined, as wrapping may split
/// it) holds `needle`.
fn diagnostic_lines(run: &Run, needle: &str) -> Vec<String> {
    let words = |d: &[String]| d.join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
    diagnostics(run)
        .into_iter()
        .find(|d| words(d).contains(needle))
        .unwrap_or_else(|| panic!("no diagnostic says {needle:?}:\n{}", run.stderr()))
}

/// The lines of the first diagnostic whose `×` line holds `needle`.
fn message_lines(run: &Run, needle: &str) -> Vec<String> {
    diagnostics(run)
        .into_iter()
        .find(|d| d[0].contains(needle))
        .unwrap_or_else(|| panic!("no diagnostic says {needle:?}:\n{}", run.stderr()))
}

#[test]
fn a_failed_command_shows_every_line_the_tool_said_under_the_message() {
    let env = sandbox();
    // zonecfg -f - reports a failed commit on four lines of standard error.
    env.faults("zonecfg commit\n");
    let run = env.sandbox(&["create", "web01"]);
    run.exit(1).stdout_is("");
    // The refusal names the line and what zonecfg said about it; its help, the command and
    // every line the tool said, each on a line of its own, indented.
    let lines = message_lines(&run, "zonecfg refused the zone's configuration");
    assert!(
        lines
            .join(" ")
            .ends_with("when committing it (line 11): web01: Problem saving file"),
        "{lines:#?}"
    );
    let err = run.stderr();
    let help: Vec<&str> = err
        .lines()
        .skip_while(|l| !l.contains("help: `") || !l.ends_with("failed (exit status 1):"))
        .skip(1)
        .take(4)
        .collect();
    assert_eq!(
        help,
        [
            "            On line 11:",
            "            web01: Problem saving file",
            "            web01: Problem saving file",
            "            Configuration not saved.",
        ],
        "{err}"
    );
    run.check(
        err.matches("Configuration not saved.").count() == 1,
        "the lines are repeated",
    );
    assert_gone(&env, "web01", "web01_0");
}

#[test]
fn a_long_stderr_is_cut_in_the_middle_and_control_characters_are_escaped() {
    let env = sandbox();
    crate::script_support::one_hook(
        &env,
        "post-boot",
        "fail.rhai",
        "zlogin([\"/opt/site/fail\"]);\n",
    );
    // Written raw into the rule: an escape sequence and a bell, as a tool might print them.
    let mut said = String::from("ESC\u{1b}[2J\u{7}BEL\\n");
    for i in 1..=60 {
        said += &format!("line {i}\\n");
    }
    std::fs::write(
        env.sim_state().join("zlogin.rules"),
        format!("exit=3 stderr=\"{said}\" -- /opt/site/fail\n"),
    )
    .unwrap();
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(1).stdout_is("");
    let err = run.stderr();
    run.check(!err.contains('\u{1b}'), "an escape reached the terminal");
    // The hook's failure, shown once under the create's headline.
    crate::script_support::stderr_says(
        &run,
        &["could not create zone `z1`: a hook failed (below)"],
    );
    let lines = diagnostic_lines(&run, "failed (exit status 3):");
    let at = message_end(&lines, "failed (exit status 3):");
    let mut want = vec!["    ESC\\u{1b}[2J\\u{7}BEL".to_string()];
    want.extend((1..=19).map(|i| format!("    line {i}")));
    want.push("    … (21 more lines) …".to_string());
    want.extend((41..=60).map(|i| format!("    line {i}")));
    assert_eq!(lines[at + 1..], want, "{err}");
    assert_gone(&env, "z1", "z1_0");
}
