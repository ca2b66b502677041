//! Manual pages: zmgr(8) and a page for each verb, made from the command line's own
//! definition (so they say what `--help` says), and zmgr-files(5) and zmgr-scripting(7) made
//! from docs/file-formats.md and docs/scripting.md, which are built into the program: a page
//! cannot fall behind its document. Section 8, where illumos puts administration commands.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use zmgr_core::error::{Error, Result};

use crate::args::Cli;

const FILES_DOC: &str = include_str!("../../../docs/file-formats.md");
const SCRIPTING_DOC: &str = include_str!("../../../docs/scripting.md");
const MANUAL: &str = "System Administration Commands";

/// Writes every page into `dir` (made if missing) and returns their paths.
pub fn write_all(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create folder", dir, e))?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut written = Vec::new();
    verb_pages(&cmd, dir, &mut written)?;
    for (name, section, what, doc) in [
        ("zmgr-files", "5", "registry file formats", FILES_DOC),
        (
            "zmgr-scripting",
            "7",
            "scripting zmgr with Rhai",
            SCRIPTING_DOC,
        ),
    ] {
        let path = dir.join(format!("{name}.{section}"));
        let page = from_markdown(name, section, what, doc);
        write(&path, ascii(&page).as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// The page of `cmd` and of each of its visible subcommands, named `zmgr-VERB[-SUB].8`.
fn verb_pages(cmd: &clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        verb_pages(sub, dir, written)?;
    }
    let man = clap_mangen::Man::new(cmd.clone()).section("8");
    let mut page = Vec::new();
    man.render(&mut page)
        .map_err(|e| Error::failed(format!("cannot render the page of {}: {e}", cmd.get_name())))?;
    if cmd.get_name() == "zmgr" {
        page.extend_from_slice(see_also(cmd).as_bytes());
    }
    let path = dir.join(man.get_filename());
    // The title line with an empty date, so that the source and manual fall in their places.
    let page = String::from_utf8_lossy(&page)
        .lines()
        .map(|l| match l.strip_prefix(".TH ") {
            Some(_) => format!(
                ".TH {} 8 \"\" \"zmgr {}\" \"{MANUAL}\"",
                man.get_filename().trim_end_matches(".8"),
                env!("CARGO_PKG_VERSION")
            ),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    write(&path, ascii(&(page + "\n")).as_bytes())?;
    written.push(path);
    Ok(())
}

/// zmgr(8)'s SEE ALSO: every verb's page, and the two pages from the docs.
fn see_also(cmd: &clap::Command) -> String {
    fn names(cmd: &clap::Command, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            out.push(format!(
                "\\fB{}\\fR(8)",
                sub.get_display_name().unwrap_or(sub.get_name())
            ));
            names(sub, out);
        }
    }
    let mut pages = Vec::new();
    names(cmd, &mut pages);
    pages.push("\\fBzmgr-files\\fR(5)".into());
    pages.push("\\fBzmgr-scripting\\fR(7)".into());
    pages.push("\\fBzonecfg\\fR(8), \\fBzoneadm\\fR(8), \\fBdladm\\fR(8), \\fBpkg\\fR(1)".into());
    format!(".SH \"SEE ALSO\"\n{}\n", pages.join(",\n"))
}

/// Characters past ASCII as roff's `\[uXXXX]`: groff reads its input as Latin-1 unless told
/// otherwise, and mandoc reads these too.
fn ascii(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for c in page.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out += &format!("\\[u{:04X}]", c as u32);
        }
    }
    out
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| Error::io("write", path, e))
}

