//! Plain text and headings from *sanitized* HTML.
//!
//! Input is ammonia's output, which html5ever serializes canonically (every `<` in text
//! is `&lt;`, attributes are quoted), so a small scanner is exact here; it is not meant
//! for arbitrary HTML.

/// Tags after which text continues on a new line.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "br",
    "table",
    "ul",
    "ol",
    "section",
    "article",
    "dt",
    "dd",
];

/// Text and section headings of sanitized HTML.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HtmlText {
    /// The text, one block per line.
    pub text: String,
    /// Text of `h1`–`h6` elements, in order.
    pub headings: Vec<String>,
}

fn decode_entity(entity: &str) -> Option<char> {
    match entity {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        _ => {
            let num = entity.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Extracts text and headings.
pub fn html_text(html: &str) -> HtmlText {
    let mut out = HtmlText::default();
    let mut heading: Option<String> = None;
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(tag_body) = rest.strip_prefix('<') {
            let end = tag_body.find('>').unwrap_or(tag_body.len());
            let tag = &tag_body[..end];
            rest = tag_body.get(end + 1..).unwrap_or("");
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            let is_heading =
                name.len() == 2 && name.starts_with('h') && name.as_bytes()[1].is_ascii_digit();
            if is_heading && !closing {
                heading = Some(String::new());
            } else if is_heading && closing {
                if let Some(h) = heading.take() {
                    let h = h.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !h.is_empty() {
                        out.headings.push(h);
                    }
                }
            }
            if BLOCK_TAGS.contains(&name.as_str())
                && !out.text.ends_with('\n')
                && !out.text.is_empty()
            {
                out.text.push('\n');
            }
            continue;
        }
        let (ch, len) = if let Some(entity_body) = rest.strip_prefix('&') {
            match entity_body
                .find(';')
                .filter(|i| *i <= 10)
                .and_then(|i| Some((decode_entity(&entity_body[..i])?, i + 2)))
            {
                Some(decoded) => decoded,
                None => ('&', 1),
            }
        } else {
            let c = rest.chars().next().expect("non-empty");
            (c, c.len_utf8())
        };
        out.text.push(ch);
        if let Some(h) = heading.as_mut() {
            h.push(ch);
        }
        rest = &rest[len..];
    }
    out.text.truncate(out.text.trim_end().len());
    out
}

/// Byte length of the tag starting at `html[0] == '<'`, quotes respected (to past `>`).
fn tag_len(html: &str) -> usize {
    let mut quote = None;
    for (i, c) in html.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    html.len()
}

/// A section heading tag found in HTML: `h2` or `h3`.
struct HeadingTag {
    /// Byte range of the opening tag.
    open: (usize, usize),
    /// Byte range of the heading's content.
    inner: (usize, usize),
    /// Byte offset just past the closing tag.
    end: usize,
    /// The `id` attribute, if any.
    id: Option<String>,
}

fn heading_tags(html: &str) -> Vec<HeadingTag> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(lt) = html[at..].find('<').map(|i| i + at) {
        let len = tag_len(&html[lt..]);
        let tag = &html[lt..lt + len];
        at = lt + len;
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name != "h2" && name != "h3" {
            continue;
        }
        let close = format!("</{name}>");
        let rest = &html[at..];
        let inner_len = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
        let id = tag.find(" id=\"").map(|i| {
            let v = &tag[i + 5..];
            v[..v.find('"').unwrap_or(v.len())].to_string()
        });
        out.push(HeadingTag {
            open: (lt, lt + len),
            inner: (at, at + inner_len),
            end: (at + inner_len + close.len()).min(html.len()),
            id,
        });
        at = (at + inner_len).min(html.len());
    }
    out
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `id` a heading gets: `section-` and its words, lower-cased and joined by `-`.
pub fn heading_anchor(heading: &str) -> String {
    let mut slug = String::new();
    for c in heading.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(60).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "section".into()
    } else {
        format!("section-{slug}")
    }
}

/// Gives every `h2`/`h3` without an `id` a stable one from its text ([`heading_anchor`],
/// numbered `-2`, `-3`… when repeated), so a result can link to its section.
pub fn anchor_headings(html: &str) -> String {
    let mut used = std::collections::HashSet::new();
    let tags = heading_tags(html);
    for t in &tags {
        if let Some(id) = &t.id {
            used.insert(id.clone());
        }
    }
    let mut out = String::with_capacity(html.len() + tags.len() * 24);
    let mut at = 0;
    for t in &tags {
        if t.id.is_some() {
            continue;
        }
        let base = heading_anchor(&html_text(&html[t.inner.0..t.inner.1]).text);
        let mut id = base.clone();
        let mut n = 2;
        while !used.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        // `<h2` + ` id="…"` + the rest of the opening tag.
        let name_end = t.open.0 + 3;
        out.push_str(&html[at..name_end]);
        out.push_str(&format!(" id=\"{id}\""));
        at = name_end;
    }
    out.push_str(&html[at..]);
    out
}

/// The article's sections from its HTML: the text before the first `h2`/`h3`, then one
/// per heading with its `id` ([`anchor_headings`] gives them).
pub fn sections(html: &str) -> Vec<deflect_core::passages::Section> {
    use deflect_core::passages::Section;
    let tags = heading_tags(html);
    let mut out = vec![Section {
        heading: String::new(),
        anchor: String::new(),
        text: flat(&html_text(&html[..tags.first().map_or(html.len(), |t| t.open.0)]).text),
    }];
    for (i, t) in tags.iter().enumerate() {
        let next = tags.get(i + 1).map_or(html.len(), |n| n.open.0);
        out.push(Section {
            heading: flat(&html_text(&html[t.inner.0..t.inner.1]).text),
            anchor: t.id.clone().unwrap_or_default(),
            text: flat(&html_text(&html[t.end.min(next)..next]).text),
        });
    }
    out
}

/// Escapes text for HTML and turns blank-line-separated blocks into paragraphs.
pub fn text_to_html(text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>\n", escape(p).replace('\n', "<br>\n")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_text_blocks_headings_and_entities() {
        let t = html_text("<h2>Set &amp; go</h2><p>Use <code>a &lt; b</code> here&#33;</p><ul><li>one</li><li>two</li></ul>");
        assert_eq!(t.headings, vec!["Set & go"]);
        assert_eq!(t.text, "Set & go\nUse a < b here!\none\ntwo");
    }

    #[test]
    fn headings_get_stable_unique_ids_and_sections_follow_them() {
        let html = "<p>Intro.</p><h2>Set &amp; go!</h2><p>One.</p><h3 title=\"a>b\">Set &amp; go</h3><p>Two <b>bold</b>.</p><h2>Ünïcode</h2><h4>Minor</h4><p>Three.</p><h2>?!</h2>";
        let anchored = anchor_headings(html);
        assert!(
            anchored.contains("<h2 id=\"section-set-go\">Set &amp; go!</h2>"),
            "{anchored}"
        );
        assert!(
            anchored.contains("<h3 id=\"section-set-go-2\" title=\"a>b\">"),
            "{anchored}"
        );
        assert!(
            anchored.contains("<h2 id=\"section-ünïcode\">"),
            "{anchored}"
        );
        assert!(anchored.contains("<h2 id=\"section\">?!"), "{anchored}");
        assert_eq!(
            anchor_headings(&anchored),
            anchored,
            "ids are kept, not added twice"
        );
        let s = sections(&anchored);
        let got: Vec<(&str, &str, &str)> = s
            .iter()
            .map(|s| (s.anchor.as_str(), s.heading.as_str(), s.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("", "", "Intro."),
                ("section-set-go", "Set & go!", "One."),
                ("section-set-go-2", "Set & go", "Two bold."),
                ("section-ünïcode", "Ünïcode", "Minor Three."),
                ("section", "?!", ""),
            ]
        );
        assert_eq!(sections("<p>No headings</p>").len(), 1);
    }

    #[test]
    fn plain_text_becomes_escaped_paragraphs() {
        assert_eq!(
            text_to_html("a <b>\n\nc & d"),
            "<p>a &lt;b&gt;</p>\n<p>c &amp; d</p>\n"
        );
    }
}
