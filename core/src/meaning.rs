//! Meaning vectors: a second ranking signal that matches what a question means, not only
//! the words it shares with an article.
//!
//! A meaning-vectors file holds one vector per article and one per word a question may use,
//! all in one small space (128 dimensions, 8 or 4 bits each). A question's vector is the
//! sum of its words' rows (the words' rarity is already in the rows) made unit length; an
//! article's closeness is the cosine with its row. [`MeaningVectors::fuse`] then re-ranks
//! the lexical ranking's top [`CANDIDATES`] plus the [`NEAREST`] closest articles by
//! `lexical score / best lexical score + weight × cosine`, so an article that shares no
//! word with a paraphrase can still reach the top when it means the same thing.
//!
//! The vectors are made offline (`scripts/meaning-vectors`): word and article vectors from a
//! small licensed sentence encoder, then the word vectors trained on questions that resolved
//! to articles (the learned signal) or, with no such evidence, on the articles' own titles
//! and sentences. Nothing here runs a model: a query is a handful of table lookups and one
//! pass over the article rows, cheap enough for every keystroke in the browser.
//!
//! Words are split as the producer splits them ([`words`]): lower case, runs of ASCII
//! letters and digits. Words the file has no row for add nothing. The file lists its stop
//! words (format 2): words deliberately given no row, which are also never read as a typo
//! of a word that has one ("could" is not "cloud"; without the list, frequent question words
//! of five letters or more pulled questions towards articles about whatever they resembled).

use std::collections::{HashMap, HashSet};

/// The file's first four bytes.
pub const MEANING_MAGIC: &[u8; 4] = b"DFMV";

/// The file format this build writes. It reads this one and format 1 (the same without the
/// stop-word list: a format-1 file gets typo lookups for every word it has no row for).
pub const MEANING_FORMAT_VERSION: u32 = 2;

/// Header flag: the article rows are in the index's document order, one per document
/// (what `deflect build --meaning` publishes), so attaching them reads nothing from the
/// index; without it rows are matched to articles by id.
pub const IN_DOC_ORDER: u32 = 1;

/// Name of the pack file that names the published meaning vectors (a [`MeaningNote`]):
/// the hot part the page opened says which vectors belong to it, as it names its pieces.
pub const MEANING_NOTE_FILE: &str = "meaning.json";

/// What the pack says about its meaning vectors.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MeaningNote {
    /// Content-addressed file name, relative to the manifest (`kb.<hash>.meaning`).
    pub file: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Words this long or longer are matched with one typo (a letter missing, extra, wrong or
/// two swapped), as the lexical planner forgives one in words of this length: without it a
/// typo'd word adds nothing to the question's vector and the rest pulls the ranking away
/// from what the words still find.
pub const TYPO_MIN_LEN: usize = 5;

/// Lexical hits the fusion re-ranks: the meaning signal can lift an article from this deep.
pub const CANDIDATES: usize = 100;

/// Closest articles by meaning added to the candidates even when no word matched them.
pub const NEAREST: usize = 20;

/// Why a meaning-vectors file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MeaningError {
    /// The bytes do not start with [`MEANING_MAGIC`].
    #[error("not a meaning-vectors file (it does not start with \"DFMV\")")]
    NotMeaningVectors,
    /// A format version this build does not read.
    #[error("meaning-vectors format {0}; this build reads formats 1 to {MEANING_FORMAT_VERSION}")]
    Version(u32),
    /// A header field out of range.
    #[error("meaning-vectors header: {0}")]
    Header(String),
    /// The file ends before the part named.
    #[error("meaning-vectors file ends inside its {0}")]
    Truncated(&'static str),
    /// Bytes left after the last part.
    #[error("meaning-vectors file has {0} bytes after its last part")]
    TrailingBytes(usize),
    /// Rows in document order for a different number of documents.
    #[error("meaning vectors in document order have {rows} rows, the index {docs} documents")]
    DocOrder {
        /// Rows in the file.
        rows: usize,
        /// Documents in the index.
        docs: usize,
    },
    /// Vectors were attached already.
    #[error("meaning vectors are attached already")]
    AlreadyAttached,
    /// None of the file's articles is in the index: vectors of another knowledge base.
    #[error("none of the {0} articles in the meaning vectors is in this index (vectors of another knowledge base?)")]
    NoArticleMatches(usize),
}

/// The words of `text` as the meaning vectors know them: lower case, split at every
/// character that is not an ASCII letter or digit.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
}

