//! Rhai's errors as zmgr diagnostics: the script file, the line, the code, and the chain of
//! calls and imports that led there.

use std::sync::Arc;

use rhai::{EvalAltResult, ParseError, Position};

use super::resolver::Files;
use zmgr_core::error::{Problem, SourceFile};

pub use super::span::span_of;

fn located(p: Problem, file: &Arc<SourceFile>, pos: Position, label: &str) -> Problem {
    match span_of(file, pos) {
        Some(span) => p.at(file, span, label),
        None => p,
    }
}

/// A compile stopped by its deadline or an interrupt (`why`), at the place it had reached.
pub fn compile_stopped(
    file: &Arc<SourceFile>,
    position: rhai::Position,
    why: &str,
    secs: f64,
) -> Problem {
    let text = stopped_text(&file.path().display().to_string(), why, &secs.to_string());
    located(Problem::error(text), file, position, "stopped here")
}

fn stopped_text(path: &str, why: &str, secs: &str) -> String {
    if why == super::INTERRUPTED {
        format!("interrupted while compiling {path}")
    } else {
        format!("compiling {path} took longer than its limit of {secs} s")
    }
}

/// A syntax error, at its place in the script; or a compile stopped by its deadline or an
/// interrupt, at the place it had reached.
pub fn parse_error(file: &Arc<SourceFile>, e: &ParseError) -> Problem {
    let message = e.err_type().to_string();
    let path = file.path().display();
    if let Some(why) = message.strip_prefix(super::COMPILE_STOPPED) {
        let (why, secs) = why.split_once(' ').unwrap_or((why, ""));
        let text = stopped_text(&path.to_string(), why, secs);
        return located(Problem::error(text), file, e.position(), "stopped here");
    }
    located(
        Problem::error(format!("syntax error in {path}: {message}")),
        file,
        e.position(),
        "here",
    )
}

/// What ended the script, in words, without Rhai's position suffix.
fn describe(e: &EvalAltResult, limits: &super::Limits) -> String {
    match e {
        EvalAltResult::ErrorTerminated(token, _) => {
            let t = token.to_string();
            if t == super::DEADLINE {
                format!(
                    "the script ran longer than its limit of {} s",
                    limits.timeout.as_secs_f64()
                )
            } else if t == super::INTERRUPTED {
                "interrupted".to_string()
            } else if t == super::MEMORY {
                format!(
                    "the script used more than {} MiB of memory",
                    super::bounds::mib(super::bounds::MEMORY_BOUND)
                )
            } else if t == super::STACK {
                format!(
                    "calls and expressions nested deeper than zmgr's stack allows ({} MiB; a recursion that never ends?)",
                    super::bounds::mib(super::bounds::STACK_BOUND)
                )
            } else if let Some(msg) = t.strip_prefix(crate::error::ABORT) {
                format!("aborted: {msg}")
            } else {
                format!("stopped: {t}")
            }
        }
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "the script ran more than {} operations (a loop that never ends?)",
            limits.max_operations
        ),
        EvalAltResult::ErrorStackOverflow(_) => format!(
            "calls nested deeper than {} levels (a recursion that never ends?)",
            limits.max_call_levels
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let limit = match what.as_str() {
                "Length of string" => Some(("max-string-size", limits.max_string_size, "bytes")),
                "Size of array/BLOB" | "Size of BLOB" => {
                    Some(("max-array-size", limits.max_array_size, "elements"))
                }
                "Size of object map" => Some(("max-map-size", limits.max_map_size, "entries")),
                _ => None,
            };
            match limit {
                _ if what == super::sizes::NESTING => format!(
                    "values nested deeper than {} levels",
                    super::bounds::MAX_VALUE_DEPTH
                ),
                Some((name, max, unit)) => {
                    format!("{what} too large: more than {name} {max} {unit} in one value")
                }
                None => format!("{what} too large"),
            }
        }
        EvalAltResult::ErrorSystem(what, e) => format!("{what}: {e}"),
        EvalAltResult::ErrorRuntime(v, _) => match v.read_lock::<crate::error::ScriptError>() {
            Some(e) => e.text.clone(),
            None => v.to_string(),
        },
        other => {
            // Rhai ends its message with the position, which the diagnostic shows anyway.
            let s = other.to_string();
            match s.rfind(" (line ") {
                Some(i) if s.ends_with(')') => s[..i].to_string(),
                _ => s,
            }
        }
    }
}

/// A runtime error, at the innermost place it happened, with every call and import on the
/// way there as related places.
pub fn runtime_error(
    main: &Arc<SourceFile>,
    files: &Files,
    limits: &super::Limits,
    err: &EvalAltResult,
) -> Problem {
    let lookup =
        |name: &str| -> Arc<SourceFile> { files.source(name).unwrap_or_else(|| main.clone()) };
    let mut current = main.clone();
    let mut trail: Vec<(Arc<SourceFile>, Position, String)> = Vec::new();
    let mut e = err;
    loop {
        match e {
            EvalAltResult::ErrorInFunctionCall(name, src, inner, pos) => {
                trail.push((current.clone(), *pos, format!("in the call to {name}()")));
                if !src.is_empty() {
                    current = lookup(src);
                }
                e = inner;
            }
            EvalAltResult::ErrorInModule(name, inner, pos) => {
                trail.push((current.clone(), *pos, format!("importing \"{name}\"")));
                // A module that did not compile: its own problem points into its file.
                if let Some(p) = files.take_module_problem(name) {
                    return with_trail(p, trail);
                }
                current = lookup(name);
                e = inner;
            }
            _ => break,
        }
    }
    let p = located(
        Problem::error(describe(e, limits)),
        &current,
        e.position(),
        "here",
    );
    with_trail(p, trail)
}

/// Adds the calls and imports that led to a problem, innermost first.
fn with_trail(mut p: Problem, trail: Vec<(Arc<SourceFile>, Position, String)>) -> Problem {
    for (file, pos, what) in trail.into_iter().rev() {
        p = p.with_related(located(
            Problem::error(format!("{what}, {}", file.path().display())),
            &file,
            pos,
            "called here",
        ));
    }
    p
}
