//! The bodies of the fuzz targets, shared by the cargo-fuzz package (`fuzz/`, coverage
//! guided, run by `scripts/fuzz`) and the bounded replay in every test run
//! (`index/tests/fuzz_replay.rs`: each committed seed and a fixed number of deterministic
//! mutations of it). One body per input the product takes from outside: index packs, the
//! knowledge-base sources, export files and what customers type. Each asserts what must
//! hold for any input; a panic is a finding. (The collector's request decoding is fuzzed
//! through `deflect_journey::wire`.)

use std::path::Path;
use std::sync::OnceLock;

use deflect_core::{ArticlePack, SearchIndex, PACK_FORMAT_VERSION};

use crate::sources::html_source::{HtmlExtractor, HtmlOptions};
use crate::sources::markdown::{parse_source, render};
use crate::sources::source::SourceFile;

const PACK_HEADER_LEN: usize = 28;

fn try_open(bytes: Vec<u8>) {
    if let Ok(pack) = ArticlePack::parse(bytes) {
        let _ = pack.file_names();
        if let Ok(index) = SearchIndex::open(&pack) {
            let _ = index.num_articles();
            let _ = index.search("reset password", 5);
            let _ = index.article("a");
        }
    }
}

/// Pack bytes as downloaded: parsing and opening give a pack or an error, never a panic.
pub fn pack(data: &[u8]) {
    try_open(data.to_vec());
}

/// `data` with a valid pack header: magic, version, length and checksum made to match
/// (`None` when it is too short to hold a header). What only a broken or hostile
/// publisher could serve: it gets past the checks that catch corruption in transit.
pub fn with_valid_header(data: &[u8]) -> Option<Vec<u8>> {
    let mut fixed = data.to_vec();
    if fixed.len() < PACK_HEADER_LEN {
        return None;
    }
    fixed[..8].copy_from_slice(b"DFLCTPAK");
    fixed[8..12].copy_from_slice(&PACK_FORMAT_VERSION.to_le_bytes());
    let body_len = (fixed.len() - PACK_HEADER_LEN) as u64;
    fixed[16..24].copy_from_slice(&body_len.to_le_bytes());
    let crc = crc32fast::hash(&fixed[PACK_HEADER_LEN..]);
    fixed[24..28].copy_from_slice(&crc.to_le_bytes());
    Some(fixed)
}

/// The same with the header repaired ([`with_valid_header`]), so inputs get past it to
/// the table and tantivy's own files.
pub fn pack_deep(data: &[u8]) {
    pack(data);
    if let Some(fixed) = with_valid_header(data) {
        try_open(fixed);
    }
}

fn assert_inert(html: &str) {
    let lower = html.to_ascii_lowercase();
    for tag in [
        "<script", "<iframe", "<style", "<svg", "<object", "<embed", "<form", "<math",
    ] {
        assert!(!lower.contains(tag), "sanitized HTML holds {tag}: {html}");
    }
}

/// Any text as a Markdown article (body alone, then with its front matter) or, when it
/// starts with `<`, as an HTML page: an article or errors, and sanitized HTML only.
pub fn markdown(data: &[u8]) {
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
        let extractor = HtmlExtractor::new(&HtmlOptions::default()).expect("default selectors");
        if let Ok(article) = extractor.read(&file) {
            assert_inert(&article.html);
        }
        return;
    }
    let r = render(text, 1, "a/x", &|id| (id == "a/y").then(|| "y".to_string()));
    assert_inert(&r.html);
    if let Ok(parsed) = parse_source(&file) {
        let r = render(&parsed.body, parsed.body_line, "a/x", &|_| None);
        assert_inert(&r.html);
    }
}

/// Any text as a help-centre export, JSON Lines and JSON: articles without script, and
/// errors that say something.
pub fn export(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in ["export.jsonl", "export.json"] {
        let (articles, errors) = crate::sources::export::read_export(Path::new(name), text);
        for a in &articles {
            assert!(
                !a.html.to_ascii_lowercase().contains("<script"),
                "{}",
                a.html
            );
        }
        for e in &errors {
            assert!(!e.message.is_empty());
        }
    }
}

