//! IPS publishers, `publishers/NAME.kdl`: a publisher name and its origin URIs.

use std::sync::Arc;

use kdl::KdlDocument;

use crate::error::{Problem, SourceFile};
use crate::kdl::{Reader, Spanned, quote};

const NODES: &[&str] = &["origin", "mirror"];

#[derive(Debug, Clone)]
pub struct Publisher {
    pub file: Option<Arc<SourceFile>>,
    pub name: Spanned<String>,
    /// Where packages come from, preferred first.
    pub origins: Vec<Spanned<String>>,
    pub mirrors: Vec<Spanned<String>>,
}

impl Publisher {
    pub fn decode(
        file: &Arc<SourceFile>,
        doc: &KdlDocument,
        problems: &mut Vec<Problem>,
    ) -> Option<Publisher> {
        let mut r = Reader::new(file, problems);
        let (node, name) = r.top_node(doc, "publisher")?;
        if let Some(why) = publisher_name_error(&name.value) {
            r.error(name.span, why, "invalid publisher name");
        }
        let nodes = r.children(node, NODES);
        let read = |r: &mut Reader<'_>, key: &str| {
            let mut out: Vec<Spanned<String>> = Vec::new();
            for n in r.all(&nodes, key) {
                for uri in r.string_args(n) {
                    if let Some(why) = uri_error(&uri.value) {
                        r.error_help(
                            uri.span,
                            why,
                            "invalid URI",
                            "write an http, https or file URI, like \"https://pkg.openindiana.org/hipster\"",
                        );
                    } else if out.iter().any(|o| o.value == uri.value) {
                        r.error(
                            uri.span,
                            format!("{key} {} is listed twice", uri.value),
                            "duplicate",
                        );
                    } else {
                        out.push(uri);
                    }
                }
            }
            out
        };
        let origins = read(&mut r, "origin");
        let mirrors = read(&mut r, "mirror");
        if origins.is_empty() && r.all(&nodes, "origin").is_empty() {
            r.missing(node, "origin", "origin \"https://pkg.example.org/\"");
        }
        Some(Publisher {
            file: Some(file.clone()),
            name,
            origins,
            mirrors,
        })
    }

    /// A new publisher file's text.
    pub fn to_kdl(&self) -> String {
        let mut s = format!("publisher {} {{\n", quote(&self.name.value));
        for o in &self.origins {
            s += &format!("    origin {}\n", quote(&o.value));
        }
        for m in &self.mirrors {
            s += &format!("    mirror {}\n", quote(&m.value));
        }
        s += "}\n";
        s
    }
}

/// Why a publisher name is refused. IPS prefixes are letters, digits, `.` and `-`; the name
/// also becomes `-P NAME=URI` and a file name, so `=` and `/` are out.
pub fn publisher_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a publisher name cannot be empty".into());
    }
    // Also a registry file name: as long as other registry object names may be.
    if name.len() > 64 {
        return Some(format!(
            "publisher name `{}` is longer than 64 characters",
            crate::text::shown(name)
        ));
    }
    let ok = name
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_alphanumeric() || (i > 0 && matches!(c, '.' | '-' | '_')));
    (!ok).then(|| {
        format!(
            "publisher name `{}` may only hold letters, digits, `.`, `-` and `_`, starting with a letter or digit",
            crate::text::shown(name)
        )
    })
}

