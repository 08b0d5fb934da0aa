//! Reading transcripts from the formats researchers have: plain text and
//! Markdown, `WebVTT` and `SubRip` subtitles (Zoom, Teams, Otter exports) and
//! Word `.docx`. Everything becomes normalized UTF-8 text with `\n` line
//! ends; subtitle cues become `[hh:mm:ss] Speaker: text` turns.

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use super::error::{Error, Result};

/// The largest transcript motif accepts, in bytes.
pub const MAX_TRANSCRIPT_BYTES: usize = 64 * 1024 * 1024;

/// The largest `.docx` or `.pdf` motif reads (pictures make them larger
/// than the text they hold).
pub const MAX_PACKED_BYTES: u64 = 512 * 1024 * 1024;

/// The formats motif imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Vtt,
    Srt,
    Docx,
    Pdf,
}

impl Format {
    /// The format of a file by its extension, if motif reads it.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            "vtt" => Some(Format::Vtt),
            "srt" => Some(Format::Srt),
            "docx" => Some(Format::Docx),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
}

/// Normalized text plus what was done to get it.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    /// Things the researcher should know (e.g. "decoded as Windows-1252").
    pub notices: Vec<String>,
    /// The vendor layout that was rewritten into motif's form, if any
    /// ([`crate::layouts`]).
    pub layout: Option<&'static str>,
}

impl Format {
    /// The name of the format, as `import --preview` shows it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Vtt => "webvtt",
            Format::Srt => "subrip",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }
}

/// Which byte encodings [`decode`] may fall back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// Bytes that are not UTF-8 are decoded as Windows-1252, with a notice.
    Windows1252,
    /// Bytes that are not UTF-8 are an error.
    Refuse,
}

/// Decodes the bytes of a text file and normalizes line ends.
///
/// Strips a UTF-8 BOM, decodes UTF-16 and UTF-32 (with a BOM, or found
/// without one), refuses binary and empty
/// files, and turns CRLF and lone CR into LF.
pub fn decode(bytes: &[u8], path: &Path, legacy: Legacy) -> Result<Decoded> {
    let mut notices = Vec::new();
    let text = unicode(bytes, path, legacy, &mut notices)?;
    // The text is stored as UTF-8 without a BOM and read back through this
    // function, so it must pass the same checks: BOMs left after the first
    // go, and UTF-16 or BOM-marked text holding NULs or starting like a
    // binary format is refused as the bytes would be.
    let text = normalize_newlines(text.trim_start_matches('\u{feff}'));
    if looks_binary(text.as_bytes()) {
        return Err(binary(path));
    }
    if text.trim().is_empty() {
        return Err(Error::parse(
            path,
            None,
            None,
            "the transcript is empty; there is nothing to code",
        ));
    }
    Ok(Decoded {
        text,
        notices,
        layout: None,
    })
}

/// Decodes a table or other text read as it is, as [`decode`] does but
/// keeping its line ends (a lone CR or a CRLF inside a quoted CSV value is
/// part of the value) and accepting an empty file.
pub fn decode_keeping_line_ends(bytes: &[u8], path: &Path, legacy: Legacy) -> Result<String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::from_utf8_lossy(bytes).into_owned());
    }
    let text = unicode(bytes, path, legacy, &mut Vec::new())?;
    let text = text.trim_start_matches('\u{feff}');
    if looks_binary(text.as_bytes()) {
        return Err(binary(path));
    }
    Ok(text.to_owned())
}

/// The bytes as Unicode text: the encoding found (by BOM, wide-encoding
/// detection or UTF-8, else `legacy`), nothing normalized.
fn unicode(bytes: &[u8], path: &Path, legacy: Legacy, notices: &mut Vec<String>) -> Result<String> {
    if bytes.len() > MAX_TRANSCRIPT_BYTES {
        return Err(Error::parse(
            path,
            None,
            None,
            format!(
                "the file is {} MB; motif accepts transcripts up to {} MB — split it into several interviews",
                bytes.len() / 1_000_000,
                MAX_TRANSCRIPT_BYTES / 1_000_000
            ),
        ));
    }
    Ok(if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        utf8(rest, path, legacy, notices)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE\0\0") {
        utf32(rest, path, u32::from_le_bytes)?
    } else if let Some(rest) = bytes.strip_prefix(b"\0\0\xFE\xFF") {
        utf32(rest, path, u32::from_be_bytes)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, path, u16::from_le_bytes)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, path, u16::from_be_bytes)?
    } else if let Some(wide) = bom_less_wide(bytes) {
        notices.push(format!("read as {} without a byte-order mark", wide.name()));
        wide.decode(bytes, path)?
    } else {
        // Wide text with a few bytes too many (or too few) at its end.
        for extra in 1..=3 {
            let Some(cut) = bytes.len().checked_sub(extra).map(|n| &bytes[..n]) else {
                break;
            };
            let unit = match bom_less_wide(cut) {
                Some(Wide::Utf16 { .. }) if extra == 1 => 2,
                Some(Wide::Utf32 { .. }) => 4,
                _ => continue,
            };
            if cut.len() < 8 {
                break;
            }
            let wide = bom_less_wide(cut).expect("found above");
            let left: Vec<String> = bytes[cut.len()..]
                .iter()
                .map(|b| format!("0x{b:02X}"))
                .collect();
            return Err(Error::parse(
                path,
                None,
                None,
                format!(
                    "this reads as {} without a byte-order mark, but its length is not a multiple of {unit} bytes: its last {} ({}) {} left over, so the file was cut short or had bytes added at its end; remove them, or save the file again as UTF-8",
                    wide.name(),
                    if extra == 1 { "byte" } else { "bytes" },
                    left.join(" "),
                    if extra == 1 { "is" } else { "are" },
                ),
            ));
        }
        if let Some(at) = stray_nul(bytes) {
            let line = bytecount_newlines(&bytes[..at]) + 1;
            let line_start = bytes[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&bytes[line_start..at])
                .chars()
                .count()
                + 1;
            return Err(Error::parse(
                path,
                Some(line),
                Some(column),
                "a NUL byte in otherwise plain UTF-8 text: the file was damaged or joined with a binary one; remove the byte (or save the file again) and import it",
            ));
        }
        if looks_binary(bytes) {
            return Err(binary(path));
        }
        utf8(bytes, path, legacy, notices)?
    })
}

