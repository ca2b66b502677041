//! Error types: problems found in registry files, and the errors a verb can end with.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, Severity, SourceSpan};

/// The text of one file as it was read, shared by every problem that points into it.
pub struct SourceFile {
    path: PathBuf,
    text: std::sync::OnceLock<Arc<str>>,
    /// Reads the text when it is first asked for, for a file known without reading it (a
    /// zone entry from the zone index): only a problem shown with its text needs it.
    deferred: Option<Deferred>,
}

/// How a deferred file's text is read: `read(path, known)` gives the text while the file
/// still has the stamp it was known by (`known` is a hash of it), `None` otherwise.
#[derive(Clone, Copy)]
pub struct Deferred {
    pub read: fn(&Path, u64) -> Option<String>,
    pub known: u64,
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("path", &self.path)
            .field("deferred", &self.deferred.is_some())
            .finish()
    }
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Arc<Self> {
        Arc::new(Self {
            path: path.into(),
            text: std::sync::OnceLock::from(text.into()),
            deferred: None,
        })
    }

    /// A file whose text is read only when asked for (see [`Deferred`]). Should the file
    /// have changed by then, its text is empty, and a problem pointing into it is shown
    /// without the lines.
    pub fn deferred(path: impl Into<PathBuf>, deferred: Deferred) -> Arc<Self> {
        Arc::new(Self {
            path: path.into(),
            text: std::sync::OnceLock::new(),
            deferred: Some(deferred),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn text(&self) -> &str {
        self.text.get_or_init(|| {
            self.deferred
                .and_then(|d| (d.read)(&self.path, d.known))
                .unwrap_or_default()
                .into()
        })
    }

    /// The text, shared.
    pub fn text_arc(&self) -> Arc<str> {
        self.text();
        self.text.get().expect("read just now").clone()
    }

    /// 1-based line and column of a byte offset, as shown in diagnostics.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let text = self.text();
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

/// Lines longer than this many characters are cut for display: miette prints a source line
/// whole and pads to a label's column with a format width, which panics past 65,535 columns.
const LONG_LINE: usize = 300;
/// On a cut line: the characters shown before a label, at most this many of the label itself,
/// and the characters shown after it.
const CUT_BEFORE: usize = 40;
const CUT_LABEL: usize = 60;
const CUT_AFTER: usize = 20;

/// The file as miette reads it: named by its path, with columns counted in characters (miette
/// itself counts bytes, which is wrong after any non-ASCII text on the line). A long line is
/// shown as a window around the span, a slice of the line at its true offsets, so the label
/// still sits under its text and the header still names the true line and column.
impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text: &'a str = self.text();
        let span = self.display_span(*span);
        let (offset, end) = (span.offset(), span.offset() + span.len());
        if end > text.len() {
            if self.deferred.is_some() {
                // Changed since it was known by its stamp: the problem, without its lines.
                return Ok(Box::new(miette::MietteSpanContents::new_named(
                    self.path.display().to_string(),
                    &[],
                    (0, 0).into(),
                    0,
                    0,
                    0,
                )));
            }
            return Err(miette::MietteError::OutOfBounds);
        }
        let (line_start, line_end) = line_bounds(text, floor_char_boundary(text, offset));
        if is_long(&text[line_start..line_end]) {
            // `display_span` keeps the span on this line and at most CUT_LABEL characters long.
            let from = chars_back(text, offset, CUT_BEFORE, line_start);
            let to = chars_forward(text, end.clamp(offset, line_end), CUT_AFTER, line_end);
            let line = text[..line_start].matches('\n').count();
            let column_of = if context_lines_before == 0 {
                offset
            } else {
                from
            };
            let column = text[line_start..column_of].chars().count();
            let contents = miette::MietteSpanContents::new_named(
                self.path.display().to_string(),
                &text.as_bytes()[from..to],
                (from, to - from).into(),
                line,
                column,
                1,
            )
            .with_language("kdl");
            return Ok(Box::new(contents));
        }
        // Context lines are shown whole: leave out any long one and those beyond it.
        let last = line_bounds(
            text,
            floor_char_boundary(text, end.saturating_sub(1).max(offset)),
        )
        .1;
        let before = short_lines_before(text, line_start, context_lines_before);
        let after = short_lines_after(text, last, context_lines_after);
        let inner = text.read_span(&span, before, after)?;
        let column = if before == 0 {
            self.line_col(offset).1 - 1
        } else {
            inner.column()
        };
        // Lines as `line_col` counts them, by `\n` alone: miette also counts a lone `\r` here,
        // but not when it numbers the lines it prints.
        let line = text[..inner.span().offset()].matches('\n').count();
        let contents = miette::MietteSpanContents::new_named(
            self.path.display().to_string(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )
        .with_language("kdl");
        Ok(Box::new(contents))
    }
}

impl SourceFile {
    /// The part of `span` a diagnostic underlines. On a long line that is at most CUT_LABEL
    /// characters from its start; a span over several lines, one of them long, keeps to its
    /// first line. Other spans are left as they are.
    fn display_span(&self, span: SourceSpan) -> SourceSpan {
        let text: &str = self.text();
        let Some(end) = span.offset().checked_add(span.len()) else {
            return span;
        };
        if end > text.len() {
            return span;
        }
        let offset = floor_char_boundary(text, span.offset());
        let (line_start, line_end) = line_bounds(text, offset);
        let cut_end = if is_long(&text[line_start..line_end]) {
            let limit = chars_forward(text, offset, CUT_LABEL, line_end);
            ceil_char_boundary(text, end).min(limit)
        } else if end > line_end
            && text[line_end..line_bounds(text, end).1]
                .split('\n')
                .any(is_long)
        {
            line_end
        } else {
            return span;
        };
        (offset, cut_end.max(offset) - offset).into()
    }
}

/// Whether `line` is longer than [`LONG_LINE`] characters.
fn is_long(line: &str) -> bool {
    line.len() > LONG_LINE && line.chars().nth(LONG_LINE).is_some()
}

/// The byte range of the line holding `offset` (a character boundary), without its `\n` or
/// `\r\n`.
fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    if end > offset && end < text.len() && text.as_bytes()[end - 1] == b'\r' {
        end -= 1;
    }
    (start, end)
}

/// The offset `n` characters before `at`, but not before `floor`.
fn chars_back(text: &str, at: usize, n: usize, floor: usize) -> usize {
    if n == 0 {
        return at;
    }
    text[floor..at]
        .char_indices()
        .rev()
        .nth(n - 1)
        .map_or(floor, |(i, _)| floor + i)
}

/// The offset `n` characters after `at`, but not after `ceil`.
fn chars_forward(text: &str, at: usize, n: usize, ceil: usize) -> usize {
    text[at..ceil]
        .char_indices()
        .nth(n)
        .map_or(ceil, |(i, _)| at + i)
}

/// How many of the `n` lines before the line starting at `line_start` are short, counting
/// back from it and stopping at the first long one.
fn short_lines_before(text: &str, line_start: usize, n: usize) -> usize {
    let mut end = line_start;
    for count in 0..n {
        if end == 0 {
            // No more lines: asking for more is harmless, and asking for none would make
            // miette show the first line from the span on.
            return n;
        }
        let (start, _) = line_bounds(text, end - 1);
        if is_long(&text[start..end - 1]) {
            return count;
        }
        end = start;
    }
    n
}

/// How many of the `n` lines after the line ending at `line_end` are short, stopping at the
/// first long one.
fn short_lines_after(text: &str, line_end: usize, n: usize) -> usize {
    let mut rest = &text[line_end..];
    // Past this line's terminator.
    match rest.find('\n') {
        Some(i) => rest = &rest[i + 1..],
        None => return n,
    }
    for count in 0..n {
        let line = rest.split('\n').next().unwrap_or("");
        if is_long(line) {
            return count;
        }
        match rest.find('\n') {
            Some(i) => rest = &rest[i + 1..],
            None => return n,
        }
    }
    n
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// One problem in the registry: an error or a warning, usually pointing at a span of a file.
#[derive(Debug)]
pub struct Problem {
    severity: Severity,
    message: String,
    // Boxed: problems travel in `Result`s, which should stay small.
    location: Option<Box<Location>>,
    help: Option<String>,
    related: Vec<Problem>,
}

#[derive(Debug)]
struct Location {
    file: Arc<SourceFile>,
    span: SourceSpan,
    label: String,
}

impl Problem {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message)
        }
    }

    /// Points the problem at `span` of `file`, with a short label under the text.
    pub fn at(
        mut self,
        file: &Arc<SourceFile>,
        span: SourceSpan,
        label: impl Into<String>,
    ) -> Self {
        self.location = Some(Box::new(Location {
            file: file.clone(),
            span,
            label: label.into(),
        }));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a second place that belongs to the same problem (the other holder of an address…).
    pub fn with_related(mut self, related: Problem) -> Self {
        self.related.push(related);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The file this problem points into, if any.
    pub fn path(&self) -> Option<&Path> {
        self.location.as_ref().map(|l| l.file.path())
    }

    /// `path:line:col` of the problem, for one-line listings.
    pub fn position(&self) -> Option<String> {
        self.location.as_ref().map(|l| {
            let (line, col) = l.file.line_col(l.span.offset());
            format!("{}:{line}:{col}", l.file.path().display())
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.location
            .as_ref()
            .map(|l| &*l.file as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let l = self.location.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(l.label.clone()),
            l.file.display_span(l.span),
        ))))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|p| p as &dyn Diagnostic)))
    }
}

