//! No registry file may make zmgr panic: a deterministic fuzz test of every file kind the
//! registry reads, run with the normal test suite.
//!
//! Each kind starts from valid samples (the files `zmgr init` writes, the examples of
//! docs/file-formats.md and a few more), mutated by a seeded xorshift generator: byte flips,
//! inserted, deleted and duplicated lines and tokens, deep nesting, huge numbers, long lines,
//! odd Unicode, NUL bytes, CRLF and lone CR line ends, KDL 1 syntax and pieces of other
//! samples. Each mutant is written into a small registry (the files `zmgr init` writes) and
//! read the way the registry reads a file (`kdl::read_source`, `kdl::parse`, the kind's
//! `decode`); one case in four also reads the whole registry with [`Registry::check`], as
//! `zmgr check` does (adding the file-name check and the checks across files). Every problem
//! is rendered with miette's `GraphicalReportHandler` as the command line does. A case fails
//! when anything panics, when a problem has no position, or when its rendered report does not
//! name its `file:line:col`. Where the fast KDL reader accepts a mutant, it must read it as
//! the kdl crate does, values and spans (the contract of `kdl/fast.rs`, whose own tests hold
//! the thorough differential test).
//!
//! Cases: `ZMGR_FUZZ_CASES` per kind (default [`DEFAULT_CASES`], 4,000 in all, about 11 s of
//! CPU in a debug build); seed: `ZMGR_FUZZ_SEED` (default [`DEFAULT_SEED`]; each kind mixes
//! its own number into it). A failing case prints the seed, the case number, the mutations
//! and the input (escaped; cut in the middle past 6,000 characters, and written whole to a
//! file whose path is printed), so `ZMGR_FUZZ_SEED=… cargo test -p zmgr-core --test fuzz
//! fuzz_KIND` replays it. A stack overflow aborts the process before anything is printed:
//! `ZMGR_FUZZ_TRACE=1 … -- --nocapture` names each case before it runs.
//!
//! Deep nesting goes to 2,000 levels here; deeper files are read by child processes in
//! `deeply_nested_files_do_not_crash` (a stack overflow would abort the fuzzing process).

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use kdl::KdlDocument;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, SourceSpan};
use zmgr_core::error::{Problem, SourceFile};
use zmgr_core::store::registry::Registry;

/// Mutants per file kind. Five kinds: 6–10 s on two idle cores in a debug build.
const DEFAULT_CASES: usize = 800;
const DEFAULT_SEED: u64 = 0x5eed_2026_f022_0001;

fn cases() -> usize {
    std::env::var("ZMGR_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn seed() -> u64 {
    std::env::var("ZMGR_FUZZ_SEED")
        .ok()
        .and_then(|v| {
            let v = v.trim();
            match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => v.parse().ok(),
            }
        })
        .unwrap_or(DEFAULT_SEED)
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // Never zero, and different seeds spread apart.
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------
// The file kinds and their samples.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Config,
    Template,
    Pool,
    Zone,
    Publisher,
}

impl Kind {
    /// Where a mutant of this kind is written in the test registry.
    fn rel_path(self) -> &'static str {
        match self {
            Kind::Config => "config.kdl",
            Kind::Template => "templates/fuzz.kdl",
            Kind::Pool => "pools/fuzz.kdl",
            Kind::Zone => "zones/fuzz.kdl",
            Kind::Publisher => "publishers/fuzz.kdl",
        }
    }

    fn node(self) -> &'static str {
        match self {
            Kind::Config => "",
            Kind::Template => "template",
            Kind::Pool => "pool",
            Kind::Zone => "zone",
            Kind::Publisher => "publisher",
        }
    }

    fn of_example(first_node: &str) -> Kind {
        match first_node {
            "template" => Kind::Template,
            "pool" => Kind::Pool,
            "zone" => Kind::Zone,
            "publisher" => Kind::Publisher,
            _ => Kind::Config,
        }
    }

    /// Each kind fuzzes with its own stream of the seed.
    fn stream(self) -> u64 {
        self as u64 + 1
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn core_file(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The ```kdl blocks of docs/file-formats.md, with the kind of each.
fn doc_examples() -> Vec<(Kind, String)> {
    let p = workspace().join("docs/file-formats.md");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("```kdl\n") {
        rest = &rest[i + 7..];
        let end = rest.find("```").expect("closed kdl block");
        let block = &rest[..end];
        let first = block
            .split_whitespace()
            .next()
            .expect("an example with a node");
        out.push((Kind::of_example(first), block.to_string()));
        rest = &rest[end + 3..];
    }
    assert!(out.len() >= 5, "docs/file-formats.md lost its examples");
    out
}

