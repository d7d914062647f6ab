//! The CLI's side of meaning vectors: `--meaning FILE` on `deflect search` and `deflect
//! eval`, and the part of `deflect eval` that measures them (without and with, per weight,
//! and per odd/even half with the weight tuned on the other half).
//!
//! The vectors are made by `scripts/meaning-vectors`; reading and fusing them lives in
//! `deflect_core::meaning`, the same code the widget runs.

use std::path::Path;

use deflect_core::{MeaningVectors, SearchIndex};
use deflect_eval::GoldenSet;

use crate::learn::half;

/// Fusion weights tried when tuning (0 = the lexical ranking alone).
pub const TUNED_WEIGHTS: [f32; 6] = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0];

/// Reads `file` and fuses it into `index`'s ranking; warns about stale rows.
pub fn attach(index: &SearchIndex, file: &Path) -> anyhow::Result<()> {
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

/// nDCG@10 of `set` with the meaning vectors at `weight`.
fn ndcg(index: &mut SearchIndex, set: &GoldenSet, weight: f32) -> anyhow::Result<f64> {
    index.set_meaning_weight(weight);
    Ok(deflect_eval::evaluate(index, set)?.ndcg_at_10)
}

/// Prints the meaning vectors' figures: nDCG@10 without and with them at the file's
/// weight (plain and with typos), per weight, and per odd/even half with the weight tuned
/// on the other half. Leaves the index at the file's weight.
pub fn report_meaning(index: &mut SearchIndex, set: &GoldenSet, typos: bool) -> anyhow::Result<()> {
    let Some(default) = index.meaning_weight() else {
        return Ok(());
    };
    let without = ndcg(index, set, 0.0)?;
    let with = ndcg(index, set, default)?;
    println!("meaning vectors: nDCG@10 without {without:.3}  with {with:.3} (weight {default})");
    if typos {
        for (label, weight) in [("without", 0.0), ("with", default)] {
            index.set_meaning_weight(weight);
            let clean = deflect_eval::evaluate(index, set)?;
            let t = deflect_eval::evaluate_typos(index, set, &clean)?;
            println!(
                "meaning vectors {label}, typos: retention {:.3}  nDCG@10 with typos {:.3}",
                t.retention, t.ndcg_at_10
            );
        }
    }
    let by_weight = TUNED_WEIGHTS
        .iter()
        .map(|w| Ok(format!("{w} {:.3}", ndcg(index, set, *w)?)))
        .collect::<anyhow::Result<Vec<String>>>()?;
    println!(
        "meaning vectors by weight: nDCG@10 {}",
        by_weight.join("  ")
    );
    for (name, odd) in [("odd", true), ("even", false)] {
        let (tune, test) = (half(set, !odd), half(set, odd));
        let mut best = (f64::MIN, default);
        for weight in TUNED_WEIGHTS {
            let got = ndcg(index, &tune, weight)?;
            if got > best.0 {
                best = (got, weight);
            }
        }
        let plain = ndcg(index, &test, 0.0)?;
        let fused = ndcg(index, &test, best.1)?;
        println!(
            "meaning vectors, {name} questions ({}): nDCG@10 without {plain:.3}  with {fused:.3} (weight {} tuned on the other half)",
            test.questions.len(),
            best.1
        );
    }
    index.set_meaning_weight(default);
    Ok(())
}