/// Where the first NUL byte is in what is otherwise UTF-8 text (not a
/// binary format, few NULs): a damaged text file rather than a binary one.
fn stray_nul(bytes: &[u8]) -> Option<usize> {
    let at = bytes.iter().position(|b| *b == 0)?;
    let nuls = bytecount_byte(bytes, 0);
    let magic = looks_binary(&bytes[..at]);
    // Other control bytes (not tab, line ends, form feed) mean binary.
    let controls = bytes
        .iter()
        .any(|b| *b != 0 && *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c));
    (nuls <= 1 + bytes.len() / 64 && !magic && !controls && std::str::from_utf8(bytes).is_ok())
        .then_some(at)
}

/// How many times `byte` occurs in `bytes`.
fn bytecount_byte(bytes: &[u8], byte: u8) -> usize {
    bytes.iter().fold(0, |n, b| n + usize::from(*b == byte))
}

/// A wide Unicode encoding a file without a byte-order mark was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wide {
    Utf16 { big: bool },
    Utf32 { big: bool },
}

impl Wide {
    fn name(self) -> String {
        let (bits, big) = match self {
            Wide::Utf16 { big } => (16, big),
            Wide::Utf32 { big } => (32, big),
        };
        format!("UTF-{bits} ({}-endian)", if big { "big" } else { "little" })
    }

    fn decode(self, bytes: &[u8], path: &Path) -> Result<String> {
        match self {
            Wide::Utf16 { big: true } => utf16(bytes, path, u16::from_be_bytes),
            Wide::Utf16 { big: false } => utf16(bytes, path, u16::from_le_bytes),
            Wide::Utf32 { big: true } => utf32(bytes, path, u32::from_be_bytes),
            Wide::Utf32 { big: false } => utf32(bytes, path, u32::from_le_bytes),
        }
    }
}

/// Whether `bytes` (no byte-order mark) look like UTF-32 or UTF-16, and
/// which order. Only a file with NUL bytes is a candidate (UTF-8 text has
/// none). Each reading of the first 4 KiB must give only characters text
/// holds (no NUL, no other control but tab, form feed and line ends, no
/// private-use or non-character, no lone surrogate) and at least one
/// ASCII character (a space, a line end, a digit: in the wrong byte order
/// those become U+0A00, U+2000…). Of two UTF-16 readings that pass, the one
/// with more ASCII wins (emoji read in the wrong order give Latin-1
/// letters, not ASCII). Binary files fail at once: their
/// runs of zeros read as NUL.
fn bom_less_wide(bytes: &[u8]) -> Option<Wide> {
    let head = &bytes[..bytes.len().min(4096)];
    if bytes.len() < 2 || !head.contains(&0) {
        return None;
    }
    // UTF-8 text with a stray NUL is not UTF-16: wide text of mostly
    // ASCII is half NULs, and wide CJK text is not valid UTF-8.
    let nuls = bytecount_byte(head, 0);
    let utf8 = std::str::from_utf8(head).map_or_else(|e| e.error_len().is_none(), |_| true);
    if utf8 && nuls * 8 < head.len() {
        return None;
    }
    if bytes.len().is_multiple_of(4) {
        let quads = &head[..head.len() / 4 * 4];
        for big in [false, true] {
            let units = quads.chunks_exact(4).map(|c| {
                let b = [c[0], c[1], c[2], c[3]];
                if big {
                    u32::from_be_bytes(b)
                } else {
                    u32::from_le_bytes(b)
                }
            });
            if wide_score(units.map(char::from_u32)).is_some() {
                return Some(Wide::Utf32 { big });
            }
        }
    }
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let score = |big: bool| {
        let units = head.chunks_exact(2).map(|c| {
            if big {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        // A pair cut by the 4 KiB window is not a fault of the file.
        let mut chars: Vec<Option<char>> = char::decode_utf16(units)
            .map(std::result::Result::ok)
            .collect();
        if head.len() < bytes.len() && chars.last() == Some(&None) {
            chars.pop();
        }
        wide_score(chars.into_iter())
    };
    match (score(false), score(true)) {
        (Some(le), Some(be)) => Some(Wide::Utf16 { big: be > le }),
        (Some(_), None) => Some(Wide::Utf16 { big: false }),
        (None, Some(_)) => Some(Wide::Utf16 { big: true }),
        (None, None) => None,
    }
}

/// How many ASCII characters a reading holds, or `None` when it
/// holds anything a text would not (see [`bom_less_wide`]) or none at all.
fn wide_score(chars: impl Iterator<Item = Option<char>>) -> Option<usize> {
    let mut small = 0;
    for c in chars {
        let c = c?;
        let control = c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}');
        let private = ('\u{E000}'..='\u{F8FF}').contains(&c) || c >= '\u{F0000}';
        let non_char = ('\u{FDD0}'..='\u{FDEF}').contains(&c) || (u32::from(c) & 0xFFFE) == 0xFFFE;
        if control || private || non_char {
            return None;
        }
        small += usize::from(c.is_ascii());
    }
    (small > 0).then_some(small)
}

/// [`decode`] for bytes the caller owns: text that is already plain,
/// normalized UTF-8 (every transcript in `transcripts/` after import)
/// becomes the string without being copied.
pub fn decode_owned(bytes: Vec<u8>, path: &Path, legacy: Legacy) -> Result<Decoded> {
    let plain = bytes.len() <= MAX_TRANSCRIPT_BYTES
        && !bytes.starts_with(b"\xEF\xBB\xBF")
        && !bytes.starts_with(b"\xFF\xFE")
        && !bytes.starts_with(b"\xFE\xFF")
        && !bytes.starts_with(b"\0\0\xFE\xFF")
        && !looks_binary(&bytes)
        && !bytes.contains(&b'\r');
    if plain {
        match String::from_utf8(bytes) {
            Ok(text) if !text.trim().is_empty() => {
                return Ok(Decoded {
                    text,
                    notices: Vec::new(),
                    layout: None,
                });
            }
            Ok(text) => return decode(text.as_bytes(), path, legacy),
            Err(e) => return decode(e.as_bytes(), path, legacy),
        }
    }
    decode(&bytes, path, legacy)
}

fn binary(path: &Path) -> Error {
    Error::parse(
        path,
        None,
        None,
        "this is a binary file, not a text transcript (import .txt, .md, .vtt, .srt, .docx or .pdf)",
    )
}

fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    head.contains(&0)
        || head.starts_with(b"%PDF")
        || head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"\x89PNG")
        || head.starts_with(b"\xFF\xD8\xFF")
}

