//! Reading KDL documents into typed values with precise diagnostics, and editing them
//! without losing a person's comments and layout.

pub mod fast;

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;

use crate::error::{Problem, SourceFile};

/// A value read from a file, with the span it came from so later checks can point at it.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: SourceSpan,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: SourceSpan) -> Self {
        Self { value, span }
    }

    /// A value that was not read from a file (a default, or one built in memory).
    pub fn unspanned(value: T) -> Self {
        Self {
            value,
            span: SourceSpan::from((0, 0)),
        }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Reads a file as UTF-8 text. Binary content is reported at its first bad byte.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, Problem> {
    read_source_if_there(path)?.ok_or_else(|| {
        Problem::error(format!(
            "cannot read {}: no such file or directory",
            path.display()
        ))
    })
}

/// Like [`read_source`], with `None` when the file is not there (any more): a registry
/// listing may name a file that another zmgr removes before it is read.
pub fn read_source_if_there(path: &Path) -> Result<Option<Arc<SourceFile>>, Problem> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Problem::error(format!(
                "cannot read {}: {}",
                path.display(),
                crate::error::io_reason(&e)
            )));
        }
    };
    source_from_bytes(path, bytes).map(Some)
}

/// A file's bytes as text for diagnostics; binary content is reported at its first invalid
/// byte.
pub fn source_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Arc<SourceFile>, Problem> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // Offsets shift when invalid bytes become U+FFFD; the valid prefix is unchanged.
            let file = SourceFile::new(path, lossy);
            Err(
                Problem::error(format!("{} is not UTF-8 text", path.display()))
                    .at(&file, (at, 1).into(), "invalid byte")
                    .with_help("registry files are KDL text; was a binary file copied here?"),
            )
        }
    }
}

