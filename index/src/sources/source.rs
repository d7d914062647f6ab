//! Finding the article files of a knowledge base.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::{BuildError, SourceError};

/// An article file read from disk (Markdown or HTML, by extension).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Full path.
    pub path: PathBuf,
    /// Path relative to the knowledge-base root, with `/` separators and no extension:
    /// the default article id.
    pub default_id: String,
    /// Contents.
    pub text: String,
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0
        && entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with('.'))
}

/// File extensions read as articles.
pub const ARTICLE_EXTENSIONS: &[&str] = &["md", "html", "htm"];

/// Lists the article files (Markdown and HTML) under `root`, sorted, skipping hidden
/// files and folders.
/// Unreadable files and invalid UTF-8 are reported per file, not as one failure.
pub fn read_markdown_tree(root: &Path) -> Result<(Vec<SourceFile>, Vec<SourceError>), BuildError> {
    if !root.is_dir() {
        return Err(BuildError::io(
            format!("reading knowledge base {}", root.display()),
            std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        ));
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let walker = WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walker {
        let entry = entry.map_err(|e| {
            let context = format!("walking {}", root.display());
            BuildError::io(
                context,
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("loop")),
            )
        })?;
        let path = entry.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !entry.file_type().is_file() || !ARTICLE_EXTENSIONS.contains(&ext) {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(path).with_extension("");
        let default_id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        match std::fs::read(path) {
            Err(e) => errors.push(SourceError {
                path: path.into(),
                line: None,
                message: format!("cannot read: {e}"),
            }),
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push(SourceFile {
                    path: path.into(),
                    default_id,
                    text,
                }),
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
                    errors.push(SourceError {
                        path: path.into(),
                        line: Some(line),
                        message: "is not valid UTF-8".into(),
                    });
                }
            },
        }
    }
    Ok((files, errors))
}

impl SourceFile {
    /// True for `.html`/`.htm` files.
    pub fn is_html(&self) -> bool {
        matches!(
            self.path.extension().and_then(|e| e.to_str()),
            Some("html" | "htm")
        )
    }
}