fn utf8(bytes: &[u8], path: &Path, legacy: Legacy, notices: &mut Vec<String>) -> Result<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytecount_newlines(&bytes[..at]) + 1;
            match legacy {
                Legacy::Refuse => Err(Error::parse(
                    path,
                    Some(line),
                    None,
                    format!(
                        "the file is not UTF-8 (byte 0x{:02X}); it may be Latin-1 or Windows-1252 — import it with `motif import`, which converts it, or save it as UTF-8",
                        bytes[at]
                    ),
                )),
                Legacy::Windows1252 => {
                    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
                    notices.push(format!(
                        "{}: not UTF-8 (first odd byte 0x{:02X} on line {line}); decoded as Windows-1252 (Latin-1) — check accented letters",
                        path.display(),
                        bytes[at]
                    ));
                    Ok(text.into_owned())
                }
            }
        }
    }
}

fn bytecount_newlines(bytes: &[u8]) -> usize {
    bytes.iter().fold(0, |n, &b| n + usize::from(b == b'\n'))
}

fn utf16(bytes: &[u8], path: &Path, read: fn([u8; 2]) -> u16) -> Result<String> {
    if !bytes.len().is_multiple_of(2) {
        return Err(Error::parse(
            path,
            None,
            None,
            "the file claims to be UTF-16 but has an odd number of bytes",
        ));
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| read([c[0], c[1]])).collect();
    String::from_utf16(&units).map_err(|_| {
        Error::parse(
            path,
            None,
            None,
            "the file claims to be UTF-16 but holds invalid UTF-16",
        )
    })
}

fn utf32(bytes: &[u8], path: &Path, read: fn([u8; 4]) -> u32) -> Result<String> {
    let fault = |why: &str| {
        Error::parse(
            path,
            None,
            None,
            format!("the file claims to be UTF-32 but {why}"),
        )
    };
    if !bytes.len().is_multiple_of(4) {
        return Err(fault("its length is not a multiple of four bytes"));
    }
    bytes
        .chunks_exact(4)
        .map(|c| char::from_u32(read([c[0], c[1], c[2], c[3]])))
        .collect::<Option<String>>()
        .ok_or_else(|| fault("holds a value that is not a character"))
}

/// CRLF and lone CR become LF.
pub fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_owned();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Reads a file of any supported format into normalized transcript text.
pub fn read_transcript(path: &Path) -> Result<Decoded> {
    let format = Format::of(path).ok_or_else(|| {
        Error::parse(
            path,
            None,
            None,
            "motif imports .txt, .md, .vtt, .srt, .docx and .pdf files",
        )
    })?;
    // Packed formats may carry pictures; a text is read only up to the
    // size a transcript may have.
    let cap = match format {
        Format::Docx | Format::Pdf => MAX_PACKED_BYTES,
        _ => MAX_TRANSCRIPT_BYTES as u64,
    };
    // A FIFO would block the import, a device never end: only files.
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::parse(
            path,
            None,
            None,
            format!(
                "this is {}, not a file; import a regular file",
                crate::fsio::kind_name(meta.file_type())
            ),
        ));
    }
    let bytes = crate::fsio::read_capped(path, "the file to import", cap)?;
    read_transcript_bytes(&bytes, format, path)
}

