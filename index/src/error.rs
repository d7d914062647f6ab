//! Build errors that name the file, the line and the field, and list every bad file.

use std::fmt;
use std::path::PathBuf;

/// A problem with one source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong, naming the field where there is one.
    pub message: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Why a build failed. Nothing was published.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// One or more source files are invalid; all of them are listed.
    #[error("{} invalid article file(s); nothing was written:\n{}", .0.len(), list(.0))]
    InvalidSources(Vec<SourceError>),
    /// Lines of a `--learn` file are invalid; all of them are listed.
    #[error("{} invalid line(s) in the learn file; nothing was written:\n{}", .0.len(), list(.0))]
    InvalidLearnFile(Vec<SourceError>),
    /// The `--meaning` file cannot be used; nothing was written.
    #[error("{}: {message}; nothing was written", .path.display())]
    InvalidMeaningFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The knowledge base holds no articles.
    #[error("no articles found in {0} (looked for *.md files)")]
    Empty(PathBuf),
    /// Reading sources or writing output failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// tantivy failed while indexing.
    #[error("indexing failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}

fn list(errors: &[SourceError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl BuildError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> BuildError {
        BuildError::Io {
            context: context.into(),
            source,
        }
    }
}
