//! Where a Rhai position is in a script's text, for diagnostics (used by the reports and by
//! the module resolver, which must not depend on each other).

use rhai::Position;
use zmgr_core::error::SourceFile;

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
