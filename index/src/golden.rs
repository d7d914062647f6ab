//! Golden questions: a documentation team's regression test for search quality.
//!
//! A TOML file lists questions as customers type them and the article ids that answer
//! each; [`evaluate`] runs every question through the widget's search path and reports
//! hit@1/3/5, MRR@10 and nDCG@10, the failing questions, and which thresholds were missed.

use std::path::Path;

use deflect_core::SearchIndex;
use serde::Deserialize;

/// A golden-questions file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenSet {
    /// Minimum acceptable figures; any may be omitted.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The questions.
    #[serde(rename = "question", default)]
    pub questions: Vec<GoldenQuestion>,
}

/// Minimum figures a run must reach.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Share of questions with a relevant article first.
    pub hit_at_1: Option<f64>,
    /// Share with a relevant article in the top 3.
    pub hit_at_3: Option<f64>,
    /// Share with a relevant article in the top 5.
    pub hit_at_5: Option<f64>,
    /// Mean reciprocal rank over the top 10.
    pub mrr: Option<f64>,
    /// Mean nDCG@10.
    pub ndcg_at_10: Option<f64>,
}

/// One question and the articles that answer it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenQuestion {
    /// What the customer types.
    pub text: String,
    /// Ids of the articles that answer it.
    pub articles: Vec<String>,
}

/// A question whose first relevant article is not in the top 3.
#[derive(Debug, Clone)]
pub struct Miss {
    /// The question.
    pub text: String,
    /// Rank of the first relevant article (1-based), if in the top 10.
    pub rank: Option<usize>,
    /// What was ranked instead (top 3 ids).
    pub got: Vec<String>,
}

/// Figures from one run.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    /// Number of questions.
    pub questions: usize,
    /// Share with a relevant article first.
    pub hit_at_1: f64,
    /// … in the top 3.
    pub hit_at_3: f64,
    /// … in the top 5.
    pub hit_at_5: f64,
    /// Mean reciprocal rank over the top 10.
    pub mrr: f64,
    /// Mean nDCG@10 with binary relevance.
    pub ndcg_at_10: f64,
    /// Questions without a relevant article in the top 3.
    pub misses: Vec<Miss>,
    /// Thresholds missed, as "name: got < wanted".
    pub failed_thresholds: Vec<String>,
}

/// Reads a golden-questions file, naming the file and line on error.
pub fn load(path: &Path) -> Result<GoldenSet, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let set: GoldenSet = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
        match line {
            Some(line) => format!("{}:{line}: {}", path.display(), e.message()),
            None => format!("{}: {}", path.display(), e.message()),
        }
    })?;
    if let Some((i, _)) = set
        .questions
        .iter()
        .enumerate()
        .find(|(_, q)| q.articles.is_empty())
    {
        return Err(format!(
            "{}: question {} (`{}`) lists no articles",
            path.display(),
            i + 1,
            set.questions[i].text
        ));
    }
    Ok(set)
}

/// Scores `index` against `set`.
pub fn evaluate(index: &SearchIndex, set: &GoldenSet) -> tantivy::Result<EvalReport> {
    let mut r = EvalReport {
        questions: set.questions.len(),
        ..EvalReport::default()
    };
    for q in &set.questions {
        let hits = index.search(&q.text, 10)?;
        let ids: Vec<&str> = hits.iter().map(|h| h.article.id.as_str()).collect();
        let relevant = |id: &str| q.articles.iter().any(|a| a == id);
        let rank = ids.iter().position(|id| relevant(id)).map(|p| p + 1);
        let within = |k: usize| rank.is_some_and(|r| r <= k) as u8 as f64;
        r.hit_at_1 += within(1);
        r.hit_at_3 += within(3);
        r.hit_at_5 += within(5);
        r.mrr += rank.map_or(0.0, |r| 1.0 / r as f64);
        let dcg: f64 = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| relevant(id))
            .map(|(i, _)| 1.0 / (i as f64 + 2.0).log2())
            .sum();
        let ideal: f64 = (0..q.articles.len().min(10))
            .map(|i| 1.0 / (i as f64 + 2.0).log2())
            .sum();
        r.ndcg_at_10 += dcg / ideal;
        if !rank.is_some_and(|r| r <= 3) {
            r.misses.push(Miss {
                text: q.text.clone(),
                rank,
                got: ids.iter().take(3).map(|s| s.to_string()).collect(),
            });
        }
    }
    let n = r.questions.max(1) as f64;
    for v in [
        &mut r.hit_at_1,
        &mut r.hit_at_3,
        &mut r.hit_at_5,
        &mut r.mrr,
        &mut r.ndcg_at_10,
    ] {
        *v /= n;
    }
    let t = &set.thresholds;
    for (name, got, wanted) in [
        ("hit_at_1", r.hit_at_1, t.hit_at_1),
        ("hit_at_3", r.hit_at_3, t.hit_at_3),
        ("hit_at_5", r.hit_at_5, t.hit_at_5),
        ("mrr", r.mrr, t.mrr),
        ("ndcg_at_10", r.ndcg_at_10, t.ndcg_at_10),
    ] {
        if let Some(wanted) = wanted.filter(|w| got + 1e-9 < *w) {
            r.failed_thresholds
                .push(format!("{name}: {got:.3} < {wanted:.3}"));
        }
    }
    Ok(r)
}
