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

/// What a sandbox folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// A registry with its `config.kdl`: set up before.
    Ready,
    /// Nothing, or only the simulator's state and zones folder (a setup that stopped early,
    /// or fault rules written ahead): set up now.
    New,
    /// The registry folder without its `config.kdl`: deleted, or an `init` that stopped.
    LostConfig,
    /// A folder with other things in it: not a sandbox.
    Foreign,
}

/// A path as a message quotes it: escaped for the terminal, cut when very long.
fn shown(path: &Path) -> String {
    zmgr_core::text::shown(&path.to_string_lossy())
}

/// A path as a shell word to copy, escaped for the terminal first.
fn shell_word(path: &Path) -> String {
    zmgr_core::host::exec::shell_quote(&zmgr_core::text::printable(&path.to_string_lossy()))
}

/// The registry of the sandbox in `dir`.
pub fn registry_in(dir: &Path) -> PathBuf {
    dir.join("etc/zmgr")
}

impl Sandbox {
    /// A sandbox in `dir`, which is made absolute so that the paths written into its
    /// configuration stay valid from any working folder.
    pub fn new(dir: &Path) -> Result<Sandbox> {
        if dir.as_os_str().is_empty() {
            return Err(
                Error::usage("the sandbox folder is an empty string").with_help(
                    "give --sandbox (or ZMGR_SANDBOX) a folder: a new one, or an empty one",
                ),
            );
        }
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

    /// What the folder holds: a sandbox, the makings of one, or something else.
    fn status(&self) -> Result<Status> {
        let shown = shown(&self.dir);
        match std::fs::metadata(&self.dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Status::New),
            Err(e) => return Err(Error::io("read the sandbox folder", &self.dir, e)),
            Ok(m) if !m.is_dir() => {
                return Err(
                    Error::usage(format!("the sandbox folder {shown} is not a folder")).with_help(
                        "give --sandbox (or ZMGR_SANDBOX) a new folder, or an empty one",
                    ),
                );
            }
            Ok(_) => {}
        }
        // A link, even a dangling one, counts: the registry then says what is wrong with it.
        if std::fs::symlink_metadata(self.root().join("config.kdl")).is_ok() {
            return Ok(Status::Ready);
        }
        let entries: Vec<std::ffi::OsString> = std::fs::read_dir(&self.dir)
            .map_err(|e| Error::io("read the sandbox folder", &self.dir, e))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::io("read the sandbox folder", &self.dir, e))?;
        // Empty, or holding only what a setup makes before the registry (the simulator's
        // state, fault rules written ahead, the zones' dataset): a setup to do or finish.
        if entries.iter().all(|n| n == "sim" || n == "zones") {
            return Ok(Status::New);
        }
        if std::fs::symlink_metadata(self.root()).is_ok() {
            return Ok(Status::LostConfig);
        }
        Ok(Status::Foreign)
    }

    /// Makes the sandbox usable: links to the simulator, and in a new (absent or empty)
    /// folder a registry (as `zmgr init` makes it, with commands and a pool of its own) and
    /// the pool's etherstub. A sandbox whose `config.kdl` is gone is refused, unless
    /// `repair` (for `init`, which then writes the missing files with [`Sandbox::init`]);
    /// so is a folder that holds other things. Returns a line for each thing it set up.
    pub fn prepare(&self, simulator: &Path, repair: bool) -> Result<Vec<String>> {
        let mut done = Vec::new();
        let dir = shown(&self.dir);
        let status = self.status()?;
        match status {
            Status::Ready | Status::New => {}
            Status::LostConfig if repair => {}
            Status::LostConfig => {
                return Err(Error::usage(format!(
                    "the sandbox in {dir} has no configuration: {} is missing",
                    shown(&self.root().join("config.kdl"))
                ))
                .with_help(format!(
                    "zmgr sets up only a new or empty sandbox folder, and does not write over one in use; \
                     `zmgr --sandbox {} init` writes the sandbox's config.kdl again (and any other file \
                     of a new sandbox that is missing, keeping those there), or remove {dir} to start afresh",
                    shell_word(&self.dir)
                )));
            }
            Status::Foreign => {
                return Err(Error::usage(format!(
                    "{dir} is not a zmgr sandbox: the folder is not empty and has no {}",
                    shown(&self.root().join("config.kdl"))
                ))
                .with_help(
                    "sandbox mode sets up only a new or empty folder, so that it never writes among \
                     other files; give --sandbox (or ZMGR_SANDBOX) a new folder, e.g. `--sandbox $(mktemp -d)`",
                ));
            }
        }
        if status == Status::New {
            done.push(format!(
                "setting up a new sandbox in {dir}: registry {}, simulator state {}",
                shown(&self.root()),
                shown(&self.state())
            ));
        }
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
        if status == Status::Ready {
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
                shown(&zones)
            ));
        }
        if status == Status::LostConfig {
            // `init` writes the missing files and says which.
            return Ok(done);
        }
        self.init()?;
        done.push(format!(
            "initialised a sandbox registry in {}",
            shown(&self.root())
        ));
        done.push(format!(
            "its simulated tools run by hand as: ZMGR_SIM_STATE={} {} list -cv",
            shell_word(&self.state()),
            shell_word(&self.bin().join("zoneadm"))
        ));
        Ok(done)
    }

    /// Writes the files of a new sandbox registry that are missing; never overwrites one.
    pub fn init(&self) -> Result<Vec<zmgr_core::store::init::Step>> {
        zmgr_core::store::init::init_with(&self.root(), self.files())
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
        let p = PathBuf::from(p);
        if !p.is_file() {
            return Err(Error::usage(format!(
                "ZMGR_SIM names {}, which is not a file",
                p.display()
            ))
            .with_help("set ZMGR_SIM to the path of the simulator, zmgr-sim, or unset it"));
        }
        return Ok(p);
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
