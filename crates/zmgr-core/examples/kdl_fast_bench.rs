//! Times `kdl_fast::parse_plain` against `KdlDocument::parse_v2` on 10,000
//! registry-like documents, checks that both read them alike, and times
//! reading the same documents from 10,000 files.
//!
//! Run with `cargo run --release --example kdl_fast_bench`.

use std::time::{Duration, Instant};

use kdl::KdlDocument;
use miette::SourceSpan;
use zmgr_core::kdl::fast::parse_plain;

const COUNT: usize = 10_000;

fn zone(n: usize) -> String {
    let state = ["running", "installed", "configured"][n % 3];
    format!(
        "// zone entry written by zmgr
zone \"web{n}\" {{
    brand \"ipkg\"
    template \"ipkg\"
    zonepath \"/zones/web{n}\"
    ip-type \"exclusive\"
    state \"{state}\"
    created \"2026-11-25T20:36:37Z\"
    net \"web{n}_0\" address=\"10.0.{}.{}/16\" pool=\"lan\" vnic=#true
}}
",
        n / 250,
        n % 250 + 1
    )
}

fn pool(n: usize) -> String {
    format!(
        "pool \"lan{n}\" {{\n    network \"192.168.10.0/24\"\n    gateway \"192.168.10.1\"\n    stub \"stub0\"\n    range \"192.168.10.100\" \"192.168.10.199\"\n    reserve \"192.168.10.150\"\n}}\n"
    )
}

fn template(n: usize) -> String {
    format!(
        "template \"ipkg{n}\" {{ brand \"ipkg\"; autoboot #true; packages \"a\" \"b\"; zonecfg {{ resource \"fs\" {{ dir \"/data\"; options \"ro\" \"nodevices\" }} }} }}\n"
    )
}

fn range(s: SourceSpan) -> (usize, usize) {
    (s.offset(), s.len())
}

/// Whether the two documents agree in every span (structure and values are
/// compared by `==` after clearing kdl's formatting).
fn same_spans(a: &KdlDocument, b: &KdlDocument) -> bool {
    range(a.span()) == range(b.span())
        && a.nodes().len() == b.nodes().len()
        && a.nodes().iter().zip(b.nodes()).all(|(x, y)| {
            range(x.span()) == range(y.span())
                && range(x.name().span()) == range(y.name().span())
                && x.entries().len() == y.entries().len()
                && x.entries().iter().zip(y.entries()).all(|(e, f)| {
                    range(e.span()) == range(f.span())
                        && e.name().map(|k| range(k.span())) == f.name().map(|k| range(k.span()))
                })
                && match (x.children(), y.children()) {
                    (Some(c), Some(d)) => same_spans(c, d),
                    (None, None) => true,
                    _ => false,
                }
        })
}

fn check(texts: &[String]) {
    for text in texts {
        let fast = parse_plain(text).expect("fast reader refused a registry document");
        let mut slow = KdlDocument::parse_v2(text).expect("kdl refused a registry document");
        assert!(same_spans(&fast, &slow), "spans differ for {text:?}");
        slow.clear_format_recursive();
        assert_eq!(fast, slow, "documents differ for {text:?}");
    }
}

/// The process's resident memory in bytes, from Linux's /proc/self/statm (0 elsewhere).
/// Parsed documents are the only thing growing meanwhile, so the growth is what they hold.
fn resident() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

type Parse = fn(&str) -> KdlDocument;

fn fast(text: &str) -> KdlDocument {
    parse_plain(text).unwrap()
}

fn slow(text: &str) -> KdlDocument {
    KdlDocument::parse_v2(text).unwrap()
}

/// Parses every text, keeping all documents; returns the time taken (not
/// counting the drop) and how much the resident memory grew while they were held.
fn held(texts: &[String], parse: Parse) -> (Duration, usize) {
    let before = resident();
    let start = Instant::now();
    let docs: Vec<KdlDocument> = texts.iter().map(|t| parse(t)).collect();
    let elapsed = start.elapsed();
    let bytes = resident().saturating_sub(before);
    drop(docs);
    (elapsed, bytes)
}

/// Parses and drops each text in turn, as a reader that turns every file
/// into its own record would.
fn streamed(texts: &[String], parse: Parse) -> Duration {
    let start = Instant::now();
    for text in texts {
        std::hint::black_box(parse(text));
    }
    start.elapsed()
}

/// Best and median of `runs` timings.
fn best_median(runs: usize, mut f: impl FnMut() -> Duration) -> String {
    let mut times: Vec<Duration> = (0..runs).map(|_| f()).collect();
    times.sort();
    format!(
        "best {:6.1} ms, median {:6.1} ms",
        ms(times[0]),
        ms(times[runs / 2])
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(label: &str, texts: &[String]) {
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("{label}: {} documents, {bytes} bytes", texts.len());
    println!(
        "  parse_plain, streamed: {}",
        best_median(21, || streamed(texts, fast))
    );
    println!(
        "  parse_plain, all held: {}",
        best_median(21, || held(texts, fast).0)
    );
    println!(
        "  parse_v2,    streamed: {}",
        best_median(3, || streamed(texts, slow))
    );
}

fn main() {
    let zones: Vec<String> = (0..COUNT).map(zone).collect();

    // First, in a fresh process, as `zmgr list` would: every page the
    // documents occupy is touched for the first time.
    let (cold, bytes) = held(&zones, fast);
    println!(
        "zone files, first pass in a fresh process, all held: {:.1} ms; documents hold {} bytes each",
        ms(cold),
        bytes / COUNT
    );
    let (_, slow_bytes) = held(&zones, slow);
    println!(
        "  (the same documents from parse_v2 hold {} bytes each)",
        slow_bytes / COUNT
    );

    check(&zones);
    report("zone files", &zones);

    let mixed: Vec<String> = (0..COUNT)
        .map(|n| match n % 10 {
            0 => pool(n),
            1 => template(n),
            _ => zone(n),
        })
        .collect();
    check(&mixed);
    report("mixed files (80% zones, 10% pools, 10% templates)", &mixed);

    // The same zones as files, read and parsed one by one.
    let dir = std::env::temp_dir().join(format!("kdl-fast-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<_> = zones
        .iter()
        .enumerate()
        .map(|(n, text)| {
            let path = dir.join(format!("web{n}.kdl"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let read = |parse: bool| {
        let start = Instant::now();
        for path in &paths {
            let text = std::fs::read_to_string(path).unwrap();
            if parse {
                std::hint::black_box(parse_plain(&text).unwrap());
            }
        }
        start.elapsed()
    };
    println!(
        "zone files on disk (warm page cache), streamed:\n  read only:             {}\n  read + parse_plain:    {}",
        best_median(5, || read(false)),
        best_median(5, || read(true))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
