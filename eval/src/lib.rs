//! `deflect-eval`: search quality of a built index, where the CLI (`deflect eval`), the
//! cross-crate tests and the benches reach it without living in the indexer.
//!
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
#[derive(Debug, Clone, Deserialize, PartialEq)]
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
    /// Rank (1-based, within the top 10) of each question's first relevant article.
    pub ranks: Vec<Option<usize>>,
}

/// How ranking holds up when one word of each question has a typo.
#[derive(Debug, Clone)]
pub struct TypoReport {
    /// Questions with a typo'able word whose answer was in the top 5 when typed cleanly.
    pub eligible: usize,
    /// Share of those still in the top 5 with the typo.
    pub retention: f64,
    /// nDCG@10 over all typo'd questions (questions without a long word kept as they are).
    pub ndcg_at_10: f64,
}

/// Runs one-edit typo variants of every question and compares with the clean run.
pub fn evaluate_typos(
    index: &SearchIndex,
    set: &GoldenSet,
    clean: &EvalReport,
) -> tantivy::Result<TypoReport> {
    let typo_set = GoldenSet {
        thresholds: Thresholds::default(),
        questions: set
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| GoldenQuestion {
                text: typo_variant(&q.text, i as u64).unwrap_or_else(|| q.text.clone()),
                articles: q.articles.clone(),
            })
            .collect(),
    };
    let typo = evaluate(index, &typo_set)?;
    let top5 = |r: &Option<usize>| r.is_some_and(|r| r <= 5);
    let eligible: Vec<usize> = (0..set.questions.len())
        .filter(|i| top5(&clean.ranks[*i]) && typo_set.questions[*i].text != set.questions[*i].text)
        .collect();
    let kept = eligible.iter().filter(|i| top5(&typo.ranks[**i])).count();
    Ok(TypoReport {
        eligible: eligible.len(),
        retention: kept as f64 / eligible.len().max(1) as f64,
        ndcg_at_10: typo.ndcg_at_10,
    })
}