/// Why an origin URI is refused. The URI becomes `zoneadm install -P NAME=URI` and
/// `pkg set-publisher -g URI`, so it is parsed, not just scanned:
///
/// ```text
/// uri       = ( "http" | "https" ) "://" host [ ":" port ] [ path ]
///           | "file://" [ "localhost" ] path
/// host      = hostname | IPv4 address | "[" IPv6 address "]"
/// hostname  = label *( "." label ) [ "." ]   ; label: letters, digits, `-` inside, ≤ 63
/// port      = 1*5DIGIT                        ; 1 to 65535
/// path      = "/" *( unreserved | pct-encoded | ":" | "@" | "/" | "+" | "," | "=" | "?" | "#" )
/// ```
///
/// The scheme and host rules are pkg5's (`src/modules/misc.py`, `valid_pub_url`: schemes
/// file, http and https; hosts of letters, digits, `-`, `.`, or an IPv6 literal in brackets;
/// no user name). The characters are RFC 3986's, less the ones a shell or a glob reads
/// (`$ & ' ( ) * ! ; [ ]` outside the IPv6 brackets): write them percent-encoded.
pub fn uri_error(uri: &str) -> Option<String> {
    let shown = crate::model::names::printable(uri);
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Some(format!("`{shown}` is not a URI"));
    };
    if !matches!(scheme, "http" | "https" | "file") {
        return Some(format!(
            "`{shown}` uses the scheme {}; IPS origins are http, https or file URIs",
            crate::model::names::printable(scheme)
        ));
    }
    if rest.is_empty() || (scheme != "file" && rest.starts_with('/')) {
        return Some(format!("`{shown}` has no host"));
    }
    if let Some(c) = uri.chars().find(|&c| !uri_char(c)) {
        return Some(format!("`{shown}` contains {c:?}"));
    }
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if let Some(bad) = percent_error(path) {
        return Some(format!("`{shown}` {bad}"));
    }
    if scheme == "file" {
        if !authority.is_empty() && authority != "localhost" {
            return Some(format!(
                "`{shown}` names the host `{authority}`; a file URI is file:///PATH"
            ));
        }
        if !path.starts_with('/') {
            return Some(format!("`{shown}` has no absolute path"));
        }
        return None;
    }
    if authority.contains('@') {
        return Some(format!(
            "`{shown}` carries a user name; IPS origins take none"
        ));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let Some((literal, after)) = inner.split_once(']') else {
            return Some(format!(
                "`{shown}` opens an IPv6 address with `[` and never closes it"
            ));
        };
        if literal.parse::<std::net::Ipv6Addr>().is_err() {
            return Some(format!(
                "`{shown}` has `[{literal}]`, which is not an IPv6 address"
            ));
        }
        match after {
            "" => (None, None),
            p => match p.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => {
                    return Some(format!(
                        "`{shown}` has `{p}` after the IPv6 address; only `:PORT` may follow it"
                    ));
                }
            },
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(authority), None),
        }
    };
    if let Some(host) = host
        && let Some(why) = host_error(host)
    {
        return Some(format!("`{shown}` {why}"));
    }
    if let Some(port) = port {
        let ok = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !ok {
            return Some(format!(
                "`{shown}` has the port `{port}`; a port is a number from 1 to 65535"
            ));
        }
    }
    None
}

/// The characters an origin may hold: RFC 3986's unreserved and delimiters, less those a
/// shell or glob reads. `[` and `]` pass here and are checked as IPv6 brackets.
fn uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@+,=%".contains(c)
}

/// Why the `%` escapes of `s` are broken: each is `%` and two hex digits.
fn percent_error(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok =
                b.len() > i + 2 && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
            if !ok {
                return Some("has a `%` that is not followed by two hex digits".into());
            }
            i += 3;
            continue;
        }
        if b[i] == b'[' || b[i] == b']' {
            return Some("has `[` or `]` outside an IPv6 address; write %5B and %5D".into());
        }
        i += 1;
    }
    None
}

