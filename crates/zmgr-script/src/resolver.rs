//! `import` for scripts: only files inside the importing script's own folder or the site
//! scripts folder, never a path that is absolute or climbs out with `..` (the stock file
//! resolver follows both); no cycle (a module importing itself, or one that imports it, would
//! recurse until the stack overflows), no deeper than [`MAX_IMPORT_DEPTH`]; and a module runs
//! within the limits of the script that imports it (its operations and call levels count with
//! the script's, not afresh).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use rhai::{
    Engine, EvalAltResult, GlobalRuntimeState, Module, ModuleResolver, Position, Scope, Shared,
};

use super::bounds::MAX_IMPORT_DEPTH;
use zmgr_core::error::{Problem, SourceFile};

/// Every script file read during a run, by the name its code carries as source, so that an
/// error anywhere can show its file and line; and the problem that stopped a module from
/// loading, which Rhai can only carry as text.
#[derive(Clone, Default)]
pub struct Files(Rc<RefCell<Loaded>>);

#[derive(Default)]
struct Loaded {
    sources: HashMap<String, Arc<SourceFile>>,
    module_problems: HashMap<String, zmgr_core::error::Problem>,
}

impl Files {
    pub fn add(&self, name: impl Into<String>, file: Arc<SourceFile>) {
        self.0.borrow_mut().sources.insert(name.into(), file);
    }

    pub fn source(&self, name: &str) -> Option<Arc<SourceFile>> {
        self.0.borrow().sources.get(name).cloned()
    }

    /// The problem that stopped module `name` (the import path) from loading, taken once.
    pub fn take_module_problem(&self, name: &str) -> Option<zmgr_core::error::Problem> {
        self.0.borrow_mut().module_problems.remove(name)
    }

    fn set_module_problem(&self, name: &str, p: zmgr_core::error::Problem) {
        self.0
            .borrow_mut()
            .module_problems
            .insert(name.to_string(), p);
    }
}

pub struct Confined {
    dirs: Vec<PathBuf>,
    files: Files,
    cache: RefCell<HashMap<PathBuf, Shared<Module>>>,
    /// The modules being loaded now, outermost first.
    loading: RefCell<Vec<Loading>>,
}

/// A module being loaded: its file, where the script importing it imports it, and the script
/// at the root of the imports.
struct Loading {
    real: PathBuf,
    file: PathBuf,
    from: Position,
    root: String,
}

impl Confined {
    pub fn new(dirs: Vec<PathBuf>) -> Confined {
        Confined {
            dirs,
            files: Files::default(),
            cache: RefCell::default(),
            loading: RefCell::default(),
        }
    }

    /// The problem of an import at `pos` of the script `source`, at its place there.
    fn problem_at(&self, source: Option<&str>, pos: Position, message: String) -> Problem {
        let p = Problem::error(message);
        match source.and_then(|s| self.files.source(s)) {
            Some(file) => match super::span::span_of(&file, pos) {
                Some(span) => p.at(&file, span, "imported here"),
                None => p,
            },
            None => p,
        }
    }

    /// Refuses import `path` (at `pos` of `source`) for `message`, which the diagnostic
    /// shows at that place.
    fn refuse(
        &self,
        source: Option<&str>,
        path: &str,
        pos: Position,
        message: String,
    ) -> Box<EvalAltResult> {
        self.files
            .set_module_problem(path, self.problem_at(source, pos, message.clone()));
        refused(path, message, pos)
    }

    /// The cycle `real` would close, imported at `pos` of `source`, in words: from the
    /// script at the root of the imports (which the resolver did not load) through each
    /// module being loaded, each with the line of the import that leads on.
    fn cycle(&self, source: Option<&str>, real: &Path, pos: Position) -> Option<String> {
        let loading = self.loading.borrow();
        let importer = source.unwrap_or("the script");
        // (file, its real path, where it imports the next one)
        let mut chain: Vec<(String, Option<PathBuf>, Position)> = Vec::new();
        let root = match loading.first() {
            Some(first) => first.root.clone(),
            None => importer.to_string(),
        };
        let root_real = Path::new(&root).canonicalize().ok();
        chain.push((root, root_real, loading.first().map_or(pos, |l| l.from)));
        for (i, l) in loading.iter().enumerate() {
            let next = loading.get(i + 1).map_or(pos, |n| n.from);
            chain.push((l.file.display().to_string(), Some(l.real.clone()), next));
        }
        let start = chain
            .iter()
            .position(|(_, r, _)| r.as_deref() == Some(real))?;
        let line = |p: Position| p.line().map_or(String::new(), |l| format!(":{l}"));
        let last = chain.len() - 1;
        if start == last {
            return Some(format!(
                "import cycle: {} imports itself (line {})",
                chain[last].0,
                pos.line().unwrap_or(0)
            ));
        }
        let mut steps: Vec<String> = (start..last)
            .map(|i| {
                format!(
                    "{}{} imports {}",
                    chain[i].0,
                    line(chain[i].2),
                    chain[i + 1].0
                )
            })
            .collect();
        steps.push(format!(
            "{}{} imports {} again",
            chain[last].0,
            line(pos),
            chain[start].0
        ));
        Some(format!("import cycle: {}", steps.join(", ")))
    }

