//! Article sources: front matter splitting and validation, Markdown rendering with link
//! rewriting and sanitizing, and HTML pages. No panic on any text, and the sanitized HTML
//! never holds an element that can run script or restyle the host page.
#![no_main]

use deflect_index::html_source::{HtmlExtractor, HtmlOptions};
use deflect_index::markdown::{parse_source, render};
use deflect_index::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fn assert_inert(html: &str) {
    let lower = html.to_ascii_lowercase();
    for tag in ["<script", "<iframe", "<style", "<svg", "<object", "<embed", "<form", "<math"] {
        assert!(!lower.contains(tag), "sanitized HTML holds {tag}: {html}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let as_html = text.starts_with('<');
    let file = SourceFile {
        path: if as_html { "kb/a/x.html" } else { "kb/a/x.md" }.into(),
        default_id: "a/x".into(),
        text: text.to_string(),
    };
    if as_html {
        let extractor = HtmlExtractor::new(&HtmlOptions::default()).unwrap();
        if let Ok(article) = extractor.read(&file) {
            assert_inert(&article.html);
        }
        return;
    }
    // The body alone, as if the front matter were fine, then the whole file.
    let r = render(text, 1, "a/x", &|id| (id == "a/y").then(|| "y".to_string()));
    assert_inert(&r.html);
    if let Ok(parsed) = parse_source(&file) {
        let r = render(&parsed.body, parsed.body_line, "a/x", &|_| None);
        assert_inert(&r.html);
    }
});
