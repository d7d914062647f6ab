//! HTML articles: pages saved from a help centre or a static-site generator.
//!
//! The article is the page's main content, found with the first matching selector of
//! [`HtmlOptions::content`] (`main`, `article`, `[role=main]`, … then `body`); navigation,
//! headers, footers, sidebars, scripts and forms inside it are dropped with
//! [`HtmlOptions::exclude`]. Both lists are configurable in `deflect.toml` under `[html]`.
//! Metadata comes from the page head: `<title>` (or the first `<h1>`), `<meta
//! name="description">` as summary, `keywords` as tags, `<link rel="canonical">` as URL,
//! `deflect:category` / `article:section` as category and `deflect:id` as id.

use std::collections::HashSet;

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node, Selector};
use serde::Deserialize;

use crate::article::Article;
use crate::error::SourceError;
use crate::sources::html_text::html_text;
use crate::sources::markdown::sanitize;
use crate::sources::source::SourceFile;

/// How main content is found in HTML pages.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlOptions {
    /// Selectors tried in order; the first that matches is the article body.
    #[serde(default = "default_content")]
    pub content: Vec<String>,
    /// Selectors of elements dropped from the body.
    #[serde(default = "default_exclude")]
    pub exclude: Vec<String>,
}

fn default_content() -> Vec<String> {
    [
        "main",
        "article",
        "[role=main]",
        "#content",
        ".content",
        "body",
    ]
    .map(String::from)
    .to_vec()
}

fn default_exclude() -> Vec<String> {
    [
        "nav",
        "header",
        "footer",
        "aside",
        "script",
        "style",
        "noscript",
        "form",
        "iframe",
        "[role=navigation]",
        "[role=banner]",
        "[role=contentinfo]",
        ".breadcrumb",
        ".breadcrumbs",
        ".sidebar",
        ".toc",
    ]
    .map(String::from)
    .to_vec()
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            content: default_content(),
            exclude: default_exclude(),
        }
    }
}

/// Compiled selectors.
pub struct HtmlExtractor {
    content: Vec<Selector>,
    exclude: Vec<Selector>,
}

