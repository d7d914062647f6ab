//! The CLI's side of learning from resolved journeys: the `deflect build --learn` flags, and
//! the part of `deflect eval` that measures the learned signal (with and without it, weights
//! tuned on one half of the questions and reported on the other).
//!
//! The learning itself lives in `deflect_index::learn`; the ranking in `deflect_core`.

use std::path::PathBuf;

use deflect_core::SearchIndex;
use deflect_eval::GoldenSet;
use deflect_index::{LearnOptions, LearnSource};

/// `deflect build` flags for learning from resolved journeys.
#[derive(clap::Args, Debug, Clone)]
pub struct LearnArgs {
    /// JSON Lines of resolved questions, `{"query", "doc_id"}` with optional `count`,
    /// `outcome` ("resolved" or "no"), `at`, `journey`, `client`, `journeys` (e.g. the output
    /// of `deflect report --format learn`): articles also match what customers asked of them.
    #[arg(long, value_name = "FILE")]
    pub learn: Option<PathBuf>,
    /// k-anonymity: keep a question's text only when at least this many distinct journeys
    /// asked it.
    #[arg(long, default_value_t = LearnOptions::default().min_journeys, requires = "learn")]
    pub learn_min_journeys: u64,
    /// Age in days at which learned evidence counts half (0: no decay).
    #[arg(long, default_value_t = LearnOptions::default().half_life_days, requires = "learn")]
    pub learn_half_life_days: f64,
    /// Most evidence one journey or client gives one article.
    #[arg(long, default_value_t = LearnOptions::default().source_cap, requires = "learn")]
    pub learn_source_cap: f64,
}

impl LearnArgs {
    /// The learn source for the build, if `--learn` was given.
    pub fn source(self) -> Option<LearnSource> {
        Some(LearnSource {
            path: self.learn?,
            options: LearnOptions {
                min_journeys: self.learn_min_journeys,
                half_life_days: self.learn_half_life_days,
                source_cap: self.learn_source_cap,
                now: None,
            },
        })
    }
}

/// Weights of the learned field tried when tuning (0 = the plain ranking).
pub const TUNED_WEIGHTS: [f32; 5] = [0.1, 0.25, 0.5, 1.0, 2.0];

/// Questions whose position in the set (counting from 1, file order) is odd or even.
pub(crate) fn half(set: &GoldenSet, odd: bool) -> GoldenSet {
    GoldenSet {
        thresholds: Default::default(),
        questions: set
            .questions
            .iter()
            .enumerate()
            .filter(|(i, _)| (i % 2 == 0) == odd)
            .map(|(_, q)| q.clone())
            .collect(),
    }
}

/// nDCG@10 of `set` with the learned field at `weight`.
fn ndcg(index: &mut SearchIndex, set: &GoldenSet, weight: f32) -> anyhow::Result<f64> {
    index.set_learned_weight(weight);
    Ok(deflect_eval::evaluate(index, set)?.ndcg_at_10)
}

/// Prints the learned signal's figures: nDCG@10 without it and with it at the default
/// weight (plain and with typos), and per odd/even half with the weight tuned on the other
/// half. Leaves the index at the default weight.
pub fn report_learned(index: &mut SearchIndex, set: &GoldenSet, typos: bool) -> anyhow::Result<()> {
    if !index.has_learned() {
        return Ok(());
    }
    let default = deflect_core::learned::DEFAULT_LEARNED_WEIGHT;
    let without = ndcg(index, set, 0.0)?;
    let with = ndcg(index, set, default)?;
    println!("learned signal: nDCG@10 without {without:.3}  with {with:.3} (weight {default})");
    if typos {
        for (label, weight) in [("without", 0.0), ("with", default)] {
            index.set_learned_weight(weight);
            let clean = deflect_eval::evaluate(index, set)?;
            let t = deflect_eval::evaluate_typos(index, set, &clean)?;
            println!(
                "learned signal {label}, typos: retention {:.3}  nDCG@10 with typos {:.3}",
                t.retention, t.ndcg_at_10
            );
        }
    }
    let by_weight = TUNED_WEIGHTS
        .iter()
        .map(|w| Ok(format!("{w} {:.3}", ndcg(index, set, *w)?)))
        .collect::<anyhow::Result<Vec<String>>>()?;
    println!("learned signal by weight: nDCG@10 {}", by_weight.join("  "));
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
        let learned = ndcg(index, &test, best.1)?;
        println!(
            "learned signal, {name} questions ({}): nDCG@10 without {plain:.3}  with {learned:.3} (weight {} tuned on the other half)",
            test.questions.len(),
            best.1
        );
    }
    index.set_learned_weight(default);
    Ok(())
}
