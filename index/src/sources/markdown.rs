//! Markdown articles: YAML front matter, sanitized HTML for display, plain text for search.
//!
//! Front matter is the block between a first line `---` and the next `---`. `title` is
//! required; `id`, `category`, `tags`, `url`, `updated` (`YYYY-MM-DD`) and `summary` are
//! optional. Unknown keys are reported as warnings so a typo (`titel:`) does not go
//! unnoticed. Relative links to other `.md` articles are rewritten to `#article:<id>`,
//! which the widget opens in place.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

use crate::error::SourceError;
use crate::sources::source::SourceFile;

/// Keys the front matter may hold.
pub const KNOWN_KEYS: &[&str] = &[
    "title", "id", "category", "tags", "url", "updated", "summary",
];

/// Parsed front matter.
#[derive(Debug, Default, Deserialize)]
pub struct FrontMatter {
    /// Required title.
    pub title: Option<String>,
    /// Optional id overriding the path-derived one.
    pub id: Option<String>,
    /// Optional category.
    pub category: Option<String>,
    /// Optional tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Optional canonical URL.
    pub url: Option<String>,
    /// Optional update date.
    pub updated: Option<String>,
    /// Optional summary.
    pub summary: Option<String>,
    /// Anything else, reported as warnings.
    #[serde(flatten)]
    pub unknown: BTreeMap<String, serde_yaml_ng::Value>,
}

/// A file split into its front matter and body.
#[derive(Debug)]
pub struct ParsedSource {
    /// The front matter.
    pub front: FrontMatter,
    /// The Markdown body.
    pub body: String,
    /// 1-based line number of the body's first line in the file.
    pub body_line: usize,
    /// Non-fatal findings.
    pub warnings: Vec<SourceError>,
}

/// Splits and validates front matter; every problem found in the file is returned.
pub fn parse_source(file: &SourceFile) -> Result<ParsedSource, Vec<SourceError>> {
    let err = |line: Option<usize>, message: String| SourceError {
        path: file.path.clone(),
        line,
        message,
    };
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or_default();
    if first.trim_end() != "---" {
        return Err(vec![err(Some(1), "missing front matter: the file must start with a `---` line, then `title: …`, then `---`".into())]);
    }
    let mut yaml = String::new();
    let mut consumed = first.len();
    let mut closed_at = None;
    for (i, line) in lines.enumerate() {
        consumed += line.len();
        if matches!(line.trim_end(), "---" | "...") {
            closed_at = Some(i + 2);
            break;
        }
        yaml.push_str(line);
    }
    let Some(close_line) = closed_at else {
        return Err(vec![err(
            Some(1),
            "front matter opened on line 1 is never closed with a `---` line".into(),
        )]);
    };
    let front: FrontMatter = if yaml.trim().is_empty() {
        FrontMatter::default()
    } else {
        serde_yaml_ng::from_str(&yaml).map_err(|e| {
            let line = e.location().map(|l| l.line() + 1);
            let msg = e.to_string();
            // serde_yaml_ng appends " at line N column M" relative to the YAML block.
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            vec![err(line, format!("invalid front matter: {msg}"))]
        })?
    };
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let key_line = |key: &str| {
        yaml.lines()
            .position(|l| l.trim_start().starts_with(&format!("{key}:")))
            .map(|i| i + 2)
    };
    match &front.title {
        None => errors.push(err(
            Some(1),
            "front matter field `title` is required".into(),
        )),
        Some(t) if t.trim().is_empty() => errors.push(err(
            key_line("title"),
            "front matter field `title` is empty".into(),
        )),
        _ => {}
    }
    if let Some(id) = &front.id {
        if id.trim().is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            errors.push(err(
                key_line("id"),
                format!("front matter field `id` must be non-empty without spaces, got {id:?}"),
            ));
        }
    }
    if let Some(date) = &front.updated {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        if time::Date::parse(date, &format).is_err() {
            errors.push(err(
                key_line("updated"),
                format!(
                    "front matter field `updated` must be a date like 2026-03-14, got {date:?}"
                ),
            ));
        }
    }
    if let Some(url) = &front.url {
        if !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/')) {
            errors.push(err(key_line("url"), format!("front matter field `url` must be an http(s) URL or an absolute path, got {url:?}")));
        }
    }
    for key in front.unknown.keys() {
        warnings.push(err(
            key_line(key),
            format!(
                "unknown front matter field `{key}` ignored (known: {})",
                KNOWN_KEYS.join(", ")
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ParsedSource {
        front,
        body: text[consumed..].to_string(),
        body_line: close_line + 1,
        warnings,
    })
}

/// The rendered body of an article.
#[derive(Debug, Default)]
pub struct RenderedBody {
    /// Sanitized HTML.
    pub html: String,
    /// Plain text for indexing.
    pub text: String,
    /// Section headings.
    pub headings: Vec<String>,
    /// Relative `.md` links whose target is not an article: (line, target).
    pub broken_links: Vec<(usize, String)>,
}

/// Resolves a relative link target against the linking article's path-derived id.
fn resolve_relative(from_id: &str, target: &str) -> Option<(String, String)> {
    if target.contains("://")
        || target.starts_with('/')
        || target.starts_with('#')
        || target.starts_with("mailto:")
    {
        return None;
    }
    let (path, fragment) = match target.split_once('#') {
        Some((p, f)) => (p, format!("#{f}")),
        None => (target, String::new()),
    };
    let path = path.strip_suffix(".md")?;
    let base = Path::new(from_id).parent().unwrap_or(Path::new(""));
    let mut out = PathBuf::new();
    for c in base.join(path).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(part) => out.push(part),
            _ => {}
        }
    }
    let id = out
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    Some((id, fragment))
}