/// Every problem found in one run, reported together.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, p: Problem) {
        self.0.push(p);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Problem>) {
        self.0.extend(other);
    }

    pub fn errors(&self) -> usize {
        self.0.iter().filter(|p| p.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.0.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Problem::is_error)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    /// "2 errors and 1 warning", for the closing line of a report.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        match (self.errors(), self.warnings()) {
            (e, 0) => plural(e, "error"),
            (0, w) => plural(w, "warning"),
            (e, w) => format!("{} and {}", plural(e, "error"), plural(w, "warning")),
        }
    }
}

/// How a verb failed. The exit status follows from the kind: 1 when an operation failed,
/// 2 for usage and configuration errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The registry holds errors; each problem is printed on its own.
    #[error("{} in the registry at {}", .problems.summary(), .root.display())]
    Registry { root: PathBuf, problems: Problems },

    #[error("no zmgr registry at {}", .root.display())]
    NoRegistry { root: PathBuf, reason: String },

    #[error("{message}")]
    Usage {
        message: String,
        help: Option<String>,
    },

    /// Something named is missing: a registry file (`kind` `zone`, `pool`…), or a zmgr
    /// snapshot (`kind` `snapshot`, `name` `ZONE@SNAP`).
    #[error("{}", not_found_message(.kind, .name))]
    NotFound {
        kind: &'static str,
        name: String,
        help: Option<String>,
    },

    /// A zone the request names is not on this system (import adopts only what is there).
    #[error("zone `{}` is not configured on this system", crate::text::shown(.name))]
    NotOnSystem { name: String, help: Option<String> },

    /// The request clashes with what exists: a name, address or link already taken.
    #[error("{message}")]
    Conflict {
        message: String,
        help: Option<String>,
    },

    /// Another zmgr held the registry lock for longer than `lock-wait`.
    #[error("the registry at {} is locked by another zmgr process", .root.display())]
    Locked { root: PathBuf, help: String },

    /// Ctrl-C, SIGTERM or SIGHUP stopped the operation (what it did was undone).
    #[error("interrupted")]
    Interrupted,

    /// A tool printed something zmgr cannot read.
    #[error("cannot read the output of `{command}`: {reason}")]
    HostOutput { command: String, reason: String },

    #[error("{message}")]
    Failed {
        message: String,
        help: Option<String>,
    },

    /// A service zmgr needs (etcd, for shared pools) did not answer, or answered only with
    /// errors of its own, within the time allowed: nothing was decided there.
    #[error("{message}")]
    Unreachable {
        message: String,
        help: Option<String>,
    },

    /// create failed; what was undone, what could not be, or what was kept.
    #[error("could not create zone `{zone}`: {cause}")]
    Create {
        zone: String,
        cause: Box<Error>,
        undone: Vec<String>,
        failed: Vec<String>,
        /// With --keep-on-failure: what was left in place.
        kept: Option<Vec<String>>,
    },

    /// `host setup` failed; what it had made was undone (or could not be).
    #[error("host setup failed: {cause}")]
    Setup {
        cause: Box<Error>,
        undone: Vec<String>,
        failed: Vec<String>,
    },

    /// A script or hook failed; the problem points into the script.
    #[error("{0}")]
    Script(Box<Problem>),

    /// A system command failed.
    #[error(transparent)]
    Command(#[from] crate::command::ExecError),

    /// A system command refused a value; the problem says which and points at the line of
    /// the file it came from (a template's), the tool's own words in its help.
    #[error("{problem}")]
    Refused {
        problem: Box<Problem>,
        cause: crate::command::ExecError,
    },

    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The message of [`Error::NotFound`].
fn not_found_message(kind: &str, name: &str) -> String {
    match (kind, name.split_once('@')) {
        ("snapshot", Some((zone, snap))) => format!(
            "zone {} has no snapshot `{}` made by zmgr",
            crate::text::shown(zone),
            crate::text::shown(snap)
        ),
        _ => format!(
            "{kind} `{}` is not in the registry",
            crate::text::shown(name)
        ),
    }
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Registry { .. } | Error::NoRegistry { .. } | Error::Usage { .. } => 2,
            Error::NotFound { .. }
            | Error::NotOnSystem { .. }
            | Error::Conflict { .. }
            | Error::Locked { .. }
            | Error::Interrupted
            | Error::HostOutput { .. }
            | Error::Failed { .. }
            | Error::Unreachable { .. }
            | Error::Io { .. }
            | Error::Command(_)
            | Error::Refused { .. }
            | Error::Script(_)
            | Error::Setup { .. }
            | Error::Create { .. } => 1,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            help: None,
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict {
            message: message.into(),
            help: None,
        }
    }

    pub fn not_found(kind: &'static str, name: impl Into<String>) -> Self {
        Error::NotFound {
            kind,
            name: name.into(),
            help: None,
        }
    }

    /// Every value [`Error::kind`] returns.
    pub const KINDS: &[&str] = &[
        "usage",
        "not-found",
        "conflict",
        "locked",
        "host",
        "interrupted",
        "registry",
        "script",
        "failed",
    ];

    /// The kind of error, as scripts see it (`e.kind` in a `catch`) and `--json` prints it.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Registry { .. } | Error::NoRegistry { .. } => "registry",
            Error::Usage { .. } => "usage",
            Error::NotFound { .. } | Error::NotOnSystem { .. } => "not-found",
            Error::Conflict { .. } => "conflict",
            Error::Locked { .. } => "locked",
            Error::Interrupted | Error::Command(crate::command::ExecError::Interrupted { .. }) => {
                "interrupted"
            }
            Error::HostOutput { .. } | Error::Command(_) | Error::Refused { .. } => "host",
            Error::Failed { .. } | Error::Unreachable { .. } | Error::Io { .. } => "failed",
            Error::Create { cause, .. } | Error::Setup { cause, .. } => cause.kind(),
            Error::Script(_) => "script",
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Error::Failed {
            message: message.into(),
            help: None,
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub fn with_help(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            Error::Usage { help, .. }
            | Error::NotFound { help, .. }
            | Error::NotOnSystem { help, .. }
            | Error::Conflict { help, .. }
            | Error::Failed { help, .. }
            | Error::Unreachable { help, .. } => *help = Some(text.into()),
            _ => {}
        }
        self
    }
}