/// A small knowledge base built once with the real build path, with synonyms and text in
/// several scripts, for [`query`].
fn query_index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("deflect-fuzz-query-{}", std::process::id()));
        let kb = root.join("kb");
        std::fs::create_dir_all(&kb).expect("temp dir");
        let articles = [
            ("reset.md", "---\ntitle: Reset your password\ntags: [password, sign in]\n---\nUse the reset link we e-mail you. Passwörter, café, naïve.\n"),
            ("2fa.md", "---\ntitle: Turn on two-factor authentication (2FA)\ncategory: Account\n---\nScan the QR code with an authenticator app.\n"),
            ("refund.md", "---\ntitle: Refunds and invoices\nsummary: How VAT is shown.\n---\n## Refund\nAsk within 30 days. 日本語のテキスト. مرحبا\n"),
        ];
        for (name, text) in articles {
            std::fs::write(kb.join(name), text).expect("write article");
        }
        std::fs::write(
            kb.join("deflect.toml"),
            "synonyms = [[\"login\", \"log in\", \"sign in\"], [\"2fa\", \"mfa\", \"two-factor\"]]\n",
        )
        .expect("write config");
        let out = root.join("out");
        crate::build(&kb, &out, &crate::BuildOptions::default()).expect("builds");
        let index = crate::open_published(&out).expect("opens");
        let _ = std::fs::remove_dir_all(&root);
        index
    })
}

/// Any text typed into the search box: at most the asked number of hits, finite scores,
/// and "Did you mean" and article lookup never panic.
pub fn query(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    let index = query_index();
    let hits = index.search(&query, 10).expect("search");
    assert!(hits.len() <= 10);
    for hit in hits {
        assert!(hit.score.is_finite());
    }
    let _ = index.did_you_mean(&query);
    let _ = index.article(&query);
}

/// Deterministic mutations of `seed` for the bounded replay: bit flips, byte changes,
/// insertions, deletions, truncations, duplicated ranges and splices with `other` —
/// what a coverage-guided fuzzer tries first, without its instrumentation.
pub fn mutations(seed: &[u8], other: &[u8], count: usize, salt: u64) -> Vec<Vec<u8>> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ salt.wrapping_mul(0x2545_f491_4f6c_dd1d);
    let mut next = move |bound: usize| -> usize {
        // xorshift64*: enough to spread the mutations, and the same on every run.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % bound.max(1)
    };
    const INTERESTING: [u8; 8] = [0, 0xff, 0x7f, 0x80, b'\n', b'<', b'"', b'-'];
    (0..count)
        .map(|_| {
            let mut b = seed.to_vec();
            for _ in 0..1 + next(4) {
                let at = next(b.len() + 1);
                match next(7) {
                    0 if !b.is_empty() => {
                        let i = at.min(b.len() - 1);
                        b[i] ^= 1 << next(8);
                    }
                    1 if !b.is_empty() => {
                        let i = at.min(b.len() - 1);
                        b[i] = INTERESTING[next(8)];
                    }
                    2 => b.insert(at, INTERESTING[next(8)]),
                    3 if at < b.len() => {
                        b.remove(at);
                    }
                    4 => b.truncate(at),
                    5 if at < b.len() => {
                        let end = (at + 1 + next(64)).min(b.len());
                        let copy = b[at..end].to_vec();
                        let to = next(b.len() + 1);
                        b.splice(to..to, copy);
                    }
                    _ if !other.is_empty() => {
                        let from = next(other.len());
                        let end = (from + 1 + next(256)).min(other.len());
                        let at = at.min(b.len());
                        b.splice(at..at, other[from..end].iter().copied());
                    }
                    _ => {}
                }
            }
            b
        })
        .collect()
}