impl HtmlExtractor {
    /// Compiles the selectors; a bad one is reported by its text.
    pub fn new(options: &HtmlOptions) -> Result<HtmlExtractor, String> {
        let parse = |list: &[String], key: &str| {
            list.iter()
                .map(|s| {
                    Selector::parse(s)
                        .map_err(|e| format!("[html] {key}: invalid selector {s:?}: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(HtmlExtractor {
            content: parse(&options.content, "content")?,
            exclude: parse(&options.exclude, "exclude")?,
        })
    }

    /// Reads one page into an article.
    pub fn read(&self, file: &SourceFile) -> Result<Article, SourceError> {
        let err = |message: String| SourceError {
            path: file.path.clone(),
            line: None,
            message,
        };
        let doc = Html::parse_document(&file.text);
        let meta = |name: &str| {
            let sel = Selector::parse(&format!("meta[name=\"{name}\"], meta[property=\"{name}\"]"))
                .expect("static selector");
            doc.select(&sel)
                .next()
                .and_then(|m| m.value().attr("content"))
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
        };
        let first = |selector: &str| {
            let sel = Selector::parse(selector).expect("static selector");
            doc.select(&sel).next()
        };
        let text_of = |el: ElementRef| {
            el.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let root = self
            .content
            .iter()
            .find_map(|sel| doc.select(sel).next())
            .ok_or_else(|| {
                err(
                    "no main content found (no element matches the [html] content selectors)"
                        .into(),
                )
            })?;
        let h1 = root
            .select(&Selector::parse("h1").expect("static selector"))
            .next();
        let title = meta("deflect:title")
            .or_else(|| h1.map(text_of))
            .or_else(|| first("title").map(text_of))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| err("no title: the page needs a <title> or an <h1>".into()))?;
        let mut skip: HashSet<ego_tree::NodeId> = self
            .exclude
            .iter()
            .flat_map(|sel| root.select(sel).map(|e| e.id()))
            .collect();
        // The title is shown above the article; its h1 would repeat it.
        if let Some(h1) = h1.filter(|h| text_of(*h) == title) {
            skip.insert(h1.id());
        }
        let mut raw = String::new();
        for child in root.children() {
            serialize(child, &skip, &mut raw);
        }
        let html = sanitize(&raw);
        let extracted = html_text(&html);
        let updated = meta("article:modified_time")
            .map(|d| d.chars().take(10).collect::<String>())
            .filter(|d| d.len() == 10 && d.as_bytes()[4] == b'-')
            .unwrap_or_default();
        Ok(Article {
            id: meta("deflect:id").unwrap_or_else(|| file.default_id.clone()),
            title,
            category: meta("deflect:category")
                .or_else(|| meta("article:section"))
                .unwrap_or_default(),
            tags: meta("keywords")
                .map(|k| {
                    k.split(',')
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            url: first("link[rel=canonical]")
                .and_then(|l| l.value().attr("href"))
                .filter(|u| u.starts_with("http"))
                .unwrap_or_default()
                .to_string(),
            updated,
            summary: meta("description").unwrap_or_default(),
            html,
            text: extracted.text,
            headings: extracted.headings,
            source: file.path.clone(),
        })
    }
}

const VOID: &[&str] = &[
    "area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
];

fn escape(text: &str, attr: bool) -> String {
    let s = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    if attr {
        s.replace('"', "&quot;")
    } else {
        s
    }
}

/// Serializes a subtree, leaving out `skip`ped elements; ammonia sanitizes the result.
fn serialize(node: NodeRef<Node>, skip: &HashSet<ego_tree::NodeId>, out: &mut String) {
    if skip.contains(&node.id()) {
        return;
    }
    match node.value() {
        Node::Text(t) => out.push_str(&escape(t, false)),
        Node::Element(e) => {
            let name = e.name();
            out.push('<');
            out.push_str(name);
            for (k, v) in e.attrs() {
                out.push_str(&format!(" {k}=\"{}\"", escape(v, true)));
            }
            out.push('>');
            if VOID.contains(&name) {
                return;
            }
            for child in node.children() {
                serialize(child, skip, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> SourceFile {
        SourceFile {
            path: "kb/help/export.html".into(),
            default_id: "help/export".into(),
            text: text.into(),
        }
    }

    const MESSY: &str = r#"<!DOCTYPE html><html><head><title>Export data | Acme Help</title>
<meta name="description" content="Download everything as CSV."><meta name="keywords" content="export, csv , ">
<meta property="article:section" content="Account"><link rel="canonical" href="https://help.acme.example/export">
<script>track()</script><style>body{}</style></head>
<body><header><a href="/">Acme</a> <nav><a href="/a">Docs</a></nav></header>
<div class="sidebar">Related: Billing</div>
<main><h1>Export your data</h1><div class="breadcrumbs">Home › Account</div>
<p>Go to <b>Settings</b> &amp; click <a href="javascript:alert(1)" onclick="x()">Export</a>.<br>
<img src="x.png" onerror="alert(1)"><h2>Formats</h2><ul><li>CSV<li>JSON</ul>
<form><input name=q></form><script>alert(2)</script></main>
<footer>© Acme</footer></body></html>"#;

    #[test]
    fn extracts_main_content_metadata_and_drops_chrome_and_payloads() {
        let a = HtmlExtractor::new(&HtmlOptions::default())
            .unwrap()
            .read(&page(MESSY))
            .unwrap();
        assert_eq!(a.title, "Export your data");
        assert_eq!(a.id, "help/export");
        assert_eq!(
            (a.summary.as_str(), a.category.as_str()),
            ("Download everything as CSV.", "Account")
        );
        assert_eq!(a.tags, vec!["export", "csv"]);
        assert_eq!(a.url, "https://help.acme.example/export");
        assert_eq!(a.headings, vec!["Formats"]);
        for gone in [
            "Docs",
            "Related",
            "Home ›",
            "© Acme",
            "track",
            "Export your data",
        ] {
            assert!(
                !a.text.contains(gone),
                "{gone:?} should be dropped: {}",
                a.text
            );
        }
        assert!(
            a.text.contains("Go to Settings & click Export."),
            "{}",
            a.text
        );
        for bad in [
            "script",
            "onclick",
            "onerror",
            "javascript:",
            "<form",
            "<input",
        ] {
            assert!(!a.html.contains(bad), "{bad} survived: {}", a.html);
        }
    }

    #[test]
    fn falls_back_to_title_and_body_and_reports_pages_without_a_title() {
        let x = HtmlExtractor::new(&HtmlOptions::default()).unwrap();
        let a = x
            .read(&page(
                "<html><head><title>Plain page</title></head><body><p>Hello</p></body></html>",
            ))
            .unwrap();
        assert_eq!((a.title.as_str(), a.text.as_str()), ("Plain page", "Hello"));
        let e = x.read(&page("<p>no title anywhere</p>")).unwrap_err();
        assert!(e.message.contains("no title"), "{e}");
    }

    #[test]
    fn custom_selectors_and_bad_selectors() {
        let opts = HtmlOptions {
            content: vec!["#doc".into()],
            exclude: vec![".ad".into()],
        };
        let a = HtmlExtractor::new(&opts).unwrap().read(&page("<title>T</title><div id=doc><p>Keep</p><p class=ad>Buy now</p></div><p>Outside</p>")).unwrap();
        assert_eq!(a.text, "Keep");
        let bad = HtmlOptions {
            content: vec!["main[".into()],
            ..HtmlOptions::default()
        };
        assert!(HtmlExtractor::new(&bad).err().unwrap().contains("main["));
    }
}
