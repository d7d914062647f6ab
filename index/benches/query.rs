//! Guards the native query path: the exact `SearchIndex::search` the widget runs on every
//! keystroke, over the demo knowledge base, for each prefix a customer types of real
//! questions. Run with `cargo bench -p deflect-index --bench query`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use deflect_core::SearchIndex;
use deflect_eval as golden;
use deflect_index::{build, BuildOptions};

fn kb_index() -> (tempfile::TempDir, SearchIndex, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tempfile::tempdir().expect("temp dir");
    build(&root.join("kb"), out.path(), &BuildOptions::default()).expect("kb builds");
    let index = deflect_index::open_published(out.path()).unwrap();
    let questions = golden::load(&root.join("kb/golden.toml"))
        .unwrap()
        .questions
        .into_iter()
        .map(|q| q.text)
        .collect();
    (out, index, questions)
}

fn keystrokes(c: &mut Criterion) {
    let (_out, index, questions) = kb_index();
    // Every prefix of every golden question: what the widget searches while typing.
    let prefixes: Vec<String> = questions
        .iter()
        .flat_map(|q| {
            q.char_indices()
                .map(|(i, ch)| q[..i + ch.len_utf8()].to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut group = c.benchmark_group("search");
    group.bench_function(
        BenchmarkId::new("every_keystroke_of_50_questions", prefixes.len()),
        |b| {
            b.iter(|| {
                prefixes
                    .iter()
                    .map(|p| index.search(p, 8).unwrap().len())
                    .sum::<usize>()
            })
        },
    );
    group.bench_function("full_question", |b| {
        b.iter(|| {
            index
                .search("how do I get a copy of my invoice", 8)
                .unwrap()
        })
    });
    group.bench_function("typo_in_last_word", |b| {
        b.iter(|| index.search("reset pasw", 8).unwrap())
    });
    group.finish();
}

criterion_group!(benches, keystrokes);
criterion_main!(benches);
