//! `deflect.toml`: the documentation team's settings for a knowledge base.
//!
//! ```toml
//! language = "de"             # the articles' language: en (default), de or fr
//!
//! # Each group lists words or phrases customers use for the same thing.
//! synonyms = [
//!   ["login", "log in", "sign in"],
//!   ["2fa", "two-factor", "mfa"],
//! ]
//!
//! [html]                      # optional: how HTML pages' main content is found
//! content = ["main", "#doc"]  # the first selector that matches is the article
//! exclude = ["nav", ".ad"]    # elements dropped from it
//! ```
//!
//! It is read from the knowledge-base folder (or given with `--config`); unknown keys are
//! errors naming the file and line, so a typo never silently disables a setting.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::SourceError;

/// File name looked for in a knowledge-base folder.
pub const CONFIG_FILE: &str = "deflect.toml";

/// Settings of one knowledge base.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KbConfig {
    /// The language the articles are written in: it chooses the analyzer (stop words,
    /// stemming) for the index and, through the index, for every query.
    #[serde(default)]
    pub language: deflect_core::ArticleLanguage,
    /// Synonym groups, applied at query time.
    #[serde(default)]
    pub synonyms: Vec<Vec<String>>,
    /// How main content is found in HTML articles.
    #[serde(default)]
    pub html: crate::sources::html_source::HtmlOptions,
}

/// The config file for `src`: `explicit` if given, else `deflect.toml` inside a folder.
pub fn config_path(src: &Path, explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Some(src.join(CONFIG_FILE)).filter(|p| src.is_dir() && p.is_file()),
    }
}

/// Reads a config file; an error names the file, the line and what is wrong.
pub fn load(path: &Path) -> Result<KbConfig, SourceError> {
    let err = |line, message| SourceError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(None, format!("cannot read: {e}")))?;
    let config: KbConfig = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
        err(line, e.message().to_string())
    })?;
    if let Some(i) = config.synonyms.iter().position(|g| g.len() < 2) {
        return Err(err(
            None,
            format!("synonym group {} needs at least two entries", i + 1),
        ));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_synonyms_and_rejects_unknown_keys_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "synonyms = [[\"login\", \"sign in\"]]\n").unwrap();
        assert_eq!(
            load(&path).unwrap().synonyms,
            vec![vec!["login".to_string(), "sign in".to_string()]]
        );
        assert_eq!(config_path(dir.path(), None), Some(path.clone()));
        std::fs::write(&path, "synonyms = []\nsynonym = [[\"a\", \"b\"]]\n").unwrap();
        let e = load(&path).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("synonym"), "{e}");
        std::fs::write(&path, "synonyms = [[\"alone\"]]\n").unwrap();
        assert!(load(&path).unwrap_err().message.contains("at least two"));
    }

    #[test]
    fn reads_the_language_and_names_the_choices_when_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "language = \"fr\"\n").unwrap();
        assert_eq!(
            load(&path).unwrap().language,
            deflect_core::ArticleLanguage::French
        );
        std::fs::write(&path, "synonyms = []\nlanguage = \"pt\"\n").unwrap();
        let e = load(&path).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(
            e.message.contains("`pt`") && e.message.contains("`de`"),
            "{e}"
        );
        assert_eq!(
            KbConfig::default().language,
            deflect_core::ArticleLanguage::English
        );
    }
}
