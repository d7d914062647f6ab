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
    fn plain_text_becomes_escaped_paragraphs() {
        assert_eq!(
            text_to_html("a <b>\n\nc & d"),
            "<p>a &lt;b&gt;</p>\n<p>c &amp; d</p>\n"
        );
    }
}
