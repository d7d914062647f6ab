//! Stage 2, validation: reads every source through `sources` and checks the set as a
//! whole — ids unique across files, links leading to articles, a non-empty knowledge base —
//! reporting every invalid file or record at once (each error names the file and line),
//! so nothing is indexed or written unless all of it is valid.

use std::collections::HashMap;
use std::path::Path;

use crate::article::Article;
use crate::config::{config_path, KbConfig};
use crate::error::{BuildError, SourceError};
use crate::sources::html_source::HtmlExtractor;
use crate::sources::markdown::{parse_source, render};
use crate::sources::source::read_markdown_tree;

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
    let (articles, mut errors) = crate::sources::export::read_export(src, &text);
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
