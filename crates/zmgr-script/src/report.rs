//! Rhai's errors as zmgr diagnostics: the script file, the line, the code, and the chain of
//! calls and imports that led there.

use std::sync::Arc;

use rhai::{EvalAltResult, ParseError, Position};

use super::resolver::Files;
use zmgr_core::error::{Problem, SourceFile};

/// Byte span of a Rhai position (1-based line and column in characters) in `file`.
pub fn span_of(file: &SourceFile, pos: Position) -> Option<miette::SourceSpan> {
    let (line, col) = (pos.line()?, pos.position().unwrap_or(1));
    let text = file.text();
    let start_of_line = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum::<usize>();
    let line_text = text[start_of_line..].split('\n').next().unwrap_or("");
    let offset = start_of_line
        + line_text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i);
    // Underline the word that starts there, at least one character.
    let word = text[offset..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(text.len() - offset, |(i, _)| i)
        .max(1);
    Some((offset, word.min(text.len().saturating_sub(offset))).into())
}

fn located(p: Problem, file: &Arc<SourceFile>, pos: Position, label: &str) -> Problem {
    match span_of(file, pos) {
        Some(span) => p.at(file, span, label),
        None => p,
    }
}

/// A syntax error, at its place in the script.
pub fn parse_error(file: &Arc<SourceFile>, e: &ParseError) -> Problem {
    let message = e.err_type().to_string();
    located(
        Problem::error(format!(
            "syntax error in {}: {message}",
            file.path().display()
        )),
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
