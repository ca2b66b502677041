//! The core API: one facade over the registry and the system, used by the CLI verbs (and by
//! scripts, through the same functions).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Result;
use crate::exec::{CommandLine, ExecError, Output, Runner, Stream, System};
use crate::lock::RegistryLock;
use crate::progress::Progress;
use crate::registry::Registry;
use crate::sandbox::Sandbox;

pub struct Core {
    root: PathBuf,
    runner: std::sync::Arc<dyn Runner + Send + Sync>,
    progress: Box<dyn Progress>,
    /// How long to wait for another process's registry lock.
    pub lock_wait: Duration,
}

impl Core {
    /// Opens the registry at `root` with the tools its `config.kdl` names.
    /// With `zones` false the registry comes without its zone entries (see
    /// [`Registry::load_with`]).
    pub fn open(root: &Path, zones: bool, progress: Box<dyn Progress>) -> Result<(Core, Registry)> {
        let (registry, _) = Registry::load_with(root, zones)?;
        let runner = System::new(registry.config.commands.clone());
        Ok((
            Core::configured(root, std::sync::Arc::new(runner), progress, &registry),
            registry,
        ))
    }

    /// Opens a sandbox's registry, with its tools run against the simulator's state.
    pub fn open_sandbox(
        sandbox: &Sandbox,
        zones: bool,
        progress: Box<dyn Progress>,
    ) -> Result<(Core, Registry)> {
        let root = sandbox.root();
        let (registry, _) = Registry::load_with(&root, zones)?;
        let runner = sandbox.runner(registry.config.commands.clone());
        Ok((
            Core::configured(&root, std::sync::Arc::new(runner), progress, &registry),
            registry,
        ))
    }

    /// A core with the settings of `registry`'s config.kdl.
    fn configured(
        root: &Path,
        runner: std::sync::Arc<dyn Runner + Send + Sync>,
        progress: Box<dyn Progress>,
        registry: &Registry,
    ) -> Core {
        let mut core = Core::with_runner(root, runner, progress);
        core.lock_wait = Duration::from_secs(registry.config.lock_wait);
        core
    }

    pub fn with_runner(
        root: &Path,
        runner: std::sync::Arc<dyn Runner + Send + Sync>,
        progress: Box<dyn Progress>,
    ) -> Core {
        Core {
            root: root.to_path_buf(),
            runner,
            progress,
            lock_wait: crate::lock::DEFAULT_WAIT,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn runner(&self) -> &dyn Runner {
        &*self.runner
    }

    /// The runner, shared (hooks run commands too).
    pub fn shared_runner(&self) -> std::sync::Arc<dyn Runner + Send + Sync> {
        self.runner.clone()
    }

    /// The registry as it is now on disk.
    pub fn registry(&self) -> Result<Registry> {
        Ok(Registry::load(&self.root)?.0)
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

    /// A note for the person running zmgr, on the progress channel.
    pub fn note(&mut self, message: &str) {
        self.progress.note(message);
    }
}
