//! The learned signal: what past resolved journeys asked of each article.
//!
//! `deflect build --learn FILE` (see `deflect-index`'s `learn` module) turns question →
//! article evidence into text in one extra, searched-only field per article, `learned`,
//! holding the questions (after the privacy rules) that the article answered. Queries
//! then match it like any other field, through the same planner, at a low weight: a
//! customer's paraphrase that shares no word with the article but shares words with what
//! earlier customers asked still finds it. The field exists only in packs built with
//! `--learn`, so a pack without it has exactly the schema, bytes and ranking it had before,
//! and readers of either kind open both.

/// Name of the learned-queries field in the schema.
pub const LEARNED_FIELD: &str = "learned";

/// Ranking weight of the learned field, relative to the body's 1.0.
///
/// Chosen on FeedbackQA valid (`deflect eval` on a pack built `--learn`, which prints
/// nDCG@10 per weight and per odd/even half): lower weights do better than the body's 1.0,
/// and the halves pick 0.25 and 0.5 when tuned on each other.
pub const DEFAULT_LEARNED_WEIGHT: f32 = 0.5;
