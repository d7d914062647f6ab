//! The query path the widget runs on every keystroke: planning, expansion through the term
//! dictionary (prefixes, typo neighbours, synonyms), ranking and highlighting, on any text.
#![no_main]

use std::sync::OnceLock;

use deflect_core::SearchIndex;
use libfuzzer_sys::fuzz_target;

/// A small knowledge base built once with the real `deflect build` code path.
fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("deflect-fuzz-query-{}", std::process::id()));
        let kb = root.join("kb");
        std::fs::create_dir_all(&kb).unwrap();
        let articles = [
            ("reset.md", "---\ntitle: Reset your password\ntags: [password, sign in]\n---\nUse the reset link we e-mail you. Passwörter, café, naïve.\n"),
            ("2fa.md", "---\ntitle: Turn on two-factor authentication (2FA)\ncategory: Account\n---\nScan the QR code with an authenticator app.\n"),
            ("refund.md", "---\ntitle: Refunds and invoices\nsummary: How VAT is shown.\n---\n## Refund\nAsk within 30 days. 日本語のテキスト. مرحبا\n"),
        ];
        for (name, text) in articles {
            std::fs::write(kb.join(name), text).unwrap();
        }
        std::fs::write(
            kb.join("deflect.toml"),
            "synonyms = [[\"login\", \"log in\", \"sign in\"], [\"2fa\", \"mfa\", \"two-factor\"]]\n",
        )
        .unwrap();
        let out = root.join("out");
        let report =
            deflect_index::build(&kb, &out, &deflect_index::BuildOptions::default()).unwrap();
        let bytes = std::fs::read(&report.pack_path).unwrap();
        let _ = std::fs::remove_dir_all(&root);
        SearchIndex::open_bytes(bytes).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let query = String::from_utf8_lossy(data);
    let index = index();
    let hits = index.search(&query, 10).unwrap();
    assert!(hits.len() <= 10);
    for hit in hits {
        assert!(hit.score.is_finite());
    }
    let _ = index.article(&query);
});
