//! Text lines of a PDF, page by page (pdf-extract). Tables published as PDF (NCMEC's reports by
//! country) are parsed from these lines by their adapter. A truncated or damaged PDF is refused;
//! the extractor's panics on malformed input are caught and turned into that refusal.

use super::Position;
use crate::error::{PipelineError, Result};
use crate::source::RawFile;

/// One non-empty text line with its page and line number.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfLine {
    pub position: Position,
    pub text: String,
}

pub fn lines(file: &RawFile) -> Result<Vec<PdfLine>> {
    let bytes = file.bytes()?;
    if bytes.is_empty() {
        return Err(PipelineError::Empty {
            file: file.name.clone(),
            detail: None,
        });
    }
    if !bytes.starts_with(b"%PDF") {
        return Err(PipelineError::parse(
            &file.name,
            "byte 0",
            "not a PDF (no %PDF header)",
        ));
    }
    let pages = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(&bytes))
        .map_err(|_| {
            PipelineError::parse(
                &file.name,
                "the document",
                "damaged PDF (the reader gave up)",
            )
        })?
        .map_err(|e| {
            PipelineError::parse(
                &file.name,
                "the document",
                format!("not a readable PDF (truncated or damaged?): {e}"),
            )
        })?;
    let mut out = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let mut n = 0u32;
        for line in page.lines() {
            let text = line.trim();
            if text.is_empty() {
                continue;
            }
            n += 1;
            out.push(PdfLine {
                position: Position::Page {
                    page: p as u32 + 1,
                    line: n,
                },
                text: text.to_string(),
            });
        }
    }
    Ok(out)
}
