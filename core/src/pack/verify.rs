//! Verifying the tantivy files a pack carries before tantivy opens them: tantivy 0.27
//! trusts what a segment file says about itself and panics (subtracting past zero, slicing
//! past the end) where it lies, so [`ArticlePack::parse`](super::ArticlePack::parse)
//! checks here first and refuses the pack with a [`PackError`] instead. Only the ends of
//! files are read, so a pack split into pieces is checked from its hot part alone.

use super::PackError;

/// Segment files whose body is a tantivy composite file: per-field sections followed by a
/// footer of offsets. tantivy 0.27 trusts that footer and panics (subtracting past zero,
/// slicing past the end) on one that points outside the file, so it is checked first.
pub(super) const COMPOSITE_EXTENSIONS: &[&str] = &["term", "idx", "pos", "fieldnorm"];

/// Reads one of tantivy's variable-length integers (7 bits a byte, the last byte flagged).
fn read_vint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 != 0 {
            return Some(value);
        }
    }
    None
}

/// Checks a composite segment file's two footers (tantivy's file footer, then the
/// composite's offsets) lie inside the file and its sections inside the data before them.
/// Only the file's end is read: `tail` holds bytes `tail_start..len` (all of a whole file,
/// the last hot slice of a cold one).
pub(super) fn check_composite(
    name: &str,
    len: usize,
    tail_start: usize,
    tail: &[u8],
) -> Result<(), PackError> {
    let bad = |what: &str| PackError::BadIndex(format!("`{name}`: {what}"));
    let cut = || bad("its footer is not in the pack's hot part");
    let bytes = |range: std::ops::Range<usize>| -> Result<&[u8], PackError> {
        let start = range.start.checked_sub(tail_start).ok_or_else(cut)?;
        tail.get(start..range.end - tail_start).ok_or_else(cut)
    };
    let u32_at = |at: usize| -> Result<usize, PackError> {
        Ok(u32::from_le_bytes(bytes(at..at + 4)?.try_into().expect("4 bytes")) as usize)
    };
    // tantivy's file footer: JSON, then its length and a magic number (u32 each).
    let footer_len = u32_at(
        len.checked_sub(8)
            .ok_or_else(|| bad("shorter than its footer"))?,
    )?;
    let body_len = len
        .checked_sub(8 + footer_len)
        .ok_or_else(|| bad("its footer is longer than the file"))?;
    // The composite footer: offsets of each field's section, then its own length (u32).
    let offsets_len = u32_at(
        body_len
            .checked_sub(4)
            .ok_or_else(|| bad("the section table is cut off"))?,
    )?;
    let table_start = (body_len - 4)
        .checked_sub(offsets_len)
        .ok_or_else(|| bad("the section table is longer than the file"))?;
    let mut table = bytes(table_start..body_len - 4)?;
    let sections = read_vint(&mut table).ok_or_else(|| bad("the section table is cut off"))?;
    let mut offset = 0u64;
    for _ in 0..sections {
        let delta = read_vint(&mut table).ok_or_else(|| bad("the section table is cut off"))?;
        offset = offset
            .checked_add(delta)
            .filter(|o| *o <= table_start as u64)
            .ok_or_else(|| bad("a section starts outside the file"))?;
        // The section's address: a field (u32) and an index (vint).
        table = table
            .get(4..)
            .ok_or_else(|| bad("the section table is cut off"))?;
        read_vint(&mut table).ok_or_else(|| bad("the section table is cut off"))?;
    }
    Ok(())
}

/// Checks what tantivy would otherwise panic on while opening the index: `meta.json` must be
/// JSON, and its schema must not define a field twice (tantivy's schema builder panics with
/// "Field already exists in schema"; found by the `pack` fuzz target).
pub(super) fn check_meta(bytes: &[u8]) -> Result<(), PackError> {
    let meta: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| PackError::BadIndex(format!("meta.json is not JSON: {e}")))?;
    if let Some(fields) = meta.get("schema").and_then(|s| s.as_array()) {
        let mut seen = std::collections::HashSet::new();
        for name in fields.iter().filter_map(|f| f.get("name")?.as_str()) {
            if !seen.insert(name) {
                return Err(PackError::BadIndex(format!(
                    "meta.json defines the field `{name}` twice"
                )));
            }
        }
    }
    Ok(())
}
