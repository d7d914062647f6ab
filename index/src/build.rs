//! Building and publishing an index pack.
//!
//! [`build`] validates every source first and writes nothing unless all are valid. It then
//! publishes a new *generation* into the output folder: content-addressed files first (each
//! written to a temporary file and renamed, so no name ever holds partial content), then
//! `manifest.json` by atomic rename — the single commit point the widget sees — and finally
//! removes files that belong neither to the new generation nor to the previous one, so a
//! browser that fetched the previous manifest a moment ago can still fetch its pack.

use std::collections::{BTreeSet, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use deflect_core::content_name;
use deflect_core::synonyms::SYNONYMS_FILE;
use deflect_core::{
    ArticleLanguage, ArticlePack, ArticleSchema, Manifest, SearchIndex, Synonyms,
    PACK_FORMAT_VERSION,
};
use indicatif::{ProgressBar, ProgressStyle};
use tantivy::directory::RamDirectory;
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::TantivyDocument;
use tantivy::store::Compressor;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{Index, IndexSettings, IndexWriter};

use crate::article::Article;
use crate::config::{config_path, KbConfig};
use crate::error::{BuildError, SourceError};
use crate::html_source::HtmlExtractor;
use crate::markdown::{parse_source, render};
use crate::source::read_markdown_tree;

/// Name of the manifest in the output folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Name of the file listing a generation's files (for garbage collection, not for browsers).
pub const GENERATION_FILE: &str = "generation.json";
/// Folder of the per-article HTML files inside the output folder.
pub const ARTICLES_DIR: &str = "articles";

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
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            progress: false,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            config: None,
            piece_bytes: deflect_core::pack::DEFAULT_PIECE_BYTES,
            learn: None,
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

/// What validating a knowledge base found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The valid articles.
    pub articles: Vec<Article>,
    /// Non-fatal findings.
    pub warnings: Vec<SourceError>,
}

/// Reads the config for `src` (`explicit`, or `deflect.toml` in the folder).
pub fn load_config(src: &Path, explicit: Option<&Path>) -> Result<KbConfig, BuildError> {
    match config_path(src, explicit) {
        Some(path) => crate::config::load(&path).map_err(|e| BuildError::InvalidSources(vec![e])),
        None => Ok(KbConfig::default()),
    }
}