/// Turns the bytes of a file in `format` into normalized transcript text;
/// `path` is only named in messages. [`read_transcript`] after the read.
pub fn read_transcript_bytes(bytes: &[u8], format: Format, path: &Path) -> Result<Decoded> {
    let decoded = if format == Format::Docx {
        let text = docx_text(bytes, path)?;
        decode(text.as_bytes(), path, Legacy::Refuse)?
    } else if format == Format::Pdf {
        let text = crate::pdf::pdf_text(bytes, path)?;
        decode(text.as_bytes(), path, Legacy::Refuse)?
    } else {
        decode(bytes, path, Legacy::Windows1252)?
    };
    let (text, layout) = match format {
        Format::Vtt => (subtitles(&decoded.text, path, true)?, None),
        Format::Srt => (subtitles(&decoded.text, path, false)?, None),
        Format::Text | Format::Docx | Format::Pdf => {
            let c = crate::layouts::canonical(&decoded.text);
            (c.text, c.layout)
        }
        Format::Markdown => {
            let c = crate::layouts::canonical(&crate::markdown::to_text(&decoded.text));
            (c.text, c.layout)
        }
    };
    // What the readers made must still be a transcript.
    if text.trim().is_empty() {
        return Err(Error::parse(
            path,
            None,
            None,
            "the transcript is empty; there is nothing to code",
        ));
    }
    Ok(Decoded {
        text,
        notices: decoded.notices,
        layout,
    })
}

/// One subtitle cue.
struct Cue {
    seconds: u64,
    speaker: Option<String>,
    text: String,
}

/// Parses VTT (`vtt` true) or SRT into turns, merging consecutive cues of
/// the same speaker.
fn subtitles(text: &str, path: &Path, vtt: bool) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    if vtt {
        if !lines
            .first()
            .is_some_and(|l| l.trim_start().starts_with("WEBVTT"))
        {
            return Err(Error::parse(
                path,
                Some(1),
                None,
                "a WebVTT file must start with the line WEBVTT",
            ));
        }
        i = 1;
    }
    let mut cues: Vec<Cue> = Vec::new();
    while i < lines.len() {
        let line = lines[i].trim();
        if line.is_empty() {
            i += 1;
            continue;
        }
        if vtt && (line.starts_with("NOTE") || line == "STYLE" || line == "REGION") {
            while i < lines.len() && !lines[i].trim().is_empty() {
                i += 1;
            }
            continue;
        }
        let timing_at = timing_line(&lines, i, path)?;
        let seconds = cue_start(lines[timing_at], timing_at, path)?;
        i = timing_at + 1;
        let mut payload = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() {
            payload.push(lines[i].trim());
            i += 1;
        }
        let (speaker, body) = cue_speaker(&payload.join(" "));
        if body.is_empty() {
            continue;
        }
        match cues.last_mut() {
            Some(last) if last.speaker.is_some() && last.speaker == speaker => {
                last.text.push(' ');
                last.text.push_str(&body);
            }
            _ => cues.push(Cue {
                seconds,
                speaker,
                text: body,
            }),
        }
    }
    if cues.is_empty() {
        return Err(Error::parse(
            path,
            None,
            None,
            "the subtitle file holds no cues with text",
        ));
    }
    Ok(turns_of(cues))
}

/// The index of the timing line of the cue starting at line `i` (a
/// non-empty line): `i` itself, or the next line when line `i` is the
/// cue's identifier.
fn timing_line(lines: &[&str], i: usize, path: &Path) -> Result<usize> {
    // A cue: an optional identifier line, then the timing line.
    if lines[i].trim().contains("-->") {
        Ok(i)
    } else if lines.get(i + 1).is_some_and(|l| l.contains("-->")) {
        Ok(i + 1)
    } else {
        // Line `i` is taken for the cue's identifier; the timing line
        // should have followed it.
        let at = (i + 1).min(lines.len() - 1);
        Err(Error::parse(
            path,
            Some(at + 1),
            None,
            format!(
                "expected a cue timing line like `00:00:01.000 --> 00:00:04.000`, found `{}`",
                super::text::one_line(lines[at])
            ),
        ))
    }
}

/// The start of a cue, in whole seconds, from its timing line (`line`, at
/// index `at`): `START --> END [settings]`, both times readable (minutes
/// and seconds below 60) and the end not before the start.
fn cue_start(line: &str, at: usize, path: &Path) -> Result<u64> {
    let bad = |what: String| Error::parse(path, Some(at + 1), None, what);
    let (start, rest) = line.split_once("-->").unwrap_or((line, ""));
    let (start, end) = (start.trim(), rest.trim());
    if end.contains("-->") {
        return Err(bad(
            "this cue timing line has two `-->`; a cue runs from one time to one other (`00:00:01.000 --> 00:00:04.000`)".into(),
        ));
    }
    let time = |s: &str| {
        parse_timestamp(s).ok_or_else(|| {
            bad(format!(
                "cannot read the cue time `{}` (write it as 00:00:01.000)",
                super::text::one_line(s)
            ))
        })
    };
    let (from, to) = (time(start)?, time(end)?);
    if to < from {
        return Err(bad(format!(
            "the cue ends (`{}`) before it starts (`{}`)",
            super::text::one_line(end.split([' ', '\t']).next().unwrap_or("")),
            super::text::one_line(start)
        )));
    }
    Ok(from)
}

