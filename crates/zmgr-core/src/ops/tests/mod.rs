//! Unit tests of the operations over the fake host (`host::fake`): create's undo at every
//! step, destroy with parts missing, reconcile's findings and repairs, import's matching.
//! Registries are written as text into a temporary folder that each test removes; nothing
//! spawns a process.

mod create;
mod destroy;
mod grammar;
mod import;
mod reconcile;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::host::exec::Runner;
use crate::host::fake::{FakeHost, FakeNet, FakeZone};
use crate::model::config::Scripting;
use crate::model::template::{HookPoint, Template};
use crate::ops::hooks::{Additions, HookEngine, HookZone, ZoneHooks};
use crate::ops::session::Session;
use crate::store::registry::Registry;

/// `config.kdl`: the default template `t`, zones under /zones.
pub const CONFIG: &str = "default-template \"t\"\nzonepath-base \"/zones\"\nlock-wait 1\n";

/// Pool `lan`: 192.0.2.0/24, gateway .1, over etherstub `stub0`, handing out .10 to .20.
pub const POOL_LAN: &str = "pool \"lan\" {\n    network \"192.0.2.0/24\"\n    gateway \"192.0.2.1\"\n    stub \"stub0\"\n    range \"192.0.2.10\" \"192.0.2.20\"\n}\n";

/// Template `t`: brand ipkg, exclusive IP, booted, addresses from `lan`; no hooks.
pub const TEMPLATE_T: &str = "template \"t\" {\n    brand \"ipkg\"\n    autoboot #true\n    ip-type \"exclusive\"\n    pool \"lan\"\n}\n";

/// Template `h`: like `t`, with a script at each create point (run by [`TestHooks`]).
pub const TEMPLATE_H: &str = "template \"h\" {\n    brand \"ipkg\"\n    autoboot #true\n    ip-type \"exclusive\"\n    pool \"lan\"\n    hooks {\n        pre-install code=\"x\"\n        post-install code=\"x\"\n        post-boot code=\"x\"\n    }\n}\n";

/// A registry in a folder of its own under the system's temporary folder, removed when the
/// value is dropped (also when the test panics).
pub struct Reg {
    root: PathBuf,
}

impl Reg {
    /// A registry with config.kdl only.
    pub fn empty() -> Reg {
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "zmgr-core-ops-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let reg = Reg { root };
        reg.write("config.kdl", CONFIG);
        reg
    }

    /// A registry with config.kdl, pool `lan` and templates `t` and `h`.
    pub fn new() -> Reg {
        let reg = Reg::empty();
        reg.write("pools/lan.kdl", POOL_LAN);
        reg.write("templates/t.kdl", TEMPLATE_T);
        reg.write("templates/h.kdl", TEMPLATE_H);
        reg
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes a registry file, making its folder.
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// The text of a registry file.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    /// The text of `zones/NAME.kdl`, if there is one.
    pub fn entry(&self, zone: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join("zones").join(format!("{zone}.kdl"))).ok()
    }