/// Parses KDL 2 text, turning every syntax error into a problem in `file`.
///
/// Both readers build (and the kdl crate also parses) one stack frame per `{ … }` level, and
/// dropping a document recurses the same way, so a file nested thousands of levels deep would
/// overflow the stack. No registry file needs more than a few levels: deeper ones are refused,
/// by a quote-aware scan first (for a clear message), then, since a file the scan misreads can
/// hide its nesting from it (a quote inside a block comment), by a bound the text cannot hide:
/// the count of `{` itself. A file with more than a few of them is read on a thread whose stack
/// holds that many levels, and its document's depth is measured there before it leaves.
pub fn parse(file: &Arc<SourceFile>) -> Result<KdlDocument, Vec<Problem>> {
    let text = file.text();
    if let Some(at) = nesting_beyond(text, MAX_NESTING) {
        return Err(vec![too_deep(file, (at, 1).into())]);
    }
    let mut braces = text.match_indices('{').map(|(at, _)| at);
    if braces.clone().nth(INLINE_BRACES).is_none() {
        return parse_checked(file);
    }
    if let Some(at) = braces.nth(MAX_BRACES) {
        return Err(vec![
            Problem::error(format!(
                "more than {MAX_BRACES} blocks ({{ … }}) in one file"
            ))
            .at(file, (at, 1).into(), "one too many")
            .with_help("registry files hold a few blocks each; is this file damaged?"),
        ]);
    }
    std::thread::scope(|s| {
        let reader = std::thread::Builder::new()
            .name("kdl-reader".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(s, || parse_checked(file));
        match reader {
            Ok(reader) => reader
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => Err(vec![Problem::error(format!(
                "cannot start a thread to read {}: {}",
                file.path().display(),
                crate::error::io_reason(&e)
            ))]),
        }
    })
}

/// At most this many `{` are read on the calling thread: a few levels of frames fit any stack.
const INLINE_BRACES: usize = 64;
/// At most this many `{` in one file, each perhaps a level of the kdl crate's recursion…
const MAX_BRACES: usize = 2048;
/// …which takes about 7 KiB a level in a debug build; the stack is reserved, not touched.
const DEEP_STACK: usize = 32 << 20;

fn parse_checked(file: &Arc<SourceFile>) -> Result<KdlDocument, Vec<Problem>> {
    let doc = parse_unbounded(file)?;
    match node_beyond(&doc, MAX_NESTING) {
        Some(span) => Err(vec![too_deep(file, span)]),
        None => Ok(doc),
    }
}

fn too_deep(file: &Arc<SourceFile>, at: SourceSpan) -> Problem {
    Problem::error(format!(
        "blocks are nested more than {MAX_NESTING} levels deep"
    ))
    .at(file, at, "too deep")
    .with_help("registry files use a few levels of { … }; is this file damaged?")
}

/// The first node whose children lie deeper than `max` levels, found without recursion.
fn node_beyond(doc: &KdlDocument, max: usize) -> Option<SourceSpan> {
    let mut pending = vec![(doc, 0usize)];
    while let Some((doc, depth)) = pending.pop() {
        for node in doc.nodes() {
            if let Some(children) = node.children() {
                if depth + 1 > max {
                    return Some(node.span());
                }
                pending.push((children, depth + 1));
            }
        }
    }
    None
}

fn parse_unbounded(file: &Arc<SourceFile>) -> Result<KdlDocument, Vec<Problem>> {
    let text = file.text();
    if let Some(doc) = crate::kdl::fast::parse_plain(text) {
        return Ok(doc);
    }
    KdlDocument::parse_v2(text).map_err(|err| {
        err.diagnostics
            .iter()
            .map(|d| {
                let found = span_text(text, d.span);
                let message = d.message.clone().unwrap_or_else(|| "invalid KDL".into());
                let mut p = Problem::error(format!("KDL syntax error: {message}")).at(
                    file,
                    d.span,
                    "here",
                );
                if matches!(found, "true" | "false" | "null") {
                    p = Problem::error(format!("`{found}` is not a KDL 2 value"))
                        .at(file, d.span, "KDL 1 syntax")
                        .with_help(format!(
                            "KDL 2 writes booleans and null as #true, #false and #null: write #{found}"
                        ));
                } else if let Some(h) = &d.help {
                    p = p.with_help(h.clone());
                }
                p
            })
            .collect()
    })
}

/// Deepest `{ … }` nesting any registry file may have.
const MAX_NESTING: usize = 32;

/// The offset of the first `{` deeper than `max`, skipping quoted strings and comments.
fn nesting_beyond(text: &str, max: usize) -> Option<usize> {
    let b = text.as_bytes();
    let (mut i, mut depth) = (0, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn span_text(text: &str, span: SourceSpan) -> &str {
    text.get(span.offset()..span.offset() + span.len())
        .unwrap_or("")
}

/// Decoding context for one file: collects every problem instead of stopping at the first.
pub struct Reader<'a> {
    pub file: &'a Arc<SourceFile>,
    pub problems: &'a mut Vec<Problem>,
}

impl<'a> Reader<'a> {
    pub fn new(file: &'a Arc<SourceFile>, problems: &'a mut Vec<Problem>) -> Self {
        Self { file, problems }
    }

    pub fn error(&mut self, span: SourceSpan, message: impl Into<String>, label: &str) {
        self.problems
            .push(Problem::error(message).at(self.file, span, label));
    }

    pub fn error_help(
        &mut self,
        span: SourceSpan,
        message: impl Into<String>,
        label: &str,
        help: impl Into<String>,
    ) {
        self.problems.push(
            Problem::error(message)
                .at(self.file, span, label)
                .with_help(help),
        );
    }

    /// Expects the document to hold exactly one top-level node called `kind`, e.g. `zone "web01" { … }`,
    /// and returns it with its name argument.
    pub fn top_node<'d>(
        &mut self,
        doc: &'d KdlDocument,
        kind: &str,
    ) -> Option<(&'d KdlNode, Spanned<String>)> {
        let nodes = doc.nodes();
        let Some(first) = nodes.first() else {
            let len = self.file.text().len();
            self.error_help(
                (0, len).into(),
                format!("{} is empty", self.file.path().display()),
                "no nodes",
                format!("expected a `{kind} \"NAME\" {{ … }}` node"),
            );
            return None;
        };
        for extra in &nodes[1..] {
            self.error_help(
                extra.span(),
                format!("unexpected top-level node `{}`", extra.name().value()),
                "second top-level node",
                format!("a {kind} file holds one `{kind}` node; put settings inside its braces"),
            );
        }
        if first.name().value() != kind {
            self.unknown(
                first.name().value(),
                first.name().span(),
                &[kind],
                "top-level node",
            );
            return None;
        }
        let name = self.name_arg(first, kind)?;
        Some((first, name))
    }

    /// The name of a node that has a block, `zone "web01" { … }`: one string argument.
    pub fn name_arg(&mut self, node: &KdlNode, kind: &str) -> Option<Spanned<String>> {
        let args = self.args(node);
        for e in node.entries().iter().filter(|e| e.name().is_some()) {
            self.error(
                e.span(),
                format!("`{kind}` takes no properties"),
                "unexpected property",
            );
        }
        match args.as_slice() {
            [e] => self.string_value(node, e),
            _ => {
                self.error_help(
                    node.name().span(),
                    format!("`{kind}` needs exactly one name"),
                    "expected one name",
                    format!("write `{kind} \"NAME\" {{ … }}`"),
                );
                None
            }
        }
    }

    /// Reports an unknown name, suggesting the closest known one.
    pub fn unknown(&mut self, name: &str, span: SourceSpan, known: &[&str], what: &str) {
        let mut p = Problem::error(format!("unknown {what} `{}`", crate::text::shown(name))).at(
            self.file,
            span,
            format!("unknown {what}"),
        );
        p = match crate::suggest::did_you_mean(name, known) {
            Some(s) => p.with_help(format!("did you mean `{s}`?")),
            None => p.with_help(format!("expected one of: {}", known.join(", "))),
        };
        self.problems.push(p);
    }

    /// The children of `node`, each checked against `known` names. Unknown ones are reported and skipped.
    pub fn children<'d>(&mut self, node: &'d KdlNode, known: &[&str]) -> Vec<&'d KdlNode> {
        let Some(children) = node.children() else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(children.nodes().len());
        for child in children.nodes() {
            let name = child.name().value();
            if known.contains(&name) {
                out.push(child);
            } else {
                self.unknown(name, child.name().span(), known, "node");
            }
        }
        out
    }

    /// The one node called `name` among `nodes`; a second one is reported as a duplicate.
    pub fn single<'d>(&mut self, nodes: &[&'d KdlNode], name: &str) -> Option<&'d KdlNode> {
        let mut found: Option<&'d KdlNode> = None;
        for n in nodes.iter().filter(|n| n.name().value() == name) {
            if let Some(first) = found {
                let (line, _) = self.file.line_col(first.span().offset());
                self.error_help(
                    n.span(),
                    format!("duplicate `{name}` node"),
                    "duplicate",
                    format!("`{name}` is already set on line {line}; keep one of them"),
                );
            } else {
                found = Some(n);
            }
        }
        found
    }

    /// Every node called `name` among `nodes`.
    pub fn all<'d>(&self, nodes: &[&'d KdlNode], name: &str) -> Vec<&'d KdlNode> {
        nodes
            .iter()
            .copied()
            .filter(|n| n.name().value() == name)
            .collect()
    }

    /// Reports a node that is required but absent.
    pub fn missing(&mut self, parent: &KdlNode, name: &str, example: &str) {
        self.error_help(
            parent.name().span(),
            format!("`{}` has no `{name}`", parent.name().value()),
            format!("`{name}` missing here").as_str(),
            format!("add `{example}` inside the braces"),
        );
    }

    /// Checks that a node has no properties and no children, only arguments.
    fn only_args(&mut self, node: &KdlNode) -> bool {
        let mut ok = true;
        for e in node.entries() {
            if let Some(key) = e.name() {
                self.error(
                    e.span(),
                    format!(
                        "`{}` takes no property `{}`",
                        node.name().value(),
                        key.value()
                    ),
                    "unexpected property",
                );
                ok = false;
            }
        }
        if let Some(c) = node.children() {
            self.error(
                c.span(),
                format!("`{}` takes no children", node.name().value()),
                "unexpected block",
            );
            ok = false;
        }
        ok
    }

    fn args<'d>(&self, node: &'d KdlNode) -> Vec<&'d KdlEntry> {
        node.entries()
            .iter()
            .filter(|e| e.name().is_none())
            .collect()
    }

    /// Exactly one string argument: `brand "ipkg"`.
    pub fn one_string_arg(&mut self, node: &KdlNode) -> Option<Spanned<String>> {
        let ok = self.only_args(node);
        let args = self.args(node);
        match args.as_slice() {
            [] => {
                self.error_help(
                    node.span(),
                    format!("`{}` needs a value", node.name().value()),
                    "value missing",
                    format!("write `{} \"…\"`", node.name().value()),
                );
                None
            }
            [e] => {
                let v = self.string_value(node, e)?;
                ok.then_some(v)
            }
            [_, extra @ ..] => {
                let start = extra[0].span().offset();
                let last = extra[extra.len() - 1].span();
                let end = last.offset() + last.len();
                self.error(
                    (start, end - start).into(),
                    format!("`{}` takes one value", node.name().value()),
                    "extra values",
                );
                None
            }
        }
    }

    /// One or more string arguments: `packages "a" "b"`.
    pub fn string_args(&mut self, node: &KdlNode) -> Vec<Spanned<String>> {
        self.only_args(node);
        let args = self.args(node);
        if args.is_empty() {
            self.error(
                node.span(),
                format!("`{}` needs at least one value", node.name().value()),
                "values missing",
            );
        }
        args.iter()
            .filter_map(|e| self.string_value(node, e))
            .collect()
    }

    /// Exactly one boolean argument: `autoboot #true`.
    pub fn one_bool_arg(&mut self, node: &KdlNode) -> Option<bool> {
        self.only_args(node);
        let args = self.args(node);
        match args.as_slice() {
            [e] => match e.value() {
                KdlValue::Bool(b) => Some(*b),
                KdlValue::String(s) if s == "true" || s == "false" => {
                    self.error_help(
                        e.span(),
                        format!("`{}` takes #true or #false", node.name().value()),
                        "a string, not a boolean",
                        format!("write #{s} without quotes"),
                    );
                    None
                }
                other => {
                    self.error(
                        e.span(),
                        format!(
                            "`{}` takes #true or #false, not {}",
                            node.name().value(),
                            describe(other)
                        ),
                        "expected a boolean",
                    );
                    None
                }
            },
            _ => {
                self.error_help(
                    node.span(),
                    format!("`{}` takes one value, #true or #false", node.name().value()),
                    "expected one boolean",
                    format!("write `{} #true`", node.name().value()),
                );
                None
            }
        }
    }

    /// The string value of an entry, reporting any other type.
    pub fn string_value(&mut self, node: &KdlNode, e: &KdlEntry) -> Option<Spanned<String>> {
        match e.value() {
            KdlValue::String(s) => Some(Spanned::new(s.clone(), e.span())),
            other => {
                let what = match e.name() {
                    Some(k) => format!("`{}` of `{}`", k.value(), node.name().value()),
                    None => format!("`{}`", node.name().value()),
                };
                self.error_help(
                    e.span(),
                    format!("{what} takes a string, not {}", describe(other)),
                    "expected a string",
                    "quote the value: \"…\"",
                );
                None
            }
        }
    }

    /// Properties of `node`, each checked against `known`; returns (key, entry) pairs, first of each key.
    pub fn props<'d>(&mut self, node: &'d KdlNode, known: &[&str]) -> Vec<(&'d str, &'d KdlEntry)> {
        let mut out: Vec<(&str, &KdlEntry)> = Vec::new();
        for e in node.entries() {
            let Some(key) = e.name() else { continue };
            let k = key.value();
            if !known.contains(&k) {
                self.unknown(k, e.span(), known, "property");
            } else if out.iter().any(|(seen, _)| *seen == k) {
                self.error(
                    e.span(),
                    format!("property `{k}` is given twice"),
                    "duplicate property",
                );
            } else {
                out.push((k, e));
            }
        }
        out
    }

    /// Parses an IP address value, pointing at it when it is not one.
    pub fn ip(&mut self, v: &Spanned<String>, what: &str) -> Option<Spanned<IpAddr>> {
        match v.value.parse::<IpAddr>() {
            Ok(ip) => Some(Spanned::new(ip, v.span)),
            Err(_) => {
                let help = if v.value.contains('/') {
                    "give the address without a prefix length".to_string()
                } else {
                    "write an IPv4 address like 192.0.2.10 or an IPv6 address like 2001:db8::10"
                        .to_string()
                };
                self.error_help(
                    v.span,
                    format!("{what} `{}` is not an IP address", v.value),
                    "not an IP address",
                    help,
                );
                None
            }
        }
    }
}

