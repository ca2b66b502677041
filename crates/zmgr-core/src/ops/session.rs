//! The session every operation runs in: the registry root, the host runner, the progress
//! display, the hook engine and the lock timeout. The program that builds it decides which
//! host (the real tools, the simulator, a fake) and which hook engine.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::fs::lock::RegistryLock;
use crate::host::exec::{CommandLine, ExecError, Output, Runner, Stream};
use crate::host::shared::SharedLedger;
use crate::ops::hooks::{HookEngine, NoHooks};
use crate::ops::progress::Progress;
use crate::store::needs::Needs;
use crate::store::registry::Registry;

/// A runner shared with the hooks, which run commands too.
pub type SharedRunner = Arc<dyn Runner + Send + Sync>;

pub struct Session {
    root: PathBuf,
    runner: SharedRunner,
    progress: Box<dyn Progress>,
    hooks: Arc<dyn HookEngine>,
    /// The journal of the create whose hooks this session serves: registry changes made
    /// through it are noted there, to be taken back with the create.
    journal: Option<crate::ops::journal::Journal>,
    /// How long to wait for another process's registry lock.
    pub lock_wait: Duration,
    /// The store of shared pools, connected on first use.
    shared: Arc<std::sync::OnceLock<Arc<dyn SharedLedger>>>,
}

/// How this program reaches the store of shared pools (etcd) from config.kdl: registered once
/// by a program built with a client; without one, a shared pool is refused, saying why.
/// It is given config.kdl and the registry's root (whose identity it registers).
pub type Connector = fn(&crate::model::config::Config, &Path) -> Result<Arc<dyn SharedLedger>>;

static CONNECTOR: std::sync::OnceLock<Connector> = std::sync::OnceLock::new();

/// Reaches the store of shared pools that `config` names, through the program's
/// [`Connector`].
pub fn connect(
    config: &crate::model::config::Config,
    root: &Path,
) -> Result<Arc<dyn SharedLedger>> {
    let connect = CONNECTOR.get().ok_or_else(|| {
        Error::usage(
            "shared pools (`ledger \"etcd\"`) need a zmgr built with etcd (cargo feature `etcd`)",
        )
    })?;
    if config.etcd.is_none() {
        return Err(Error::usage(
            "a pool keeps its addresses in etcd (`ledger \"etcd\"`), and config.kdl has no `etcd` block",
        )
        .with_help("add `etcd { endpoints \"http://HOST:2379\" }` to config.kdl"));
    }
    connect(config, root)
}

/// Registers the program's [`Connector`] (the first registration stays).
pub fn set_connector(connect: Connector) {
    let _ = CONNECTOR.set(connect);
}

impl Session {
    /// A session over the registry at `root`, run by `runner`, with no hook engine and the
    /// default lock wait.
    pub fn new(root: &Path, runner: SharedRunner, progress: Box<dyn Progress>) -> Session {
        Session {
            root: root.to_path_buf(),
            runner,
            progress,
            hooks: Arc::new(NoHooks),
            journal: None,
            lock_wait: crate::fs::lock::DEFAULT_WAIT,
            shared: Arc::default(),
        }
    }

    /// The store of `pool`'s addresses when the pool is shared (`ledger "etcd"`), `None` when
    /// this registry is its ledger; connected on first use, from `config`.
    pub fn shared_ledger(
        &self,
        config: &crate::model::config::Config,
        pool: &crate::model::pool::Pool,
    ) -> Result<Option<Arc<dyn SharedLedger>>> {
        if pool.shared.is_none() {
            return Ok(None);
        }
        self.shared_store(config).map(Some)
    }

    /// The store of shared pools, connected on first use, from `config`.
    pub fn shared_store(
        &self,
        config: &crate::model::config::Config,
    ) -> Result<Arc<dyn SharedLedger>> {
        if let Some(s) = self.shared.get() {
            return Ok(s.clone());
        }
        let store = connect(config, &self.root)?;
        Ok(self.shared.get_or_init(|| store).clone())
    }

    /// Loads the registry at `root` (without its zone entries when `zones` is false, see
    /// [`Registry::load_with`]) and opens a session over it with `runner(config)`: the host
    /// is chosen by the caller, from the tool paths of config.kdl.
    /// `needs` says which files the verb depends on (see [`Registry::load_for`]): a broken
    /// file elsewhere is left out, and comes back as a warning for the caller to show.
    pub fn open(
        root: &Path,
        zones: bool,
        needs: impl FnMut(&Registry) -> Needs,
        runner: impl FnOnce(&Registry) -> SharedRunner,
        progress: Box<dyn Progress>,
    ) -> Result<(Session, Registry, crate::error::Problems)> {
        let (registry, warnings) = Registry::load_for(root, zones, needs)?;
        check_programs(&registry)?;
        let mut session = Session::new(root, runner(&registry), progress);
        session.lock_wait = Duration::from_secs(registry.config.lock_wait);
        Ok((session, registry, warnings))
    }

    /// Hooks of templates are loaded by `engine`.
    pub fn with_hooks(mut self, engine: Arc<dyn HookEngine>) -> Session {
        self.hooks = engine;
        self
    }