/// Renders a Markdown body. `from_id` is the article's path-derived id; `resolve` maps a
/// path-derived id to the target article's id, or `None` when there is no such article.
pub fn render(
    body: &str,
    body_line: usize,
    from_id: &str,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> RenderedBody {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut out = RenderedBody::default();
    let mut heading: Option<String> = None;
    let line_of = |offset: usize| body_line + body[..offset.min(body.len())].matches('\n').count();
    let events: Vec<Event> = Parser::new_ext(body, options)
        .into_offset_iter()
        .map(|(event, range)| match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = match resolve_relative(from_id, &dest_url) {
                    Some((target, fragment)) => match resolve(&target) {
                        Some(article_id) => {
                            CowStr::from(format!("#article:{article_id}{fragment}"))
                        }
                        None => {
                            out.broken_links
                                .push((line_of(range.start), dest_url.to_string()));
                            dest_url
                        }
                    },
                    None => dest_url,
                };
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            other => other,
        })
        .collect();
    for event in &events {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take() {
                    out.headings.push(h.trim().to_string());
                }
                out.text.push('\n');
            }
            Event::Text(t) | Event::Code(t) => {
                out.text.push_str(t);
                if let Some(h) = heading.as_mut() {
                    h.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => out.text.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => out.text.push('\n'),
            _ => {}
        }
    }
    let mut raw = String::new();
    pulldown_cmark::html::push_html(&mut raw, events.into_iter());
    out.html = sanitize(&raw);
    out
}

