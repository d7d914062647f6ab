//! Builds small knowledge bases on disk: validation errors, atomic publishing, and packs
//! that survive the round trip to the search core.

use std::collections::BTreeMap;
use std::path::Path;

use deflect_core::{Manifest, SearchIndex};
use deflect_index::{build, BuildError, BuildOptions};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn article(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ncategory: Billing\ntags: [billing]\n---\n{body}\n")
}

/// Every file under `dir` with its bytes: a snapshot to compare before and after.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walkdir(&p))
        } else {
            out.push(p)
        }
    }
    out
}

fn manifest(out: &Path) -> Manifest {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_broken_article_fails_the_build_names_every_bad_file_and_leaves_the_output_untouched() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "billing/refunds.md",
        &article("Refunds", "We refund within 14 days."),
    );
    write(
        src.path(),
        "billing/invoices.md",
        &article("Invoices", "Download invoices as PDF."),
    );
    build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    let before = snapshot(out.path());

    write(
        src.path(),
        "billing/broken.md",
        "---\ntitle: Broken\ntags: [a, b\n---\nBody\n",
    );
    write(
        src.path(),
        "account/untitled.md",
        "---\ncategory: Account\n---\nNo title here.\n",
    );
    write(
        src.path(),
        "account/dup.md",
        "---\ntitle: Dup\nid: billing/refunds\n---\nSame id.\n",
    );
    let err = build(src.path(), out.path(), &BuildOptions::default()).unwrap_err();
    let BuildError::InvalidSources(errors) = &err else {
        panic!("expected invalid sources, got {err}")
    };
    let text = err.to_string();
    assert_eq!(errors.len(), 3, "{text}");
    assert!(
        text.contains("broken.md:"),
        "names the file and line: {text}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.path.ends_with("broken.md") && matches!(e.line, Some(3..=5))),
        "{text}"
    );
    assert!(
        text.contains("untitled.md:1: front matter field `title` is required"),
        "{text}"
    );
    assert!(
        text.contains("duplicate article id `billing/refunds`"),
        "{text}"
    );
    assert_eq!(
        snapshot(out.path()),
        before,
        "a failed build must not change the output"
    );
}

#[test]
fn a_new_build_swaps_generations_and_keeps_the_previous_pack_for_browsers_in_flight() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "a.md",
        &article("Refunds", "We refund within 14 days."),
    );
    build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    let first = manifest(out.path());
    write(
        src.path(),
        "b.md",
        &article("Invoices", "Download invoices as PDF."),
    );
    build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    let second = manifest(out.path());
    assert_ne!(first.pack, second.pack);
    assert_eq!(second.articles, 2);
    assert!(
        out.path().join(&first.pack).exists(),
        "previous generation kept"
    );
    write(src.path(), "c.md", &article("Seats", "Add seats any time."));
    build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    assert!(
        !out.path().join(&first.pack).exists(),
        "generation before the previous one removed"
    );
    assert!(out.path().join(&second.pack).exists());
    let leftovers: Vec<_> = snapshot(out.path())
        .into_keys()
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_published_pack_opens_and_searches_and_corruption_is_an_error_not_a_panic() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "billing/refunds.md",
        &article("Refund policy", "We refund unused months within 14 days."),
    );
    write(
        src.path(),
        "account/résumé.md",
        &article("Héllo wörld", "Accents are folded: naïve café."),
    );
    let report = build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    assert_eq!(report.manifest.articles, 2);
    assert_eq!(
        report.manifest.format_version,
        deflect_core::PACK_FORMAT_VERSION
    );
    let bytes = std::fs::read(out.path().join(&report.manifest.pack)).unwrap();
    assert_eq!(bytes.len() as u64, report.manifest.pack_bytes);
    let index = deflect_index::open_published(out.path()).unwrap();
    assert_eq!(
        index.search("refu", 5).unwrap()[0].article.id,
        "billing/refunds"
    );
    assert_eq!(
        index.search("cafe", 5).unwrap()[0].article.id,
        "account/résumé"
    );

    // Damage inside tantivy's files (past the pack header) is caught by the checksum.
    let mut damaged = bytes.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x40;
    let err = SearchIndex::open_bytes(damaged).unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
    let err = SearchIndex::open_bytes(bytes[..bytes.len() / 3].to_vec()).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn an_empty_or_missing_knowledge_base_is_a_clear_error() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    assert!(matches!(
        build(src.path(), out.path(), &BuildOptions::default()),
        Err(BuildError::Empty(_))
    ));
    let err = build(
        &src.path().join("nope"),
        out.path(),
        &BuildOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn invalid_utf8_is_reported_with_its_line() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(
        src.path().join("bad.md"),
        b"---\ntitle: ok\n---\nline four \xff\n",
    )
    .unwrap();
    let err = build(src.path(), out.path(), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.md:4: is not valid UTF-8"), "{err}");
}

#[test]
fn synonyms_from_deflect_toml_travel_in_the_pack_and_apply_at_query_time() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "login.md",
        &article("Trouble with login", "If login fails, reset your password."),
    );
    write(
        src.path(),
        "seats.md",
        &article("Add seats", "Seats are prorated."),
    );
    let find = |q: &str| {
        let index = deflect_index::open_published(out.path()).unwrap();
        index
            .search(q, 5)
            .unwrap()
            .into_iter()
            .map(|h| h.article.id)
            .collect::<Vec<_>>()
    };
    build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    assert!(
        find("can't sign in").is_empty(),
        "without synonyms, no article says sign in"
    );

    write(
        src.path(),
        "deflect.toml",
        "synonyms = [[\"login\", \"sign in\"]]\n",
    );
    build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    assert_eq!(find("can't sign in"), vec!["login"]);

    write(
        src.path(),
        "deflect.toml",
        "synonym = [[\"login\", \"sign in\"]]\n",
    );
    let err = build(src.path(), out.path(), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("deflect.toml:1:"), "{err}");
}

