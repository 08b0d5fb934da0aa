//! Markdown read as text: what a researcher reads, without the markup.
//!
//! Headings become paragraphs of their own (never glued to a turn);
//! emphasis, inline code, links and images keep their text; list and
//! quote markers, code fences, horizontal rules and HTML comments go.
//! Line by line, linear in the text; anything unusual stays as written.

/// The text of Markdown `md` (normalized: `\n` line ends).
pub fn to_text(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut in_comment = false;
    for line in md.split('\n') {
        if in_comment {
            if let Some(end) = line.find("-->") {
                in_comment = false;
                push_line(&mut out, &line[end + 3..]);
            }
            continue;
        }
        let t = line.trim_start();
        if t.starts_with("<!--") {
            match t.find("-->") {
                Some(end) => push_line(&mut out, &t[end + 3..]),
                None => in_comment = true,
            }
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") || is_rule(t) {
            continue;
        }
        if let Some(h) = heading(t) {
            // Its own paragraph: a blank line before and after.
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(&inline(h));
            out.push_str("\n\n");
            continue;
        }
        let body = strip_block_markers(t);
        push_line(&mut out, &inline(body));
    }
    // Collapse the runs of blank lines headings may have left.
    let mut tidy = String::with_capacity(out.len());
    let mut blanks = 0;
    for line in out.split('\n') {
        if line.trim().is_empty() {
            blanks += 1;
            if blanks > 1 {
                continue;
            }
        } else {
            blanks = 0;
        }
        tidy.push_str(line.trim_end());
        tidy.push('\n');
    }
    let end = tidy.trim_end().len();
    tidy.truncate(end);
    tidy.push('\n');
    tidy.trim_start_matches('\n').to_owned()
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    out.push('\n');
}

/// `# Title` … `###### Title` (with optional closing hashes).
fn heading(t: &str) -> Option<&str> {
    let hashes = t.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let rest = &t[hashes..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some(rest.trim().trim_end_matches('#').trim_end())
}

/// `---`, `***`, `___` (three or more, spaces allowed).
fn is_rule(t: &str) -> bool {
    let s: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    s.len() >= 3
        && (s.bytes().all(|b| b == b'-')
            || s.bytes().all(|b| b == b'*')
            || s.bytes().all(|b| b == b'_'))
}

/// Quote markers and list bullets or numbers at the start of a line.
fn strip_block_markers(mut t: &str) -> &str {
    while let Some(rest) = t.strip_prefix('>') {
        t = rest.trim_start();
    }
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(bullet) {
            return rest.trim_start();
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits)
        && let Some(rest) = t[digits..]
            .strip_prefix(". ")
            .or_else(|| t[digits..].strip_prefix(") "))
    {
        return rest.trim_start();
    }
    t
}

/// Inline markup removed: `**x**`, `__x__`, `*x*`, `_x_`, `~~x~~`,
/// `` `x` ``, `[text](url)`, `![alt](url)`, `<br>`, backslash escapes.
fn inline(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() && chars[i + 1].is_ascii_punctuation() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '!' if chars.get(i + 1) == Some(&'[') => {
                if let Some((text, next)) = link(&chars, i + 1) {
                    out.push_str(&inline(&text));
                    i = next;
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            '[' => {
                if let Some((text, next)) = link(&chars, i) {
                    out.push_str(&inline(&text));
                    i = next;
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            '*' | '~' | '`' => {
                // Runs of emphasis, strike-through and code marks go; a
                // mark with space on both sides (`3 * 4`) is text.
                let run = chars[i..].iter().take_while(|&&x| x == c).count();
                let spaced = |x: Option<&char>| x.is_none_or(|c| c.is_whitespace());
                let alone = spaced(i.checked_sub(1).and_then(|j| chars.get(j)))
                    && spaced(chars.get(i + run));
                if alone || (c == '~' && run < 2) {
                    out.extend(std::iter::repeat_n(c, run));
                }
                i += run;
            }
            '_' => {
                // Only at a word's edge: snake_case stays.
                let run = chars[i..].iter().take_while(|&&x| x == '_').count();
                let before = i.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(i + run).copied();
                let inside = before.is_some_and(char::is_alphanumeric)
                    && after.is_some_and(char::is_alphanumeric);
                if inside {
                    out.extend(std::iter::repeat_n('_', run));
                }
                i += run;
            }
            '<' => {
                let rest: String = chars[i..chars.len().min(i + 6)].iter().collect();
                let lower = rest.to_ascii_lowercase();
                if lower.starts_with("<br>") {
                    i += 4;
                } else if lower.starts_with("<br/>") {
                    i += 5;
                } else if lower.starts_with("<br />") {
                    i += 6;
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// `[text](target)` starting at `at` (the `[`): its text and the index
/// after it.
fn link(chars: &[char], at: usize) -> Option<(String, usize)> {
    let close = at + 1 + chars[at + 1..].iter().take(500).position(|&c| c == ']')?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = close
        + 2
        + chars[close + 2..]
            .iter()
            .take(2000)
            .position(|&c| c == ')')?;
    Some((chars[at + 1..close].iter().collect(), end + 1))
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn markup_goes_and_headings_stand_alone() {
        let md = "# Interview 3\n**Interviewer:** How did you _start_?\n\n## Part two\n**Ana:** With [PyTorch](https://pytorch.org) and `jax`, my_var ~~no~~.\n\n- first\n- second\n\n> quoted\n\n---\n![chart](a.png)\n<!-- note -->\n";
        assert_eq!(
            to_text(md),
            "Interview 3\n\nInterviewer: How did you start?\n\nPart two\n\nAna: With PyTorch and jax, my_var no.\n\nfirst\nsecond\n\nquoted\n\nchart\n"
        );
    }

    #[test]
    fn plain_text_is_unchanged() {
        let s = "INTERVIEWER: Où? 北京 🚀 3 * 4 = 12\n\nANA: a_b.\n";
        assert_eq!(to_text(s), s);
    }
}