/// The cues as turns: `[hh:mm:ss] Speaker: text`, separated by blank
/// lines, ending with a newline.
fn turns_of(cues: Vec<Cue>) -> String {
    let mut out = String::new();
    for cue in cues {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        let (h, m, s) = (cue.seconds / 3600, cue.seconds / 60 % 60, cue.seconds % 60);
        let _ = write!(out, "[{h:02}:{m:02}:{s:02}] ");
        if let Some(sp) = cue.speaker {
            out.push_str(&sp);
            out.push_str(": ");
        }
        out.push_str(&cue.text);
    }
    out.push('\n');
    out
}

/// `hh:mm:ss.mmm`, `mm:ss.mmm` or `hh:mm:ss,mmm` in whole seconds; `None`
/// for anything else, including times too large to count.
fn parse_timestamp(s: &str) -> Option<u64> {
    let s = s.split([' ', '\t']).next()?;
    let whole = s.split(['.', ',']).next()?;
    let parts: Vec<&str> = whole.split(':').collect();
    let nums: Option<Vec<u64>> = parts.iter().map(|p| p.parse().ok()).collect();
    let (h, m, s) = match *nums?.as_slice() {
        [h, m, s] => (h, m, s),
        [m, s] => (0, m, s),
        _ => return None,
    };
    if m >= 60 || s >= 60 {
        return None;
    }
    h.checked_mul(3600)?
        .checked_add(m.checked_mul(60)?)?
        .checked_add(s)
}

/// Splits a cue payload into speaker and text: `<v Name>text</v>` or
/// `Name: text`; strips other tags and decodes the common entities.
fn cue_speaker(payload: &str) -> (Option<String>, String) {
    let mut speaker = None;
    let mut rest = payload;
    if let Some(after) = rest.strip_prefix("<v")
        && let Some(close) = after.find('>')
    {
        let name = after[..close].trim_start_matches(['.', ' ']);
        // `<v.loud Name>`: classes come before the first space.
        let name = if after.starts_with('.') {
            name.split_once(' ').map_or("", |(_, n)| n)
        } else {
            name
        };
        if !name.trim().is_empty() {
            speaker = Some(name.trim().to_owned());
        }
        rest = &after[close + 1..];
    }
    let mut body = strip_tags(rest);
    if speaker.is_none()
        && let Some((name, text)) = body.split_once(": ")
        && looks_like_name(name)
    {
        speaker = Some(name.trim().to_owned());
        body = text.to_owned();
    }
    (speaker, body.trim().to_owned())
}

fn looks_like_name(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars().count() <= 40
        && s.split_whitespace().count() <= 4
        && s.chars().next().is_some_and(char::is_alphanumeric)
        && s.chars()
            .all(|c| c.is_alphanumeric() || " .'’_-()".contains(c))
}

/// Removes HTML-like tags (`<i>`, `<font …>`) and the SSA/ASS override
/// blocks subtitle tools write (`{\an8}`, `{\i1}`).
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    let mut in_override = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if !in_tag && chars.peek() == Some(&'\\') => in_override = true,
            '}' if in_override => in_override = false,
            _ if in_override => {}
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The largest `word/document.xml` motif decompresses.
const MAX_DOCX_XML: u64 = 256 * 1024 * 1024;

/// The text of a `.docx`: one paragraph per block, blank line between.
pub fn docx_text(bytes: &[u8], path: &Path) -> Result<String> {
    let bad = |m: String| Error::parse(path, None, None, m);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable .docx (zip) file: {e}")))?;
    let file = archive
        .by_name("word/document.xml")
        .map_err(|_| bad("not a Word document: word/document.xml is missing".into()))?;
    let mut xml = Vec::new();
    file.take(MAX_DOCX_XML + 1)
        .read_to_end(&mut xml)
        .map_err(|e| bad(format!("cannot decompress word/document.xml: {e}")))?;
    if xml.len() as u64 > MAX_DOCX_XML {
        return Err(bad(
            "word/document.xml is larger than 256 MB when decompressed".into(),
        ));
    }
    docx_xml_text(&xml).map_err(bad)
}

/// The text of `WordprocessingML` `document.xml`.
pub fn docx_xml_text(xml: &[u8]) -> std::result::Result<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut body = DocxBody::default();
    let mut current = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::DocType(_)) => {
                return Err("the document declares a DTD, which motif does not read".into());
            }
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "t" => in_text = true,
                "p" => current.clear(),
                "tbl" => body.depth += 1,
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "tab" => current.push('\t'),
                "br" | "cr" => current.push('\n'),
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    body.paragraph(&current);
                    current.clear();
                }
                "tc" if body.depth == 1 => body.end_cell(),
                "tr" if body.depth == 1 => body.end_row(),
                "tbl" => body.end_table(),
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => {
                current.push_str(&unescape_xml(&t.xml10_content())?);
            }
            Ok(Event::GeneralRef(r)) if in_text => {
                let name: &str = r.as_ref();
                current.push_str(&unescape_xml(&format!("&{name};"))?);
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                return Err(format!(
                    "word/document.xml is malformed at byte {}: {e}",
                    reader.error_position()
                ));
            }
            _ => {}
        }
        buf.clear();
    }
    // Drop empty paragraphs; keep one blank line between blocks.
    let mut text = body.blocks.join("\n\n");
    text.push('\n');
    Ok(text)
}

