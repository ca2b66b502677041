//! Every `--json` document has the shape docs/cli.md shows for it ("JSON output"): the
//! examples there are run in their order in one sandbox, and each verb's output is matched
//! against its example key by key.

use serde_json::Value;

use crate::harness::TestEnv;
use crate::import_support::{hand_zone, net, vnic};
use crate::lifecycle_support::sandbox;

const CLI_MD: &str = include_str!("../../../../docs/cli.md");

/// One example: the command line as documented, its JSON, and the line it starts on.
pub struct Example {
    pub command: String,
    pub json: Value,
    pub line: usize,
}

/// Examples of what only a shared pool does: run against etcd by `shared_pools.rs`.
const NEEDS_ETCD: &[&str] = &["zmgr pool publish default --json"];

/// The examples of the "JSON output" section: a line `` `zmgr ARGS` `` (then `:`, or words
/// and `:`) followed by a fenced `json` block.
pub fn examples() -> Vec<Example> {
    let section = CLI_MD
        .split("\n## ")
        .find(|s| s.starts_with("JSON output"))
        .expect("docs/cli.md has a \"JSON output\" section");
    let offset = CLI_MD[..CLI_MD.find(section).unwrap()].lines().count();
    let lines: Vec<&str> = section.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(command) = lines[i]
            .strip_prefix('`')
            .filter(|l| l.ends_with(':'))
            .and_then(|l| l.split_once('`'))
            .map(|(c, _)| c)
            .filter(|c| c.starts_with("zmgr "))
        else {
            i += 1;
            continue;
        };
        let start = i
            + 1
            + lines[i + 1..]
                .iter()
                .position(|l| *l == "```json")
                .unwrap_or_else(|| panic!("no JSON block after `{command}`"));
        let end = start + lines[start..].iter().position(|l| *l == "```").unwrap();
        let text = lines[start + 1..end].join("\n");
        let json = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "docs/cli.md:{}: the example of `{command}` is not JSON: {e}",
                offset + start + 2
            )
        });
        out.push(Example {
            command: command.to_string(),
            json,
            line: offset + i + 1,
        });
        i = end + 1;
    }
    out
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Where `actual` differs in shape from `example`, each as `PATH: what`.
pub fn differences(path: &str, example: &Value, actual: &Value) -> Vec<String> {
    match (example, actual) {
        // A documented null may be a value too; an undocumented null is a difference.
        (Value::Null, _) => Vec::new(),
        (Value::Object(e), Value::Object(a)) => {
            let mut out = Vec::new();
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => out.extend(differences(&format!("{path}.{k}"), ev, av)),
                    None => out.push(format!("{path}.{k}: documented, but not printed")),
                }
            }
            for k in a.keys().filter(|k| !e.contains_key(*k)) {
                out.push(format!("{path}.{k}: printed, but not documented"));
            }
            out
        }
        (Value::Array(e), Value::Array(a)) => {
            let mut out = Vec::new();
            for (i, av) in a.iter().enumerate() {
                let here = format!("{path}[{i}]");
                if e.is_empty() {
                    out.push(format!("{here}: the example's list is empty"));
                    continue;
                }
                // Like one of the example's elements: the closest one's differences if none.
                let tried: Vec<Vec<String>> =
                    e.iter().map(|ev| differences(&here, ev, av)).collect();
                if !tried.iter().any(Vec::is_empty) {
                    out.extend(tried.into_iter().min_by_key(Vec::len).unwrap());
                }
            }
            out
        }
        (e, a) if kind(e) == kind(a) => Vec::new(),
        (e, a) => vec![format!(
            "{path}: {} where the example has {}",
            kind(a),
            kind(e)
        )],
    }
}

/// Every object key in `v`, at every level.
fn keys_of(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                out.push(k.clone());
                keys_of(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys_of(v, out)),
        _ => {}
    }
}

fn is_snake_case(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// What the system needs before an example: a zone made by hand for `import`, a zone booted
/// behind zmgr's back for `reconcile`.
fn prepare(env: &TestEnv, command: &str) {
    match command {
        "zmgr import --json" => {
            vnic(env, "legacy0");
            hand_zone(
                env,
                "legacy",
                "ipkg",
                "exclusive",
                &[net("legacy0", "192.0.2.50/24")],
                "installed",
            );
        }
        "zmgr reconcile --json" => {
            env.tool("zoneadm", &["-z", "web01", "boot"]).success();
        }
        _ => {}
    }
}

#[test]
fn every_json_document_has_the_shape_docs_cli_md_shows() {
    let examples = examples();
    assert!(examples.len() >= 25, "only {} examples", examples.len());
    let env = sandbox();
    let mut problems = Vec::new();
    for ex in examples
        .iter()
        .filter(|e| !NEEDS_ETCD.contains(&e.command.as_str()))
    {
        prepare(&env, &ex.command);
        let args: Vec<&str> = ex.command.split_whitespace().skip(1).collect();
        let run = env.sandbox(&args);
        // A verb over zones that names a missing one, or a host check that finds a missing
        // prerequisite, exits 1 and still prints its document.
        run.check(
            matches!(run.code(), 0 | 1),
            &format!("docs/cli.md:{}: `{}` failed", ex.line, ex.command),
        );
        let actual: Value = match serde_json::from_str(&run.stdout()) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!(
                    "docs/cli.md:{}: `{}`: not JSON: {e}",
                    ex.line, ex.command
                ));
                continue;
            }
        };
        if !run.stdout().starts_with("{\n  \"version\": 1,\n") {
            problems.push(format!(
                "`{}`: \"version\": 1 is not the first key",
                ex.command
            ));
        }
        let mut keys = Vec::new();
        keys_of(&actual, &mut keys);
        for k in keys.iter().filter(|k| !is_snake_case(k)) {
            problems.push(format!("`{}`: key {k:?} is not snake_case", ex.command));
        }
        for d in differences("", &ex.json, &actual) {
            problems.push(format!("docs/cli.md:{}: `{}`: {d}", ex.line, ex.command));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn shapes_differ_where_a_key_or_a_type_does() {
    let example = serde_json::json!({"a": 1, "b": [{"k": "x"}, {"k": "y", "n": 1}], "c": null});
    let same = serde_json::json!({"a": 2, "b": [{"k": "z", "n": 3}], "c": "anything"});
    assert_eq!(differences("", &example, &same), Vec::<String>::new());
    let other = serde_json::json!({"a": "2", "b": [{"k": 1}], "d": null});
    assert_eq!(
        differences("", &example, &other),
        vec![
            ".a: a string where the example has a number",
            ".b[0].k: a number where the example has a string",
            ".c: documented, but not printed",
            ".d: printed, but not documented",
        ]
    );
    let undocumented_null = serde_json::json!({"a": null, "b": [], "c": null});
    assert_eq!(
        differences("", &example, &undocumented_null),
        vec![".a: null where the example has a number"]
    );
    assert_eq!(
        differences(
            "",
            &serde_json::json!({"l": []}),
            &serde_json::json!({"l": [1]})
        ),
        vec![".l[0]: the example's list is empty"]
    );
}