/// Removes everything that could run code or restyle the host: scripts, event handlers,
/// styles, forms, SVG payloads, and every URL whose scheme is not one
/// [`deflect_core::links`] allows (`http:`, `https:`, `mailto:`; relative links inside the
/// knowledge base stay). ammonia alone would keep `data:`, `tel:`, `ftp:` and a score of
/// other schemes. Links get `rel="noopener noreferrer"`.
pub fn sanitize(html: &str) -> String {
    let schemes = deflect_core::links::ALLOWED_LINK_SCHEMES
        .iter()
        .copied()
        .collect();
    ammonia::Builder::default()
        .url_schemes(schemes)
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> SourceFile {
        SourceFile {
            path: "kb/a/x.md".into(),
            default_id: "a/x".into(),
            text: text.into(),
        }
    }

    #[test]
    fn parses_front_matter_and_body_line() {
        let p = parse_source(&src("---\ntitle: Hello\ntags: [a, b]\n---\nBody\n")).unwrap();
        assert_eq!(p.front.title.as_deref(), Some("Hello"));
        assert_eq!(p.front.tags, vec!["a", "b"]);
        assert_eq!(p.body, "Body\n");
        assert_eq!(p.body_line, 5);
    }

    #[test]
    fn reports_missing_unclosed_and_invalid_front_matter_with_lines() {
        let e = parse_source(&src("# Just markdown\n")).unwrap_err();
        assert_eq!(e[0].line, Some(1));
        assert!(e[0].message.contains("missing front matter"));
        let e = parse_source(&src("---\ntitle: x\n")).unwrap_err();
        assert!(e[0].message.contains("never closed"));
        let e = parse_source(&src("---\ntitle: ok\ntags: [a, b\n---\n")).unwrap_err();
        assert!(e[0].message.starts_with("invalid front matter"), "{}", e[0]);
        assert!(matches!(e[0].line, Some(3..=5)), "{:?}", e[0].line);
        let e = parse_source(&src("---\ncategory: x\n---\n")).unwrap_err();
        assert!(e[0].message.contains("`title` is required"));
    }

    #[test]
    fn reports_every_bad_field_and_warns_on_unknown_ones() {
        let e = parse_source(&src(
            "---\ntitle: ' '\nupdated: 14/03/2026\nurl: javascript:alert(1)\n---\n",
        ))
        .unwrap_err();
        let lines: Vec<_> = e.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(4)]);
        let ok = parse_source(&src("---\ntitle: x\ntitel: y\n---\n")).unwrap();
        assert_eq!(ok.warnings.len(), 1);
        assert!(ok.warnings[0].message.contains("`titel`"));
        assert_eq!(ok.warnings[0].line, Some(3));
    }

    #[test]
    fn renders_sanitized_html_text_and_headings() {
        let body = "Intro <script>alert(1)</script> text.\n\n## Set up\n\n| a | b |\n|---|---|\n| `x` | y |\n\n[bad](javascript:alert(1)) <img src=x onerror=alert(1)>\n";
        let r = render(body, 1, "a/x", &|_| None);
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("onerror"), "{}", r.html);
        assert!(!r.html.contains("javascript:"), "{}", r.html);
        assert!(r.html.contains("<table>"));
        assert_eq!(r.headings, vec!["Set up"]);
        assert!(r.text.contains("Set up") && r.text.contains("x"));
    }

    #[test]
    fn only_web_mail_and_in_knowledge_base_links_survive_the_build() {
        let body = "[web](https://x.example/a) [mail](mailto:help@x.example) [section](#codes)\n\
                    [script](javascript:alert(1)) [data](data:text/html,hi) [vb](vbscript:x)\n\
                    [phone](tel:+4912) [ftp](ftp://x.example/f) ![pixel](data:image/png;base64,AAAA)\n";
        let r = render(body, 1, "a/x", &|_| None);
        for kept in [
            "https://x.example/a",
            "mailto:help@x.example",
            "href=\"#codes\"",
        ] {
            assert!(r.html.contains(kept), "{kept} missing from {}", r.html);
        }
        for dropped in ["javascript:", "data:", "vbscript:", "tel:", "ftp:"] {
            assert!(!r.html.contains(dropped), "{dropped} kept in {}", r.html);
        }
        // The links' text stays readable.
        assert!(
            r.html.contains(">script</a>") && r.html.contains(">phone</a>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn rewrites_links_between_articles_and_reports_broken_ones() {
        let body = "See [2FA](../account/two-factor.md#codes) and\n[gone](missing.md) and [web](https://x.example/a.md).\n";
        let r = render(body, 10, "billing/refunds", &|id| {
            (id == "account/two-factor").then(|| "2fa".to_string())
        });
        assert!(r.html.contains("href=\"#article:2fa#codes\""), "{}", r.html);
        assert!(r.html.contains("https://x.example/a.md"));
        assert_eq!(r.broken_links, vec![(11, "missing.md".to_string())]);
    }
}