impl Diagnostic for Error {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            Error::NoRegistry { reason, .. } => Some(Box::new(format!(
                "{reason}; run `zmgr init` to create one, or point --root / ZMGR_ROOT at an existing registry"
            ))),
            Error::Usage { help, .. }
            | Error::NotFound { help, .. }
            | Error::NotOnSystem { help, .. }
            | Error::Conflict { help, .. }
            | Error::Failed { help, .. }
            | Error::Unreachable { help, .. } => {
                help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
            }
            Error::Command(e) => e.help(),
            Error::Locked { help, .. } => Some(Box::new(help)),
            Error::Create {
                cause,
                undone,
                failed,
                kept,
                ..
            } => {
                let mut lines = Vec::new();
                if let Some(h) = cause.help() {
                    lines.push(h.to_string());
                }
                if let Some(kept) = kept {
                    lines.push(format!(
                        "--keep-on-failure: left in place for inspection: {}; the registry entry stays in state creating",
                        if kept.is_empty() { "nothing but the entry".to_string() } else { kept.join(", ") }
                    ));
                }
                if !undone.is_empty() {
                    lines.push(format!("undone: {}", undone.join(", ")));
                }
                if !failed.is_empty() {
                    lines.push(format!(
                        "could NOT undo, needs a person: {}",
                        failed.join("; ")
                    ));
                }
                (!lines.is_empty()).then(|| Box::new(lines.join("\n")) as Box<dyn fmt::Display>)
            }
            Error::Setup {
                cause,
                undone,
                failed,
            } => {
                let mut lines = Vec::new();
                if let Some(h) = cause.help() {
                    lines.push(h.to_string());
                }
                if !undone.is_empty() {
                    lines.push(format!("undone: {}", undone.join(", ")));
                }
                if !failed.is_empty() {
                    lines.push(format!(
                        "could NOT undo, needs a person: {}",
                        failed.join("; ")
                    ));
                }
                (!lines.is_empty()).then(|| Box::new(lines.join("\n")) as Box<dyn fmt::Display>)
            }
            _ => None,
        }
    }
}

