//! A small, defensive XML reader for REFI-QDA files, and the escaping
//! used when writing them.
//!
//! Reading builds a tree of elements keyed by *local* names (namespace
//! prefixes and the namespace itself are ignored, so the codebook
//! namespace variants tools write all read the same). A document type
//! declaration is refused outright, so no entity is ever defined or
//! expanded; the five predefined entities and character references are
//! the only ones resolved. Nesting is capped.

use std::fmt::Write as _;

use quick_xml::events::Event;

/// Deepest element nesting accepted (codebooks nest codes, but not this
/// deep).
pub const MAX_DEPTH: usize = 256;

/// An element: its local name, attributes (local names), child elements
/// and the text directly inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// Whether this element's local name is `name` (ASCII case ignored).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// An attribute by local name (ASCII case ignored).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// An attribute, trimmed, if it is not blank.
    pub fn attr_nonblank(&self, name: &str) -> Option<&str> {
        self.attr(name).map(str::trim).filter(|s| !s.is_empty())
    }

    /// Child elements with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(name))
    }

    /// The first child element with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(name))
    }

    /// The text of the first child with this local name, if any.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Where a parse error happened (byte offset into the decoded text) and
/// why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// 1-based line and column, when known.
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl XmlError {
    fn new(message: impl Into<String>) -> Self {
        XmlError {
            at: None,
            message: message.into(),
        }
    }
}