/// Reads and validates every article of `src` — a folder of Markdown and HTML files, or a
/// help-centre export (`.json`/`.jsonl` file) — reporting every invalid file or record.
pub fn check(src: &Path, config: &KbConfig) -> Result<CheckReport, BuildError> {
    if src.is_file() {
        return check_export(src);
    }
    let (files, mut errors) = read_markdown_tree(src)?;
    let extractor = HtmlExtractor::new(&config.html).map_err(|message| {
        let path = config_path(src, None).unwrap_or_else(|| src.join(crate::config::CONFIG_FILE));
        BuildError::InvalidSources(vec![SourceError {
            path,
            line: None,
            message,
        }])
    })?;
    let mut warnings = Vec::new();
    let mut parsed = Vec::new();
    let mut html_articles = Vec::new();
    for file in &files {
        if file.is_html() {
            match extractor.read(file) {
                Ok(a) => html_articles.push(a),
                Err(e) => errors.push(e),
            }
            continue;
        }
        match parse_source(file) {
            Ok(p) => parsed.push((file, p)),
            Err(e) => errors.extend(e),
        }
    }
    // Ids must be unique; the path-derived id of every file maps to its real id for links.
    let mut first_by_id: HashMap<String, &Path> = HashMap::new();
    let mut id_by_path: HashMap<String, String> = HashMap::new();
    for a in &html_articles {
        if let Some(first) = first_by_id.get(&a.id) {
            errors.push(SourceError {
                path: a.source.clone(),
                line: None,
                message: format!(
                    "duplicate article id `{}`: also used by {}",
                    a.id,
                    first.display()
                ),
            });
        } else {
            first_by_id.insert(a.id.clone(), &a.source);
        }
    }
    for (file, p) in &parsed {
        let id = p
            .front
            .id
            .clone()
            .unwrap_or_else(|| file.default_id.clone());
        if let Some(first) = first_by_id.get(&id) {
            let line = p.front.id.as_ref().and(Some(1));
            errors.push(SourceError {
                path: file.path.clone(),
                line,
                message: format!(
                    "duplicate article id `{id}`: also used by {}",
                    first.display()
                ),
            });
        } else {
            first_by_id.insert(id.clone(), &file.path);
        }
        id_by_path.insert(file.default_id.clone(), id);
    }
    let resolve = |path_id: &str| id_by_path.get(path_id).cloned();
    let mut articles = Vec::new();
    for (file, p) in parsed {
        warnings.extend(p.warnings);
        let body = render(&p.body, p.body_line, &file.default_id, &resolve);
        for (line, target) in body.broken_links {
            warnings.push(SourceError {
                path: file.path.clone(),
                line: Some(line),
                message: format!("link to `{target}` does not lead to an article"),
            });
        }
        let front = p.front;
        articles.push(Article {
            id: id_by_path[&file.default_id].clone(),
            title: front.title.unwrap_or_default().trim().to_string(),
            category: front.category.unwrap_or_default(),
            tags: front.tags,
            url: front.url.unwrap_or_default(),
            updated: front.updated.unwrap_or_default(),
            summary: front.summary.unwrap_or_default(),
            html: body.html,
            text: body.text,
            headings: body.headings,
            source: file.path.clone(),
        });
    }
    articles.extend(html_articles);
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        return Err(BuildError::InvalidSources(errors));
    }
    if articles.is_empty() {
        return Err(BuildError::Empty(src.to_path_buf()));
    }
    Ok(CheckReport { articles, warnings })
}

fn check_export(src: &Path) -> Result<CheckReport, BuildError> {
    let text = std::fs::read_to_string(src)
        .map_err(|e| BuildError::io(format!("reading {}", src.display()), e))?;
    let (articles, mut errors) = crate::export::read_export(src, &text);
    let mut seen = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        if let Some(first) = seen.insert(a.id.as_str(), i) {
            errors.push(SourceError {
                path: src.into(),
                line: None,
                message: format!(
                    "duplicate article id `{}` (records {} and {})",
                    a.id,
                    first + 1,
                    i + 1
                ),
            });
        }
    }
    if !errors.is_empty() {
        return Err(BuildError::InvalidSources(errors));
    }
    if articles.is_empty() {
        return Err(BuildError::Empty(src.to_path_buf()));
    }
    Ok(CheckReport {
        articles,
        warnings: Vec::new(),
    })
}

fn progress_bar(len: usize, enabled: bool) -> ProgressBar {
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
                deflect_core::passages::encode(&crate::html_text::sections(&a.html)),
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

/// Writes `path` by temp file + rename; with `sync`, flushed to disk first.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    write_file(path, bytes, true)
}