    pub fn files(&self) -> Files {
        self.files.clone()
    }
}

fn refused(path: &str, why: String, pos: Position) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorInModule(
        path.to_string(),
        Box::new(EvalAltResult::ErrorRuntime(why.into(), pos)),
        pos,
    ))
}

impl ModuleResolver for Confined {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        // Only reached without a running script (Rhai calls `resolve_raw`); the module then
        // runs within limits of its own.
        let mut global = engine.new_global_runtime_state();
        global.source = source.map(Into::into);
        self.resolve_raw(engine, &mut global, &mut Scope::new(), path, pos)
    }

    fn resolve_raw(
        &self,
        engine: &Engine,
        global: &mut GlobalRuntimeState,
        _scope: &mut Scope,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let source: Option<String> = global.source().map(str::to_string);
        let source = source.as_deref();
        let rel = Path::new(path);
        if path.is_empty()
            || rel.is_absolute()
            || rel.components().any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(refused(
                path,
                format!(
                    "import \"{path}\" is refused: give a name relative to the script's folder, without `..`"
                ),
                pos,
            ));
        }
        // A script named without a folder (`zmgr run main.rhai`) is in the current one.
        let own =
            source
                .and_then(|s| Path::new(s).parent())
                .map(|d| match d.as_os_str().is_empty() {
                    true => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
                    false => d.to_path_buf(),
                });
        let dirs: Vec<PathBuf> = own.into_iter().chain(self.dirs.iter().cloned()).collect();
        for dir in &dirs {
            let file = dir.join(format!("{path}.rhai"));
            if !file.is_file() {
                continue;
            }
            // A symlink must not lead out of the folder either.
            let (Ok(real), Ok(base)) = (file.canonicalize(), dir.canonicalize()) else {
                continue;
            };
            if !real.starts_with(&base) {
                return Err(refused(
                    path,
                    format!(
                        "import \"{path}\" is refused: {} leads outside {}",
                        file.display(),
                        dir.display()
                    ),
                    pos,
                ));
            }
            if let Some(m) = self.cache.borrow().get(&real) {
                return Ok(m.clone());
            }
            if let Some(cycle) = self.cycle(source, &real, pos) {
                return Err(self.refuse(source, path, pos, cycle));
            }
            if self.loading.borrow().len() >= MAX_IMPORT_DEPTH {
                return Err(self.refuse(
                    source,
                    path,
                    pos,
                    format!(
                        "imports nested deeper than {MAX_IMPORT_DEPTH} modules: import \"{path}\" is refused"
                    ),
                ));
            }
            let script = super::Script::load(engine, &file, &Scope::new()).map_err(|p| {
                let at = p.position().map(|at| format!("{at}: ")).unwrap_or_default();
                let message = format!("{at}{}", p.message());
                self.files.set_module_problem(path, p);
                refused(path, message, pos)
            })?;
            let name = file.to_string_lossy().into_owned();
            self.files.add(name.clone(), script.file.clone());
            self.files.add(path, script.file.clone());
            let root = match self.loading.borrow().first() {
                Some(first) => first.root.clone(),
                None => source.unwrap_or("the script").to_string(),
            };
            self.loading.borrow_mut().push(Loading {
                real: real.clone(),
                file: file.clone(),
                from: pos,
                root,
            });
            // The module runs on the importing script's state: its operations, call levels
            // and imports count with the script's.
            let module =
                Module::eval_ast_as_new_raw(engine, &mut Scope::new(), global, &script.ast);
            self.loading.borrow_mut().pop();
            let module: Shared<Module> = module
                .map_err(|e| Box::new(EvalAltResult::ErrorInModule(name.clone(), e, pos)))?
                .into();
            self.cache.borrow_mut().insert(real, module.clone());
            return Ok(module);
        }
        let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        Err(refused(
            path,
            format!(
                "no module \"{path}\": looked for {path}.rhai in {}",
                looked.join(", ")
            ),
            pos,
        ))
    }
}
