//! The CLI's side of learning from resolved journeys: the `deflect build --learn` flags, and
//! the learned field's lines in `deflect eval` (measured as every weighted signal is, see
//! [`crate::signal`]).
//!
//! The learning itself lives in `deflect_index::learn`; the ranking in `deflect_core`.

use std::path::PathBuf;

use deflect_core::SearchIndex;
use deflect_eval::GoldenSet;
use deflect_index::{LearnOptions, LearnSource};

use crate::signal::WeightedSignal;

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

/// Prints the learned signal's figures (see [`crate::signal`]) when the pack has it.
pub fn report_learned(index: &mut SearchIndex, set: &GoldenSet, typos: bool) -> anyhow::Result<()> {
    if !index.has_learned() {
        return Ok(());
    }
    WeightedSignal {
        name: "learned signal",
        default: deflect_core::learned::DEFAULT_LEARNED_WEIGHT,
        weights: &TUNED_WEIGHTS,
        set_weight: SearchIndex::set_learned_weight,
    }
    .report(index, set, typos)
}
