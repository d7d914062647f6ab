//! The CLI's side of meaning vectors: `--meaning FILE` on `deflect search` and `deflect
//! eval`, and their lines in `deflect eval` (measured as every weighted signal is, see
//! [`crate::signal`]).
//!
//! The vectors are made by `scripts/meaning-vectors`; reading and fusing them lives in
//! `deflect_core::meaning`, the same code the widget runs.

use std::path::Path;

use deflect_core::{MeaningVectors, SearchIndex};
use deflect_eval::GoldenSet;

use crate::signal::WeightedSignal;

/// Fusion weights tried when tuning (0 = the lexical ranking alone).
pub const TUNED_WEIGHTS: [f32; 7] = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0];

/// Reads `file` and fuses it into `index`'s ranking; warns about stale rows.
pub fn attach(index: &SearchIndex, file: &Path) -> anyhow::Result<()> {
    if index.has_meaning() {
        anyhow::bail!(
            "the pack was built with meaning vectors of its own; --meaning {} tries vectors on a pack built without them",
            file.display()
        );
    }
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let vectors =
        MeaningVectors::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let attached = index
        .attach_meaning(vectors)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if !attached.unknown.is_empty() {
        eprintln!(
            "warning: {}: {} articles are not in the index and are ignored (first: {}); make the vectors again after changing the knowledge base",
            file.display(),
            attached.unknown.len(),
            attached.unknown[0]
        );
    }
    Ok(())
}

/// Prints the meaning vectors' figures (see [`crate::signal`]) when they are attached.
pub fn report_meaning(index: &mut SearchIndex, set: &GoldenSet, typos: bool) -> anyhow::Result<()> {
    let Some(default) = index.meaning_weight() else {
        return Ok(());
    };
    WeightedSignal {
        name: "meaning vectors",
        default,
        weights: &TUNED_WEIGHTS,
        set_weight: SearchIndex::set_meaning_weight,
    }
    .report(index, set, typos)
}