/// More valid samples than the docs and `init` show: shared IP, IPv6, inline hooks, CRLF….
const EXTRA: &[(Kind, &str)] = &[
    (
        Kind::Zone,
        "// zone entry written by zmgr\nzone \"web42\" {\n    brand \"ipkg\"\n    template \"ipkg\"\n    zonepath \"/zones/web42\"\n    ip-type \"exclusive\"\n    state \"running\"\n    created \"2026-11-25T20:36:37Z\"\n    net \"web42_0\" address=\"192.168.100.42/24\" pool=\"default\" vnic=#true\n}\n",
    ),
    (
        Kind::Zone,
        "zone \"shared1\" {\r\n    brand \"nlipkg\"\r\n    zonepath \"/zones/shared1\"\r\n    ip-type \"shared\"\r\n    state \"installed\"\r\n    net \"e1000g0\" address=\"192.168.100.7\"\r\n    net \"e1000g1\"\r\n}\r\n",
    ),
    (
        Kind::Zone,
        "zone \"v6\" { brand \"ipkg\"; zonepath \"/zones/v6\"; state \"creating\"; net \"v6_0\" address=\"2001:db8::10/64\" pool=\"six\" vnic=#true }\n",
    ),
    (
        Kind::Pool,
        "pool \"six\" {\n    network \"2001:db8::/64\"\n    gateway \"2001:db8::1\"\n    stub \"stub6\"\n    range \"2001:db8::10\" \"2001:db8::ffff\"\n    range \"2001:db8::1:0/112\"\n    reserve \"2001:db8::20\"\n    exclude \"2001:db8::30\" \"2001:db8::3f\"\n}\n",
    ),
    (
        Kind::Template,
        "template \"hooked\" {\n    brand \"ipkg\"\n    boot #false\n    ip-type \"shared\"\n    nets {\n        net pool=\"lan\"\n        net pool=\"backend\" defrouter=#true\n    }\n    packages \"editor/vim\"\n    hooks {\n        post-install code=#\"write_file(\"/etc/motd\", \"hi\"); if true { print(\"{}\"); }\"#\n        post-boot \"a.rhai\" code=\"print(1);\"\n    }\n    zonecfg {\n        attr \"n\" 3 type=\"int\"\n        resource \"rctl\" { name \"zone.max-lwps\"; value priv=\"privileged\" limit=2000 action=\"deny\" }\n        resource \"dedicated-cpu\" { ncpus \"1-2\"; importance \"10\" }\n    }\n}\n",
    ),
    (
        Kind::Publisher,
        "publisher \"site\" {\n    origin \"https://pkg.example.org/site/\"\n    origin \"file:///var/pkg/repo\"\n    mirror \"http://mirror.example.org/site/\"\n}\n",
    ),
    (
        Kind::Config,
        "lock-wait 0\nmilestone-wait 3600\nscripting { max-operations 1; timeout-seconds 1 }\n",
    ),
];

fn samples(kind: Kind) -> Vec<String> {
    let mut out: Vec<String> = match kind {
        Kind::Config => vec![core_file("templates/skel/config.kdl")],
        Kind::Template => vec![
            core_file("templates/ipkg.kdl"),
            core_file("templates/nlipkg.kdl"),
        ],
        Kind::Pool => vec![core_file("templates/skel/pools/default.kdl")],
        Kind::Zone => Vec::new(),
        Kind::Publisher => vec![core_file("templates/skel/publishers/openindiana.org.kdl")],
    };
    out.extend(
        doc_examples()
            .into_iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| t),
    );
    out.extend(
        EXTRA
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| t.to_string()),
    );
    // Named for the file the mutant is written to.
    if kind != Kind::Config {
        for s in &mut out {
            *s = rename(s, kind.node(), "fuzz");
        }
    }
    out
}

