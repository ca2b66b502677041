//! A fast reader for the plain KDL 2 that zmgr writes itself.
//!
//! The `kdl` crate's parser keeps every byte of formatting and recovers from
//! errors, which costs about 0.1 ms for a 250-byte registry file; `zmgr list`
//! reads thousands of them. [`parse_plain`] reads only a small, plain subset of
//! KDL 2 and builds the same [`KdlDocument`] that [`KdlDocument::parse_v2`]
//! builds, or returns `None` so that the caller falls back to the kdl crate.
//!
//! # The subset
//!
//! - Whitespace: spaces and tabs; newlines `\n` and `\r\n`; blank lines;
//!   `// …` line comments on their own line, after a node, or after `{`.
//! - Node names and property keys: bare identifiers `[A-Za-z_][A-Za-z0-9_.-]*`
//!   other than `true`, `false`, `null`, `inf` and `nan`, or quoted strings.
//! - Values: quoted strings with the escapes `\"`, `\\`, `\n`, `\t` and `\r`;
//!   bare identifier strings (as above); decimal integers with an optional
//!   sign and at most 18 digits; `#true`, `#false` and `#null`.
//! - Properties `key=value` with nothing around `=`, and arguments, in any order.
//! - Children blocks `{ … }` nested to any depth; `;` as a node terminator.
//!
//! Anything else gives `None`: type annotations, floats, hex/octal/binary and
//! `_` in numbers, raw and multi-line strings, other escapes, `/* */` and `/-`,
//! line continuations `\`, lone `\r` and Unicode newlines or spaces outside
//! strings, non-ASCII or sign- or dot-led bare identifiers, a BOM, control
//! characters, and every document the kdl crate rejects.
//!
//! # What matches the kdl crate
//!
//! Node names, entries (name, value variant and value, order), children
//! (`Some` even for an empty `{}`), and the spans of documents, nodes, node
//! names, entries and property keys, byte for byte. The kdl crate computes
//! those spans as follows, and so does this reader:
//!
//! - A node runs from the first byte of its name to the end of its last entry
//!   or its closing `}`, plus any spaces and tabs after that; the terminator
//!   (`;`, newline or comment) is not included.
//! - An entry runs from the first byte of its key (or value) to the end of its
//!   value; quotes are included. A name or key covers just its token.
//! - A document (the top level or a children block) runs from the start of its
//!   first node to the end of its last node; an empty one is a zero-length span
//!   where its content ends (at the `}` or at the end of the text).
//!
//! Formatting is not kept: `format()` is `None` on every document, node and
//! entry, and identifiers have no `repr`. A fast-read document therefore equals
//! the kdl crate's after `clear_format_recursive()`. Do not print one as it
//! is: kdl's `Display` then runs nodes together on one line. Call
//! `autoformat()` first, which gives KDL that reads back the same.

use kdl::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode, KdlValue};