/// Quantised rows: `values[row * dim + i] as f32 * scales[row]`.
#[derive(Debug, Clone, PartialEq)]
struct Rows {
    values: Vec<i8>,
    scales: Vec<f32>,
}

impl Rows {
    fn row(&self, r: usize, dim: usize) -> (&[i8], f32) {
        (&self.values[r * dim..(r + 1) * dim], self.scales[r])
    }
}

/// A parsed meaning-vectors file.
#[derive(Debug, Clone, PartialEq)]
pub struct MeaningVectors {
    dim: usize,
    bits: u32,
    flags: u32,
    weight: f32,
    words: HashMap<String, usize>,
    // Words given no row on purpose: never a typo of a word that has one.
    stop_words: HashSet<String>,
    // Hash of every one-letter deletion of each word of [`TYPO_MIN_LEN`] letters or more →
    // the first word (in file order) it comes from: typo lookups without a scan.
    deletions: HashMap<u64, usize>,
    word_rows: Rows,
    article_ids: Vec<String>,
    article_rows: Rows,
    // Each article row's length in quantised units, for its cosine (scales cancel out).
    article_norms: Vec<f32>,
}

/// Reads the file front to back, naming the part that runs short.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, part: &'static str) -> Result<&'a [u8], MeaningError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(MeaningError::Truncated(part))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u32(&mut self, part: &'static str) -> Result<u32, MeaningError> {
        Ok(u32::from_le_bytes(self.take(4, part)?.try_into().unwrap()))
    }
    fn f32(&mut self, part: &'static str) -> Result<f32, MeaningError> {
        Ok(f32::from_le_bytes(self.take(4, part)?.try_into().unwrap()))
    }
    fn lines(&mut self, count: usize, part: &'static str) -> Result<Vec<String>, MeaningError> {
        let len = self.u32(part)? as usize;
        let text = std::str::from_utf8(self.take(len, part)?)
            .map_err(|_| MeaningError::Header(format!("the {part} are not UTF-8")))?;
        let lines: Vec<String> = if count == 0 {
            Vec::new()
        } else {
            text.split('\n').map(str::to_string).collect()
        };
        if lines.len() != count {
            return Err(MeaningError::Header(format!(
                "the header says {count} {part}, the list has {}",
                lines.len()
            )));
        }
        Ok(lines)
    }
    fn rows(
        &mut self,
        count: usize,
        dim: usize,
        bits: u32,
        part: &'static str,
    ) -> Result<Rows, MeaningError> {
        let values: Vec<i8> = if bits == 8 {
            self.take(count * dim, part)?
                .iter()
                .map(|b| *b as i8)
                .collect()
        } else {
            // Two values per byte, low nibble first, each stored as value + 8.
            self.take(count * dim / 2, part)?
                .iter()
                .flat_map(|b| [(b & 0x0f) as i8 - 8, (b >> 4) as i8 - 8])
                .collect()
        };
        let scales = self
            .take(count * 4, part)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        Ok(Rows { values, scales })
    }
}

fn hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    // Fixed keys: the same on every page and in every build.
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Hashes of `word` with one letter removed (none for words shorter than [`TYPO_MIN_LEN`]).
fn one_deletion(word: &str) -> Vec<u64> {
    let b = word.as_bytes();
    if b.len() < TYPO_MIN_LEN || !word.is_ascii() {
        return Vec::new();
    }
    (0..b.len())
        .map(|i| hash(&[&b[..i], &b[i + 1..]].concat()))
        .collect()
}

/// Vectors put in an index's document order ([`MeaningVectors::in_doc_order`]).
#[derive(Debug, Clone, PartialEq)]
pub struct InDocOrder {
    /// The reordered vectors, flagged [`IN_DOC_ORDER`].
    pub vectors: MeaningVectors,
    /// Ids of the file that the index does not have (their rows are dropped).
    pub unknown: Vec<String>,
    /// Ids of the index that the file has no row for (they get a zero row).
    pub missing: Vec<String>,
}

/// Each row's length in quantised units.
fn norms(rows: &Rows, count: usize, dim: usize) -> Vec<f32> {
    (0..count)
        .map(|r| {
            let (values, _) = rows.row(r, dim);
            values
                .iter()
                .map(|v| (*v as f32).powi(2))
                .sum::<f32>()
                .sqrt()
        })
        .collect()
}