#[test]
fn html_pages_sit_beside_markdown_articles_with_configurable_selectors() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "md/refunds.md",
        &article("Refunds", "We refund within 14 days."),
    );
    write(
        src.path(),
        "exported/vpn.html",
        "<html><head><title>VPN | Help</title><meta name=\"description\" content=\"Connect over VPN.\"></head>\
         <body><nav>Menu Refunds Billing</nav><div id=\"doc\"><h1>Connect through a VPN</h1><p>Allow port 7420.</p>\
         <p class=\"promo\">Upgrade today</p></div></body></html>",
    );
    write(
        src.path(),
        "deflect.toml",
        "[html]\ncontent = [\"#doc\"]\nexclude = [\".promo\"]\n",
    );
    let report = build(src.path(), out.path(), &BuildOptions::default()).unwrap();
    assert_eq!(report.manifest.articles, 2);
    let index = deflect_index::open_published(out.path()).unwrap();
    let hit = &index.search("vpn port", 1).unwrap()[0];
    assert_eq!(
        (hit.article.id.as_str(), hit.article.title.as_str()),
        ("exported/vpn", "Connect through a VPN")
    );
    assert_eq!(hit.article.excerpt, "Connect over VPN.");
    assert!(
        index.search("upgrade today", 5).unwrap().is_empty(),
        "excluded elements are not indexed"
    );
    let refunds = index.search("refunds", 5).unwrap();
    assert_eq!(
        refunds.len(),
        1,
        "navigation outside the content is not indexed"
    );

    write(src.path(), "deflect.toml", "[html]\ncontent = [\"div[\"]\n");
    let err = build(src.path(), out.path(), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid selector \"div[\""), "{err}");
}

#[test]
fn the_same_knowledge_base_always_produces_the_same_pack() {
    let src = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "a.md",
        &article("Refunds", "We refund within 14 days."),
    );
    write(
        src.path(),
        "b.md",
        &article("Invoices", "Download invoices as PDF."),
    );
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = build(src.path(), one.path(), &BuildOptions::default())
        .unwrap()
        .manifest;
    let second = build(src.path(), two.path(), &BuildOptions::default())
        .unwrap()
        .manifest;
    assert_eq!(
        first.pack, second.pack,
        "content-addressed names must not change without a content change"
    );
    assert_eq!(
        std::fs::read(one.path().join(&first.pack)).unwrap(),
        std::fs::read(two.path().join(&second.pack)).unwrap()
    );
    let index = deflect_index::open_published(one.path()).unwrap();
    assert_eq!(index.search("refund", 1).unwrap()[0].article.id, "a");
}

#[test]
fn the_index_records_its_language_and_queries_are_analysed_in_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/kb-de");
    let out = tempfile::tempdir().unwrap();
    let report = build(&src, out.path(), &BuildOptions::default()).unwrap();
    assert_eq!(report.manifest.language, "de");
    assert_eq!(manifest(out.path()).language, "de");
    let index = deflect_index::open_published(out.path()).unwrap();
    assert_eq!(index.language(), deflect_core::ArticleLanguage::German);
    let top = |q: &str| {
        index
            .search(q, 3)
            .unwrap()
            .first()
            .map(|h| h.article.id.clone())
    };
    // German plurals and question words: "Rechnungen" meets "Rechnung", and "wie kann ich
    // meine" are stop words rather than terms that match everywhere.
    assert_eq!(
        top("Wie kann ich meine Rechnungen herunterladen?").as_deref(),
        Some("abrechnung/rechnungen-herunterladen")
    );
    assert_eq!(
        top("Passwörter zurücksetzen").as_deref(),
        Some("konto/passwort-zuruecksetzen")
    );
    assert_eq!(
        top("zahlungsmeth").as_deref(),
        Some("abrechnung/zahlungsmethode")
    );
    // Synonyms are analysed in German too ("einloggen" ⇔ "anmelden").
    assert_eq!(
        top("einloggen Passwort").as_deref(),
        Some("konto/passwort-zuruecksetzen")
    );
    assert!(index.search("wie kann ich", 3).unwrap().is_empty());
    // Corrections are written out with German endings from the German vocabulary.
    assert_eq!(
        index.did_you_mean("Rechnnugen herunterladen").as_deref(),
        Some("Rechnungen herunterladen")
    );

    assert!(index.search("die ", 3).unwrap().is_empty());

    // The same articles indexed as English keep German function words as terms: the
    // language recorded in the index is what decides.
    let english = tempfile::tempdir().unwrap();
    for entry in walkdir(&src) {
        let rel = entry.strip_prefix(&src).unwrap();
        if rel != Path::new("deflect.toml") {
            write(
                english.path(),
                &rel.display().to_string(),
                &std::fs::read_to_string(&entry).unwrap(),
            );
        }
    }
    let out_en = tempfile::tempdir().unwrap();
    let report = build(english.path(), out_en.path(), &BuildOptions::default()).unwrap();
    assert_eq!(report.manifest.language, "en");
    let index = deflect_index::open_published(out_en.path()).unwrap();
    assert_eq!(index.language(), deflect_core::ArticleLanguage::English);
    assert_eq!(
        index.search("die ", 3).unwrap()[0].article.id,
        "abrechnung/zahlungsmethode"
    );
}
