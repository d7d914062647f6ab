//! How `deflect eval` measures a weighted ranking signal (the learned field, meaning
//! vectors): nDCG@10 without it and with it at its default weight (plain and with typos),
//! per weight, and per odd/even half with the weight tuned on the other half, so a figure
//! tuned on the questions it is reported on shows as such.

use deflect_core::SearchIndex;
use deflect_eval::GoldenSet;

/// A signal whose weight `deflect eval` can vary.
pub struct WeightedSignal {
    /// How its lines start, e.g. "learned signal".
    pub name: &'static str,
    /// The weight the widget uses.
    pub default: f32,
    /// Weights tried when tuning (0, the signal off, is always the baseline).
    pub weights: &'static [f32],
    /// Sets its weight on the index.
    pub set_weight: fn(&mut SearchIndex, f32),
}

/// Questions whose position in the set (counting from 1, file order) is odd or even.
fn half(set: &GoldenSet, odd: bool) -> GoldenSet {
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

impl WeightedSignal {
    /// nDCG@10 of `set` with the signal at `weight`.
    fn ndcg(&self, index: &mut SearchIndex, set: &GoldenSet, weight: f32) -> anyhow::Result<f64> {
        (self.set_weight)(index, weight);
        Ok(deflect_eval::evaluate(index, set)?.ndcg_at_10)
    }

    /// Prints the signal's figures; leaves the index at the default weight.
    pub fn report(
        &self,
        index: &mut SearchIndex,
        set: &GoldenSet,
        typos: bool,
    ) -> anyhow::Result<()> {
        let (name, default) = (self.name, self.default);
        let without = self.ndcg(index, set, 0.0)?;
        let with = self.ndcg(index, set, default)?;
        println!("{name}: nDCG@10 without {without:.3}  with {with:.3} (weight {default})");
        if typos {
            for (label, weight) in [("without", 0.0), ("with", default)] {
                (self.set_weight)(index, weight);
                let clean = deflect_eval::evaluate(index, set)?;
                let t = deflect_eval::evaluate_typos(index, set, &clean)?;
                println!(
                    "{name} {label}, typos: retention {:.3}  nDCG@10 with typos {:.3}",
                    t.retention, t.ndcg_at_10
                );
            }
        }
        let by_weight = self
            .weights
            .iter()
            .map(|w| Ok(format!("{w} {:.3}", self.ndcg(index, set, *w)?)))
            .collect::<anyhow::Result<Vec<String>>>()?;
        println!("{name} by weight: nDCG@10 {}", by_weight.join("  "));
        for (half_name, odd) in [("odd", true), ("even", false)] {
            let (tune, test) = (half(set, !odd), half(set, odd));
            let mut best = (f64::MIN, default);
            for &weight in self.weights {
                let got = self.ndcg(index, &tune, weight)?;
                if got > best.0 {
                    best = (got, weight);
                }
            }
            let plain = self.ndcg(index, &test, 0.0)?;
            let tuned = self.ndcg(index, &test, best.1)?;
            println!(
                "{name}, {half_name} questions ({}): nDCG@10 without {plain:.3}  with {tuned:.3} (weight {} tuned on the other half)",
                test.questions.len(),
                best.1
            );
        }
        (self.set_weight)(index, default);
        Ok(())
    }
}
