//! Sandbox mode: zmgr against the simulator in a folder, on any machine.
//!
//! ```text
//! DIR/etc/zmgr    the registry
//! DIR/sim         the simulator's state (its fault file is DIR/sim/faults)
//! DIR/sim/bin     zonecfg, zoneadm, dladm, zlogin and pkg: links to zmgr-sim
//! DIR/zones       the sandbox's zonepath base
//! ```

use std::path::{Path, PathBuf};

use zmgr_core::error::{Error, Result};
use zmgr_core::host::exec::{Runner, System, Tool};
use zmgr_core::host::{dladm, zfs};
use zmgr_core::kdl::quote;

/// The variable that tells the simulator where its state lives.
pub const STATE_VAR: &str = "ZMGR_SIM_STATE";

/// The etherstub the sandbox pool's VNICs are created over.
pub const STUB: &str = "zmgr_stub0";

/// The dataset of the sandbox's zones, mounted at DIR/zones.
const DATASET: &str = "rpool/zones";

#[derive(Debug, Clone)]
pub struct Sandbox {
    dir: PathBuf,
}

/// The registry of the sandbox in `dir`.
pub fn registry_in(dir: &Path) -> PathBuf {
    dir.join("etc/zmgr")
}

impl Sandbox {
    /// A sandbox in `dir`, which is made absolute so that the paths written into its
    /// configuration stay valid from any working folder.
    pub fn new(dir: &Path) -> Result<Sandbox> {
        let dir = if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::io("find", "the current folder", e))?
                .join(dir)
        };
        Ok(Sandbox { dir })
    }

    pub fn root(&self) -> PathBuf {
        registry_in(&self.dir)
    }

    pub fn state(&self) -> PathBuf {
        self.dir.join("sim")
    }

    pub fn bin(&self) -> PathBuf {
        self.state().join("bin")
    }

    /// The runner for this sandbox's tools, with the simulator's state passed along.
    pub fn runner(&self, commands: zmgr_core::host::exec::Commands) -> System {
        System::new(commands).with_env(STATE_VAR, self.state().to_string_lossy())
    }

    /// Makes the sandbox usable: links to the simulator, and on first use a registry (as
    /// `zmgr init` makes it, with commands and a pool of its own) and the pool's etherstub.
    /// Returns a line for each thing it set up.
    pub fn prepare(&self, simulator: &Path) -> Result<Vec<String>> {
        let mut done = Vec::new();
        zmgr_core::fs::ensure_dir(&self.bin())?;
        for tool in Tool::ALL {
            let link = self.bin().join(tool.name());
            if std::fs::read_link(&link).ok().as_deref() == Some(simulator) {
                continue;
            }
            // A link to an older build, or a stale file, is replaced.
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(simulator, &link)
                .map_err(|e| Error::io("link the simulator as", &link, e))?;
        }
        if self.root().join("config.kdl").exists() {
            // Set up before: nothing to run, so a sandbox verb spawns no extra process.
            return Ok(done);
        }
        // The etherstub first: the registry's existence marks a finished setup.
        let runner = self.runner(self.commands());
        if !dladm::etherstubs(&runner)?.iter().any(|s| s == STUB) {
            runner.run(&dladm::create_etherstub(STUB))?;
            done.push(format!("created the simulated etherstub {STUB}"));
        }
        // The zones' dataset, which the brand's install needs (its mount makes the folder).
        let zones = self.dir.join("zones");
        if zfs::mounted_at(&zfs::filesystems(&runner)?, &zones).is_none() {
            runner.run(&zfs::create(DATASET, &zones))?;
            done.push(format!(
                "created the simulated ZFS dataset {DATASET} on {}",
                zones.display()
            ));
        }
        zmgr_core::store::init::init_with(&self.root(), self.files())?;
        done.push(format!(
            "initialised a sandbox registry in {}",
            self.root().display()
        ));
        Ok(done)
    }

    /// The tool paths of the sandbox.
    pub fn commands(&self) -> zmgr_core::host::exec::Commands {
        let mut c = zmgr_core::host::exec::Commands::default();
        for tool in Tool::ALL {
            c.set(tool, self.bin().join(tool.name()));
        }
        c
    }

    /// The files of a new sandbox registry: those of `zmgr init`, with the sandbox's own
    /// configuration and pool.
    fn files(&self) -> Vec<(&'static str, String)> {
        let mut config = String::from(
            "// zmgr sandbox: the tools are the simulator (zmgr-sim) in ../../sim/bin.\n\
             default-template \"ipkg\"\n",
        );
        config += &format!(
            "zonepath-base {}\nzonepath-dataset {}\nipnat-conf {}\ncommands {{\n",
            quote(&self.dir.join("zones").to_string_lossy()),
            quote(DATASET),
            // The simulated global zone's /etc/ipf/ipnat.conf.
            quote(&self.state().join("etc/ipf/ipnat.conf").to_string_lossy())
        );
        for tool in Tool::ALL {
            config += &format!(
                "    {} {}\n",
                tool.name(),
                quote(&self.bin().join(tool.name()).to_string_lossy())
            );
        }
        config += "}\n";
        let pool = format!(
            "// Sandbox pool on the simulated etherstub {STUB}.\n\
             pool \"default\" {{\n    description \"Sandbox pool\"\n    network \"192.0.2.0/24\"\n    \
             gateway \"192.0.2.1\"\n    stub \"{STUB}\"\n    range \"192.0.2.10\" \"192.0.2.250\"\n}}\n"
        );
        zmgr_core::store::init::FILES
            .iter()
            .map(|(path, text)| {
                let text = match *path {
                    "config.kdl" => config.clone(),
                    "pools/default.kdl" => pool.clone(),
                    _ => text.to_string(),
                };
                (*path, text)
            })
            .collect()
    }
}

/// Where the simulator binary is: `ZMGR_SIM` if set, else `zmgr-sim` beside this program,
/// else the first `zmgr-sim` on `PATH`.
pub fn find_simulator() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("ZMGR_SIM") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| Error::io("find", "the zmgr program", e))?;
    let beside = exe.with_file_name("zmgr-sim");
    if beside.is_file() {
        return Ok(beside);
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.is_absolute())
        .map(|d| d.join("zmgr-sim"))
        .find(|p| p.is_file());
    on_path.ok_or_else(|| {
        Error::usage(format!(
            "sandbox mode needs the simulator, zmgr-sim, which is neither at {} nor on PATH",
            beside.display()
        ))
        .with_help(
            "build it with `cargo build --release -p zmgr-sim` in zmgr's source tree (it lands beside zmgr in target/release), or set ZMGR_SIM to its path",
        )
    })
}
