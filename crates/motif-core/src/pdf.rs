//! PDF transcripts: the text layer, page by page, through `lopdf`, in the
//! order each page's content draws it; lines repeated at the top or bottom
//! of most pages (running headers, footers, page numbers) are dropped.
//! The text then goes through the same layouts and speaker detection as
//! any text. A PDF without a text layer (a scan), an encrypted PDF and one
//! whose content would inflate past a bound (a PDF bomb) are refused with a
//! message naming the file; a panic inside the PDF reader is caught and
//! reported the same way, so hostile input cannot crash motif.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};

/// The most a page's content may decompress to.
const MAX_PAGE_CONTENT: usize = 16 * 1024 * 1024;
/// The most pages motif reads from one PDF.
const MAX_PAGES: usize = 5_000;

/// The text of a PDF file's pages, headers and footers removed.
pub fn pdf_text(bytes: &[u8], path: &Path) -> Result<String> {
    let bad = |m: String| Error::parse(path, None, None, m);
    let pages = std::panic::catch_unwind(|| read_pages(bytes))
        .map_err(|_| {
            bad(
                "the PDF reader failed on this file (it may be damaged); motif imported nothing"
                    .into(),
            )
        })?
        .map_err(bad)?;
    let text = join_pages(&pages);
    if text.trim().is_empty() {
        return Err(bad(
            "this PDF has no text layer (a scanned document?); run text recognition (OCR) on it first, or import the transcript as .docx or .txt"
                .into(),
        ));
    }
    Ok(text)
}

/// Each page's text, as lines.
fn read_pages(bytes: &[u8]) -> std::result::Result<Vec<Vec<String>>, String> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => encrypted(),
        e => format!("not a readable PDF: {e}"),
    })?;
    if doc.is_encrypted() || doc.was_encrypted() {
        return Err(encrypted());
    }
    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    if numbers.len() > MAX_PAGES {
        return Err(format!(
            "the PDF has {} pages; motif reads up to {MAX_PAGES}: split it",
            numbers.len()
        ));
    }
    let mut pages = Vec::with_capacity(numbers.len());
    for n in numbers {
        let text = doc
            .extract_text_with_limit(&[n], MAX_PAGE_CONTENT)
            .map_err(|e| match e {
                lopdf::Error::Decompress(_) => format!(
                    "page {n}'s content would decompress to more than {} MB (a PDF bomb?); motif does not read it",
                    MAX_PAGE_CONTENT / (1024 * 1024)
                ),
                e => format!("cannot read the text of page {n}: {e}"),
            })?;
        pages.push(
            text.lines()
                .map(|l| l.trim_end().to_owned())
                .collect::<Vec<_>>(),
        );
    }
    Ok(pages)
}

fn encrypted() -> String {
    "this PDF is encrypted; motif does not read encrypted PDFs: save an unprotected copy (or export the transcript as .docx or .txt) and import that".into()
}

/// A line with its digits made one (`Page 3 of 9` → `Page # of #`), so a
/// page number compares equal across pages.
fn shape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_digits = false;
    for c in line.trim().chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// Up to this many non-blank lines at a page's top and bottom may be a
/// running header or footer.
const EDGE: usize = 2;

/// The pages' text joined by blank lines, without the lines that recur
/// (same shape) at the top or bottom of at least half the pages (two at
/// least), and without bare page numbers at either edge.
fn join_pages(pages: &[Vec<String>]) -> String {
    let edges = |p: &[String]| -> Vec<usize> {
        let filled: Vec<usize> = (0..p.len()).filter(|&i| !p[i].trim().is_empty()).collect();
        let mut e: Vec<usize> = filled.iter().take(EDGE).copied().collect();
        e.extend(filled.iter().rev().take(EDGE).copied());
        e.sort_unstable();
        e.dedup();
        e
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for p in pages {
        let mut shapes: Vec<String> = edges(p).into_iter().map(|i| shape(&p[i])).collect();
        shapes.sort();
        shapes.dedup();
        for s in shapes {
            *seen.entry(s).or_default() += 1;
        }
    }
    let running = |s: &str| seen.get(s).is_some_and(|&n| n >= 2 && n * 2 >= pages.len());
    let page_number = |s: &str| {
        let lower = s.to_lowercase();
        let rest = lower.strip_prefix("page").unwrap_or(&lower).trim();
        !rest.is_empty()
            && rest
                .split_whitespace()
                .all(|w| w == "#" || w == "of" || w == "/" || w == "-" || w == "#/#")
    };
    let mut out = String::new();
    for p in pages {
        let drop: Vec<usize> = edges(p)
            .into_iter()
            .filter(|&i| {
                let s = shape(&p[i]);
                running(&s) || page_number(&s)
            })
            .collect();
        let kept: Vec<&str> = (0..p.len())
            .filter(|i| !drop.contains(i))
            .map(|i| p[i].as_str())
            .collect();
        let page = kept.join("\n");
        let page = page.trim();
        if page.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(page);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| (*l).to_owned()).collect()
    }

    #[test]
    fn running_headers_footers_and_page_numbers_go() {
        let pages = [
            page(&[
                "Acme Transcripts — Interview 3",
                "ANA: one",
                "BEN: two",
                "Page 1 of 3",
            ]),
            page(&[
                "Acme Transcripts — Interview 3",
                "ANA: three",
                "",
                "BEN: four",
                "Page 2 of 3",
            ]),
            page(&["Acme Transcripts — Interview 3", "ANA: five", "- 3 -"]),
        ];
        assert_eq!(
            join_pages(&pages),
            "ANA: one\nBEN: two\n\nANA: three\n\nBEN: four\n\nANA: five\n"
        );
        // One page: nothing recurs, only a bare number goes.
        assert_eq!(
            join_pages(&[page(&["Title", "text", "7"])]),
            "Title\ntext\n"
        );
    }

    #[test]
    fn hostile_bytes_are_errors_not_panics() {
        for bytes in [
            &b"%PDF-1.4\n"[..],
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
            b"not a pdf",
        ] {
            assert!(pdf_text(bytes, Path::new("x.pdf")).is_err());
        }
    }
}