/// A failed command as a message shows it. For a tool that exited with an error, what it
/// said on standard error follows (see `said` below).
impl fmt::Display for crate::command::ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::command::ExecError;
        match self {
            ExecError::Missing { path, .. } => write!(f, "{} does not exist", path.display()),
            ExecError::Spawn { command, source } => write!(f, "cannot run `{command}`: {source}"),
            ExecError::Refused { command } => write!(
                f,
                "`{command}` was not run: nothing may change the system here"
            ),
            ExecError::Interrupted { command } => {
                write!(f, "`{command}` was stopped by an interrupt")
            }
            ExecError::Failed {
                command,
                status,
                stderr,
                ..
            } => write!(f, "`{command}` failed ({status}){}", said(stderr)),
        }
    }
}

/// The most lines of a tool's standard error that a failure shows: the first and the last
/// half of them, with a note of how many were left out between.
const STDERR_LINES: usize = 40;
/// The most characters of one line of a tool's standard error that a failure shows.
const STDERR_LINE_CHARS: usize = 300;

/// What a tool said on standard error, as the message of its failure ends: nothing when it
/// is blank; `: LINE` when it is one line; else a colon and each line on a line of its own,
/// indented by four spaces. Blank lines before and after are dropped, tabs expanded, control
/// characters escaped ([`crate::text::printable`]), a line cut after [`STDERR_LINE_CHARS`]
/// characters and more than [`STDERR_LINES`] lines cut in the middle, with a note of what
/// was left out.
fn said(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim_end).collect();
    let blank = |l: &&str| l.trim().is_empty();
    let (Some(first), Some(last)) = (
        lines.iter().position(|l| !blank(l)),
        lines.iter().rposition(|l| !blank(l)),
    ) else {
        return String::new();
    };
    let lines = &lines[first..=last];
    if let [one] = lines {
        return format!(": {}", stderr_line(one.trim_start()));
    }
    let mut out = String::from(":");
    let mut push = |line: &str| {
        out.push('\n');
        if !line.trim().is_empty() {
            out.push_str("    ");
            out.push_str(line);
        }
    };
    let half = STDERR_LINES / 2;
    if lines.len() <= STDERR_LINES {
        lines.iter().for_each(|l| push(&stderr_line(l)));
    } else {
        lines[..half].iter().for_each(|l| push(&stderr_line(l)));
        push(&format!("… ({} more lines) …", lines.len() - 2 * half));
        lines[lines.len() - half..]
            .iter()
            .for_each(|l| push(&stderr_line(l)));
    }
    out
}

