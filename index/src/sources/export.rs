//! Help-centre exports: a JSON array or JSON Lines file of articles.
//!
//! Field names follow common help-centre exports (Zendesk Guide and similar) and the plain
//! `{id, title, body, url}` records of evaluation sets: `id` (string or number) and `title`
//! are required; `body` is HTML or plain text; the URL comes from `html_url` or `url`;
//! tags from `labels`/`label_names`/`tags`; the category from `section`/`category`;
//! `summary` and `updated_at`/`updated` are optional. Drafts (`draft: true`) are skipped.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::article::Article;
use crate::error::SourceError;
use crate::sources::html_text::{html_text, text_to_html};
use crate::sources::markdown::sanitize;

#[derive(Debug, Deserialize)]
struct ExportRecord {
    id: Option<Value>,
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
    html_url: Option<String>,
    url: Option<String>,
    #[serde(default, alias = "label_names", alias = "tags")]
    labels: Vec<String>,
    #[serde(alias = "category")]
    section: Option<Value>,
    summary: Option<String>,
    #[serde(alias = "updated")]
    updated_at: Option<String>,
    #[serde(default)]
    draft: bool,
}

fn looks_like_html(body: &str) -> bool {
    body.contains("</") || body.contains("<br") || body.contains("<p>")
}

fn to_article(
    record: ExportRecord,
    path: &Path,
    line: usize,
) -> Result<Option<Article>, SourceError> {
    let err = |message: String| SourceError {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    if record.draft {
        return Ok(None);
    }
    let id = match record.id {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(err(format!(
                "field `id` must be a non-empty string or a number, got {other}"
            )))
        }
        None => return Err(err("field `id` is required".into())),
    };
    let title = record
        .title
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| err(format!("article `{id}`: field `title` is required")))?;
    let body = record.body.unwrap_or_default();
    let html = if looks_like_html(&body) {
        sanitize(&body)
    } else {
        text_to_html(&body)
    };
    let extracted = html_text(&html);
    let category = match record.section {
        Some(Value::String(s)) => s,
        Some(Value::Object(o)) => o
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    Ok(Some(Article {
        id,
        title: title.trim().to_string(),
        category,
        tags: record.labels,
        url: record.html_url.or(record.url).unwrap_or_default(),
        updated: record
            .updated_at
            .map(|u| u.chars().take(10).collect())
            .unwrap_or_default(),
        summary: record.summary.unwrap_or_default(),
        html,
        text: extracted.text,
        headings: extracted.headings,
        source: path.to_path_buf(),
    }))
}

/// Reads a `.json` (array, or an object with an `articles` array) or `.jsonl` export.
/// Every bad record is reported with its line (JSON Lines) or position (JSON).
pub fn read_export(path: &Path, text: &str) -> (Vec<Article>, Vec<SourceError>) {
    let mut articles = Vec::new();
    let mut errors = Vec::new();
    let mut push = |result: Result<Option<Article>, SourceError>| match result {
        Ok(Some(a)) => articles.push(a),
        Ok(None) => {}
        Err(e) => errors.push(e),
    };
    let is_lines = path.extension().and_then(|e| e.to_str()) == Some("jsonl");
    if is_lines {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<ExportRecord>(line) {
                Ok(record) => push(to_article(record, path, i + 1)),
                Err(e) => push(Err(SourceError {
                    path: path.into(),
                    line: Some(i + 1),
                    message: format!("invalid JSON record: {e}"),
                })),
            }
        }
    } else {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                errors.push(SourceError {
                    path: path.into(),
                    line: Some(e.line()),
                    message: format!("invalid JSON: {e}"),
                });
                return (articles, errors);
            }
        };
        let records = match value {
            Value::Array(items) => items,
            Value::Object(mut o) => {
                match o.remove("articles") {
                    Some(Value::Array(items)) => items,
                    _ => {
                        errors.push(SourceError { path: path.into(), line: None, message: "expected an array of articles or an object with an `articles` array".into() });
                        return (articles, errors);
                    }
                }
            }
            _ => {
                errors.push(SourceError {
                    path: path.into(),
                    line: None,
                    message: "expected an array of articles".into(),
                });
                return (articles, errors);
            }
        };
        for (i, item) in records.into_iter().enumerate() {
            // JSON arrays have no useful line per record; the position is named instead.
            match serde_json::from_value::<ExportRecord>(item) {
                Ok(record) => push(to_article(record, path, i + 1).map_err(|mut e| {
                    e.line = None;
                    e.message = format!("record {}: {}", i + 1, e.message);
                    e
                })),
                Err(e) => push(Err(SourceError {
                    path: path.into(),
                    line: None,
                    message: format!("record {}: {e}", i + 1),
                })),
            }
        }
    }
    (articles, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_help_centre_jsonl_with_html_bodies_and_plain_records() {
        let text = concat!(
            r#"{"id": 360001, "title": "Reset password", "body": "<h2>Steps</h2><p>Click <b>Forgot</b>.</p><script>x()</script>", "html_url": "https://h.example/a/1", "label_names": ["login"], "section": {"name": "Account"}, "locale": "en-us"}"#,
            "\n",
            r#"{"id": "UK-0", "title": "Apply for a test — When", "body": "Apply within 3 days.\n\nStart now", "url": "https://x.example"}"#,
            "\n",
            r#"{"id": "d", "title": "Draft", "draft": true}"#,
            "\n",
        );
        let (articles, errors) = read_export(Path::new("export.jsonl"), text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(articles.len(), 2);
        assert_eq!(articles[0].id, "360001");
        assert_eq!(articles[0].category, "Account");
        assert_eq!(articles[0].tags, vec!["login"]);
        assert_eq!(articles[0].headings, vec!["Steps"]);
        assert!(!articles[0].html.contains("script"));
        assert!(articles[0].text.contains("Click Forgot."));
        assert_eq!(
            articles[1].html,
            "<p>Apply within 3 days.</p>\n<p>Start now</p>\n"
        );
    }

    #[test]
    fn names_the_line_of_every_bad_record() {
        let text =
            "{\"id\": 1, \"title\": \"ok\"}\n{not json}\n{\"id\": 3}\n{\"title\": \"no id\"}\n";
        let (articles, errors) = read_export(Path::new("e.jsonl"), text);
        assert_eq!(articles.len(), 1);
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(4)]);
        assert!(errors[1].message.contains("`title` is required"));
    }

    #[test]
    fn reads_json_arrays_and_wrapped_exports() {
        let (a, e) = read_export(
            Path::new("e.json"),
            r#"{"articles": [{"id": 1, "title": "A", "body": "x"}]}"#,
        );
        assert_eq!((a.len(), e.len()), (1, 0));
        let (_, e) = read_export(Path::new("e.json"), r#"[{"id": 1}]"#);
        assert!(e[0].message.starts_with("record 1:"), "{e:?}");
    }
}