/// Renames the first `NODE "NAME"` of `text` to `NODE "new"`.
fn rename(text: &str, node: &str, new: &str) -> String {
    let at = text
        .find(&format!("{node} \""))
        .unwrap_or_else(|| panic!("no {node} in {text}"));
    let name_start = at + node.len() + 2;
    let name_end = name_start + text[name_start..].find('"').unwrap();
    format!("{}{new}{}", &text[..name_start], &text[name_end..])
}

/// The registry around the mutant: the files `zmgr init` writes and one zone.
fn base_registry(root: &Path) {
    let _ = std::fs::remove_dir_all(root);
    for dir in ["templates", "pools", "zones", "publishers"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    let files = [
        ("config.kdl", core_file("templates/skel/config.kdl")),
        ("templates/ipkg.kdl", core_file("templates/ipkg.kdl")),
        ("templates/nlipkg.kdl", core_file("templates/nlipkg.kdl")),
        (
            "pools/default.kdl",
            core_file("templates/skel/pools/default.kdl"),
        ),
        (
            "publishers/openindiana.org.kdl",
            core_file("templates/skel/publishers/openindiana.org.kdl"),
        ),
        ("zones/web42.kdl", EXTRA[0].1.to_string()),
    ];
    for (rel, text) in files {
        std::fs::write(root.join(rel), text).unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// Mutations.

const TOKENS: &[&str] = &[
    "{",
    "}",
    "{}",
    "\"",
    "=",
    ";",
    "#",
    "/",
    "\\",
    "//",
    "/*",
    "*/",
    "/-",
    "(t)",
    "#true",
    "#false",
    "#null",
    "true",
    "false",
    "null",
    "#inf",
    "#-inf",
    "#nan",
    "0",
    "-1",
    "+7",
    "1.5",
    "1e3",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "#\"raw\"#",
    "##\"r\"a\"w\"##",
    "\"\"\"",
    "\"\"\"\n  multi\n  \"\"\"",
    "r\"kdl1\"",
    "\"\\u{41}\"",
    "\"\\s\"",
    "\"\\",
    "\\\n",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\0",
    "é",
    "日本語",
    "🎉",
    "e\u{301}",
    "\u{a0}",
    "\u{200b}",
    "\u{feff}",
    "\u{202e}",
    "\u{2028}",
    "\u{85}",
    "\u{7f}",
    "\u{1b}[31m",
    "\u{fffd}",
    "x=",
    "k=v",
    "address=",
    "pool=",
    "vnic=#true",
    "vnic=\"yes\"",
    "type=\"int\"",
    "code=",
    "net \"a_0\" address=\"10.0.0.1/24\"",
    "resource \"fs\" { dir \"/d\" }",
    "\"10.0.0.1/33\"",
    "\"192.168.100.0/24\"",
    "\"192.168.100.255\"",
    "\"0.0.0.0/0\"",
    "\"::/0\"",
    "\"::ffff:1.2.3.4\"",
    "\"fe80::1%e1000g0\"",
    "\"2001:db8::/129\"",
    "\"https://\"",
    "\"file:///\"",
    "\"/zones/../x\"",
    "\"..\"",
    "\"-e\"",
    "\"a;b\"",
    "\"a\\\"b\"",
    "\"a\\nb\"",
    "\"global\"",
    "\"SUNWx\"",
    "\"web01_0\"",
    "\"web01\"",
    "\"creating\"",
    "\"running\"",
    "\"shared\"",
    "\"exclusive\"",
];

const HUGE_NUMBERS: &[&str] = &[
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "99999999999999999999999999999999999999",
    "1e308",
    "1e309",
    "-1e-400",
    "0xffffffffffffffffffffffff",
    "4294967296",
    "65536",
    "-0",
    "3601",
];

/// What a case did to its sample, for the failure report.
type Log = Vec<String>;

/// A char boundary at or before `i`.
fn floor(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offsets where lines start.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i <= text.len())
        .collect()
}

/// (start, end) of whitespace-separated tokens.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// One random text mutation (the byte-level ones work on the bytes at the end).
fn mutate_text(
    rng: &mut Rng,
    text: &mut String,
    others: &[String],
    nested: &mut bool,
    log: &mut Log,
) {
    let at = floor(text, rng.below(text.len() + 1));
    match rng.below(17) {
        0 => {
            let t = rng.pick(TOKENS);
            log.push(format!("insert {t:?} at {at}"));
            text.insert_str(at, t);
        }
        1 => {
            let toks = tokens(text);
            if let Some(&(s, e)) = toks.get(rng.below(toks.len())) {
                log.push(format!("delete token {:?} at {s}", &text[s..e]));
                text.replace_range(s..e, "");
            }
        }
        2 => {
            let toks = tokens(text);
            if let Some(&(s, e)) = toks.get(rng.below(toks.len())) {
                let t = text[s..e].to_string();
                log.push(format!("duplicate token {t:?} at {s}"));
                text.insert_str(e, &format!(" {t}"));
            }
        }
        3 => {
            let toks = tokens(text);
            if let Some(&(s, e)) = toks.get(rng.below(toks.len())) {
                let t = rng.pick(TOKENS);
                log.push(format!("replace token {:?} at {s} with {t:?}", &text[s..e]));
                text.replace_range(s..e, t);
            }
        }
        4 => {
            let starts = line_starts(text);
            let s = starts[rng.below(starts.len())];
            let e = text[s..].find('\n').map_or(text.len(), |i| s + i + 1);
            log.push(format!("delete line at {s}"));
            text.replace_range(s..e, "");
        }
        5 => {
            let starts = line_starts(text);
            let s = starts[rng.below(starts.len())];
            let e = text[s..].find('\n').map_or(text.len(), |i| s + i + 1);
            let line = text[s..e].to_string();
            let times = 1 + rng.below(3);
            log.push(format!("duplicate line at {s} x{times}"));
            for _ in 0..times {
                text.insert_str(e.min(text.len()), &line);
            }
        }
        6 => {
            let len = floor(&text[at..], rng.below(40));
            log.push(format!("delete {len} bytes at {at}"));
            text.replace_range(at..at + len, "");
        }
        7 if !*nested => {
            // Deep nesting, sometimes where the nesting guard of `kdl::parse` does not see it
            // (after a quote in a block comment). Once a case.
            *nested = true;
            let depth = [2, 31, 32, 33, 48, 64, 65, 500, 2_000][rng.below(9)];
            let hide = if rng.chance(30) { "/* \" */ " } else { "" };
            let open = rng.pick(&["a {", "a{", "resource \"fs\" {", "{"]);
            log.push(format!(
                "nest {open:?} {depth} deep at {at} (hidden: {})",
                !hide.is_empty()
            ));
            let nest = format!("{hide}{}{}", open.repeat(depth), "}".repeat(depth));
            text.insert_str(at, &nest);
        }
        8 => {
            let toks = tokens(text);
            if let Some(&(s, e)) = toks.get(rng.below(toks.len())) {
                let n = rng.pick(HUGE_NUMBERS);
                log.push(format!("number {n} for token {:?} at {s}", &text[s..e]));
                text.replace_range(s..e, n);
            }
        }
        9 => {
            // A long line: a long string, comment or name, or padding before a value.
            // 70,000 characters pass miette's 65,535 columns, but make kdl slow: one in six.
            let len = [300, 300, 1_000, 4_000, 4_000, 70_000][rng.below(6)];
            let fill = rng
                .pick(&["x", "\t", "日", " ", "é", "\u{301}"])
                .repeat(len);
            let piece = match rng.below(4) {
                0 => format!("\"{fill}\""),
                1 => format!("/* {fill} */"),
                2 => fill.replace(['\t', ' '], "y"),
                _ => fill,
            };
            log.push(format!(
                "long piece ({len} x {:?}) at {at}",
                piece.chars().take(3).collect::<String>()
            ));
            text.insert_str(at, &piece);
        }
        10 => {
            log.push("CRLF line ends".into());
            *text = text.replace("\r\n", "\n").replace('\n', "\r\n");
        }
        11 => {
            let end = rng.pick(&["\r", "\u{85}", "\u{2028}", "\u{c}", "\u{b}"]);
            log.push(format!("line ends {end:?}"));
            *text = text.replace('\n', end);
        }
        12 => {
            log.push("KDL 1 syntax".into());
            *text = text
                .replace("#true", "true")
                .replace("#false", "false")
                .replace("#null", "null")
                .replace("#\"", "r#\"");
        }
        13 => {
            if let Some(other) = others.get(rng.below(others.len())) {
                let s = floor(other, rng.below(other.len() + 1));
                let e = floor(other, s + rng.below(120));
                let e = e.max(s);
                log.push(format!("splice {:?} at {at}", &other[s..e]));
                text.insert_str(at, &other[s..e]);
            }
        }
        14 => {
            let c = rng.pick(&[
                "\0",
                "\u{feff}",
                "\u{202e}",
                "\u{200d}",
                "\u{10ffff}",
                "\u{e000}",
            ]);
            let at = if rng.chance(30) { 0 } else { at };
            log.push(format!("insert {c:?} at {at}"));
            text.insert_str(at, c);
        }
        15 => {
            // Swap two lines.
            let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
            if lines.len() > 1 {
                let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                log.push(format!("swap lines {a} and {b}"));
                lines.swap(a, b);
                *text = lines.concat();
            }
        }
        _ => {
            log.push("truncate".into());
            let at = floor(text, rng.below(text.len() + 1));
            text.truncate(at);
        }
    }
}

/// A mutant of `sample`: one to four mutations, then now and then raw byte damage.
fn mutant(rng: &mut Rng, sample: &str, others: &[String], log: &mut Log) -> Vec<u8> {
    let mut text = sample.to_string();
    let mut nested = false;
    for _ in 0..1 + rng.below(4) {
        mutate_text(rng, &mut text, others, &mut nested, log);
    }
    let mut bytes = text.into_bytes();
    if rng.chance(15) && !bytes.is_empty() {
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(bytes.len());
            let b = match rng.below(3) {
                0 => bytes[i] ^ (1 << rng.below(8)),
                1 => 0x80 | rng.below(0x80) as u8,
                _ => rng.below(256) as u8,
            };
            log.push(format!("byte {i}: {:#04x} -> {b:#04x}", bytes[i]));
            bytes[i] = b;
        }
    }
    bytes
}

// ---------------------------------------------------------------------------------------
// One case.

/// The renderer as the command line sets it up when stderr is not a terminal.
fn handler() -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false)
}