    /// Registry changes made in this session belong to a create's `journal`.
    pub fn with_journal(mut self, journal: Option<crate::ops::journal::Journal>) -> Session {
        self.journal = journal;
        self
    }

    /// Notes a registry change before it is made, when it belongs to a create.
    pub fn record(&self, change: crate::ops::journal::Change) -> Result<()> {
        match &self.journal {
            Some(j) => j.record(change),
            None => Ok(()),
        }
    }

    pub fn journal(&self) -> Option<&crate::ops::journal::Journal> {
        self.journal.as_ref()
    }

    pub fn hook_engine(&self) -> &dyn HookEngine {
        &*self.hooks
    }

    pub fn shared_hook_engine(&self) -> Arc<dyn HookEngine> {
        self.hooks.clone()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn runner(&self) -> &dyn Runner {
        &*self.runner
    }

    /// The runner, shared (hooks run commands too).
    pub fn shared_runner(&self) -> SharedRunner {
        self.runner.clone()
    }

    /// The registry as it is now on disk.
    pub fn registry(&self) -> Result<Registry> {
        Ok(Registry::load(&self.root)?.0)
    }

    /// The registry as it is now on disk, for an operation that depends on what `needs`
    /// names: a broken file elsewhere is left out.
    pub fn registry_for(&self, needs: Needs) -> Result<Registry> {
        Ok(Registry::load_for(&self.root, true, |_| needs.clone())?.0)
    }

    /// Takes the registry lock for a short read-modify-write.
    pub fn lock(&self) -> Result<RegistryLock> {
        RegistryLock::acquire(&self.root, self.lock_wait)
    }

    /// Shows a command as it would be typed.
    pub fn display(&self, cmd: &CommandLine) -> String {
        cmd.display(self.runner.commands())
    }

    /// Runs a quick command (no progress display).
    pub fn run(&self, cmd: &CommandLine) -> Result<Output, ExecError> {
        self.runner.run(cmd)
    }

    /// Runs a long command under the progress display, feeding it the command's lines.
    pub fn run_step(&mut self, message: &str, cmd: &CommandLine) -> Result<Output, ExecError> {
        self.progress.step(message);
        let progress = &mut self.progress;
        let result = self.runner.run_streaming(cmd, &mut |stream, line| {
            if stream == Stream::Stdout || !line.is_empty() {
                progress.output(line);
            }
        });
        self.progress.done();
        result
    }

    /// Like [`Session::run_step`], and the command is stopped (as an interrupt stops it) once
    /// `give_up` says so: a graceful shutdown that takes too long.
    pub fn run_step_until(
        &mut self,
        message: &str,
        cmd: &CommandLine,
        give_up: &dyn Fn() -> bool,
    ) -> Result<Output, ExecError> {
        self.progress.step(message);
        let progress = &mut self.progress;
        let result = self.runner.run_streaming_until(
            cmd,
            &mut |stream, line| {
                if stream == Stream::Stdout || !line.is_empty() {
                    progress.output(line);
                }
            },
            give_up,
        );
        self.progress.done();
        result
    }

    /// Another session over the same registry, host, hooks and lock wait, with its own
    /// progress display: one per worker when several zones are handled at once.
    pub fn fork(&self, progress: Box<dyn Progress>) -> Session {
        Session {
            root: self.root.clone(),
            runner: self.runner.clone(),
            progress,
            hooks: self.hooks.clone(),
            journal: None,
            lock_wait: self.lock_wait,
            shared: self.shared.clone(),
        }
    }

    /// A note for the person running zmgr, on the progress channel.
    pub fn note(&mut self, message: &str) {
        self.progress.note(message);
    }
}

/// The programs config.kdl names run as root: each, and every folder above it, must be one
/// that only root (or the user running zmgr) could have written. A program that is not there
/// is left to the run, which says this is not an illumos host.
fn check_programs(registry: &Registry) -> Result<()> {
    use crate::fs::trust::{OpenError, check_program};
    let mut problems = Vec::new();
    for tool in crate::command::Tool::ALL {
        let path = registry.config.commands.path(tool);
        match check_program(path) {
            Ok(()) | Err(OpenError::Missing) => {}
            Err(OpenError::Untrusted(u)) => problems.push(
                crate::error::Problem::error(format!(
                    "the {} program {}: zmgr would run it as root",
                    tool.name(),
                    u
                ))
                .with_help(format!(
                    "`{}`, or name another program in config.kdl",
                    u.fix
                )),
            ),
            Err(e) => problems.push(crate::error::Problem::error(format!(
                "the {} program {} cannot be run safely: {}",
                tool.name(),
                path.display(),
                match e {
                    OpenError::Io(why) => why,
                    OpenError::NotAFile(_) => "it is not a regular file".into(),
                    _ => "a link or folder on its way changed while zmgr checked it".into(),
                }
            ))),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(crate::error::Error::Registry {
            root: registry.root.clone(),
            problems: crate::error::Problems(problems),
        })
    }
}