/// The blocks of a Word document as they are read: paragraphs, and
/// tables turned into turns or rows (see [`table_blocks`]).
#[derive(Default)]
struct DocxBody {
    blocks: Vec<String>,
    /// Table nesting; a nested table's text goes into the outer cell.
    depth: usize,
    rows: Vec<Vec<String>>,
    row: Vec<String>,
    cell: Vec<String>,
}

impl DocxBody {
    fn paragraph(&mut self, p: &str) {
        let p = p.trim_end().to_owned();
        if p.trim().is_empty() {
            return;
        }
        if self.depth == 0 {
            self.blocks.push(p);
        } else {
            self.cell.push(p);
        }
    }

    fn end_cell(&mut self) {
        self.row.push(std::mem::take(&mut self.cell).join("\n"));
    }

    fn end_row(&mut self) {
        let row = std::mem::take(&mut self.row);
        if row.iter().any(|c| !c.trim().is_empty()) {
            self.rows.push(row);
        }
    }

    fn end_table(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            let rows = std::mem::take(&mut self.rows);
            self.blocks.extend(table_blocks(rows));
        }
    }
}

/// A transcript table's rows as blocks: `[time] Speaker: text` when the
/// columns are time, speaker, text; `Speaker: text` when they are
/// speaker, text (in at least half the rows, and two); otherwise — and
/// for the rows that do not fit, like a header — one paragraph per row,
/// cells separated by tabs. No cell's text is dropped.
fn table_blocks(rows: Vec<Vec<String>>) -> Vec<String> {
    let is_time =
        |s: &str| crate::layouts::seconds(s.trim().trim_matches(['[', ']', '(', ')'])).is_some();
    let is_name = |s: &str| {
        let s = s.trim();
        looks_like_name(s) && s.chars().next().is_some_and(char::is_alphabetic)
    };
    let timed = |r: &Vec<String>| {
        let cells: Vec<&String> = r.iter().filter(|c| !c.trim().is_empty()).collect();
        cells.len() == 3 && is_time(cells[0]) && is_name(cells[1])
    };
    let named = |r: &Vec<String>| {
        let cells: Vec<&String> = r.iter().filter(|c| !c.trim().is_empty()).collect();
        cells.len() == 2 && is_name(cells[0]) && !is_time(cells[0])
    };
    let enough = |n: usize| n >= 2 && n * 2 >= rows.len();
    let use_timed = enough(rows.iter().filter(|r| timed(r)).count());
    // Speaker and text: a speaker must speak twice (a two-column table of
    // facts is no dialogue).
    let mut speakers: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in rows.iter().filter(|r| named(r)) {
        let first = r
            .iter()
            .find(|c| !c.trim().is_empty())
            .map_or("", |c| c.trim());
        *speakers.entry(first.to_lowercase()).or_default() += 1;
    }
    let use_named = !use_timed
        && speakers.values().any(|&n| n >= 2)
        && enough(rows.iter().filter(|r| named(r)).count());
    rows.into_iter()
        .map(|r| {
            let cells: Vec<&str> = r
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .collect();
            if use_timed && timed(&r) {
                let t = cells[0].trim_matches(['[', ']', '(', ')']);
                format!("[{}] {}: {}", crate::layouts::clock(t), cells[1], cells[2])
            } else if use_named && named(&r) {
                format!("{}: {}", cells[0].trim_end_matches(':'), cells[1])
            } else {
                cells.join("\t")
            }
        })
        .collect()
}

