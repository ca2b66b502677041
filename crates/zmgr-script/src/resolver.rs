//! `import` for scripts: only files inside the importing script's own folder or the site
//! scripts folder, never a path that is absolute or climbs out with `..` (the stock file
//! resolver follows both).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};

use zmgr_core::error::SourceFile;

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
}

impl Confined {
    pub fn new(dirs: Vec<PathBuf>) -> Confined {
        Confined {
            dirs,
            files: Files::default(),
            cache: RefCell::default(),
        }
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
        let own = source.and_then(|s| Path::new(s).parent().map(Path::to_path_buf));
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
            let script = super::Script::load(engine, &file, &Scope::new()).map_err(|p| {
                let at = p.position().map(|at| format!("{at}: ")).unwrap_or_default();
                let message = format!("{at}{}", p.message());
                self.files.set_module_problem(path, p);
                refused(path, message, pos)
            })?;
            let name = file.to_string_lossy().into_owned();
            self.files.add(name.clone(), script.file.clone());
            self.files.add(path, script.file.clone());
            let module = Module::eval_ast_as_new(Scope::new(), &script.ast, engine)
                .map_err(|e| Box::new(EvalAltResult::ErrorInModule(name.clone(), e, pos)))?;
            let module: Shared<Module> = module.into();
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