/// "a number", "#true"… for messages about a mistyped value.
pub fn describe(v: &KdlValue) -> String {
    match v {
        KdlValue::String(s) => format!("the string \"{}\"", crate::text::shown(s)),
        KdlValue::Integer(i) => format!("the number {i}"),
        KdlValue::Float(f) => format!("the number {f}"),
        KdlValue::Bool(b) => format!("#{b}"),
        KdlValue::Null => "#null".into(),
    }
}

/// Sets an entry's value so that the printed document shows it.
///
/// `KdlEntry::set_value` keeps the entry's original text representation, so on its own the
/// document would still print the old value. Clearing the representation while keeping the
/// surrounding whitespace and comments fixes that.
pub fn set_entry_value(entry: &mut KdlEntry, value: impl Into<KdlValue>) {
    let value = value.into();
    // Strings are always written quoted, as zmgr writes every file.
    let repr = match &value {
        KdlValue::String(s) => quote(s),
        other => KdlEntry::new(other.clone()).to_string().trim().to_string(),
    };
    entry.set_value(value);
    if let Some(fmt) = entry.format_mut() {
        fmt.value_repr = repr;
    }
}

/// A KDL 2 quoted string for `s`, escaped so that it reads back as exactly `s`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_kdl_disallowed(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Code points KDL 2 forbids in a document, which must be escaped inside strings.
fn is_kdl_disallowed(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// A string argument that prints quoted, whatever the string.
pub fn string_entry(s: &str) -> KdlEntry {
    KdlEntry::parse(&quote(s)).expect("a quoted string is a valid KDL entry")
}

/// A new child node for `parent`, indented like its existing children.
pub fn push_child(parent: &mut KdlNode, mut child: KdlNode) {
    let doc = parent.ensure_children();
    // Keep the file's line endings: a CRLF file stays CRLF.
    let terminator = doc
        .nodes()
        .last()
        .and_then(|n| n.format())
        .map(|f| f.terminator.clone())
        .filter(|t| t == "\r\n")
        .unwrap_or_else(|| "\n".into());
    let indent = doc
        .nodes()
        .last()
        .and_then(|n| n.format())
        .map(|f| {
            // The indentation is whatever follows the last newline of the leading text.
            let lead = &f.leading;
            lead[lead.rfind('\n').map_or(0, |i| i + 1)..].to_string()
        })
        .unwrap_or_else(|| "    ".into());
    child.autoformat();
    if let Some(f) = child.format_mut() {
        f.leading = indent;
        f.terminator = terminator;
    }
    doc.nodes_mut().push(child);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_quote_hostile_names_short_and_escaped() {
        let name = format!("\u{1b}[2J{}", "x".repeat(100_000));
        let file = SourceFile::new("/r/templates/t.kdl", format!("{name} 1\n"));
        let mut problems = Vec::new();
        Reader::new(&file, &mut problems).unknown(&name, (0, 4).into(), &["zonecfg"], "node");
        let message = problems[0].message();
        assert!(message.len() < 200, "{message}");
        assert!(
            message.starts_with("unknown node `\\u{1b}[2Jxxx"),
            "{message}"
        );
        assert!(message.ends_with("(99924 more characters)`"), "{message}");
        let value = KdlValue::String("\u{202E}y".repeat(1000));
        assert!(describe(&value).len() < 400);
        assert!(!describe(&value).contains('\u{202E}'));
    }

    #[test]
    fn set_entry_value_changes_printed_text_and_keeps_comments() {
        let text =
            "zone \"a\" {\n    // lifecycle state\n    state \"creating\" // set by zmgr\n}\n";
        let mut doc = KdlDocument::parse_v2(text).unwrap();
        let zone = &mut doc.nodes_mut()[0];
        let state = zone
            .children_mut()
            .as_mut()
            .unwrap()
            .get_mut("state")
            .unwrap();
        set_entry_value(&mut state.entries_mut()[0], "running");
        let out = doc.to_string();
        assert_eq!(
            out,
            "zone \"a\" {\n    // lifecycle state\n    state \"running\" // set by zmgr\n}\n"
        );
        let again = KdlDocument::parse_v2(&out).unwrap();
        assert_eq!(
            again.nodes()[0].children().unwrap().get_arg("state"),
            Some(&KdlValue::String("running".into()))
        );
    }

    #[test]
    fn push_child_matches_sibling_indent() {
        let text = "publisher \"p\" {\n  // mirrors\n  origin \"https://a/\"\n}\n";
        let mut doc = KdlDocument::parse_v2(text).unwrap();
        let mut node = KdlNode::new("origin");
        node.push(string_entry("https://b/"));
        push_child(&mut doc.nodes_mut()[0], node);
        assert_eq!(
            doc.to_string(),
            "publisher \"p\" {\n  // mirrors\n  origin \"https://a/\"\n  origin \"https://b/\"\n}\n"
        );
    }

    #[test]
    fn kdl1_booleans_get_a_hint() {
        let file = SourceFile::new("t.kdl", "template \"a\" {\n    autoboot true\n}\n");
        let problems = parse(&file).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].message(), "`true` is not a KDL 2 value");
        assert_eq!(problems[0].position().unwrap(), "t.kdl:2:14");
    }
}
