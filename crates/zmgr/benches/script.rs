//! Benchmark: the scripting engine. Engine setup, compiling and running a typical hook (the
//! resolvers hook of scripts/hooks), and the time hooks add to a create in the sandbox.
//!
//! Run with `cargo bench --bench script`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use zmgr_script::{self as script, Limits};

const N: u32 = 200;

fn per(n: u32, f: impl FnMut()) -> Duration {
    let mut f = f;
    f();
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

fn main() {
    let base = std::env::temp_dir().join(format!("zmgr-bench-script-{}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    let limits = Limits::default();

    let setup_api = per(N, || {
        std::hint::black_box(script::api::Runtime::offline(limits.clone()));
    });
    let setup_hooks = per(N, || {
        std::hint::black_box(script::hooks::reference_engine());
    });

    let hook = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/hooks/resolvers.rhai");
    let text = std::fs::read_to_string(&hook).unwrap();
    let engine = script::hooks::reference_engine();
    let zone = zone(&base);
    // Install makes the zone's root folder; the hook writes into it.
    std::fs::create_dir_all(zone.zonepath.join("root")).unwrap();
    let scope = script::hooks::scope(&zone, "post-install");
    let compile = per(N, || {
        std::hint::black_box(
            script::Script::compile(&engine, &hook, text.clone(), &scope).unwrap(),
        );
    });

    // A template with the hook, run as create runs it (writing into a zone root on disk).
    let tdir = base.join("templates");
    std::fs::create_dir_all(tdir.join("hooks")).unwrap();
    std::fs::copy(&hook, tdir.join("hooks/resolvers.rhai")).unwrap();
    let tfile = tdir.join("web.kdl");
    std::fs::write(&tfile, "template \"web\" {\n    brand \"ipkg\"\n    hooks {\n        post-install \"hooks/resolvers.rhai\"\n    }\n}\n").unwrap();
    let template = load_template(&tfile);
    let runner = std::sync::Arc::new(zmgr_core::host::exec::System::new(
        zmgr_core::host::exec::Commands::default(),
    ));
    let run = per(N, || {
        let hooks = script::hooks::Hooks::load(
            &template,
            &limits,
            zone.clone(),
            Some(runner.clone()),
            &base,
            None,
        )
        .unwrap();
        hooks
            .run(zmgr_core::model::template::HookPoint::PostInstall)
            .unwrap();
    });

    println!("engine setup (zmgr module)     {:>9.1} µs", us(setup_api));
    println!("engine setup (hook helpers)    {:>9.1} µs", us(setup_hooks));
    println!("compile resolvers.rhai         {:>9.1} µs", us(compile));
    println!("load + run resolvers hook      {:>9.1} µs", us(run));

    let (plain, hooked) = create_with_and_without_hooks(&base);
    println!(
        "create, no hooks               {:>9.1} ms",
        plain.as_secs_f64() * 1000.0
    );
    println!(
        "create, web template (4 hooks) {:>9.1} ms",
        hooked.as_secs_f64() * 1000.0
    );
    println!(
        "time the hooks add to a create {:>9.1} ms",
        hooked.saturating_sub(plain).as_secs_f64() * 1000.0
    );
    let _ = std::fs::remove_dir_all(&base);
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn zone(base: &Path) -> script::hooks::HookZone {
    script::hooks::HookZone::new(
        "web01",
        "ipkg",
        &base.join("zones/web01"),
        "web",
        vec![zmgr_core::ops::hooks::HookNet {
            pool: "default".into(),
            address: "192.0.2.10".into(),
            prefix: 24,
            gateway: Some("192.0.2.1".into()),
            vnic: "web01_0".into(),
        }],
    )
}

fn load_template(path: &Path) -> zmgr_core::model::template::Template {
    let file = zmgr_core::kdl::read_source(path).unwrap();
    let doc = zmgr_core::kdl::parse(&file).unwrap();
    let mut problems = Vec::new();
    zmgr_core::model::template::Template::decode(&file, &doc, &mut problems).unwrap()
}

fn zmgr(dir: &Path, args: &[&str]) -> Duration {
    common::zmgr(dir, args, false).0
}

/// Median create time in a sandbox, with the default template and with the example web
/// template and its hooks.
fn create_with_and_without_hooks(base: &Path) -> (Duration, Duration) {
    let dir: PathBuf = base.join("sandbox");
    zmgr(&dir, &["list"]);
    let root = dir.join("etc/zmgr");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts");
    std::fs::copy(src.join("web-template.kdl"), root.join("templates/web.kdl")).unwrap();
    std::fs::create_dir_all(root.join("templates/hooks")).unwrap();
    for h in ["resolvers.rhai", "ssh-key.rhai", "web-packages.rhai"] {
        std::fs::copy(
            src.join("hooks").join(h),
            root.join("templates/hooks").join(h),
        )
        .unwrap();
    }
    let median = |template: &str, tag: &str| {
        let mut v: Vec<Duration> = (0..7)
            .map(|i| {
                zmgr(
                    &dir,
                    &["create", &format!("{tag}{i}"), "--template", template],
                )
            })
            .collect();
        v.sort();
        v[3]
    };
    (median("ipkg", "plain"), median("web", "hooked"))
}