/// Quantises each row to `bits` with its own scale (the largest magnitude maps to the top).
fn quantise(rows: &[Vec<f32>], bits: u32) -> (Vec<i8>, Vec<f32>) {
    let top = ((1i32 << (bits - 1)) - 1) as f32;
    let mut values = Vec::new();
    let mut scales = Vec::new();
    for row in rows {
        let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
        let scale = if max > 0.0 { max / top } else { 1.0 };
        values.extend(
            row.iter()
                .map(|v| (v / scale).round().clamp(-top, top) as i8),
        );
        scales.push(scale);
    }
    (values, scales)
}

impl MeaningVectors {
    /// Parses and checks a meaning-vectors file.
    pub fn parse(bytes: &[u8]) -> Result<MeaningVectors, MeaningError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4, "header").ok() != Some(MEANING_MAGIC.as_slice()) {
            return Err(MeaningError::NotMeaningVectors);
        }
        let version = r.u32("header")?;
        if !(1..=MEANING_FORMAT_VERSION).contains(&version) {
            return Err(MeaningError::Version(version));
        }
        let dim = r.u32("header")? as usize;
        let bits = r.u32("header")?;
        let n_words = r.u32("header")? as usize;
        let n_articles = r.u32("header")? as usize;
        let weight = r.f32("header")?;
        let flags = r.u32("header")?;
        let n_stop = if version >= 2 {
            r.u32("header")? as usize
        } else {
            0
        };
        if flags & !IN_DOC_ORDER != 0 {
            return Err(MeaningError::Header(format!("unknown flags {flags:#x}")));
        }
        if dim == 0 || dim > 4096 || !dim.is_multiple_of(2) {
            return Err(MeaningError::Header(format!(
                "dimension {dim} (an even number from 2 to 4096)"
            )));
        }
        if bits != 4 && bits != 8 {
            return Err(MeaningError::Header(format!(
                "{bits} bits a value (4 or 8)"
            )));
        }
        if !weight.is_finite() || weight < 0.0 {
            return Err(MeaningError::Header(format!("weight {weight}")));
        }
        let word_list = r.lines(n_words, "words")?;
        let article_ids = r.lines(n_articles, "article ids")?;
        let stop_words = if version >= 2 {
            r.lines(n_stop, "stop words")?.into_iter().collect()
        } else {
            HashSet::new()
        };
        let word_rows = r.rows(n_words, dim, bits, "word vectors")?;
        let article_rows = r.rows(n_articles, dim, bits, "article vectors")?;
        if r.at != bytes.len() {
            return Err(MeaningError::TrailingBytes(bytes.len() - r.at));
        }
        let article_norms = norms(&article_rows, n_articles, dim);
        let mut deletions = HashMap::new();
        for (row, word) in word_list.iter().enumerate() {
            for d in one_deletion(word) {
                deletions.entry(d).or_insert(row);
            }
        }
        let words = word_list
            .into_iter()
            .enumerate()
            .map(|(i, w)| (w, i))
            .collect();
        Ok(MeaningVectors {
            dim,
            bits,
            flags,
            weight,
            words,
            stop_words,
            deletions,
            word_rows,
            article_ids,
            article_rows,
            article_norms,
        })
    }

    /// Writes a meaning-vectors file (what `scripts/meaning-vectors` writes; for tests and
    /// tools). Rows are quantised to `bits` (4 or 8) each with its own scale; `stop_words`
    /// have no row and are never typo-matched.
    pub fn encode(
        dim: usize,
        bits: u32,
        weight: f32,
        words: &[(&str, Vec<f32>)],
        stop_words: &[&str],
        articles: &[(&str, Vec<f32>)],
    ) -> Vec<u8> {
        assert!(bits == 4 || bits == 8, "4 or 8 bits");
        assert!(words.iter().chain(articles).all(|(_, v)| v.len() == dim));
        let rows = |list: &[(&str, Vec<f32>)]| {
            let (values, scales) = quantise(
                &list.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
                bits,
            );
            Rows { values, scales }
        };
        MeaningVectors {
            dim,
            bits,
            flags: 0,
            weight,
            words: words
                .iter()
                .enumerate()
                .map(|(row, (w, _))| (w.to_string(), row))
                .collect(),
            stop_words: stop_words.iter().map(|w| w.to_string()).collect(),
            // Only lookups use these; the bytes do not hold them.
            deletions: HashMap::new(),
            article_norms: Vec::new(),
            word_rows: rows(words),
            article_ids: articles.iter().map(|(id, _)| id.to_string()).collect(),
            article_rows: rows(articles),
        }
        .to_bytes()
    }

    /// The same vectors with one article row per document of an index, in its document
    /// order (`ids_in_doc_order`; a document without a vector gets a zero row, which no
    /// query comes close to), flagged [`IN_DOC_ORDER`], with the ids on either side that
    /// the other lacks.
    pub fn in_doc_order(&self, ids_in_doc_order: &[String]) -> InDocOrder {
        let row_of: HashMap<&str, usize> = self
            .article_ids
            .iter()
            .enumerate()
            .map(|(r, id)| (id.as_str(), r))
            .collect();
        let mut values = Vec::with_capacity(ids_in_doc_order.len() * self.dim);
        let mut scales = Vec::with_capacity(ids_in_doc_order.len());
        let mut missing = Vec::new();
        for id in ids_in_doc_order {
            match row_of.get(id.as_str()) {
                Some(&r) => {
                    let (v, s) = self.article_rows.row(r, self.dim);
                    values.extend_from_slice(v);
                    scales.push(s);
                }
                None => {
                    values.extend(std::iter::repeat_n(0i8, self.dim));
                    scales.push(1.0);
                    missing.push(id.clone());
                }
            }
        }
        let known: std::collections::HashSet<&str> =
            ids_in_doc_order.iter().map(String::as_str).collect();
        let unknown = self
            .article_ids
            .iter()
            .filter(|id| !known.contains(id.as_str()))
            .cloned()
            .collect();
        let article_rows = Rows { values, scales };
        let article_norms = norms(&article_rows, ids_in_doc_order.len(), self.dim);
        let ordered = MeaningVectors {
            flags: self.flags | IN_DOC_ORDER,
            article_ids: ids_in_doc_order.to_vec(),
            article_rows,
            article_norms,
            ..self.clone()
        };
        InDocOrder {
            vectors: ordered,
            unknown,
            missing,
        }
    }

    /// The file's bytes (what [`MeaningVectors::parse`] reads back).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut words: Vec<(&str, usize)> =
            self.words.iter().map(|(w, r)| (w.as_str(), *r)).collect();
        words.sort_by_key(|(_, r)| *r);
        let mut out = MEANING_MAGIC.to_vec();
        for v in [
            MEANING_FORMAT_VERSION,
            self.dim as u32,
            self.bits,
            words.len() as u32,
            self.article_ids.len() as u32,
        ] {
            out.extend(v.to_le_bytes());
        }
        out.extend(self.weight.to_le_bytes());
        out.extend(self.flags.to_le_bytes());
        out.extend((self.stop_words.len() as u32).to_le_bytes());
        let word_list = words.iter().map(|(w, _)| *w).collect::<Vec<_>>().join("\n");
        let id_list = self.article_ids.join("\n");
        // Sorted: the same vectors always write the same bytes.
        let mut stop: Vec<&str> = self.stop_words.iter().map(String::as_str).collect();
        stop.sort_unstable();
        for text in [word_list, id_list, stop.join("\n")] {
            out.extend((text.len() as u32).to_le_bytes());
            out.extend(text.as_bytes());
        }
        for rows in [&self.word_rows, &self.article_rows] {
            if self.bits == 8 {
                out.extend(rows.values.iter().map(|v| *v as u8));
            } else {
                out.extend(
                    rows.values
                        .chunks_exact(2)
                        .map(|p| ((p[0] + 8) as u8) | (((p[1] + 8) as u8) << 4)),
                );
            }
            out.extend(rows.scales.iter().flat_map(|s| s.to_le_bytes()));
        }
        out
    }

    /// True when the article rows follow an index's document order ([`IN_DOC_ORDER`]).
    pub fn is_in_doc_order(&self) -> bool {
        self.flags & IN_DOC_ORDER != 0
    }

    /// The fusion weight the file was made with (what the widget uses).
    pub fn weight(&self) -> f32 {
        self.weight
    }

    /// The articles the file has vectors for, in row order.
    pub fn article_ids(&self) -> &[String] {
        &self.article_ids
    }

    /// The row of `word`: its own, or with one typo that of the first word (in file order)
    /// it could be a typo of. A stop word has none.
    fn row_of(&self, word: &str) -> Option<usize> {
        if let Some(&row) = self.words.get(word) {
            return Some(row);
        }
        if word.len() < TYPO_MIN_LEN || !word.is_ascii() || self.stop_words.contains(word) {
            return None;
        }
        // A letter missing: the word is a deletion of a known word.
        if let Some(&row) = self.deletions.get(&hash(word.as_bytes())) {
            return Some(row);
        }
        let b = word.as_bytes();
        let shorter: Vec<Vec<u8>> = (0..b.len())
            .map(|i| [&b[..i], &b[i + 1..]].concat())
            .collect();
        // A letter extra: a deletion of the word is known.
        if let Some(row) = shorter
            .iter()
            .filter_map(|d| std::str::from_utf8(d).ok().and_then(|d| self.words.get(d)))
            .min()
        {
            return Some(*row);
        }
        // A letter wrong, or two swapped: a deletion of each is the same.
        shorter
            .iter()
            .filter_map(|d| self.deletions.get(&hash(d)))
            .min()
            .copied()
    }

    /// The unit-length vector of `input`, or `None` when none of its words has a row.
    pub fn query_vector(&self, input: &str) -> Option<Vec<f32>> {
        let mut q = vec![0f32; self.dim];
        let mut any = false;
        for word in words(input) {
            if let Some(row) = self.row_of(&word) {
                let (values, scale) = self.word_rows.row(row, self.dim);
                for (acc, v) in q.iter_mut().zip(values) {
                    *acc += *v as f32 * scale;
                }
                any = true;
            }
        }
        let norm = q.iter().map(|v| v * v).sum::<f32>().sqrt();
        (any && norm > 0.0).then(|| q.into_iter().map(|v| v / norm).collect())
    }

    /// Cosine of `query` (unit length) with every article's row, in row order.
    pub fn similarities(&self, query: &[f32]) -> Vec<f32> {
        (0..self.article_ids.len())
            .map(|r| {
                let (values, _) = self.article_rows.row(r, self.dim);
                let dot: f32 = values.iter().zip(query).map(|(v, q)| *v as f32 * q).sum();
                let norm = self.article_norms[r];
                if norm > 0.0 {
                    dot / norm
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Re-ranks lexical hits (`(score, item)`, best first) with meaning: the candidates are
    /// the hits and the [`NEAREST`] closest articles (`item_of_row` maps a row to its item,
    /// `None` for an article not in the index), each scored `score / best score + weight ×
    /// cosine`. Returns the best `limit`. Without a query vector the hits stay as they are.
    pub fn fuse<T: Copy + Eq + std::hash::Hash + Ord>(
        &self,
        input: &str,
        hits: Vec<(f32, T)>,
        weight: f32,
        limit: usize,
        row_of_item: impl Fn(T) -> Option<usize>,
        item_of_row: impl Fn(usize) -> Option<T>,
    ) -> Vec<(f32, T)> {
        let query = match self.query_vector(input) {
            Some(q) if weight > 0.0 => q,
            _ => return hits.into_iter().take(limit).collect(),
        };
        let cosines = self.similarities(&query);
        let best = hits
            .iter()
            .map(|(s, _)| *s)
            .fold(0f32, f32::max)
            .max(f32::MIN_POSITIVE);
        let mut lexical: HashMap<T, f32> = hits.iter().map(|(s, t)| (*t, s / best)).collect();
        // The closest articles the index has, earlier rows first among equals: one pass
        // keeping the best few, not a sort of every article on every keystroke.
        let mut nearest: Vec<(f32, T)> = Vec::with_capacity(NEAREST + 1);
        for (row, &cosine) in cosines.iter().enumerate() {
            if nearest.len() == NEAREST && cosine <= nearest[NEAREST - 1].0 {
                continue;
            }
            let Some(item) = item_of_row(row) else {
                continue;
            };
            let at = nearest.partition_point(|(c, _)| *c >= cosine);
            nearest.insert(at, (cosine, item));
            nearest.truncate(NEAREST);
        }
        for (_, item) in nearest {
            lexical.entry(item).or_insert(0.0);
        }
        let mut fused: Vec<(f32, T)> = lexical
            .into_iter()
            .map(|(item, lex)| {
                let cosine = row_of_item(item).map_or(0.0, |r| cosines[r]);
                (lex + weight * cosine, item)
            })
            .collect();
        fused.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        fused.truncate(limit);
        fused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    /// Two articles far apart; "jab" and "vaccine" point at the first, "refund" and
    /// "cloud" at the second; "could" is a stop word.
    fn sample(bits: u32) -> MeaningVectors {
        MeaningVectors::parse(&sample_bytes(bits)).unwrap()
    }

    fn sample_bytes(bits: u32) -> Vec<u8> {
        MeaningVectors::encode(
            4,
            bits,
            2.0,
            &[
                ("cloud", vec![0.0, 0.1, 1.0, 0.0]),
                ("jab", vec![1.0, 0.1, 0.0, 0.0]),
                ("refund", vec![0.0, 0.0, 1.0, 0.2]),
                ("vaccine", vec![0.9, 0.0, 0.1, 0.0]),
            ],
            &["could"],
            &[
                ("vaccines", unit(&[1.0, 0.0, 0.0, 0.0])),
                ("billing/refunds", unit(&[0.0, 0.0, 1.0, 0.0])),
            ],
        )
    }

    /// The same file in format 1, as the first release wrote it: no stop-word count in the
    /// header and no stop-word list after the article ids.
    fn as_format_1(v2: &[u8]) -> Vec<u8> {
        let list_end =
            |at: usize| at + 4 + u32::from_le_bytes(v2[at..at + 4].try_into().unwrap()) as usize;
        let ids_at = list_end(36);
        let stop_at = list_end(ids_at);
        let mut v1 = v2[..32].to_vec();
        v1[4..8].copy_from_slice(&1u32.to_le_bytes());
        v1.extend_from_slice(&v2[36..stop_at]);
        v1.extend_from_slice(&v2[list_end(stop_at)..]);
        v1
    }

    #[test]
    fn words_are_lower_case_ascii_runs() {
        let got: Vec<String> = words("Can I get a COVID-19 jab? Café").collect();
        assert_eq!(got, ["can", "i", "get", "a", "covid", "19", "jab", "caf"]);
    }

    #[test]
    fn a_query_is_closest_to_the_article_its_words_point_at() {
        for bits in [8, 4] {
            let m = sample(bits);
            let q = m.query_vector("Where do I get my JAB?").unwrap();
            let cos = m.similarities(&q);
            assert!(cos[0] > 0.9 && cos[1] < 0.2, "{bits} bits: {cos:?}");
            let q = m.query_vector("refund please").unwrap();
            let cos = m.similarities(&q);
            assert!(cos[1] > 0.9 && cos[0] < 0.2, "{bits} bits: {cos:?}");
            assert_eq!(m.query_vector("unknown words only"), None);
            assert_eq!(m.weight(), 2.0);
            assert_eq!(m.article_ids(), ["vaccines", "billing/refunds"]);
        }
    }

    #[test]
    fn a_word_with_one_typo_finds_its_row() {
        let m = sample(8);
        let right = m.query_vector("vaccine").unwrap();
        for typo in ["vacine", "vaccinne", "vaccime", "vacicne"] {
            assert_eq!(m.query_vector(typo).as_ref(), Some(&right), "{typo}");
        }
        assert_eq!(m.query_vector("vcicne"), None, "two typos");
        // Short words must be exact: "jab" has too many neighbours.
        assert_eq!(m.query_vector("jav"), None);
    }

    #[test]
    fn a_stop_word_is_never_a_typo_of_a_word() {
        let m = sample(8);
        let cloud = m.query_vector("cloud").unwrap();
        assert_eq!(m.query_vector("clouds").as_ref(), Some(&cloud));
        // "could" is one letter swap from "cloud", but the file says it means nothing.
        assert_eq!(m.query_vector("could"), None);
        assert_eq!(
            m.query_vector("could I get a jab"),
            m.query_vector("jab"),
            "a stop word adds nothing to a question"
        );
        // A format-1 file (no stop list) still opens, and reads "could" as a typo as it did.
        let old = MeaningVectors::parse(&as_format_1(&sample_bytes(8))).unwrap();
        assert_eq!(old.query_vector("jab"), m.query_vector("jab"));
        assert_eq!(old.query_vector("could").as_ref(), Some(&cloud));
        // Written again, it is a format-2 file with an empty stop list.
        let again = MeaningVectors::parse(&old.to_bytes()).unwrap();
        assert_eq!(again, old);
        assert_eq!(
            u32::from_le_bytes(old.to_bytes()[4..8].try_into().unwrap()),
            2
        );
    }

    #[test]
    fn fusion_lifts_an_article_no_word_matched() {
        let m = sample(8);
        // Lexically only the refunds article (item 1) matched "jab".
        let hits = vec![(5.0, 1usize)];
        let fused = m.fuse("jab", hits.clone(), 2.0, 10, Some, Some);
        assert_eq!(fused.iter().map(|h| h.1).collect::<Vec<_>>(), [0, 1]);
        // Weight 0 or no known word: the lexical ranking, untouched.
        assert_eq!(m.fuse("jab", hits.clone(), 0.0, 10, Some, Some), hits);
        assert_eq!(m.fuse("zzz", hits.clone(), 2.0, 10, Some, Some), hits);
        // An article the index does not have is never added.
        let fused = m.fuse("jab", hits, 2.0, 10, Some, |r| (r != 0).then_some(r));
        assert_eq!(fused.iter().map(|h| h.1).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn rows_in_doc_order_round_trip_and_keep_their_meaning() {
        for bits in [8, 4] {
            let m = sample(bits);
            assert!(!m.is_in_doc_order());
            assert_eq!(MeaningVectors::parse(&m.to_bytes()).unwrap(), m);
            let docs = [
                "billing/refunds".to_string(),
                "new/article".into(),
                "vaccines".into(),
            ];
            let InDocOrder {
                vectors: ordered,
                unknown,
                missing,
            } = m.in_doc_order(&docs);
            assert!(unknown.is_empty());
            assert_eq!(missing, ["new/article"]);
            let again = MeaningVectors::parse(&ordered.to_bytes()).unwrap();
            assert_eq!(again, ordered);
            assert!(again.is_in_doc_order());
            assert_eq!(again.article_ids(), docs);
            let cos = again.similarities(&again.query_vector("jab").unwrap());
            assert!(
                cos[2] > 0.9 && cos[1] == 0.0 && cos[0] < 0.2,
                "{bits} bits: {cos:?}"
            );
            let unknown = m.in_doc_order(&docs[..2]).unknown;
            assert_eq!(unknown, ["vaccines"]);
        }
    }

    #[test]
    fn damaged_files_are_refused_with_what_is_wrong() {
        let good = MeaningVectors::encode(
            2,
            8,
            1.0,
            &[("a", vec![1.0, 0.0])],
            &["the"],
            &[("x", vec![0.0, 1.0])],
        );
        assert!(MeaningVectors::parse(&good).is_ok());
        assert_eq!(
            MeaningVectors::parse(b"PACK"),
            Err(MeaningError::NotMeaningVectors)
        );
        let mut v3 = good.clone();
        v3[4] = 3;
        assert_eq!(MeaningVectors::parse(&v3), Err(MeaningError::Version(3)));
        assert_eq!(
            MeaningVectors::parse(&good[..good.len() - 1]),
            Err(MeaningError::Truncated("article vectors"))
        );
        let mut long = good.clone();
        long.push(0);
        assert_eq!(
            MeaningVectors::parse(&long),
            Err(MeaningError::TrailingBytes(1))
        );
        let mut bits = good.clone();
        bits[12] = 5;
        assert!(
            matches!(MeaningVectors::parse(&bits), Err(MeaningError::Header(h)) if h.contains("5 bits"))
        );
        let mut flags = good.clone();
        flags[28] = 4;
        assert!(
            matches!(MeaningVectors::parse(&flags), Err(MeaningError::Header(h)) if h.contains("flags"))
        );
        let mut count = good.clone();
        count[16] = 2; // two words claimed, one listed
        assert!(
            matches!(MeaningVectors::parse(&count), Err(MeaningError::Header(h)) if h.contains("2 words"))
        );
        let mut stop = good;
        stop[32] = 2; // two stop words claimed, one listed
        assert!(
            matches!(MeaningVectors::parse(&stop), Err(MeaningError::Header(h)) if h.contains("2 stop words"))
        );
    }
}