/// Median share of each question typed before its answer enters the top 5 and stays.
pub fn median_share_typed(index: &SearchIndex, set: &GoldenSet) -> tantivy::Result<f64> {
    let mut shares = set
        .questions
        .iter()
        .map(|q| share_typed(index, q, 5))
        .collect::<tantivy::Result<Vec<f64>>>()?;
    shares.sort_by(f64::total_cmp);
    Ok(shares.get(shares.len() / 2).copied().unwrap_or(1.0))
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

#[derive(Deserialize)]
struct QueryLine {
    id: serde_json::Value,
    text: String,
}

#[derive(Deserialize)]
struct QrelLine {
    query_id: serde_json::Value,
    doc_id: serde_json::Value,
    #[serde(default = "one")]
    grade: u32,
}

fn one() -> u32 {
    1
}

fn id_string(v: &serde_json::Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// Reads a JSON Lines file, naming the file and line of a bad record.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// Builds a golden set from evaluation files: `queries` lines `{id, text}` and `qrels`
/// lines `{query_id, doc_id, grade}` (grade ≥ 1 is relevant). Queries without a
/// relevant document are left out.
pub fn from_jsonl(queries: &Path, qrels: &Path) -> Result<GoldenSet, String> {
    let mut relevant: std::collections::HashMap<String, Vec<String>> = Default::default();
    for q in read_jsonl::<QrelLine>(qrels)?
        .into_iter()
        .filter(|q| q.grade >= 1)
    {
        relevant
            .entry(id_string(&q.query_id))
            .or_default()
            .push(id_string(&q.doc_id));
    }
    let questions = read_jsonl::<QueryLine>(queries)?
        .into_iter()
        .filter_map(|q| {
            Some(GoldenQuestion {
                articles: relevant.remove(&id_string(&q.id))?,
                text: q.text,
            })
        })
        .collect();
    Ok(GoldenSet {
        thresholds: Thresholds::default(),
        questions,
    })
}

/// Turns judged questions into the JSON Lines `deflect build --learn` reads: one line
/// `{"query", "doc_id", "journey"}` per relevant (question, document) pair, each question
/// standing for one resolved journey (its id). How FeedbackQA's train split stands in for
/// past resolved journeys.
pub fn learn_lines(queries: &Path, qrels: &Path) -> Result<String, String> {
    let texts: std::collections::HashMap<String, String> = read_jsonl::<QueryLine>(queries)?
        .into_iter()
        .map(|q| (id_string(&q.id), q.text))
        .collect();
    let mut out = String::new();
    for q in read_jsonl::<QrelLine>(qrels)? {
        if q.grade == 0 {
            continue;
        }
        let id = id_string(&q.query_id);
        let text = texts.get(&id).ok_or_else(|| {
            format!(
                "{}: query `{id}` is not in {}",
                qrels.display(),
                queries.display()
            )
        })?;
        out.push_str(
            &serde_json::json!({"query": text, "doc_id": id_string(&q.doc_id), "journey": id})
                .to_string(),
        );
        out.push('\n');
    }
    Ok(out)
}

/// A deterministic one-edit typo of `text`: in the `seed`-th eligible word (≥ 5 letters),
/// one substitution, deletion, insertion or swap, never on the first letter. `None` when
/// no word is long enough.
pub fn typo_variant(text: &str, seed: u64) -> Option<String> {
    // SplitMix64: a fixed, dependency-free generator so every run measures the same typos.
    let mut state = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let words: Vec<(usize, &str)> = text
        .split(' ')
        .scan(0, |at, w| {
            let start = *at;
            *at += w.len() + 1;
            Some((start, w))
        })
        .filter(|(_, w)| {
            w.chars().filter(|c| c.is_alphabetic()).count() >= 5
                && w.chars()
                    .all(|c| c.is_ascii_alphabetic() || c.is_ascii_punctuation())
        })
        .collect();
    if words.is_empty() {
        return None;
    }
    let (start, word) = words[(next() % words.len() as u64) as usize];
    let letters: Vec<char> = word
        .trim_end_matches(|c: char| c.is_ascii_punctuation())
        .chars()
        .collect();
    let tail = &word[letters.len()..];
    let mut w = letters.clone();
    let pos = 1 + (next() % (w.len() as u64 - 1)) as usize;
    let alphabet: Vec<char> = "abcdefghijklmnopqrstuvwxyz".chars().collect();
    let letter = |n: u64| alphabet[(n % 26) as usize];
    match next() % 4 {
        0 => {
            let mut c = letter(next());
            if c == w[pos] {
                c = letter(next() + 1);
            }
            w[pos] = c;
        }
        1 => {
            w.remove(pos);
        }
        2 => w.insert(pos, letter(next())),
        _ => {
            let p = pos.min(w.len() - 2).max(1);
            w.swap(p, p + 1);
        }
    }
    let typo: String = w.into_iter().collect::<String>() + tail;
    Some(format!(
        "{}{}{}",
        &text[..start],
        typo,
        &text[start + word.len()..]
    ))
}

/// Share of `text` (in characters) typed before a relevant article enters the top `k` and
/// stays there for every longer prefix; 1.0 when that only happens at the end (or never).
pub fn share_typed(index: &SearchIndex, q: &GoldenQuestion, k: usize) -> tantivy::Result<f64> {
    let chars: Vec<(usize, char)> = q.text.char_indices().collect();
    let total = chars.len();
    let mut earliest = total;
    // Walk back from the full question: the answer must stay from the prefix on.
    for n in (1..=total).rev() {
        let end = chars.get(n).map_or(q.text.len(), |(i, _)| *i);
        let hits = index.search(&q.text[..end], k)?;
        if hits.iter().any(|h| q.articles.contains(&h.article.id)) {
            earliest = n;
        } else {
            break;
        }
    }
    Ok(earliest as f64 / total.max(1) as f64)
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
        r.ranks.push(rank);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_variants_change_one_long_word_by_one_edit_and_never_its_first_letter() {
        let text = "How do I cancel my subscription?";
        let mut seen = std::collections::HashSet::new();
        for seed in 0..200 {
            let typo = typo_variant(text, seed).unwrap();
            assert_ne!(typo, text, "seed {seed}");
            let (a, b): (Vec<&str>, Vec<&str>) =
                (text.split(' ').collect(), typo.split(' ').collect());
            let changed: Vec<usize> = (0..a.len()).filter(|i| a[*i] != b[*i]).collect();
            assert_eq!(changed.len(), 1, "{typo}");
            let (orig, new) = (a[changed[0]], b[changed[0]]);
            assert!(orig.len() >= 5);
            assert_eq!(orig.chars().next(), new.chars().next(), "{typo}");
            assert!((orig.len() as i64 - new.len() as i64).abs() <= 1);
            seen.insert(typo);
        }
        assert!(seen.len() > 20, "typos vary with the seed");
        assert_eq!(
            typo_variant(text, 7),
            typo_variant(text, 7),
            "deterministic"
        );
        assert_eq!(typo_variant("how do i pay", 1), None);
    }
}