/// Checks one problem: it has a position, and renders naming it.
fn check_problem(p: &Problem, handler: &GraphicalReportHandler) -> Result<(), String> {
    let Some(position) = p.position() else {
        return Err(format!("problem without a position: {}", p.message()));
    };
    let mut out = String::new();
    handler
        .render_report(&mut out, p as &dyn Diagnostic)
        .map_err(|_| format!("cannot render {position}: {}", p.message()))?;
    if !out.contains(&format!("[{position}]")) {
        return Err(format!(
            "the report of {position} does not name that position:\n{}",
            cut(&out, 3000)
        ));
    }
    Ok(())
}

/// The spans of a document, in order, for comparing two readings.
fn spans(doc: &KdlDocument, out: &mut Vec<(usize, usize)>) {
    let r = |s: SourceSpan| (s.offset(), s.len());
    out.push(r(doc.span()));
    for n in doc.nodes() {
        out.push(r(n.span()));
        out.push(r(n.name().span()));
        for e in n.entries() {
            out.push(r(e.span()));
            if let Some(k) = e.name() {
                out.push(r(k.span()));
            }
        }
        if let Some(c) = n.children() {
            spans(c, out);
        }
    }
}

/// The fast reader's contract: what it reads, kdl reads the same (values and spans).
fn check_fast_reader(text: &str) -> Result<(), String> {
    let Some(fast) = zmgr_core::kdl::fast::parse_plain(text) else {
        return Ok(());
    };
    let slow = KdlDocument::parse_v2(text)
        .map_err(|e| format!("the fast reader accepted what kdl rejects: {e:?}"))?;
    let mut cleared = slow.clone();
    cleared.clear_format_recursive();
    if fast != cleared {
        return Err(format!(
            "the fast reader disagrees with kdl:\n{fast:#?}\n{cleared:#?}"
        ));
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    spans(&fast, &mut a);
    spans(&slow, &mut b);
    if a != b {
        return Err(format!("the fast reader's spans differ:\n{a:?}\n{b:?}"));
    }
    Ok(())
}

/// Reads `bytes` as the file of `kind` the way the registry reads each file (`read_source`,
/// `kdl::parse`, the kind's `decode`) and, when `whole`, the whole registry around it as
/// `zmgr check` does (adding the name check and the checks across files); checks every
/// problem. Returns how many problems there were.
fn run_case(
    root: &Path,
    kind: Kind,
    bytes: &[u8],
    whole: bool,
    handler: &GraphicalReportHandler,
) -> Result<usize, String> {
    // Comparing the two readers recurses per level on this thread: shallow files only.
    if let Some(text) = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.matches('{').count() <= 64)
    {
        check_fast_reader(text)?;
    }
    let path = root.join(kind.rel_path());
    std::fs::write(&path, bytes).unwrap();
    let mut problems = Vec::new();
    match zmgr_core::kdl::read_source(&path) {
        Err(p) => problems.push(p),
        Ok(file) => match zmgr_core::kdl::parse(&file) {
            Ok(doc) => decode(kind, &file, &doc, &mut problems),
            Err(ps) => problems = ps,
        },
    }
    if whole {
        let (_, all) =
            Registry::check(root).map_err(|e| format!("the registry was not read: {e}"))?;
        problems.extend(all.0);
    }
    for p in &problems {
        check_problem(p, handler)?;
    }
    Ok(problems.len())
}

fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let head = floor(s, max / 2);
    let tail = floor(s, s.len() - max / 2);
    format!("{} …[{} bytes]… {}", &s[..head], tail - head, &s[tail..])
}

/// Fuzzes one kind: panics with the failing input when a case fails.
fn fuzz(kind: Kind) {
    let (seed, cases) = (seed(), cases());
    let root = std::env::temp_dir().join(format!(
        "zmgr-fuzz-{}-{}",
        std::process::id(),
        kind.rel_path().replace('/', "-")
    ));
    base_registry(&root);
    let samples = samples(kind);
    let handler = handler();

    // The samples themselves are valid: a fuzz run starts from good files.
    for s in &samples {
        let file = SourceFile::new(kind.rel_path(), s.as_str());
        let doc = zmgr_core::kdl::parse(&file)
            .unwrap_or_else(|ps| panic!("sample does not parse: {}\n{s}", ps[0].message()));
        let mut problems = Vec::new();
        decode(kind, &file, &doc, &mut problems);
        let errors: Vec<&str> = problems
            .iter()
            .filter(|p| p.is_error())
            .map(|p| p.message())
            .collect();
        assert!(errors.is_empty(), "sample has errors {errors:?}:\n{s}");
    }

    let trace = std::env::var_os("ZMGR_FUZZ_TRACE").is_some();
    let mut rng = Rng::new(seed ^ kind.stream());
    let started = Instant::now();
    let mut problems = 0;
    for case in 0..cases {
        let mut log = Vec::new();
        let sample = &samples[rng.below(samples.len())];
        let bytes = mutant(&mut rng, sample, &samples, &mut log);
        if trace {
            // A stack overflow aborts the process: this names the case that did it, and the
            // file holds its input.
            let saved = std::env::temp_dir().join(format!("zmgr-fuzz-current-{kind:?}.kdl"));
            let _ = std::fs::write(&saved, &bytes);
            eprintln!("{kind:?} case {case} ({}): {log:?}", saved.display());
        }
        // The whole registry costs a few milliseconds: one case in four.
        let whole = case % 4 == 0;
        let result = catch_unwind(AssertUnwindSafe(|| {
            run_case(&root, kind, &bytes, whole, &handler)
        }));
        let failure = match result {
            Ok(Ok(n)) => {
                problems += n;
                continue;
            }
            Ok(Err(why)) => why,
            Err(panic) => format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)")
            ),
        };
        let saved = failure_file(kind, case);
        let _ = std::fs::write(&saved, &bytes);
        let mut report = String::new();
        let _ = writeln!(
            report,
            "fuzz case {case} of {kind:?} failed (ZMGR_FUZZ_SEED={seed:#x}): {failure}"
        );
        let _ = writeln!(report, "mutations: {log:?}");
        let _ = writeln!(
            report,
            "input ({} bytes, saved as {}):",
            bytes.len(),
            saved.display()
        );
        let _ = writeln!(
            report,
            "{}",
            cut(&format!("{:?}", String::from_utf8_lossy(&bytes)), 6000)
        );
        panic!("{report}");
    }
    let _ = std::fs::remove_dir_all(&root);
    eprintln!(
        "{kind:?}: {cases} cases, seed {seed:#x}, {problems} problems rendered, {:.1?}",
        started.elapsed()
    );
}