/// Why `host` is not a host name or IPv4 address (RFC 1123 labels).
fn host_error(host: &str) -> Option<String> {
    if host.is_empty() {
        return Some("has no host".into());
    }
    if host.contains(['[', ']', '%']) {
        return Some(format!("has the host `{host}`, which is not a host name"));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    if host.len() > 253 {
        return Some("has a host name longer than 253 characters".into());
    }
    // All digits and dots: it can only be an IPv4 address.
    if name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return match name.parse::<std::net::Ipv4Addr>() {
            Ok(_) => None,
            Err(_) => Some(format!("has `{host}`, which is not an IPv4 address")),
        };
    }
    for label in name.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Some(format!(
                "has the host `{host}`, which is not a host name: use letters, digits and `-` between dots"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let text = "publisher \"site\" {\n    origin \"https://pkg.example.org/site\" \"http://mirror.example.org/\"\n    mirror \"https://m.example.org/\"\n}\n";
        let decode = |t: &str| {
            let file = SourceFile::new("publishers/site.kdl", t.to_string());
            let doc = crate::kdl::parse(&file).unwrap();
            let mut problems = Vec::new();
            let p = Publisher::decode(&file, &doc, &mut problems);
            assert!(problems.is_empty(), "{problems:?}");
            p.unwrap()
        };
        let first = decode(text);
        let written = first.to_kdl();
        let second = decode(&written);
        assert_eq!(second.to_kdl(), written);
        assert_eq!(
            crate::ops::view::publishers([&first]).json,
            crate::ops::view::publishers([&second]).json
        );
        assert_eq!(second.origins.len(), 2);
    }

    #[test]
    fn names_and_uris() {
        assert!(publisher_name_error("openindiana.org").is_none());
        assert!(publisher_name_error("a=b").is_some());
        assert!(publisher_name_error("-x").is_some());
        assert!(uri_error("https://pkg.openindiana.org/hipster").is_none());
        assert!(uri_error("file:///srv/repo").is_none());
        assert!(uri_error("ftp://x/").is_some());
        assert!(uri_error("pkg.openindiana.org").is_some());
        assert!(uri_error("https://").is_some());
    }

    #[test]
    fn origins_are_parsed_as_urls() {
        for ok in [
            "https://pkg.openindiana.org/hipster",
            "https://pkg.openindiana.org/hipster/",
            "http://pkg.omnios.org/r151046/core",
            "http://mirror.example.org",
            "http://10.0.0.5:10000/",
            "http://[::1]/",
            "http://[2001:db8::5]:8080/repo",
            "http://pkg-1.example.org.:80/a/b%20c",
            "https://pkg.example.org/site?x=1#frag",
            "https://localhost/",
            "file:///srv/repo",
            "file://localhost/srv/repo",
        ] {
            assert_eq!(uri_error(ok), None, "{ok}");
        }
        for (bad, says) in [
            ("http://[::1", "never closes it"),
            ("http://[::1/repo", "never closes it"),
            ("http://[zz::1]/", "not an IPv6 address"),
            ("http://[::1]x/", "only `:PORT` may follow it"),
            ("http://[::1]:0/", "a number from 1 to 65535"),
            ("http://host:65536/", "a number from 1 to 65535"),
            (
                "http://host:99999999999999999999/",
                "a number from 1 to 65535",
            ),
            ("http://host:/", "a number from 1 to 65535"),
            ("http://host:8x/", "a number from 1 to 65535"),
            ("http://host:80:80/", "a number from 1 to 65535"),
            ("http://:80/", "has no host"),
            ("http://user@host/", "user name"),
            ("http://-host/", "not a host name"),
            ("http://host-/", "not a host name"),
            ("http://a..b/", "not a host name"),
            ("http://a_b.example/", "not a host name"),
            ("http://999.1.1.1/", "not an IPv4 address"),
            ("http://host/a%2", "two hex digits"),
            ("http://host/a%zz", "two hex digits"),
            ("http://host/[x]", "outside an IPv6 address"),
            ("http://host/a b", "contains ' '"),
            ("http://host/a\tb", "contains '\\t'"),
            ("http://host/a\u{1b}b", "contains '\\u{1b}'"),
            ("http://host/$(reboot)", "contains '$'"),
            ("http://host/a;b", "contains ';'"),
            ("http://host/a'b", "contains '\\''"),
            ("http://host/a`b`", "contains '`'"),
            ("http://host/a|b", "contains '|'"),
            ("http://host/*", "contains '*'"),
            ("http://host/a&b", "contains '&'"),
            ("http://hôst/", "contains 'ô'"),
            ("http://host\\x/", "contains '\\\\'"),
            ("file://server/srv/repo", "a file URI is file:///PATH"),
            ("file://localhost", "no absolute path"),
            ("ftp://x/", "uses the scheme ftp"),
            ("HTTP://x/", "uses the scheme HTTP"),
            ("https:/x", "is not a URI"),
        ] {
            let why = uri_error(bad).unwrap_or_else(|| panic!("{bad:?} passed"));
            assert!(why.contains(says), "{bad:?}: {why}");
            assert!(!why.chars().any(char::is_control), "{why:?}");
        }
    }

    #[test]
    fn a_bad_origin_is_reported_at_its_place() {
        let text =
            "publisher \"site\" {\n    origin \"https://pkg.example.org/\" \"http://[::1\"\n}\n";
        let file = SourceFile::new("publishers/site.kdl", text.to_string());
        let doc = crate::kdl::parse(&file).unwrap();
        let mut problems = Vec::new();
        let p = Publisher::decode(&file, &doc, &mut problems).unwrap();
        assert_eq!(p.origins.len(), 1);
        let got: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.position().unwrap(), p.message()))
            .collect();
        assert_eq!(
            got,
            [
                "publishers/site.kdl:2:39: `http://[::1` opens an IPv6 address with `[` and never closes it"
            ]
        );
    }
}
