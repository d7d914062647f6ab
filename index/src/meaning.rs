//! Publishing meaning vectors with a pack (`deflect build --meaning FILE`).
//!
//! The vectors come from `scripts/meaning-vectors`, which knows articles by id. Here they
//! are checked, their article rows put in the new index's document order (so the widget
//! attaches them without reading anything from the index) and named by their content, like
//! every other published file. Rows for articles the knowledge base no longer has are
//! dropped and articles without a row get none; both are warnings, because vectors made
//! before the last edit of the knowledge base still help with every article they know.

use std::path::Path;

use deflect_core::meaning::{InDocOrder, MeaningVectors};
use deflect_core::{content_name, ArticleSchema};
use tantivy::schema::TantivyDocument;
use tantivy::{DocAddress, Index};

use crate::error::{BuildError, SourceError};

/// Most article ids listed in one warning.
const LISTED: usize = 5;

/// Reads the vectors at `path` and returns the published file's name and bytes, with
/// warnings for stale or missing rows.
pub fn publishable(
    path: &Path,
    index: &Index,
) -> Result<(String, Vec<u8>, Vec<SourceError>), BuildError> {
    let invalid = |message: String| BuildError::InvalidMeaningFile {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path)
        .map_err(|e| BuildError::io(format!("reading {}", path.display()), e))?;
    let vectors = MeaningVectors::parse(&bytes).map_err(|e| invalid(e.to_string()))?;
    let ids = ids_in_doc_order(index)?;
    let InDocOrder {
        vectors: ordered,
        unknown,
        missing,
    } = vectors.in_doc_order(&ids);
    if missing.len() == ids.len() {
        return Err(invalid(format!(
            "none of its {} articles is in the knowledge base (vectors of another one?)",
            vectors.article_ids().len()
        )));
    }
    let mut warnings = Vec::new();
    let warn = |message: String| SourceError {
        path: path.to_path_buf(),
        line: None,
        message,
    };
    if !unknown.is_empty() {
        warnings.push(warn(format!(
            "{} articles are not in the knowledge base and are dropped: {}",
            unknown.len(),
            listed(unknown.iter())
        )));
    }
    if !missing.is_empty() {
        warnings.push(warn(format!(
            "{} articles have no vector and rank by their words alone (make the vectors again): {}",
            missing.len(),
            listed(missing.iter())
        )));
    }
    let bytes = ordered.to_bytes();
    Ok((
        format!("kb.{}.meaning", content_name(&bytes)),
        bytes,
        warnings,
    ))
}

fn listed<'a>(ids: impl Iterator<Item = &'a String>) -> String {
    let ids: Vec<&String> = ids.collect();
    let mut text = ids
        .iter()
        .take(LISTED)
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > LISTED {
        text.push_str(&format!(" and {} more", ids.len() - LISTED));
    }
    text
}

/// Every document's article id, segment by segment in the searcher's order: the order
/// `SearchIndex::attach_meaning` gives rows flagged as in document order.
fn ids_in_doc_order(index: &Index) -> Result<Vec<String>, BuildError> {
    let fields = ArticleSchema::from_schema(&index.schema())
        .map_err(|e| BuildError::Index(tantivy::TantivyError::SchemaError(e)))?;
    let searcher = index.reader()?.searcher();
    let mut ids = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        for doc in 0..segment.max_doc() {
            let stored: TantivyDocument = searcher.doc(DocAddress::new(ord as u32, doc))?;
            ids.push(fields.stored(&stored).id);
        }
    }
    Ok(ids)
}