/// Where the input of a failing case is saved.
fn failure_file(kind: Kind, case: usize) -> PathBuf {
    std::env::temp_dir().join(format!("zmgr-fuzz-failure-{kind:?}-{case}.kdl"))
}

fn decode(kind: Kind, file: &Arc<SourceFile>, doc: &KdlDocument, problems: &mut Vec<Problem>) {
    use zmgr_core::model::*;
    match kind {
        Kind::Config => {
            config::Config::decode(file, doc, problems);
        }
        Kind::Template => {
            template::Template::decode(file, doc, problems);
        }
        Kind::Pool => {
            pool::Pool::decode(file, doc, problems);
        }
        Kind::Zone => {
            zone::ZoneEntry::decode(file, doc, problems);
        }
        Kind::Publisher => {
            publisher::Publisher::decode(file, doc, problems);
        }
    }
}

#[test]
fn fuzz_config() {
    fuzz(Kind::Config);
}

#[test]
fn fuzz_templates() {
    fuzz(Kind::Template);
}

#[test]
fn fuzz_pools() {
    fuzz(Kind::Pool);
}

#[test]
fn fuzz_zone_entries() {
    fuzz(Kind::Zone);
}

#[test]
fn fuzz_publishers() {
    fuzz(Kind::Publisher);
}