/// Flushes the files of a generation to disk in one go. One fsync per file was most of a
/// build's time (2,364 articles: 1.16 s on disk, 0.30 s on tmpfs); on Linux one `syncfs`
/// of the output's filesystem does the same work at once.
fn make_durable(out: &Path, written: &[PathBuf]) -> Result<(), BuildError> {
    let io = |p: &Path, e: std::io::Error| BuildError::io(format!("syncing {}", p.display()), e);
    if written.is_empty() {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        let dir = std::fs::File::open(out).map_err(|e| io(out, e))?;
        rustix::fs::syncfs(&dir).map_err(|e| io(out, e.into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = out;
        for p in written {
            std::fs::File::open(p)
                .and_then(|f| f.sync_all())
                .map_err(|e| io(p, e))?;
        }
        Ok(())
    }
}

fn write_file(path: &Path, bytes: &[u8], sync: bool) -> Result<(), BuildError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let io = |e: std::io::Error| BuildError::io(format!("writing {}", path.display()), e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    // Temporary files are private (0600); published files are read by web servers that
    // usually run as another user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    if sync {
        tmp.as_file().sync_all().map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Generation {
    files: BTreeSet<String>,
}

fn read_generation(out: &Path) -> Generation {
    std::fs::read(out.join(GENERATION_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Publishes `files` (relative name → bytes) and the manifest into `out` as a new generation.
fn publish(out: &Path, files: &[(String, Vec<u8>)], manifest: &Manifest) -> Result<(), BuildError> {
    let io = |what: &str, e| BuildError::io(format!("{what} {}", out.display()), e);
    std::fs::create_dir_all(out.join(ARTICLES_DIR)).map_err(|e| io("creating", e))?;
    let previous = read_generation(out);
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = out.join(name);
        // Same name means same content; a size check catches a file damaged by hand.
        if std::fs::metadata(&path)
            .map(|m| m.len() == bytes.len() as u64)
            .unwrap_or(false)
        {
            continue;
        }
        write_file(&path, bytes, false)?;
        written.push(path);
    }
    // Everything the manifest will name is on disk before the manifest is.
    make_durable(out, &written)?;
    let manifest_json = serde_json::to_vec_pretty(manifest).expect("manifest serializes");
    write_atomically(&out.join(MANIFEST_FILE), &manifest_json)?;
    let current = Generation {
        files: files.iter().map(|(n, _)| n.clone()).collect(),
    };
    write_atomically(
        &out.join(GENERATION_FILE),
        &serde_json::to_vec_pretty(&current).expect("serializes"),
    )?;
    // Remove what neither this nor the previous generation uses (including temp files
    // orphaned by an interrupted build).
    let keep = |name: &str| current.files.contains(name) || previous.files.contains(name);
    let mut candidates = Vec::new();
    for (dir, prefix) in [
        (out.to_path_buf(), ""),
        (out.join(ARTICLES_DIR), "articles/"),
    ] {
        for entry in std::fs::read_dir(&dir)
            .map_err(|e| io("listing", e))?
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = name.ends_with(".pack")
                || name.ends_with(".piece")
                || name.ends_with(".html")
                || name.starts_with(".tmp-");
            if entry.file_type().map(|t| t.is_file()).unwrap_or(false) && ours {
                candidates.push(format!("{prefix}{name}"));
            }
        }
    }
    for name in candidates.into_iter().filter(|n| !keep(n)) {
        let _ = std::fs::remove_file(out.join(name));
    }
    Ok(())
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
        a.html = crate::html_text::anchor_headings(&a.html);
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

/// Opens the index published in `out` with every piece loaded from disk: what the CLI and
/// the tests search (the widget loads the pieces over the network as queries need them).
pub fn open_published(out: &Path) -> Result<SearchIndex, BuildError> {
    let read = |name: &str| {
        let path = out.join(name);
        std::fs::read(&path).map_err(|e| BuildError::io(format!("reading {}", path.display()), e))
    };
    let unreadable = |name: &str, e: &dyn std::fmt::Display| {
        BuildError::io(
            format!("reading {}", out.join(name).display()),
            std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        )
    };
    let manifest: Manifest =
        serde_json::from_slice(&read(MANIFEST_FILE)?).map_err(|e| unreadable(MANIFEST_FILE, &e))?;
    let pack =
        ArticlePack::parse(read(&manifest.pack)?).map_err(|e| unreadable(&manifest.pack, &e))?;
    for name in pack.piece_names() {
        pack.add_piece(&name, read(&name)?)
            .map_err(|e| unreadable(&name, &e))?;
    }
    SearchIndex::open(&pack).map_err(|e| unreadable(&manifest.pack, &e))
}