/// Parses `text` when it only uses the plain subset of KDL 2 described in the
/// module documentation and returns the same document that
/// [`KdlDocument::parse_v2`] would; returns `None` for anything outside the
/// subset (including every invalid document), so the caller falls back.
pub fn parse_plain(text: &str) -> Option<KdlDocument> {
    Reader {
        text,
        b: text.as_bytes(),
        i: 0,
    }
    .document()
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.b.get(self.i + ahead).copied()
    }

    /// Reads the whole text. An explicit stack of open blocks instead of
    /// recursion keeps deep nesting from exhausting the call stack.
    fn document(mut self) -> Option<KdlDocument> {
        // Cloning a node with an empty name and no format does not allocate,
        // unlike `KdlNode::new`, which allocates its default format.
        let mut blank = KdlNode::new("");
        blank.clear_format();

        // Nodes are built in place on one stack: the nodes of every open
        // block, each block's owner followed by its children read so far.
        // `open` holds each owner's index and start. kdl's nodes and entries
        // are ~400 bytes each, so they are moved as little as possible, and
        // each block's nodes and each node's entries end in a Vec of exactly
        // their size (a Vec grown by pushing holds at least 4, which would
        // more than double the memory a typical registry file takes).
        let mut nodes: Vec<KdlNode> = Vec::new();
        let mut entries: Vec<KdlEntry> = Vec::new();
        let mut open: Vec<(usize, usize)> = Vec::new();
        loop {
            self.skip_line_space()?;
            let (index, start) = match self.peek() {
                None => {
                    if !open.is_empty() {
                        return None;
                    }
                    nodes.shrink_to_fit();
                    return Some(make_document(nodes, self.i));
                }
                Some(b'}') => {
                    let (owner, start) = open.pop()?;
                    let children = make_document(nodes.drain(owner + 1..).collect(), self.i);
                    self.i += 1;
                    nodes[owner].set_children(children);
                    (owner, start)
                }
                Some(_) => {
                    let start = self.i;
                    let name = self.identifier()?;
                    let index = nodes.len();
                    nodes.push(blank.clone());
                    nodes[index].set_name(name);
                    let opens_block = self.entries(&mut entries)?;
                    if !entries.is_empty() {
                        let exact = nodes[index].entries_mut();
                        exact.reserve_exact(entries.len());
                        exact.append(&mut entries);
                    }
                    if opens_block {
                        open.push((index, start));
                        continue;
                    }
                    (index, start)
                }
            };
            self.skip_ws();
            nodes[index].set_span(start..self.i);
            self.terminator()?;
        }
    }

    /// Reads the entries after a node name. Returns whether it stopped on a
    /// `{` (which it consumes) rather than at the end of the node.
    fn entries(&mut self, entries: &mut Vec<KdlEntry>) -> Option<bool> {
        loop {
            let before = self.i;
            self.skip_ws();
            match self.peek() {
                // The caller checks that `\r` and `/` start `\r\n` and `//`.
                None | Some(b'\n' | b'\r' | b';' | b'}' | b'/') => return Some(false),
                Some(b'{') => {
                    self.i += 1;
                    return Some(true);
                }
                // A name or value must be followed by one of the above or by
                // whitespace; kdl rejects e.g. `a"b"`, `1x`, `#truex`, `a=1`.
                Some(_) if self.i == before => return None,
                Some(_) => self.entry(entries)?,
            }
        }
    }

    /// Reads the end of a node: `;`, a newline, a line comment, the end of
    /// the text, or (left unread) the `}` of the enclosing block.
    fn terminator(&mut self) -> Option<()> {
        match self.peek() {
            None | Some(b'}') => Some(()),
            Some(b';' | b'\n') => {
                self.i += 1;
                Some(())
            }
            Some(b'\r') if self.peek_at(1) == Some(b'\n') => {
                self.i += 2;
                Some(())
            }
            Some(b'/') if self.peek_at(1) == Some(b'/') => self.skip_comment(),
            _ => None,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// Skips whitespace, newlines and line comments between nodes.
    fn skip_line_space(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n') => self.i += 1,
                Some(b'\r') if self.peek_at(1) == Some(b'\n') => self.i += 2,
                // `/*` and `/-` are outside the subset.
                Some(b'/') if self.peek_at(1) == Some(b'/') => self.skip_comment()?,
                Some(b'\r' | b'/') => return None,
                _ => return Some(()),
            }
        }
    }

    /// Skips a `//` comment and the newline that ends it.
    fn skip_comment(&mut self) -> Option<()> {
        self.i += 2;
        loop {
            match self.peek() {
                None => return Some(()),
                Some(b'\n') => {
                    self.i += 1;
                    return Some(());
                }
                Some(b'\r') if self.peek_at(1) == Some(b'\n') => {
                    self.i += 2;
                    return Some(());
                }
                Some(b'\t' | 0x20..=0x7e) => self.i += 1,
                // Other newlines (lone `\r`, VT, FF) would end the comment.
                Some(0..=0x7f) => return None,
                Some(_) => self.non_ascii()?,
            }
        }
    }

    /// Steps over one non-ASCII character in a string or comment, refusing
    /// the Unicode newlines (which end a comment and are illegal in a
    /// single-line string) and the code points KDL disallows.
    fn non_ascii(&mut self) -> Option<()> {
        let c = self.text[self.i..].chars().next()?;
        if matches!(
            c,
            '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{200E}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        ) {
            return None;
        }
        self.i += c.len_utf8();
        Some(())
    }

    /// Reads a node name.
    fn identifier(&mut self) -> Option<KdlIdentifier> {
        let start = self.i;
        let value = match self.peek()? {
            b'"' => self.quoted()?,
            _ => self.bare()?.to_owned(),
        };
        Some(identifier(value, start, self.i))
    }

    /// Reads an argument or a property.
    fn entry(&mut self, entries: &mut Vec<KdlEntry>) -> Option<()> {
        let start = self.i;
        let string = match self.peek()? {
            b'"' => Some(self.quoted()?),
            c if is_ident_start(c) => Some(self.bare()?.to_owned()),
            _ => None,
        };
        let (key, value) = match string {
            Some(key) if self.peek() == Some(b'=') => {
                let key = identifier(key, start, self.i);
                self.i += 1;
                (Some(key), self.value()?)
            }
            Some(s) => (None, KdlValue::String(s)),
            None => (None, self.value()?),
        };
        entries.push(KdlEntry::new(value));
        let entry = entries.last_mut()?;
        if key.is_some() {
            entry.set_name(key);
        }
        entry.set_span(start..self.i);
        Some(())
    }

    /// Reads a value right after `=`, or an argument that is not a string.
    fn value(&mut self) -> Option<KdlValue> {
        match self.peek()? {
            b'"' => Some(KdlValue::String(self.quoted()?)),
            b'#' => {
                let rest = &self.b[self.i..];
                let (value, len) = if rest.starts_with(b"#true") {
                    (KdlValue::Bool(true), 5)
                } else if rest.starts_with(b"#false") {
                    (KdlValue::Bool(false), 6)
                } else if rest.starts_with(b"#null") {
                    (KdlValue::Null, 5)
                } else {
                    return None;
                };
                self.i += len;
                Some(value)
            }
            b'0'..=b'9' | b'+' | b'-' => self.integer(),
            c if is_ident_start(c) => Some(KdlValue::String(self.bare()?.to_owned())),
            _ => None,
        }
    }

    /// Reads a decimal integer. Its end is checked by the caller like any
    /// value's, so `1.5`, `1e3`, `1_000` and `0x1f` are refused there.
    fn integer(&mut self) -> Option<KdlValue> {
        let negative = match self.peek()? {
            b'-' => true,
            b'+' => false,
            _ => {
                return self.digits().map(|n| KdlValue::Integer(n.into()));
            }
        };
        self.i += 1;
        let n = i128::from(self.digits()?);
        Some(KdlValue::Integer(if negative { -n } else { n }))
    }

    /// Reads 1 to 18 digits, which always fit in an `i64`.
    fn digits(&mut self) -> Option<i64> {
        let start = self.i;
        let mut n: i64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            if self.i - start == 18 {
                return None;
            }
            n = n * 10 + i64::from(d - b'0');
            self.i += 1;
        }
        (self.i > start).then_some(n)
    }

    /// Reads a bare identifier; keywords, which kdl rejects there, give `None`.
    fn bare(&mut self) -> Option<&'a str> {
        let start = self.i;
        if !is_ident_start(self.peek()?) {
            return None;
        }
        self.i += 1;
        while let Some(b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-') = self.peek() {
            self.i += 1;
        }
        let s = &self.text[start..self.i];
        match s {
            "true" | "false" | "null" | "inf" | "nan" => None,
            _ => Some(s),
        }
    }

    /// Reads a single-line quoted string.
    fn quoted(&mut self) -> Option<String> {
        self.i += 1;
        // Only strings with escapes are built piece by piece.
        let mut built: Option<String> = None;
        let mut from = self.i;
        loop {
            match self.peek()? {
                b'"' => {
                    let tail = &self.text[from..self.i];
                    self.i += 1;
                    return Some(match built {
                        None => tail.to_owned(),
                        Some(mut s) => {
                            s.push_str(tail);
                            s
                        }
                    });
                }
                b'\\' => {
                    let c = match self.peek_at(1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        _ => return None,
                    };
                    let s = built.get_or_insert_with(String::new);
                    s.push_str(&self.text[from..self.i]);
                    s.push(c);
                    self.i += 2;
                    from = self.i;
                }
                b'\t' | 0x20..=0x7e => self.i += 1,
                0..=0x7f => return None,
                _ => self.non_ascii()?,
            }
        }
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn identifier(value: String, start: usize, end: usize) -> KdlIdentifier {
    let mut id = KdlIdentifier::from(value);
    id.set_span(start..end);
    id
}

/// Builds a document (the top level or a children block) with kdl's span:
/// first node to last node, or empty at `end` when there are no nodes.
fn make_document(nodes: Vec<KdlNode>, end: usize) -> KdlDocument {
    let span = match (nodes.first(), nodes.last()) {
        (Some(first), Some(last)) => {
            first.span().offset()..last.span().offset() + last.span().len()
        }
        _ => end..end,
    };
    let mut doc = KdlDocument::new();
    *doc.nodes_mut() = nodes;
    doc.set_span(span);
    doc
}

#[cfg(test)]
mod tests {
    use super::parse_plain;
    use kdl::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode, KdlValue};
    use miette::SourceSpan;

    fn range(s: SourceSpan) -> std::ops::Range<usize> {
        s.offset()..s.offset() + s.len()
    }

    /// Finds the first difference between a fast-read document and kdl's, in
    /// everything zmgr reads: structure, names, entries, values, children and
    /// every span. Also checks full `==` once kdl's formatting is cleared.
    fn difference(fast: &KdlDocument, slow: &KdlDocument) -> Option<String> {
        let mut cleared = slow.clone();
        cleared.clear_format_recursive();
        if *fast != cleared {
            return Some(format!("documents differ:\n{fast:#?}\n{cleared:#?}"));
        }
        doc_difference(fast, slow, "doc")
    }

    fn doc_difference(fast: &KdlDocument, slow: &KdlDocument, at: &str) -> Option<String> {
        if range(fast.span()) != range(slow.span()) {
            return Some(format!(
                "{at}: span {:?} vs {:?}",
                range(fast.span()),
                range(slow.span())
            ));
        }
        if fast.nodes().len() != slow.nodes().len() {
            return Some(format!(
                "{at}: {} vs {} nodes",
                fast.nodes().len(),
                slow.nodes().len()
            ));
        }
        for (n, (f, s)) in fast.nodes().iter().zip(slow.nodes()).enumerate() {
            if let Some(d) = node_difference(f, s, &format!("{at}/node {n}")) {
                return Some(d);
            }
        }
        None
    }

    fn ident_difference(f: &KdlIdentifier, s: &KdlIdentifier, at: &str) -> Option<String> {
        if f.value() != s.value() || range(f.span()) != range(s.span()) {
            return Some(format!(
                "{at}: {:?} at {:?} vs {:?} at {:?}",
                f.value(),
                range(f.span()),
                s.value(),
                range(s.span())
            ));
        }
        None
    }

    fn node_difference(f: &KdlNode, s: &KdlNode, at: &str) -> Option<String> {
        if let Some(d) = ident_difference(f.name(), s.name(), &format!("{at} name")) {
            return Some(d);
        }
        if range(f.span()) != range(s.span()) {
            return Some(format!(
                "{at}: span {:?} vs {:?}",
                range(f.span()),
                range(s.span())
            ));
        }
        if f.ty().is_some() || s.ty().is_some() {
            return Some(format!("{at}: type annotation"));
        }
        if f.entries().len() != s.entries().len() {
            return Some(format!(
                "{at}: {} vs {} entries",
                f.entries().len(),
                s.entries().len()
            ));
        }
        for (n, (fe, se)) in f.entries().iter().zip(s.entries()).enumerate() {
            if let Some(d) = entry_difference(fe, se, &format!("{at}/entry {n}")) {
                return Some(d);
            }
        }
        match (f.children(), s.children()) {
            (None, None) => None,
            (Some(fc), Some(sc)) => doc_difference(fc, sc, &format!("{at}/children")),
            (fc, sc) => Some(format!(
                "{at}: children {} vs {}",
                fc.is_some(),
                sc.is_some()
            )),
        }
    }

    fn entry_difference(f: &KdlEntry, s: &KdlEntry, at: &str) -> Option<String> {
        match (f.name(), s.name()) {
            (None, None) => {}
            (Some(fk), Some(sk)) => {
                if let Some(d) = ident_difference(fk, sk, &format!("{at} key")) {
                    return Some(d);
                }
            }
            _ => return Some(format!("{at}: property vs argument")),
        }
        if f.ty().is_some() || s.ty().is_some() {
            return Some(format!("{at}: type annotation"));
        }
        let same_value = match (f.value(), s.value()) {
            (KdlValue::String(a), KdlValue::String(b)) => a == b,
            (KdlValue::Integer(a), KdlValue::Integer(b)) => a == b,
            (KdlValue::Bool(a), KdlValue::Bool(b)) => a == b,
            (KdlValue::Null, KdlValue::Null) => true,
            _ => false,
        };
        if !same_value {
            return Some(format!("{at}: value {:?} vs {:?}", f.value(), s.value()));
        }
        if range(f.span()) != range(s.span()) {
            return Some(format!(
                "{at}: span {:?} vs {:?}",
                range(f.span()),
                range(s.span())
            ));
        }
        None
    }

    /// The contract: when the fast reader accepts, kdl accepts and agrees.
    /// Returns whether the fast reader accepted.
    fn check(text: &str) -> bool {
        let Some(fast) = parse_plain(text) else {
            return false;
        };
        let slow = match KdlDocument::parse_v2(text) {
            Ok(doc) => doc,
            Err(e) => panic!("fast reader accepted what kdl rejects: {text:?}\n{e:?}"),
        };
        if let Some(d) = difference(&fast, &slow) {
            panic!("fast reader disagrees with kdl on {text:?}: {d}");
        }
        true
    }

    fn assert_plain(text: &str) {
        assert!(check(text), "fast reader refused {text:?}");
    }

    const ZONE: &str = "// zone entry written by zmgr
zone \"web42\" {
    brand \"ipkg\"
    template \"ipkg\"
    zonepath \"/zones/web42\"
    ip-type \"exclusive\"
    state \"running\"
    created \"2026-11-25T20:36:37Z\"
    net \"web42_0\" address=\"10.0.0.42/16\" pool=\"lan\" vnic=#true
}
";

    #[test]
    fn typical_files() {
        assert_plain(ZONE);
        assert_plain(
            "pool \"lan\" {\n    network \"192.168.10.0/24\"\n    gateway \"192.168.10.1\"\n    stub \"stub0\"\n    range \"192.168.10.100\" \"192.168.10.199\"\n    reserve \"192.168.10.150\"\n}",
        );
        assert_plain(
            "template \"ipkg\" { brand \"ipkg\"; autoboot #true; packages \"a\" \"b\"; zonecfg { resource \"fs\" { dir \"/data\"; options \"ro\" \"nodevices\" } } }",
        );
    }

    #[test]
    fn reads_values_as_kdl_does() {
        let doc = parse_plain(ZONE).unwrap();
        let zone = &doc.nodes()[0];
        assert_eq!(zone.name().value(), "zone");
        assert_eq!(zone.get(0), Some(&KdlValue::String("web42".into())));
        let net = zone.children().unwrap().get("net").unwrap();
        assert_eq!(net.get("vnic"), Some(&KdlValue::Bool(true)));
        assert_eq!(net.get("pool"), Some(&KdlValue::String("lan".into())));

        let doc = parse_plain("n -5 +7 0 007 x=-12 #null \"a\\\"b\\\\c\\nd\\te\\rf\"").unwrap();
        let values: Vec<&KdlValue> = doc.nodes()[0].entries().iter().map(|e| e.value()).collect();
        assert_eq!(
            values,
            [
                &KdlValue::Integer(-5),
                &KdlValue::Integer(7),
                &KdlValue::Integer(0),
                &KdlValue::Integer(7),
                &KdlValue::Integer(-12),
                &KdlValue::Null,
                &KdlValue::String("a\"b\\c\nd\te\rf".into()),
            ]
        );
        // An empty children block is still a children block.
        let doc = parse_plain("a {}\nb\n").unwrap();
        assert!(
            doc.nodes()[0]
                .children()
                .is_some_and(|c| c.nodes().is_empty())
        );
        assert!(doc.nodes()[1].children().is_none());
    }

    #[test]
    fn spans_follow_kdl() {
        let text = "  foo a=1 \"b\"=#true  // c\nbar {\n  baz\n}  \n";
        assert_plain(text);
        let doc = parse_plain(text).unwrap();
        let foo = &doc.nodes()[0];
        // The document and nodes include spaces after a node, not its terminator.
        assert_eq!(range(doc.span()), 2..41);
        assert_eq!(range(foo.span()), 2..21);
        assert_eq!(range(foo.name().span()), 2..5);
        assert_eq!(range(foo.entries()[1].span()), 10..19);
        assert_eq!(range(foo.entries()[1].name().unwrap().span()), 10..13);
        let bar = &doc.nodes()[1];
        assert_eq!(range(bar.span()), 26..41);
        assert_eq!(range(bar.name().span()), 26..29);
        assert_eq!(range(bar.children().unwrap().span()), 34..37);
        let empty = parse_plain("a {\n  }").unwrap();
        assert_eq!(range(empty.nodes()[0].children().unwrap().span()), 6..6);
        assert_eq!(range(parse_plain("// only\n\n").unwrap().span()), 9..9);
    }

    #[test]
    fn prints_after_autoformat() {
        for text in [
            ZONE,
            ACCEPTED[ACCEPTED.len() - 1],
            "a {\n  b {}\n  \"c d\" k=-1 #null\n}",
        ] {
            let doc = parse_plain(text).unwrap();
            let mut formatted = doc.clone();
            formatted.autoformat();
            let mut back = KdlDocument::parse_v2(&formatted.to_string()).unwrap();
            back.clear_format_recursive();
            assert_eq!(back, doc);
        }
    }

    /// Documents inside the subset: each must be read, and read as kdl does.
    const ACCEPTED: &[&str] = &[
        "",
        "\n\n",
        "   \t\n",
        "// just a comment",
        "// comment\r\n\r\n",
        "a",
        "a\n",
        "a;",
        "a;b;c",
        "a ;  b ; ",
        "a 1 ;b",
        "a\r\nb 1\r\n",
        "a 1 2 3",
        "a \"x\" y=\"z\" 3 w=4",
        "a k=v",
        "a k=v{}",
        "a k=v // c",
        "a b//c",
        "a 1//c",
        "a \"s\"//c",
        "a #true #false #null",
        "a k=#true",
        "a t=#false n=#null",
        "a -1 +1 -0 +0 007",
        "a 999999999999999999 -999999999999999999",
        "a True FALSE Null Inf NaN nulls truex",
        "a x.y a-b _ __ a1 a.5 _-",
        "ip-type \"exclusive\"",
        "\"quoted name\" 1",
        "\"\" \"\"=1",
        "\"q\" \"r\"=\"s\"",
        "a \"\"",
        "a \"\\\"\\\\\\n\\t\\r\"",
        "a \"tab\there\"",
        "a \"é ü 日本語 🎉 \u{a0}\"",
        "\"ünïcödé\" \"ключ\"=\"значение\"",
        "a \"// not a comment\" \"/* nor this */\"",
        "a \"{ } ; = # \\\\\"",
        "a {}",
        "a { }",
        "a {\n}",
        "a{}",
        "a 1{}",
        "a \"x\"{}",
        "a {};b",
        "a {}// c",
        "a {} // c\nb",
        "a {\n}  \nb",
        "a {\n\tb\n\t}\t",
        "a { b }",
        "a {b}",
        "a { b 1}",
        "a { b c}",
        "a { b; }",
        "a { b; c; }",
        "a { b { c { d { e } } } }",
        "a { // comment after brace\n  b\n  }  // d\n",
        "a { // c\r\n  b 1\r\n}\r\n",
        "a {\n\n  // inner comment\n\n  b\n\n}\n\n",
        "a {\n  b {\n    c 1\n  }\n  d\n}\n",
        "a {\n  b {}\n}",
        "a 1 2\n\n// x\n\n  b 3 \n",
        "a; // c\nb",
        "a // c\r\nb",
        "a // comment with ünïcode and \"quotes\" and { braces\nb",
        "a\t1\t\tk=2\t",
        "a k=1 k=2",
        "template \"ipkg\" { brand \"ipkg\"; autoboot #true; packages \"a\" \"b\"; zonecfg { resource \"fs\" { dir \"/data\"; options \"ro\" \"nodevices\" } } }",
    ];

    #[test]
    fn accepted_corpus() {
        for text in ACCEPTED {
            assert_plain(text);
        }
    }

    /// Documents outside the subset, valid KDL or not: each must be refused.
    const REFUSED: &[&str] = &[
        // Invalid KDL.
        "a {",
        "a { b",
        "a }",
        "}",
        "{}",
        "a {}{}",
        "a {} 1",
        "a { b }c",
        "a;;",
        "a\n;",
        ";",
        "a true",
        "a false",
        "a null",
        "a inf",
        "a nan",
        "true",
        "null 1",
        "a true=1",
        "a k=true",
        "a=1",
        "a k=",
        "a k= ",
        "a \"unclosed",
        "a \"new\nline\"",
        "a \"x\"\"y\"",
        "a \"x\"y",
        "a b\"x\"",
        "a 1x",
        "a -1x",
        "a #truex",
        "a #t",
        "a 1.",
        "a 1e",
        "a b/c",
        "a /",
        "no/de 1",
        "a k=v}",
        "a 1=2",
        "a #true=1",
        "a \"\"\"",
        // Valid KDL outside the subset.
        "a k =v",
        "a k= v",
        "a k = v",
        "a \"k\" =v",
        "a 1.5",
        "a 1e3",
        "a 1_000",
        "a 0x1f",
        "a 0o17",
        "a 0b101",
        "a 9999999999999999999",
        "a #inf",
        "a #-inf",
        "a #nan",
        "a #\"raw\"#",
        "a \"\"\"\n  multi\n  \"\"\"",
        "a \"\\u{41}\"",
        "a \"\\s\"",
        "a \"\\b\"",
        "a \"\\f\"",
        "a \"line \\\n  continued\"",
        "(t)a",
        "a (t)1",
        "a k=(t)1",
        "a /* block */ 1",
        "/* block */ a",
        "a /-1 2",
        "/-a\nb",
        "a /-{ }",
        "a 1 \\\n  2",
        "a\rb",
        "a\r",
        "a\u{2028}b",
        "a\u{85}b",
        "a\u{a0}1",
        "\u{feff}a",
        "a // c\u{2028}b",
        "a // c\rb",
        "a \"\u{200e}\"",
        "a \"\u{1}\"",
        "a \"\u{7f}\"",
        "é 1",
        "a é",
        "a b:c",
        "- 1",
        "a -",
        "a -x",
        "a +x",
        "a .x",
        "a .5",
        "-1",
        "a\u{b}b",
        "a\u{c}b",
    ];

    #[test]
    fn refused_corpus() {
        for text in REFUSED {
            assert!(parse_plain(text).is_none(), "fast reader accepted {text:?}");
        }
    }

    /// The refused corpus really holds both kinds: documents kdl rejects and
    /// valid KDL outside the subset (so the fallback matters).
    #[test]
    fn refused_corpus_has_both_kinds() {
        let valid = REFUSED
            .iter()
            .filter(|t| KdlDocument::parse_v2(t).is_ok())
            .count();
        assert!(valid > 20 && valid < REFUSED.len() - 20, "{valid}");
    }

    #[test]
    fn deep_nesting() {
        let depth = 200;
        let text = format!("{}{}", "a {".repeat(depth), "}".repeat(depth));
        assert_plain(&text);
        assert!(
            parse_plain(&format!("{}{}", "a {".repeat(depth), "}".repeat(depth - 1))).is_none()
        );
        // Deeper than kdl itself can go on a test thread: still read, without recursion.
        let depth = 100_000;
        let text = format!("{}{}", "a {".repeat(depth), "}".repeat(depth));
        let doc = parse_plain(&text).unwrap();
        // Dropping a document this deep recurses inside kdl; leak it instead.
        std::mem::forget(doc);
    }

    /// Every string of up to 4 characters (or `KDL_FAST_SHORT_LEN`) over an
    /// alphabet of the subset's punctuation, letters and digits.
    #[test]
    fn exhaustive_short_texts() {
        let max_len: u32 = std::env::var("KDL_FAST_SHORT_LEN")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4);
        const ALPHABET: &[char] = &[
            'a', '1', '-', '"', '{', '}', '=', ';', '#', '/', '\\', ' ', '\n', '\r',
        ];
        let mut accepted = 0;
        let mut text = String::new();
        let n = ALPHABET.len();
        for len in 0..=max_len {
            for mut code in 0..n.pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(ALPHABET[code % n]);
                    code /= n;
                }
                accepted += usize::from(check(&text));
            }
        }
        assert!(accepted > 500, "{accepted}");
    }

    /// xorshift64*: deterministic and good enough to pick pieces.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    /// Builds random documents from the subset's pieces, and now and then
    /// (when `outside` allows) from pieces just outside it.
    struct Generator {
        rng: Rng,
        newline: &'static str,
        outside: bool,
        /// Whether a piece outside the subset was used.
        used_outside: bool,
    }

    const NAMES: &[&str] = &[
        "zone",
        "brand",
        "ip-type",
        "net",
        "a",
        "_",
        "x.y",
        "a-b_c.d",
        "web42",
        "True",
        "nulls",
        "Inf",
        "nan_",
        "\"quoted name\"",
        "\"\"",
        "\"true\"",
        "\"1\"",
        "\"é\"",
        "\"a=b\"",
    ];
    const BARE: &[&str] = &[
        "ipkg",
        "lan",
        "exclusive",
        "running",
        "a.b",
        "x-1",
        "_",
        "False",
    ];
    const STRING_PIECES: &[&str] = &[
        "web",
        "42",
        "/zones/",
        " ",
        "10.0.0.42/16",
        "\\\"",
        "\\\\",
        "\\n",
        "\\t",
        "\\r",
        "é",
        "日本",
        "🎉",
        "\t",
        "{",
        "}",
        ";",
        "=",
        "#",
        "//",
        "/*",
        "'",
        "\u{a0}",
    ];
    const NUMBERS: &[&str] = &[
        "0",
        "1",
        "-1",
        "+1",
        "42",
        "-0",
        "007",
        "65536",
        "999999999999999999",
        "-999999999999999999",
    ];
    const KEYWORDS: &[&str] = &["#true", "#false", "#null"];
    /// Valid KDL (or nearly) outside the subset.
    const OUTSIDE_VALUES: &[&str] = &[
        "1.5",
        "1e3",
        "0x1f",
        "1_000",
        "#inf",
        "#nan",
        "#\"raw\"#",
        "(t)1",
        "true",
        "null",
        "\"\\u{41}\"",
        "\"\\s\"",
        "-x",
        ".5",
        "9999999999999999999",
    ];
    const OUTSIDE_SPACE: &[&str] = &[" /* c */ ", " /-1 ", " \\\n ", "\u{a0}"];

    impl Generator {
        fn space(&mut self) -> &'static str {
            if self.outside && self.rng.chance(2) {
                self.used_outside = true;
                return self.rng.pick(OUTSIDE_SPACE);
            }
            self.rng.pick(&[" ", " ", " ", "  ", "\t", " \t"])
        }

        fn quoted(&mut self, out: &mut String) {
            out.push('"');
            for _ in 0..self.rng.below(5) {
                out.push_str(self.rng.pick(STRING_PIECES));
            }
            out.push('"');
        }

        fn value(&mut self, out: &mut String) {
            if self.outside && self.rng.chance(3) {
                self.used_outside = true;
                out.push_str(self.rng.pick(OUTSIDE_VALUES));
                return;
            }
            match self.rng.below(4) {
                0 | 1 => self.quoted(out),
                2 => out.push_str(self.rng.pick(BARE)),
                _ if self.rng.chance(50) => out.push_str(self.rng.pick(NUMBERS)),
                _ => out.push_str(self.rng.pick(KEYWORDS)),
            }
        }

        fn name(&mut self, out: &mut String) {
            if self.rng.chance(20) {
                self.quoted(out);
            } else {
                out.push_str(self.rng.pick(NAMES));
            }
        }

        fn indent(&mut self, out: &mut String, depth: usize) {
            for _ in 0..depth {
                out.push_str(self.rng.pick(&["    ", "  ", "\t"]));
            }
        }

        fn blank_lines(&mut self, out: &mut String, depth: usize) {
            while self.rng.chance(15) {
                if self.rng.chance(50) {
                    self.indent(out, depth);
                    out.push_str("// a comment { with \"braces\" }");
                }
                out.push_str(self.newline);
            }
        }

        fn node(&mut self, out: &mut String, depth: usize, inline: bool) {
            self.name(out);
            for _ in 0..self.rng.below(5) {
                out.push_str(self.space());
                if self.rng.chance(35) {
                    self.name(out);
                    if self.outside && self.rng.chance(3) {
                        self.used_outside = true;
                        out.push_str(" = ");
                    } else {
                        out.push('=');
                    }
                }
                self.value(out);
            }
            if depth < 4 && self.rng.chance(30) {
                if self.rng.chance(80) {
                    out.push(' ');
                }
                out.push('{');
                if inline || self.rng.chance(25) {
                    // `{ a; b }` on one line, or an empty block.
                    let count = self.rng.below(3);
                    for n in 0..count {
                        out.push(' ');
                        self.node(out, depth + 1, true);
                        if n + 1 < count || self.rng.chance(30) {
                            out.push(';');
                        }
                    }
                    if count > 0 || self.rng.chance(50) {
                        out.push(' ');
                    }
                } else {
                    if self.rng.chance(20) {
                        out.push_str(" // after the brace");
                    }
                    out.push_str(self.newline);
                    for _ in 0..self.rng.below(4) {
                        self.blank_lines(out, depth + 1);
                        self.indent(out, depth + 1);
                        self.node(out, depth + 1, false);
                        self.end_of_line(out);
                    }
                    self.indent(out, depth);
                }
                out.push('}');
            }
            if !inline && self.rng.chance(10) {
                out.push_str(self.rng.pick(&[" ", "\t", "  "]));
            }
        }

        fn end_of_line(&mut self, out: &mut String) {
            match self.rng.below(10) {
                0 => out.push(';'),
                1 => out.push_str(" // trailing comment"),
                2 => out.push_str("; // both"),
                _ => {}
            }
            out.push_str(self.newline);
        }

        fn document(&mut self) -> String {
            self.newline = if self.rng.chance(20) { "\r\n" } else { "\n" };
            self.outside = self.rng.chance(25);
            self.used_outside = false;
            let mut out = String::new();
            if self.rng.chance(50) {
                out.push_str("// written by zmgr");
                out.push_str(self.newline);
            }
            for n in 0..self.rng.below(4) + 1 {
                self.blank_lines(&mut out, 0);
                self.node(&mut out, 0, false);
                // The last node may end the text without a newline.
                if n > 0 && self.rng.chance(10) {
                    return out;
                }
                self.end_of_line(&mut out);
            }
            out
        }
    }

    /// Characters that matter most to the grammar, for mutations.
    const MUTATIONS: &[char] = &[
        '"', '{', '}', '=', ';', '#', '/', '\\', ' ', '\n', '-', '1', '\r', '\t', '.', 'e', '(',
        'é',
    ];

    fn mutate(rng: &mut Rng, text: &str) -> String {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let at = boundaries[rng.below(boundaries.len())];
        let mut out = String::with_capacity(text.len() + 1);
        out.push_str(&text[..at]);
        if rng.chance(50) && at < text.len() {
            // Drop the character at `at`.
            let len = text[at..].chars().next().unwrap().len_utf8();
            out.push_str(&text[at + len..]);
        } else {
            out.push(MUTATIONS[rng.below(MUTATIONS.len())]);
            out.push_str(&text[at..]);
        }
        out
    }

    /// Random documents and their mutants. Set `KDL_FAST_CASES` for a longer
    /// run (in release: `cargo test --release kdl_fast`).
    #[test]
    fn generated_differential() {
        let cases: usize = std::env::var("KDL_FAST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3000);
        let mut generator = Generator {
            rng: Rng(0x9e37_79b9_7f4a_7c15),
            newline: "\n",
            outside: false,
            used_outside: false,
        };
        let mut mutant_rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut plain, mut plain_read, mut outside, mut outside_read) = (0, 0, 0, 0);
        let (mut mutants, mut mutants_read) = (0, 0);
        for _ in 0..cases {
            let text = generator.document();
            let read = check(&text);
            if generator.used_outside {
                outside += 1;
                outside_read += usize::from(read);
            } else {
                // Everything built from the subset's pieces must be read.
                assert!(read, "fast reader refused a plain document: {text:?}");
                plain += 1;
                plain_read += 1;
            }
            let mut mutant = text;
            for _ in 0..4 {
                mutant = mutate(&mut mutant_rng, &mutant);
                mutants += 1;
                mutants_read += usize::from(check(&mutant));
            }
        }
        eprintln!(
            "plain documents read {plain_read}/{plain}; with outside pieces read \
             {outside_read}/{outside}; mutants read {mutants_read}/{mutants}"
        );
        assert!(plain > cases / 2 && mutants_read > mutants / 10);
    }
}