    /// The `state` line's value of a zone's entry.
    #[track_caller]
    pub fn entry_state(&self, zone: &str) -> String {
        let text = self
            .entry(zone)
            .unwrap_or_else(|| panic!("zone {zone} has no entry"));
        text.lines()
            .find_map(|l| l.trim().strip_prefix("state \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap_or_else(|| panic!("no state in\n{text}"))
            .to_string()
    }

    /// The files of `zones/`, by name.
    pub fn zone_files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.root.join("zones"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Writes `zones/NAME.kdl`: template `t`, one net over VNIC `vnic` with `address`
    /// (a /24 from pool `lan`).
    pub fn zone(&self, name: &str, state: &str, vnic: &str, address: &str) {
        self.write(
            &format!("zones/{name}.kdl"),
            &format!(
                "zone \"{name}\" {{\n    brand \"ipkg\"\n    template \"t\"\n    zonepath \"/zones/{name}\"\n    ip-type \"exclusive\"\n    state \"{state}\"\n    created \"2026-01-02T03:04:05Z\"\n    net \"{vnic}\" address=\"{address}/24\" pool=\"lan\" vnic=#true\n}}\n"
            ),
        );
    }

    /// The registry as it is on disk now.
    #[track_caller]
    pub fn registry(&self) -> Registry {
        Registry::load(&self.root)
            .unwrap_or_else(|e| panic!("the test registry does not load: {e:?}"))
            .0
    }

    /// A session over this registry, run by `fake`, silent, with a short lock wait.
    pub fn session(&self, fake: &Arc<FakeHost>) -> Session {
        let mut s = Session::new(
            &self.root,
            fake.clone(),
            Box::new(crate::ops::progress::Silent),
        );
        s.lock_wait = Duration::from_millis(500);
        s
    }
}

impl Drop for Reg {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A host with etherstub `stub0`, the stub of pool `lan`.
pub fn host() -> Arc<FakeHost> {
    Arc::new(FakeHost::with_etherstub("stub0"))
}

/// An exclusive-IP ipkg zone of the fake with one net: `vnic` allowed `address`/24.
pub fn fake_zone(
    name: &str,
    state: crate::model::zone::ZoneState,
    vnic: &str,
    address: &str,
) -> FakeZone {
    FakeZone::new(name, "ipkg").state(state).net(
        FakeNet::new(vnic)
            .allowed_address(&format!("{address}/24"))
            .defrouter("192.0.2.1"),
    )
}

/// What a [`TestHooks`] zone's scripts do: fail at one point, or run an action there.
pub type Action = Arc<dyn Fn() + Send + Sync>;

/// A hook engine for tests: a template's hook points as it lists them, each "script" doing
/// nothing but noting that it ran, except that one point can fail and one can run an action
/// first. `fail_load` makes loading fail, as a hook that does not compile.
#[derive(Default, Clone)]
pub struct TestHooks {
    pub fail_at: Option<HookPoint>,
    pub fail_load: bool,
    pub action: Option<(HookPoint, Action)>,
    /// Packages the pre-install point adds.
    pub packages: Vec<String>,
    /// The points run, in order, with the zone they ran for.
    pub ran: Arc<Mutex<Vec<(HookPoint, String)>>>,
}

impl TestHooks {
    pub fn failing_at(point: HookPoint) -> TestHooks {
        TestHooks {
            fail_at: Some(point),
            ..TestHooks::default()
        }
    }

    pub fn ran(&self) -> Vec<HookPoint> {
        self.ran.lock().unwrap().iter().map(|(p, _)| *p).collect()
    }
}

struct TestZoneHooks {
    engine: TestHooks,
    points: Vec<HookPoint>,
    zone: HookZone,
}

impl HookEngine for TestHooks {
    fn load(
        &self,
        template: &Template,
        _: &Scripting,
        zone: HookZone,
        runner: Option<Arc<dyn Runner + Send + Sync>>,
        _: &Path,
        _: Option<crate::ops::journal::Journal>,
    ) -> Result<Box<dyn ZoneHooks>> {
        assert!(runner.is_some(), "hooks of a real create get the host");
        if self.fail_load {
            return Err(Error::failed(format!(
                "template `{}`: hook does not compile",
                template.name.value
            )));
        }
        Ok(Box::new(TestZoneHooks {
            engine: self.clone(),
            points: template.hooks.iter().map(|(p, _)| p.value).collect(),
            zone,
        }))
    }
}

impl ZoneHooks for TestZoneHooks {
    fn has(&self, point: HookPoint) -> bool {
        self.points.contains(&point)
    }

    fn run(&self, point: HookPoint) -> Result<()> {
        self.engine
            .ran
            .lock()
            .unwrap()
            .push((point, self.zone.name.clone()));
        if let Some((at, action)) = &self.engine.action
            && *at == point
        {
            action();
        }
        if self.engine.fail_at == Some(point) {
            return Err(Error::failed(format!("the {point} hook failed: no disk")));
        }
        Ok(())
    }

    fn additions(&self) -> Additions {
        Additions {
            packages: self.engine.packages.clone(),
            ..Additions::default()
        }
    }
}