/// Deeply nested files, each read by a child process (a stack overflow aborts the process,
/// which `catch_unwind` cannot catch).
fn deep_files() -> Vec<(&'static str, String)> {
    let nest = |open: &str, depth: usize| format!("{}{}", open.repeat(depth), "}".repeat(depth));
    vec![
        (
            "plain KDL, 10000 levels (the fast reader takes it)",
            format!(
                "template \"fuzz\" {{ brand \"ipkg\"; zonecfg {{ {} }} }}\n",
                nest("a {", 10_000)
            ),
        ),
        (
            "a quote in a block comment hides 3000 levels from the guard",
            format!(
                "template \"fuzz\" {{ brand \"ipkg\" }}\n/* \" */\n{}\n",
                nest("a {", 3_000)
            ),
        ),
        (
            "a quote in a block comment hides 2000 levels, under the count of braces",
            format!(
                "template \"fuzz\" {{ brand \"ipkg\" }}\n/* \" */\n{}\n",
                nest("a {", 2_000)
            ),
        ),
        (
            "an unclosed quote hides 2000 levels from kdl's error recovery",
            format!(
                "template \"fuzz\" {{ brand \"ipkg\"; zonecfg {{ value priv=\"{} }} }}\n",
                nest("resource \"fs\" {", 2_000)
            ),
        ),
        (
            "a raw string hides 3000 levels from the guard",
            format!(
                "template \"fuzz\" {{ brand #\"\"\"# }}\n{}\n",
                nest("a {", 3_000)
            ),
        ),
        (
            "quotes the guard pairs otherwise than kdl's error recovery, 3000 levels",
            format!(
                "template \"fuzz\" {{ brand \"ipkg\"; zonecfg {{ value priv=\"{} }} }}\n",
                nest("resource \"fs\" {", 3_000)
            ),
        ),
    ]
}