/// One line of a tool's standard error as a message shows it: tabs expanded to the next
/// multiple of eight columns, control characters escaped, and cut after
/// [`STDERR_LINE_CHARS`] characters with a note of how many more there are.
fn stderr_line(line: &str) -> String {
    let mut expanded = String::with_capacity(line.len().min(4 * STDERR_LINE_CHARS));
    let (mut column, mut rest) = (0, 0usize);
    for c in line.chars() {
        if column >= STDERR_LINE_CHARS {
            rest += 1;
        } else if c == '\t' {
            let to = (column / 8 + 1) * 8;
            expanded.extend(std::iter::repeat_n(' ', to - column));
            column = to;
        } else {
            expanded.push(c);
            column += 1;
        }
    }
    let mut shown = crate::text::printable(&expanded);
    if rest > 0 {
        shown.push_str(&format!("… ({rest} more characters)"));
    }
    shown
}

/// The reason part of an I/O error, without Rust's "(os error N)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::ExecError;

    fn failed(stderr: &str) -> ExecError {
        ExecError::Failed {
            command: "/usr/sbin/zonecfg -z web -f -".into(),
            status: "exit status 1".into(),
            code: Some(1),
            stdout: String::new(),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn a_failure_shows_the_whole_stderr_one_line_a_line() {
        let e = failed("\nOn line 11:\nweb: Problem saving file\n\tConfiguration not saved.\n\n");
        assert_eq!(
            e.to_string(),
            "`/usr/sbin/zonecfg -z web -f -` failed (exit status 1):\n    On line 11:\n    web: Problem saving file\n            Configuration not saved."
        );
        // Wrapped in the error a verb ends with, it reads the same.
        assert_eq!(Error::from(failed("a\n\nb\n")).to_string(), {
            "`/usr/sbin/zonecfg -z web -f -` failed (exit status 1):\n    a\n\n    b"
        });
        // The tool's lines are in the message; there is no help repeating them.
        assert!(miette::Diagnostic::help(&e).is_none());
    }

    #[test]
    fn a_one_line_or_blank_stderr_stays_on_the_message_line() {
        assert_eq!(
            failed("  dladm: insufficient privileges \n").to_string(),
            "`/usr/sbin/zonecfg -z web -f -` failed (exit status 1): dladm: insufficient privileges"
        );
        assert_eq!(
            failed(" \n\n").to_string(),
            "`/usr/sbin/zonecfg -z web -f -` failed (exit status 1)"
        );
    }

    #[test]
    fn control_characters_in_stderr_are_escaped() {
        let shown = failed("zone \u{1b}[2Jweb\u{7}: boom\r\nsecond\u{202E}line\n").to_string();
        assert!(
            !shown
                .chars()
                .any(|c| c != '\n' && crate::text::needs_escape(c)),
            "{shown:?}"
        );
        assert!(
            shown.ends_with(":\n    zone \\u{1b}[2Jweb\\u{7}: boom\n    second\\u{202e}line"),
            "{shown:?}"
        );
        assert_eq!(said("a\rb"), ": a\\rb");
    }

    #[test]
    fn long_stderr_is_cut_in_the_middle_with_a_note() {
        let stderr: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let shown = said(&stderr);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 1 + STDERR_LINES + 1, "{shown}");
        assert_eq!(lines[0], ":");
        assert_eq!(lines[1], "    line 1");
        assert_eq!(lines[STDERR_LINES / 2], "    line 20");
        assert_eq!(lines[STDERR_LINES / 2 + 1], "    … (60 more lines) …");
        assert_eq!(lines[STDERR_LINES / 2 + 2], "    line 81");
        assert_eq!(lines.last(), Some(&"    line 100"));
        // Exactly the limit is shown whole.
        let stderr: String = (1..=STDERR_LINES).map(|i| format!("l{i}\n")).collect();
        assert_eq!(said(&stderr).lines().count(), 1 + STDERR_LINES);
        assert!(!said(&stderr).contains("more lines"));
        // A megabyte on one line is cut too.
        let one = "x".repeat(1 << 20);
        assert_eq!(
            said(&one),
            format!(
                ": {}… ({} more characters)",
                "x".repeat(STDERR_LINE_CHARS),
                (1 << 20) - STDERR_LINE_CHARS
            )
        );
    }
}