/// A man page from one of zmgr's Markdown documents: `##` headings become sections, `###`
/// subsections, fenced blocks stay as written, lists and tables keep their lines, and inline
/// code is set in bold.
pub fn from_markdown(name: &str, section: &str, what: &str, doc: &str) -> String {
    let mut out = format!(
        ".TH {} {section} \"\" \"zmgr {}\" \"{MANUAL}\"\n.SH NAME\n{} \\- {}\n",
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION"),
        escape(name),
        escape(what)
    );
    let mut in_code = false;
    let mut started = false;
    for line in doc.lines() {
        if line.starts_with("```") {
            out += if in_code {
                ".fi\n.RE\n"
            } else {
                ".PP\n.RS 4\n.nf\n"
            };
            in_code = !in_code;
            continue;
        }
        if in_code {
            out += &format!("{}\n", escape(line));
            continue;
        }
        if let Some(h) = line.strip_prefix("# ") {
            // The document's title: the page's NAME says it; its first words open the page.
            let _ = h;
            out += ".SH DESCRIPTION\n";
            started = true;
        } else if let Some(h) = line.strip_prefix("## ") {
            // Uppercase, as sections are, and plain: a font change would be uppercased too.
            let plain = inline(h).replace(['\u{1}', '\u{2}'], "");
            out += &format!(".SH \"{}\"\n", escape(&plain.to_uppercase()));
            started = true;
        } else if let Some(h) = line.strip_prefix("### ") {
            out += &format!(".SS \"{}\"\n", escape(&inline(h)));
        } else if line.trim().is_empty() {
            if started {
                out += ".PP\n";
            }
        } else if line.starts_with('|') {
            // Tables keep their rows, one line each; the rule under the header goes.
            if !line.chars().all(|c| "|-: ".contains(c)) {
                let cells: Vec<String> = line
                    .trim_matches('|')
                    .split('|')
                    .map(|c| inline(c.trim()))
                    .collect();
                out += &format!(".br\n{}\n", escape(&cells.join(" \u{2014} ")));
            }
        } else if let Some(item) = line.strip_prefix("- ") {
            out += &format!(".IP \\(bu 2\n{}\n", escape(&inline(item)));
        } else {
            out += &format!("{}\n", escape(&inline(line.trim_start())));
        }
    }
    out.replace("\u{2014}", "\\(em")
}

/// Markdown's inline marks: `code` and **strong** in bold (kept as \x01…\x02 until escaped),
/// links as their text.
fn inline(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('`')
            && let Some(end) = r.find('`')
        {
            out.push('\u{1}');
            out += &r[..end];
            out.push('\u{2}');
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix("**")
            && let Some(end) = r.find("**")
        {
            out.push('\u{1}');
            out += &r[..end];
            out.push('\u{2}');
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix('[')
            && let Some(close) = r.find("](")
            && let Some(end) = r[close..].find(')')
        {
            out += &r[..close];
            rest = &r[close + end + 1..];
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Text as roff reads it: backslashes and hyphens escaped, a line's leading `.` or `'` kept
/// as text, bold marks from [`inline`] turned into fonts.
fn escape(s: &str) -> String {
    let mut out = s
        .replace('\\', "\\e")
        .replace('-', "\\-")
        .replace('\u{1}', "\\fB")
        .replace('\u{2}', "\\fR");
    if out.starts_with('.') || out.starts_with('\'') {
        out.insert_str(0, "\\&");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_sections_lists_code_and_bold() {
        let page = from_markdown(
            "zmgr-x",
            "7",
            "a test",
            "# Title\n\nSome `zmgr --root` text, [a link](http://x).\n\n## Part one\n\n- item **b**\n\n```kdl\n.dot \"x\" \\\n```\n\n| a | b |\n|---|---|\n| c | d |\n",
        );
        assert!(page.starts_with(".TH ZMGR-X 7"), "{page}");
        assert!(page.contains(".SH NAME\nzmgr\\-x \\- a test\n"), "{page}");
        assert!(
            page.contains("Some \\fBzmgr \\-\\-root\\fR text, a link."),
            "{page}"
        );
        assert!(page.contains(".SH \"PART ONE\"\n"), "{page}");
        assert!(page.contains(".IP \\(bu 2\nitem \\fBb\\fR\n"), "{page}");
        assert!(page.contains(".nf\n\\&.dot \"x\" \\e\n.fi\n"), "{page}");
        assert!(page.contains(".br\nc \\(em d\n"), "{page}");
        assert!(!page.contains("|---"), "{page}");
        assert_eq!(ascii("a … b"), "a \\[u2026] b");
    }
}
