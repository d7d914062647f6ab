//! Stage 3, indexing: the validated articles into a single-segment tantivy index with
//! `deflect-core`'s schema and analyzer, held in memory until `publishing` writes it out.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use tantivy::directory::RamDirectory;
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::TantivyDocument;
use tantivy::store::Compressor;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{Index, IndexSettings, IndexWriter};

use deflect_core::{ArticleLanguage, ArticleSchema};

use crate::article::Article;
use crate::error::BuildError;

/// A progress bar for indexing `len` articles; hidden unless `enabled` and stderr is a
/// terminal.
pub fn progress_bar(len: usize, enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} indexing {bar:30} {pos}/{len} articles ({per_sec})")
    {
        bar.set_style(style);
    }
    bar
}

/// Indexes articles written in `language` into a single-segment in-memory index with
/// Deflect's schema. Returns the index and the directory holding its files.
pub fn index_articles(
    articles: &[Article],
    html_names: &[String],
    language: ArticleLanguage,
    learned: Option<&crate::learn::LearnedQueries>,
    bar: &ProgressBar,
) -> Result<(Index, RamDirectory), BuildError> {
    let (schema, f) = ArticleSchema::build_with(language, learned.is_some());
    let dir = RamDirectory::create();
    let tokenizers = TokenizerManager::default();
    tokenizers.register(language.analyzer_name(), language.analyzer());
    // An uncompressed doc store: HTTP compression of the whole pack does better.
    let settings = IndexSettings {
        docstore_compression: Compressor::None,
        docstore_compress_dedicated_thread: false,
        ..IndexSettings::default()
    };
    let index = Index::builder()
        .schema(schema)
        .settings(settings)
        .tokenizers(tokenizers)
        .open_or_create(dir.clone())?;
    let mut writer: IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, 100_000_000)?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    for (a, html) in articles.iter().zip(html_names) {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &a.id);
        doc.add_text(f.title, &a.title);
        for h in &a.headings {
            doc.add_text(f.headings, h);
        }
        for t in &a.tags {
            doc.add_text(f.tags, t);
        }
        doc.add_text(f.summary, &a.summary);
        doc.add_text(f.category, &a.category);
        doc.add_text(f.body, &a.text);
        doc.add_text(f.url, &a.url);
        doc.add_text(f.excerpt, a.excerpt());
        doc.add_text(f.html, html);
        if let Some(passages) = f.passages {
            doc.add_text(
                passages,
                deflect_core::passages::encode(&crate::sources::html_text::sections(&a.html)),
            );
        }
        if let Some((field, text)) = f.learned.zip(learned.and_then(|l| l.text(&a.id))) {
            doc.add_text(field, text);
        }
        writer.add_document(doc)?;
        bar.inc(1);
    }
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok((index, dir))
}
