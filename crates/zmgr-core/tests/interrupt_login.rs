//! `zmgr login` and `zmgr console` catch Ctrl-C while they check the zone (zmgr's handlers
//! are installed then); one that came during the checks is not swallowed: zlogin does not
//! start.
//!
//! Its own test binary: the interrupt flag is process-wide and stays set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use zmgr_core::error::Error;
use zmgr_core::host::exec::{CommandLine, Commands, ExecError, Output, Runner, Stream, Tool};
use zmgr_core::ops::login::Login;
use zmgr_core::ops::session::Session;
use zmgr_core::store::registry::Registry;

/// A host with zone `web` running, which notes whether zmgr replaced itself with a tool.
#[derive(Default)]
struct Host {
    commands: Commands,
    replaced: AtomicBool,
}

impl Runner for Host {
    fn commands(&self) -> &Commands {
        &self.commands
    }

    fn run_streaming(
        &self,
        cmd: &CommandLine,
        _: &mut dyn FnMut(Stream, &str),
    ) -> Result<Output, ExecError> {
        assert_eq!(
            (cmd.tool, cmd.args.as_slice()),
            (Tool::Zoneadm, &["list".to_string(), "-cp".to_string()][..])
        );
        Ok(Output {
            stdout: "0:global:running:/::ipkg:shared\n1:web:running:/zones/web:4c1f2d3e-0000-4000-8000-000000000001:ipkg:excl\n".to_string(),
            stderr: String::new(),
        })
    }

    fn replace(&self, cmd: &CommandLine) -> ExecError {
        self.replaced.store(true, Ordering::SeqCst);
        ExecError::Refused {
            command: cmd.display(&self.commands),
        }
    }
}

#[test]
fn an_interrupt_during_the_checks_keeps_zlogin_from_starting() {
    let root = std::env::temp_dir().join(format!("zmgr-interrupt-login-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("zones")).unwrap();
    std::fs::write(root.join("config.kdl"), "zonepath-base \"/zones\"\n").unwrap();
    std::fs::write(
        root.join("zones/web.kdl"),
        "zone \"web\" {\n    brand \"ipkg\"\n    zonepath \"/zones/web\"\n    ip-type \"exclusive\"\n    state \"running\"\n    created \"2026-01-02T03:04:05Z\"\n}\n",
    )
    .unwrap();
    let registry = Registry::load(&root).unwrap().0;
    let host = Arc::new(Host::default());
    let core = Session::new(
        &root,
        host.clone(),
        Box::new(zmgr_core::ops::progress::Silent),
    );
    // Without an interrupt, zmgr replaces itself with zlogin (refused by this host).
    let e = zmgr_core::ops::login::exec(&core, &registry, "web", &Login::Console);
    assert!(host.replaced.swap(false, Ordering::SeqCst), "{e:?}");
    // An interrupt noted by then: no zlogin.
    zmgr_core::host::interrupt::request();
    for login in [Login::Shell, Login::Console] {
        let e = zmgr_core::ops::login::exec(&core, &registry, "web", &login);
        assert!(matches!(e, Error::Interrupted), "{e:?}");
        assert!(!host.replaced.load(Ordering::SeqCst));
    }
    let _ = std::fs::remove_dir_all(&root);
}
