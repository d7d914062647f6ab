//! Building an index pack: the pipeline through the four stages, each a module found by
//! name — [`sources`](crate::sources) reads the articles, [`validation`](crate::validation)
//! checks the whole set and writes nothing unless all of it is valid,
//! [`indexing`](crate::indexing) builds the tantivy index, and
//! [`publishing`](crate::publishing) writes the new generation atomically. This module
//! only wires them together and turns the index into the pack, its pieces and the
//! manifest.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use deflect_core::content_name;
use deflect_core::meaning::{MeaningNote, MEANING_NOTE_FILE};
use deflect_core::synonyms::SYNONYMS_FILE;
use deflect_core::{ArticlePack, Manifest, Synonyms, PACK_FORMAT_VERSION};

use crate::error::{BuildError, SourceError};
use crate::indexing::{index_articles, progress_bar};
use crate::publishing::{publish, ARTICLES_DIR};
use crate::validation::{check, load_config, CheckReport};

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Show a progress bar when stderr is a terminal.
    pub progress: bool,
    /// Version string recorded in the manifest.
    pub tool_version: String,
    /// Config file to use instead of `deflect.toml` in the knowledge-base folder.
    pub config: Option<PathBuf>,
    /// Size of the pieces the pack's cold files are cut into.
    pub piece_bytes: usize,
    /// Resolved-journey evidence to learn from (`--learn`); `None` builds without it.
    pub learn: Option<crate::learn::LearnSource>,
    /// Meaning vectors to publish beside the pack (`--meaning`, made by
    /// `scripts/meaning-vectors`); `None` builds without them.
    pub meaning: Option<PathBuf>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            progress: false,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            config: None,
            piece_bytes: deflect_core::pack::DEFAULT_PIECE_BYTES,
            learn: None,
            meaning: None,
        }
    }
}

/// What a successful build produced.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// The published manifest.
    pub manifest: Manifest,
    /// Path of the pack file.
    pub pack_path: PathBuf,
    /// Number of article HTML files in the generation.
    pub html_files: usize,
    /// Non-fatal findings (unknown front matter keys, broken links).
    pub warnings: Vec<SourceError>,
    /// Wall time of the build.
    pub elapsed: Duration,
    /// What `--learn` kept and dropped, when it was given.
    pub learned: Option<crate::learn::LearnStats>,
}

/// Validates `src`, indexes it and publishes the pack, article HTML and manifest to `out`.
pub fn build(src: &Path, out: &Path, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    // The config is validated before anything else so a typo there fails fast, too.
    let config = load_config(src, options.config.as_deref())?;
    let CheckReport {
        mut articles,
        mut warnings,
    } = check(src, &config)?;
    let learned = match &options.learn {
        Some(source) => {
            let ids = articles.iter().map(|a| a.id.as_str()).collect();
            let (learned, learn_warnings) = crate::learn::read(source, &ids)?;
            warnings.extend(learn_warnings);
            Some(learned)
        }
        None => None,
    };
    // Section headings get ids so a result can link to the section that matched.
    for a in &mut articles {
        a.html = crate::sources::html_text::anchor_headings(&a.html);
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(articles.len() + 1);
    let mut html_names = Vec::with_capacity(articles.len());
    for a in &articles {
        let name = format!("{ARTICLES_DIR}/{}.html", content_name(a.html.as_bytes()));
        html_names.push(name.clone());
        if !files.iter().any(|(n, _)| *n == name) {
            files.push((name, a.html.as_bytes().to_vec()));
        }
    }
    let html_files = files.len();
    let bar = progress_bar(articles.len(), options.progress);
    let (index, dir) = index_articles(
        &articles,
        &html_names,
        config.language,
        learned.as_ref(),
        &bar,
    )?;
    bar.finish_and_clear();
    let mut extra = Vec::new();
    if let Some(path) = &options.meaning {
        let (name, bytes, meaning_warnings) = crate::meaning::publishable(path, &index)?;
        warnings.extend(meaning_warnings);
        let note = MeaningNote {
            file: name.clone(),
            bytes: bytes.len() as u64,
        };
        extra.push((
            MEANING_NOTE_FILE.to_string(),
            serde_json::to_vec(&note).expect("serializes"),
        ));
        files.push((name, bytes));
    }
    if !config.synonyms.is_empty() {
        extra.push((
            SYNONYMS_FILE.to_string(),
            Synonyms::new(config.synonyms.clone(), config.language).to_json(),
        ));
    }
    // Split by need: the hot part is what opening and planning read; postings and stored
    // fields follow in pieces as queries touch them (see `deflect_core::pack::pieces`).
    let split = deflect_core::pack::pieces::split(
        ArticlePack::index_files(&index, &dir, &extra)?,
        options.piece_bytes,
    )
    .map_err(|e| BuildError::Index(tantivy::TantivyError::InternalError(e.to_string())))?;
    let pack = split.hot;
    let pack_name = format!("kb.{}.pack", content_name(&pack));
    let manifest = Manifest {
        format_version: PACK_FORMAT_VERSION,
        pack: pack_name.clone(),
        pack_bytes: pack.len() as u64,
        pieces: split.pieces.len() as u64,
        pieces_bytes: split.pieces.iter().map(|(_, b)| b.len() as u64).sum(),
        articles: articles.len() as u64,
        language: config.language.code().into(),
        built_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        tool_version: options.tool_version.clone(),
    };
    files.push((pack_name.clone(), pack));
    files.extend(split.pieces);
    publish(out, &files, &manifest)?;
    Ok(BuildReport {
        manifest,
        pack_path: out.join(pack_name),
        html_files,
        warnings,
        elapsed: started.elapsed(),
        learned: learned.map(|l| l.stats),
    })
}
