//! Reading the table out of a PDF: its text lines as `<name> <count>` pairs below the first
//! `Country …` header, names wrapped onto the line above joined back, page furniture passed over.

use super::*;
use crate::source::ReadRaw;

pub(super) fn is_pdf(file: &RawFile) -> Result<bool> {
    if file.extension() == "pdf" {
        return Ok(true);
    }
    let mut head = [0u8; 5];
    let n = std::fs::File::open(&file.path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|cause| PipelineError::Io {
            file: file.name.clone(),
            cause,
        })?;
    Ok(head[..n].starts_with(b"%PDF"))
}

pub(super) fn read_pdf(file: &RawFile) -> Result<Parsed> {
    let bytes = file.bytes()?;
    // A PDF ends with `%%EOF` (possibly followed by a newline); a truncated copy may still give
    // some pages of text, which would make a partial table look complete. Bytes after the last
    // `%%EOF` (junk appended in transit) are not truncation: `pdf::lines` ignores them.
    if bytes.starts_with(b"%PDF") && memchr::memmem::rfind(&bytes, b"%%EOF").is_none() {
        return Err(PipelineError::parse(
            &file.name,
            format!("byte {}", bytes.len()),
            "truncated PDF: no %%EOF marker at the end of the file",
        ));
    }
    let lines = pdf::lines(file)?;
    let rows = pdf_rows(&lines);
    if rows.is_empty() {
        return Err(PipelineError::layout(
            &file.name,
            FEED,
            "no table found: no `Country … Reports` header line followed by `<country> <count>` \
             lines in the PDF's text",
        ));
    }
    Ok(Parsed {
        rows,
        title: best_title(lines.iter().map(|l| (&l.position, l.text.as_str()))),
        has_year_column: false,
        notes: Vec::new(),
        misshapen: Vec::new(),
    })
}

pub(super) fn page_of(p: &Position) -> u32 {
    match p {
        Position::Page { page, .. } => *page,
        _ => 0,
    }
}

/// The table rows among a PDF's text lines.
pub(super) fn pdf_rows(lines: &[PdfLine]) -> Vec<RawRow> {
    let mut rows = Vec::new();
    let mut in_table = false;
    // Lines just above that may be the first half of a wrapped name.
    let mut fragments: Vec<&PdfLine> = Vec::new();
    for line in lines {
        if is_pdf_header(&line.text) {
            in_table = true;
            fragments.clear();
            continue;
        }
        if !in_table {
            continue;
        }
        if fragments
            .first()
            .is_some_and(|f| page_of(&f.position) != page_of(&line.position))
        {
            fragments.clear();
        }
        match split_pairs(&line.text) {
            Some(split) if split.leading.is_none() || !fragments.is_empty() => {
                let mut pairs = split.pairs.into_iter();
                if let Some(count) = split.leading {
                    // The count stands alone under its name: `Congo, The Democratic Republic` /
                    // `of the` / `3,856`.
                    let (name, position) = join_wrapped(&fragments, "", &line.position);
                    rows.push(RawRow {
                        position,
                        name,
                        count,
                        year: None,
                    });
                } else if let Some((name, count)) = pairs.next() {
                    let (name, position) = join_wrapped(&fragments, &name, &line.position);
                    rows.push(RawRow {
                        position,
                        name,
                        count,
                        year: None,
                    });
                }
                for (name, count) in pairs {
                    rows.push(RawRow {
                        position: line.position.clone(),
                        name,
                        count,
                        year: None,
                    });
                }
                fragments.clear();
            }
            _ if is_fragment(&line.text) => {
                fragments.push(line);
                if fragments.len() > 2 {
                    fragments.remove(0);
                }
            }
            _ => fragments.clear(),
        }
    }
    rows
}

/// A header line: `Country Total`, `Country / Territory Reports`, `Country Total Reports`.
pub(super) fn is_pdf_header(text: &str) -> bool {
    let folded = fold(text);
    !text.bytes().any(|b| b.is_ascii_digit())
        && (folded == "country" || folded.starts_with("country "))
        && folded.split(' ').count() <= MAX_FRAGMENT_WORDS
}

/// A short line of words without digits: possibly the first half of a wrapped name.
pub(super) fn is_fragment(text: &str) -> bool {
    let folded = fold(text);
    !folded.is_empty()
        && !text.bytes().any(|b| b.is_ascii_digit())
        && text.split_whitespace().count() <= MAX_FRAGMENT_WORDS
        && !HEADER_WORDS.contains(&folded.as_str())
}

/// Prefix the name with the fragment lines above it when that makes a known label; the position
/// is then the line the name starts on.
pub(super) fn join_wrapped(
    fragments: &[&PdfLine],
    name: &str,
    at: &Position,
) -> (String, Position) {
    for take in (1..=fragments.len()).rev() {
        let used = &fragments[fragments.len() - take..];
        let mut joined: Vec<&str> = used.iter().map(|f| f.text.trim()).collect();
        if !name.is_empty() {
            joined.push(name);
        }
        let joined = joined.join(" ");
        if classify(&joined).is_ok() {
            return (joined, used[0].position.clone());
        }
    }
    if name.is_empty() {
        // A count alone under text that is not a known name: keep the nearest line as the name,
        // so the row is quarantined with it rather than lost.
        if let Some(last) = fragments.last() {
            return (last.text.trim().to_string(), last.position.clone());
        }
    }
    (name.to_string(), at.clone())
}

/// A PDF line cut into `<name> <count>` pairs.
#[derive(Debug, PartialEq)]
pub(super) struct Split {
    /// A count before any name (its name is on the line above, or this is not a table line).
    pub(super) leading: Option<String>,
    pub(super) pairs: Vec<(String, String)>,
}

/// A token that is written like a count: digits, with `,` or `.` between digits.
pub(super) fn is_count_token(token: &str) -> bool {
    let b = token.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_digit()
        && b[b.len() - 1].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_digit() || *c == b',' || *c == b'.')
}

/// Cut a line into `<name> <count>` pairs; `None` when the line is not such a sequence (text,
/// a header, a footnote, a page number).
pub(super) fn split_pairs(text: &str) -> Option<Split> {
    let mut leading = None;
    let mut pairs = Vec::new();
    let mut name: Vec<&str> = Vec::new();
    for (i, token) in text.split_whitespace().enumerate() {
        if is_count_token(token) {
            if name.is_empty() {
                if i == 0 {
                    leading = Some(token.to_string());
                    continue;
                }
                return None;
            }
            if name.len() > MAX_NAME_WORDS
                || !name.iter().any(|w| w.chars().any(char::is_alphabetic))
            {
                return None;
            }
            pairs.push((name.join(" "), token.to_string()));
            name.clear();
        } else {
            name.push(token);
        }
    }
    if !name.is_empty() || (pairs.is_empty() && leading.is_none()) {
        return None;
    }
    Some(Split { leading, pairs })
}