/// Resolves the five predefined XML entities and character references;
/// anything else is refused (no DTD entities are ever expanded).
pub fn unescape_xml(s: &str) -> std::result::Result<String, String> {
    if !s.contains('&') {
        return Ok(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp + 1..];
        let semi = tail
            .find(';')
            .ok_or_else(|| "an `&` without `;` in XML text".to_owned())?;
        let name = &tail[..semi];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32).ok_or_else(|| {
                    format!("unknown XML entity `&{name};` (entities are not expanded)")
                })?
            }
        };
        out.push(c);
        rest = &tail[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t.txt")
    }

    #[test]
    fn bom_and_crlf() {
        let d = decode(b"\xEF\xBB\xBFA: hi\r\nB: ho\rC\r\n", p(), Legacy::Refuse).unwrap();
        assert_eq!(d.text, "A: hi\nB: ho\nC\n");
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Zoë: 北".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        assert_eq!(decode(&bytes, p(), Legacy::Refuse).unwrap().text, "Zoë: 北");
    }

    #[test]
    fn latin1_is_decoded_with_a_notice_or_refused() {
        let d = decode(b"caf\xE9 au lait", p(), Legacy::Windows1252).unwrap();
        assert_eq!(d.text, "café au lait");
        assert!(d.notices[0].contains("Windows-1252"));
        let e = decode(b"line\ncaf\xE9", p(), Legacy::Refuse)
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.txt:2"), "{e}");
    }

    #[test]
    fn binary_and_empty_are_refused() {
        assert!(
            decode(b"ab\0\0\0cd\0\0", p(), Legacy::Windows1252)
                .unwrap_err()
                .to_string()
                .contains("binary")
        );
        assert!(
            decode(b"  \r\n ", p(), Legacy::Windows1252)
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
    }

    #[test]
    fn decoded_text_reads_back_the_same() {
        // Found by fuzzing: UTF-16 (and BOM-marked UTF-8) skipped the binary
        // check, and a second BOM survived, so the stored text read back
        // differently or not at all.
        let mut nul = vec![0xFF, 0xFE];
        for u in "A\0B: hi".encode_utf16() {
            nul.extend(u.to_le_bytes());
        }
        assert!(decode(&nul, p(), Legacy::Refuse).is_err());
        assert!(decode(b"\xEF\xBB\xBF%PDF-1.4 x", p(), Legacy::Refuse).is_err());
        let twice = decode(b"\xEF\xBB\xBF\xEF\xBB\xBFA: hi\r\n", p(), Legacy::Refuse).unwrap();
        assert_eq!(twice.text, "A: hi\n");
        for text in ["A: hi\n", "\u{feff}\u{feff}A: hi\n"] {
            let first = decode(text.as_bytes(), p(), Legacy::Refuse).unwrap().text;
            let again = decode(first.as_bytes(), p(), Legacy::Refuse).unwrap().text;
            assert_eq!(first, again);
        }
    }

    #[test]
    fn vtt_voices_and_merging() {
        let vtt = "WEBVTT\n\nNOTE exported\n\n1\n00:00:01.000 --> 00:00:03.000\n<v Ana Lima>Hello &amp; welcome</v>\n\n2\n00:00:03.500 --> 00:00:05.000\n<v Ana Lima>to the study.</v>\n\n00:01:05.000 --> 00:01:07.000\nBen: Thanks, <i>glad</i> to be here.\n";
        let out = subtitles(vtt, Path::new("x.vtt"), true).unwrap();
        assert_eq!(
            out,
            "[00:00:01] Ana Lima: Hello & welcome to the study.\n\n[00:01:05] Ben: Thanks, glad to be here.\n"
        );
    }

    #[test]
    fn srt_cues() {
        let srt = "1\r\n00:00:01,000 --> 00:00:02,000\r\nJosé: Olá\r\n\r\n2\r\n01:02:03,000 --> 01:02:04,000\r\nplain line\r\n";
        let text = normalize_newlines(srt);
        let out = subtitles(&text, Path::new("x.srt"), false).unwrap();
        assert_eq!(out, "[00:00:01] José: Olá\n\n[01:02:03] plain line\n");
    }

    #[test]
    fn huge_cue_times_are_refused_not_overflowed() {
        // Found by fuzzing: `h * 3600` overflowed.
        assert_eq!(parse_timestamp("01:02:03.000"), Some(3723));
        assert_eq!(parse_timestamp("02:03,5"), Some(123));
        assert_eq!(parse_timestamp("99999999999999999:00:00.000"), None);
        assert_eq!(parse_timestamp("999999999999999999:00"), None);
        // UTF-16 without a byte-order mark, both orders, with CJK and
        // emoji; binary is still binary.
        let text = "INTERVIEWER: Où?\r\nANA: 北京 🤖, mostly English words here.\r\n";
        for big in [false, true] {
            let bytes: Vec<u8> = text
                .encode_utf16()
                .flat_map(|u| {
                    if big {
                        u.to_be_bytes()
                    } else {
                        u.to_le_bytes()
                    }
                })
                .collect();
            let d = decode(&bytes, Path::new("x.txt"), Legacy::Refuse).unwrap();
            assert_eq!(d.text, text.replace("\r\n", "\n"));
            assert!(
                d.notices[0].contains("without a byte-order mark"),
                "{:?}",
                d.notices
            );
        }
        assert!(decode(&[0u8; 64], Path::new("z.bin"), Legacy::Refuse).is_err());
        // Chinese in UTF-16 without a mark (only its line ends give NULs),
        // and UTF-32 with and without one, both orders.
        let cjk = "北京的研究者说：我们每天都用。\n第二行，没有英文。\n";
        let wide = |text: &str, width: usize, big: bool, bom: bool| -> Vec<u8> {
            let text = if bom {
                format!("\u{feff}{text}")
            } else {
                text.to_owned()
            };
            if width == 2 {
                text.encode_utf16()
                    .flat_map(|u| {
                        if big {
                            u.to_be_bytes()
                        } else {
                            u.to_le_bytes()
                        }
                    })
                    .collect()
            } else {
                text.chars()
                    .flat_map(|c| {
                        let u = u32::from(c);
                        if big {
                            u.to_be_bytes()
                        } else {
                            u.to_le_bytes()
                        }
                    })
                    .collect()
            }
        };
        for (width, bom) in [(2, false), (4, false), (4, true)] {
            for big in [false, true] {
                for t in [cjk, text] {
                    let d = decode(
                        &wide(t, width, big, bom),
                        Path::new("w.txt"),
                        Legacy::Refuse,
                    )
                    .unwrap_or_else(|e| panic!("{width} {big} {bom}: {e}"));
                    assert_eq!(d.text, t.replace("\r\n", "\n"), "{width} {big} {bom}");
                    if !bom {
                        let bits = if width == 2 { "UTF-16" } else { "UTF-32" };
                        assert!(d.notices[0].contains(bits), "{:?}", d.notices);
                    }
                }
            }
        }
        // Binary with NULs and high bytes is still binary.
        let noise: Vec<u8> = (0u32..4096)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(decode(&noise, Path::new("n.bin"), Legacy::Refuse).is_err());
        // Minutes and seconds past 59 are not a time.
        assert_eq!(parse_timestamp("0:0:18446744073709551615"), None);
        assert_eq!(parse_timestamp("00:60:00"), None);
        let vtt = "WEBVTT\n\n99999999999999999:00:00.000 --> 99999999999999999:00:01.000\nhi\n";
        let e = subtitles(vtt, Path::new("x.vtt"), true).unwrap_err();
        assert!(
            e.to_string().contains("x.vtt:3: cannot read the cue time"),
            "{e}"
        );
    }

    #[test]
    fn odd_bytes_and_stray_nuls_are_named() {
        // UTF-16 without a mark and a byte appended (or one cut off) is
        // named as such, not called binary; the shortest UTF-16 file (one
        // character) is read.
        let text = "INTERVIEWER: Où?\r\nANA: 北京 🤖, mostly English words here.\r\n";
        let mut odd: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        odd.push(b'\n');
        let e = decode(&odd, Path::new("odd.txt"), Legacy::Refuse).unwrap_err();
        assert!(
            e.to_string().contains("UTF-16 (little-endian)")
                && e.to_string().contains("not a multiple of 2 bytes")
                && e.to_string().contains("last byte (0x0A) is left over"),
            "{e}"
        );
        let mut odd32: Vec<u8> = text
            .chars()
            .flat_map(|c| u32::from(c).to_le_bytes())
            .collect();
        odd32.extend_from_slice(b"\n\0");
        let e = decode(&odd32, Path::new("odd32.txt"), Legacy::Refuse).unwrap_err();
        assert!(
            e.to_string().contains("UTF-32 (little-endian)")
                && e.to_string()
                    .contains("last bytes (0x0A 0x00) are left over"),
            "{e}"
        );
        let d = decode(b"A\0", Path::new("a.txt"), Legacy::Refuse).unwrap();
        assert_eq!(d.text, "A");
        // One stray NUL in UTF-8 text is named where it is, neither read
        // as UTF-16 nor called binary.
        for tail in [&b"\n"[..], b"\n\n"] {
            let mut nul =
                b"Interviewer: Tell me about it.\nSam: I started\x00 using paddle.".to_vec();
            nul.extend_from_slice(tail);
            let e = decode(&nul, Path::new("nul.txt"), Legacy::Refuse).unwrap_err();
            assert!(
                e.to_string().contains("nul.txt:2:15") && e.to_string().contains("NUL byte"),
                "{e}"
            );
        }
    }

    #[test]
    fn vtt_without_header_is_refused_with_line() {
        let two = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000 --> 00:00:03.000\nhi\n";
        let e = subtitles(two, Path::new("two.vtt"), true).unwrap_err();
        assert!(
            e.to_string()
                .contains("two.vtt:3: this cue timing line has two `-->`"),
            "{e}"
        );
        let e = subtitles("00:00:01.000 --> x\n", Path::new("x.vtt"), true).unwrap_err();
        assert!(e.to_string().contains("x.vtt:1"));
    }

    #[test]
    fn docx_xml_paragraphs_tabs_and_entities() {
        let xml = r#"<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>ANA: caf&#233; &amp; </w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">tea</w:t></w:r></w:p><w:p/><w:p><w:r><w:t>BEN: 北京</w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(
            docx_xml_text(xml.as_bytes()).unwrap(),
            "ANA: café & \ttea\n\nBEN: 北京\n"
        );
    }

    #[test]
    fn docx_refuses_doctype() {
        let xml = br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><w:document xmlns:w="x"><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:document>"#;
        assert!(docx_xml_text(xml).unwrap_err().contains("DTD"));
    }

    fn table(rows: &[&[&str]]) -> String {
        let mut xml = String::from(
            r#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>Interview 4</w:t></w:r></w:p><w:tbl>"#,
        );
        for row in rows {
            xml.push_str("<w:tr>");
            for cell in *row {
                xml.push_str("<w:tc><w:p><w:r><w:t>");
                xml.push_str(cell);
                xml.push_str("</w:t></w:r></w:p></w:tc>");
            }
            xml.push_str("</w:tr>");
        }
        xml.push_str("</w:tbl></w:body></w:document>");
        docx_xml_text(xml.as_bytes()).unwrap()
    }

    #[test]
    fn docx_tables_become_turns_or_rows() {
        assert_eq!(
            table(&[
                &["Time", "Speaker", "Text"],
                &["00:00:02", "Interviewer", "Hello, Zoë."],
                &["0:09", "Zoë", "Hi — 北京."],
            ]),
            "Interview 4\n\nTime\tSpeaker\tText\n\n[00:00:02] Interviewer: Hello, Zoë.\n\n[00:00:09] Zoë: Hi — 北京.\n"
        );
        assert_eq!(
            table(&[
                &["Interviewer", "Hello."],
                &["Sam", "Hi."],
                &["Interviewer", "So?"]
            ]),
            "Interview 4\n\nInterviewer: Hello.\n\nSam: Hi.\n\nInterviewer: So?\n"
        );
        assert_eq!(
            table(&[
                &["Budget", "2019", "£4,000"],
                &["Staff", "3 people, mostly remote", "x"]
            ]),
            "Interview 4\n\nBudget\t2019\t£4,000\n\nStaff\t3 people, mostly remote\tx\n"
        );
    }

    #[test]
    fn subtitle_style_overrides_go() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<i>Ana: Olá</i>\n";
        assert_eq!(
            subtitles(srt, Path::new("x.srt"), false).unwrap(),
            "[00:00:01] Ana: Olá\n"
        );
    }
}