/// A file nested thousands of levels deep is refused with a diagnostic, whichever reader takes
/// it and wherever its nesting hides from the quote-aware scan; none overflows the stack.
#[test]
fn deeply_nested_files_do_not_crash() {
    let exe = std::env::current_exe().unwrap();
    let mut failed = Vec::new();
    for (i, (what, _)) in deep_files().iter().enumerate() {
        let out = std::process::Command::new(&exe)
            .args(["--exact", "deep_nesting_child", "--ignored", "--nocapture"])
            .env("ZMGR_FUZZ_DEEP_CASE", i.to_string())
            .output()
            .unwrap();
        if !out.status.success() {
            failed.push(format!(
                "{what}: {}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .filter(|l| !l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
                    .take(8)
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

/// Run by `deeply_nested_files_do_not_crash`: reads one deep file as the registry does.
#[test]
#[ignore = "run by deeply_nested_files_do_not_crash in a child process"]
fn deep_nesting_child() {
    let Some(case) = std::env::var("ZMGR_FUZZ_DEEP_CASE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        return;
    };
    let root = std::env::temp_dir().join(format!("zmgr-fuzz-deep-{}", std::process::id()));
    base_registry(&root);
    let text = &deep_files()[case].1;
    std::fs::write(root.join(Kind::Template.rel_path()), text).unwrap();
    let result = Registry::check(&root);
    let _ = std::fs::remove_dir_all(&root);
    let (_, problems) = result.unwrap();
    assert!(problems.has_errors(), "a deep file read without an error");
    for p in problems.iter() {
        check_problem(p, &handler()).unwrap();
    }
}

/// A diagnostic on the first line shows that line whole, not from the label on.
#[test]
fn the_first_line_is_shown_whole() {
    let file = SourceFile::new(Kind::Template.rel_path(), "template \"a\" { bogus 1 }\n");
    let mut problems = Vec::new();
    let doc = zmgr_core::kdl::parse(&file).unwrap();
    decode(Kind::Template, &file, &doc, &mut problems);
    let mut out = String::new();
    handler()
        .render_report(&mut out, &problems[0] as &dyn Diagnostic)
        .unwrap();
    assert!(out.contains(" 1 │ template \"a\" { bogus 1 }\n"), "{out}");
}

/// A diagnostic far to the right on a 70,000-character line renders (miette panics on columns
/// past 65,535), naming the true line and column and showing the label's text.
#[test]
fn long_lines_render() {
    let pad = "x".repeat(70_000);
    let cases = [
        // An unknown node far to the right.
        format!("template \"fuzz\" {{\n    description \"{pad}\"; bogus 1\n}}\n"),
        // A bad value far to the right, behind a long comment.
        format!(
            "pool \"fuzz\" {{ /* {pad} */ network \"192.168.100.0/24\"; stub \"s0\"; range \"192.168.100.10\" \"192.168.100.999\" }}\n"
        ),
        // A label over the whole long line, with long lines around it.
        format!(
            "// {pad}\ntemplate \"fuzz\" {{ brand \"ipkg\"; description \"a\" \"{pad}\" }}\n// {pad}\n"
        ),
        // Wide characters and tabs, which miette widens.
        format!(
            "template \"fuzz\" {{ description \"{}\"; bogus 1 }}\n",
            "日\t".repeat(30_000)
        ),
        // A syntax error at the end of a long line, CRLF.
        format!("template \"fuzz\" {{\r\n  description \"{pad}\" \"unclosed\r\n}}\r\n"),
    ];
    let handler = handler();
    for text in cases {
        let kind = if text.starts_with("pool") {
            Kind::Pool
        } else {
            Kind::Template
        };
        let file = SourceFile::new(kind.rel_path(), text.as_str());
        let mut problems = Vec::new();
        match zmgr_core::kdl::parse(&file) {
            Ok(doc) => decode(kind, &file, &doc, &mut problems),
            Err(ps) => problems = ps,
        }
        assert!(!problems.is_empty(), "no problem in {}", cut(&text, 200));
        for p in &problems {
            check_problem(p, &handler).unwrap();
            let mut out = String::new();
            handler
                .render_report(&mut out, p as &dyn Diagnostic)
                .unwrap();
            let widest = out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            // The message itself may quote a long value; the source lines are cut.
            let source_lines = out
                .lines()
                .filter(|l| l.contains(" │ ") || l.contains(" · "));
            for l in source_lines {
                assert!(
                    l.chars().count() < 400,
                    "a source line of {widest} characters:\n{}",
                    cut(&out, 3000)
                );
            }
        }
    }
}