/// Decodes XML bytes to text: UTF-8 (a BOM is dropped) or UTF-16 with a
/// BOM.
fn decode(bytes: &[u8]) -> Result<String, XmlError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(str::to_owned)
            .map_err(|_| XmlError::new("the XML is not valid UTF-8"));
    }
    let utf16 = |rest: &[u8], read: fn([u8; 2]) -> u16| {
        if !rest.len().is_multiple_of(2) {
            return Err(XmlError::new(
                "the XML claims to be UTF-16 but has an odd number of bytes",
            ));
        }
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| read([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|_| XmlError::new("the XML holds invalid UTF-16"))
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
        XmlError::new(format!(
            "the XML is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })
}

fn resolve_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

fn start_element(e: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let mut el = Element {
        name: e.local_name().as_ref().to_owned(),
        ..Element::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|err| format!("a malformed attribute in <{}>: {err}", el.name))?;
        let key: &str = a.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| {
                format!(
                    "attribute `{key}` of <{}> cannot be read ({err}); only the predefined XML entities are accepted",
                    el.name
                )
            })?;
        el.attrs
            .push((a.key.local_name().as_ref().to_owned(), value.into_owned()));
    }
    Ok(el)
}

/// Parses a whole document into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let text = decode(bytes)?;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let located = |reader: &quick_xml::Reader<&[u8]>, message: String| {
        let pos = usize::try_from(reader.error_position().max(reader.buffer_position()))
            .unwrap_or(0)
            .min(text.len());
        let mut pos = pos;
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        XmlError {
            at: Some(super::super::codebook::line_col(&text, pos)),
            message,
        }
    };
    loop {
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Err(located(&reader, format!("malformed XML: {e}"))),
        };
        match event {
            Event::DocType(_) => {
                return Err(located(
                    &reader,
                    "the XML declares a document type (<!DOCTYPE …>); motif refuses DTDs so that no entity can be defined or expanded".into(),
                ));
            }
            Event::Start(e) => {
                if root.is_some() {
                    return Err(located(&reader, "more than one root element".into()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(located(
                        &reader,
                        format!("elements are nested more than {MAX_DEPTH} deep"),
                    ));
                }
                let el = start_element(&e).map_err(|m| located(&reader, m))?;
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = start_element(&e).map_err(|m| located(&reader, m))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(located(&reader, "more than one root element".into())),
                }
            }
            Event::End(_) => {
                let el = stack.pop().expect("quick-xml checks end tags");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().ok_or_else(|| {
                        located(&reader, format!("invalid character reference `&{};`", &*r))
                    })?
                } else {
                    resolve_entity(&r).ok_or_else(|| {
                        located(
                            &reader,
                            format!(
                                "unknown entity `&{};`; motif expands only the predefined XML entities",
                                &*r
                            ),
                        )
                    })?
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(located(
            &reader,
            "the XML ends before its elements are closed".into(),
        ));
    }
    root.ok_or_else(|| XmlError::new("the XML has no root element"))
}

/// Whether XML 1.0 allows the character at all (even as a reference).
fn legal(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether the text holds characters XML 1.0 cannot carry (they are
/// written as U+FFFD).
pub fn has_illegal(s: &str) -> bool {
    s.chars().any(|c| !legal(c))
}

/// Escapes element text.
pub fn escape_text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value (quoted with `"`); newlines and tabs become
/// character references so they survive attribute normalization.
pub fn escape_attr(s: &str) -> String {
    escape(s, true)
}

/// Markup characters as entities, CR (and in an attribute `"`, LF and tab)
/// as character references, characters XML 1.0 cannot carry as U+FFFD,
/// and DEL, C1 controls and bidi overrides as character references, so
/// that they never reach a terminal raw.
fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attr => out.push_str("&quot;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            c if !legal(c) => out.push('\u{FFFD}'),
            c if crate::text::is_hidden_control(c) => {
                let _ = write!(out, "&#x{:X};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Writes indented XML into a string.
#[derive(Debug, Default)]
pub struct Writer {
    pub out: String,
    depth: usize,
}

impl Writer {
    /// A writer that starts with the XML declaration.
    pub fn new() -> Writer {
        Writer {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            depth: 0,
        }
    }

    fn tag(&mut self, name: &str, attrs: &[(&str, Option<String>)], close: bool) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                self.out.push(' ');
                self.out.push_str(k);
                self.out.push_str("=\"");
                self.out.push_str(&escape_attr(v));
                self.out.push('"');
            }
        }
        self.out.push_str(if close { "/>\n" } else { ">\n" });
    }

    /// `<name attrs…>` and one level deeper.
    pub fn open(&mut self, name: &str, attrs: &[(&str, Option<String>)]) {
        self.tag(name, attrs, false);
        self.depth += 1;
    }

    /// `<name attrs…/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, Option<String>)]) {
        self.tag(name, attrs, true);
    }

    /// `<name>text</name>` (the text exactly, escaped).
    pub fn text(&mut self, name: &str, text: &str) {
        self.text_with(name, &[], text);
    }

    /// `<name attrs…>text</name>`.
    pub fn text_with(&mut self, name: &str, attrs: &[(&str, Option<String>)], text: &str) {
        self.tag(name, attrs, false);
        // The tag ended the line; the text follows it directly.
        self.out.pop();
        self.out.push_str(&escape_text(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `</name>` one level up.
    pub fn close(&mut self, name: &str) {
        self.depth -= 1;
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_ignored_and_entities_resolved() {
        let xml = "\u{feff}<?xml version=\"1.0\"?>\n<q:CodeBook xmlns:q=\"urn:QDA-XML:codebook:1:0\"><q:Codes><q:Code guid=\"a\" name=\"caf&#233; &amp; &quot;tea&quot;\"><q:Description>line&#10;two &lt;x&gt; <![CDATA[<raw>]]>\r\nend</q:Description></q:Code><Code name=\"b\"/></q:Codes></q:CodeBook>";
        let root = parse(xml.as_bytes()).unwrap();
        assert!(root.is("codebook"));
        let codes = root.child("Codes").unwrap();
        let first = codes.child("Code").unwrap();
        assert_eq!(first.attr("NAME"), Some("café & \"tea\""));
        assert_eq!(
            first.child_text("Description"),
            Some("line\ntwo <x> <raw>\nend")
        );
        assert_eq!(codes.children_named("code").count(), 2);
    }

    #[test]
    fn doctype_and_unknown_entities_are_refused() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><a>&lol2;</a>";
        let e = parse(bomb.as_bytes()).unwrap_err();
        assert!(e.message.contains("DTD"), "{e:?}");
        let e = parse(b"<a>&lol;</a>").unwrap_err();
        assert!(e.message.contains("unknown entity"), "{e:?}");
        let e = parse(b"<a b=\"&lol;\"/>").unwrap_err();
        assert!(e.message.contains("predefined"), "{e:?}");
        let e = parse(b"<a><b></a>").unwrap_err();
        assert!(e.at.is_some(), "{e:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let xml = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert!(
            parse(xml.as_bytes())
                .unwrap_err()
                .message
                .contains("nested")
        );
    }

    #[test]
    fn escaping_round_trips() {
        let nasty = "a&b<c>\"d\"\n\te\r\u{1b}[31m 北京 🚀";
        let mut w = Writer::new();
        w.open("R", &[("name", Some(nasty.to_owned())), ("skip", None)]);
        w.text("T", nasty);
        w.close("R");
        let root = parse(w.out.as_bytes()).unwrap();
        let clean = nasty.replace('\u{1b}', "\u{FFFD}");
        assert_eq!(root.attr("name"), Some(clean.as_str()));
        assert_eq!(root.child_text("T"), Some(clean.as_str()));
        assert!(root.attr("skip").is_none());
        assert!(has_illegal(nasty));
    }
}
