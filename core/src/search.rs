//! Searching an opened pack: the exact path the widget runs on every keystroke.
//!
//! [`SearchIndex`] opens a pack in memory with one long-lived searcher (manual reload, no
//! writer, no thread pool: none of those work in a browser) and answers
//! [`SearchIndex::search`] with ranked, highlighted hits. `deflect search` and the
//! evaluation tools call the same function, so what they measure is what customers get.

use std::collections::{HashMap, HashSet};

use tantivy::collector::TopDocs;
use tantivy::schema::{IndexRecordOption, TantivyDocument};
use tantivy::{DocAddress, DocSet, Index, IndexReader, ReloadPolicy, Searcher, Term};

use crate::analyzer::ArticleLanguage;
use crate::answer::{good_answer, key_words};
use crate::highlight::Highlighted;
use crate::meaning::{MeaningError, MeaningNote, MeaningVectors, CANDIDATES, MEANING_NOTE_FILE};
use crate::pack::{ArticlePack, PackError};
use crate::passages::{best_passage, PassageQuery, SectionHit};
use crate::planner::{Expansion, QueryBuilder, QueryPlan};
use crate::schema::{ArticleSchema, StoredArticle};
use crate::synonyms::{Synonyms, SYNONYMS_FILE};

/// One ranked result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchHit {
    /// The stored article fields.
    pub article: StoredArticle,
    /// BM25-based score; only comparable within one search.
    pub score: f32,
    /// The title split into matched and unmatched fragments.
    pub title: Highlighted,
    /// The excerpt split into matched and unmatched fragments: the passage of the article
    /// that best matches the query, or the stored excerpt when none does.
    pub excerpt: Highlighted,
    /// The section of the article holding that passage, when it is under a heading.
    #[serde(default)]
    pub section: Option<SectionHit>,
}

/// The suggestions for one input and whether they answer it.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestions {
    /// Ranked hits, best first.
    pub hits: Vec<SearchHit>,
    /// False when there are no hits, or when none of them contains the input's most
    /// specific word (see [`crate::answer`]): the "no good answer" signal of the report.
    /// Judged on the words' own ranking, before meaning vectors re-rank it: the signal says
    /// whether the knowledge base has the customer's words, and articles lifted by meaning
    /// must not push the ones that contain them out of the judged hits (on FeedbackQA that
    /// flagged 247 of 1,100 answered questions instead of the words' 203).
    pub good_answer: bool,
}

/// BM25's inverse document frequency, as tantivy computes it.
fn idf(doc_freq: u64, docs: u64) -> f32 {
    let n = doc_freq as f32;
    (1.0 + (docs as f32 - n + 0.5) / (n + 0.5)).ln()
}

/// A query ranked but not yet turned into hits: what [`SearchIndex::suggest`] and
/// [`SearchIndex::pieces_needed`] share.
struct Ranked {
    plan: QueryPlan,
    per_word: Vec<Vec<Expansion>>,
    expanded: Vec<Vec<Expansion>>,
    top: Vec<(f32, DocAddress)>,
    // The words' own best `limit`, before meaning re-ranks them: what the "no good answer"
    // signal judges.
    lexical_top: Vec<(f32, DocAddress)>,
}

/// An index pack opened for searching.
pub struct SearchIndex {
    // The pack, for pieces that arrive after opening (a split pack's cold files).
    pack: ArticlePack,
    // Kept so the searcher's generation stays alive and for future reloads.
    _reader: IndexReader,
    searcher: Searcher,
    fields: ArticleSchema,
    language: ArticleLanguage,
    synonyms: Synonyms,
    // Weight of the learned-queries field, when the pack has one.
    learned_weight: f32,
    // Meaning vectors fused with the lexical ranking, once attached: they arrive after the
    // index opens (the widget fetches them behind the first suggestions), into an index
    // already shared, hence set once through `&self`.
    meaning: std::sync::OnceLock<AttachedMeaning>,
    // Their fusion weight when set for tuning; otherwise the file's.
    meaning_weight: Option<f32>,
}

/// Meaning vectors tied to this index's documents.
struct AttachedMeaning {
    vectors: MeaningVectors,
    // Row of each document that has one, and the document of each row in the index.
    rows: HashMap<DocAddress, usize>,
    addresses: Vec<Option<DocAddress>>,
}

/// What attaching meaning vectors found: articles with a row, and rows for articles the
/// index no longer has (vectors made before the knowledge base changed).
#[derive(Debug, Clone, PartialEq)]
pub struct MeaningAttached {
    /// Articles of the index with a vector.
    pub matched: usize,
    /// Ids in the vectors that the index does not have.
    pub unknown: Vec<String>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("articles", &self.num_articles())
            .finish()
    }
}

impl SearchIndex {
    /// Validates pack bytes and opens the index inside.
    pub fn open_bytes(bytes: Vec<u8>) -> Result<SearchIndex, PackError> {
        SearchIndex::open(&ArticlePack::parse(bytes)?)
    }

    /// Opens the index held by a parsed pack.
    pub fn open(pack: &ArticlePack) -> Result<SearchIndex, PackError> {
        let bad = |e: tantivy::TantivyError| PackError::BadIndex(e.to_string());
        let index = Index::open(pack.directory()).map_err(bad)?;
        // The schema names the analyzer the pack was built with; queries use the same one.
        let language = ArticleSchema::language(&index.schema()).map_err(PackError::BadIndex)?;
        index
            .tokenizers()
            .register(language.analyzer_name(), language.analyzer());
        let fields = ArticleSchema::from_schema(&index.schema()).map_err(PackError::BadIndex)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(bad)?;
        let searcher = reader.searcher();
        // Every indexed field's inverted index is opened now (it reads the field's token
        // count from the postings file): at build time that puts those bytes in a split
        // pack's hot part, and a query later touches only its terms' own postings.
        let schema = index.schema();
        for segment in searcher.segment_readers() {
            for (field, entry) in schema.fields() {
                if entry.is_indexed() {
                    segment.inverted_index(field).map_err(bad)?;
                }
            }
        }
        let synonyms = match pack.file(SYNONYMS_FILE) {
            Some(bytes) => Synonyms::from_json(bytes, language).map_err(PackError::BadIndex)?,
            None => Synonyms::default(),
        };
        Ok(SearchIndex {
            pack: pack.clone(),
            _reader: reader,
            searcher,
            fields,
            language,
            synonyms,
            learned_weight: crate::learned::DEFAULT_LEARNED_WEIGHT,
            meaning: std::sync::OnceLock::new(),
            meaning_weight: None,
        })
    }

    /// True when the pack carries a learned-queries field (built with `--learn`).
    pub fn has_learned(&self) -> bool {
        self.fields.learned.is_some()
    }

    /// Sets the ranking weight of the learned-queries field (0 ignores it); for tuning and
    /// evaluation, the widget keeps [`crate::learned::DEFAULT_LEARNED_WEIGHT`].
    pub fn set_learned_weight(&mut self, weight: f32) {
        self.learned_weight = weight;
    }

    /// The meaning vectors the pack names (built with `--meaning`), to fetch after opening.
    pub fn meaning_note(&self) -> Option<MeaningNote> {
        serde_json::from_slice(self.pack.file(MEANING_NOTE_FILE)?).ok()
    }

    /// Fuses meaning vectors with the lexical ranking from now on, at the file's weight.
    ///
    /// Rows in document order (as `deflect build --meaning` publishes them) are taken as
    /// they are and read nothing from the index. Otherwise each row is matched to its
    /// article by id (reading the id postings, so a split pack needs those pieces): rows
    /// whose article the index does not have are ignored and listed, and it fails when no
    /// row matches (the vectors of another knowledge base).
    pub fn attach_meaning(&self, vectors: MeaningVectors) -> Result<MeaningAttached, MeaningError> {
        if self.meaning.get().is_some() {
            return Err(MeaningError::AlreadyAttached);
        }
        let mut addresses = Vec::with_capacity(vectors.article_ids().len());
        let mut unknown = Vec::new();
        if vectors.is_in_doc_order() {
            for (ord, segment) in self.searcher.segment_readers().iter().enumerate() {
                addresses.extend(
                    (0..segment.max_doc()).map(|doc| Some(DocAddress::new(ord as u32, doc))),
                );
            }
            if addresses.len() != vectors.article_ids().len() {
                return Err(MeaningError::DocOrder {
                    rows: vectors.article_ids().len(),
                    docs: addresses.len(),
                });
            }
        } else {
            for id in vectors.article_ids() {
                let found = self.address_of(id).ok().flatten();
                if found.is_none() {
                    unknown.push(id.clone());
                }
                addresses.push(found);
            }
        }
        let rows: HashMap<DocAddress, usize> = addresses
            .iter()
            .enumerate()
            .filter_map(|(row, a)| a.map(|a| (a, row)))
            .collect();
        if rows.is_empty() {
            return Err(MeaningError::NoArticleMatches(addresses.len()));
        }
        let attached = MeaningAttached {
            matched: rows.len(),
            unknown,
        };
        self.meaning
            .set(AttachedMeaning {
                vectors,
                rows,
                addresses,
            })
            .map_err(|_| MeaningError::AlreadyAttached)?;
        Ok(attached)
    }

    /// True when meaning vectors are attached.
    pub fn has_meaning(&self) -> bool {
        self.meaning.get().is_some()
    }

    /// Sets the meaning vectors' fusion weight (0 ignores them); for tuning and evaluation,
    /// the widget keeps the weight the file was made with.
    pub fn set_meaning_weight(&mut self, weight: f32) {
        self.meaning_weight = Some(weight);
    }

    /// The meaning vectors' fusion weight in use, when attached.
    pub fn meaning_weight(&self) -> Option<f32> {
        let attached = self.meaning.get()?;
        Some(self.meaning_weight.unwrap_or(attached.vectors.weight()))
    }

    /// The searched fields with their weights: the article's own, and the learned queries
    /// when the pack has them (a pack without them searches exactly as before).
    fn searched_fields(&self) -> Vec<(tantivy::schema::Field, f32)> {
        let mut fields = self.fields.weighted_fields().to_vec();
        if let Some(learned) = self.fields.learned.filter(|_| self.learned_weight > 0.0) {
            fields.push((learned, self.learned_weight));
        }
        fields
    }

    /// The language the index's articles are written in (and queries are analysed in).
    pub fn language(&self) -> ArticleLanguage {
        self.language
    }

    /// Number of articles in the index.
    pub fn num_articles(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// Looks an article up by id (for links between articles).
    pub fn article(&self, id: &str) -> tantivy::Result<Option<StoredArticle>> {
        match self.address_of(id)? {
            Some(address) => Ok(Some(
                self.fields
                    .stored(&self.searcher.doc::<TantivyDocument>(address)?),
            )),
            None => Ok(None),
        }
    }

    /// The document holding article `id` (reads its id postings, not its stored fields).
    fn address_of(&self, id: &str) -> tantivy::Result<Option<DocAddress>> {
        let term = Term::from_field_text(self.fields.id, id);
        let query = tantivy::query::TermQuery::new(term, IndexRecordOption::Basic);
        let top = self
            .searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())?;
        Ok(top.first().map(|(_, address)| *address))
    }

    /// A corrected spelling of `input` from the index's own vocabulary: every complete word
    /// the index does not know (and an unfinished last word nothing starts with) replaced
    /// by the nearest indexed word, written out in full. `None` when there is nothing to
    /// correct or no close word. Meant for queries with no or poor results.
    pub fn did_you_mean(&self, input: &str) -> Option<String> {
        let builder = QueryBuilder::new(
            &self.searcher,
            &self.fields.weighted_fields(),
            self.language,
        );
        crate::spelling::did_you_mean(&builder, input)
    }

    /// Ranks articles for as-you-type `input`; empty input gives no hits.
    pub fn search(&self, input: &str, limit: usize) -> tantivy::Result<Vec<SearchHit>> {
        Ok(self.suggest(input, limit)?.hits)
    }

    /// Ranks articles for as-you-type `input` like [`SearchIndex::search`], and judges
    /// whether the hits answer it: what the widget records with each search.
    ///
    /// With a split pack, fails when the query reads a piece that is not loaded (see
    /// [`SearchIndex::pieces_needed`]) rather than answer from part of the index.
    pub fn suggest(&self, input: &str, limit: usize) -> tantivy::Result<Suggestions> {
        self.pack.take_missing();
        let suggestions = self.suggest_loaded(input, limit);
        let missing = self.pack.take_missing();
        if !missing.is_empty() {
            return Err(tantivy::TantivyError::SystemError(format!(
                "the query needs index pieces not loaded yet: {}",
                missing.join(", ")
            )));
        }
        suggestions
    }

    fn rank(&self, input: &str, limit: usize) -> tantivy::Result<Option<Ranked>> {
        let plan = QueryPlan::parse(input, self.language);
        if plan.is_empty() || limit == 0 {
            return Ok(None);
        }
        let builder = QueryBuilder::new(&self.searcher, &self.searched_fields(), self.language);
        let per_word = builder.expand_words(&plan, &self.synonyms);
        let expanded: Vec<Vec<Expansion>> =
            per_word.iter().filter(|e| !e.is_empty()).cloned().collect();
        let weight = self.meaning_weight().unwrap_or(0.0);
        let meaning = self.meaning.get().filter(|_| weight > 0.0);
        // No indexed word matched: only meaning can still find something.
        if expanded.is_empty() && meaning.is_none() {
            return Ok(None);
        }
        let top = if expanded.is_empty() {
            Vec::new()
        } else {
            let query = builder.query(&expanded);
            // Meaning re-ranks a deeper lexical list than it returns.
            let depth = if meaning.is_some() {
                limit.max(CANDIDATES)
            } else {
                limit
            };
            self.searcher
                .search(&*query, &TopDocs::with_limit(depth).order_by_score())?
        };
        let lexical_top: Vec<(f32, DocAddress)> = top.iter().take(limit).copied().collect();
        let top = match meaning {
            Some(m) => m.vectors.fuse(
                input,
                top,
                weight,
                limit,
                |address| m.rows.get(&address).copied(),
                |row| m.addresses[row],
            ),
            None => top,
        };
        if top.is_empty() && expanded.is_empty() {
            return Ok(None);
        }
        Ok(Some(Ranked {
            plan,
            per_word,
            expanded,
            top,
            lexical_top,
        }))
    }

    fn suggest_loaded(&self, input: &str, limit: usize) -> tantivy::Result<Suggestions> {
        let Some(Ranked {
            plan,
            per_word,
            expanded,
            top,
            lexical_top,
        }) = self.rank(input, limit)?
        else {
            return Ok(Suggestions {
                hits: Vec::new(),
                good_answer: false,
            });
        };
        let keys = key_words(&plan.words, &per_word);
        let good_answer = good_answer(&lexical_top, &keys, |(_, address), key| {
            self.contains_any(*address, key)
        });
        let terms: HashSet<String> = expanded.iter().flatten().map(|e| e.term.clone()).collect();
        // A passage's words weigh by rarity and by how they matched, like the ranking; each
        // typed word keeps its own terms, so a passage is judged by the words it covers.
        let docs = self.searcher.num_docs().max(1);
        let words = expanded
            .iter()
            .map(|word| {
                let mut weights: HashMap<String, f32> = HashMap::new();
                for e in word {
                    let w = e.kind.weight() * idf(e.doc_freq.min(docs), docs);
                    let slot = weights.entry(e.term.clone()).or_default();
                    *slot = slot.max(w);
                }
                weights
            })
            .collect();
        let passage_query = PassageQuery::new(words);
        let mut analyzer = self.language.analyzer();
        top.into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = self.searcher.doc(address)?;
                let article = self.fields.stored(&doc);
                let sections = self.fields.sections(&doc);
                let (excerpt, section) =
                    match best_passage(&mut analyzer, &article.title, &sections, &passage_query) {
                        Some((passage, section)) => (passage, section),
                        None => (article.excerpt.clone(), None),
                    };
                Ok(SearchHit {
                    score,
                    title: Highlighted::new(&mut analyzer, &article.title, &terms),
                    excerpt: Highlighted::new(&mut analyzer, &excerpt, &terms),
                    section,
                    article,
                })
            })
            .collect::<tantivy::Result<Vec<SearchHit>>>()
            .map(|hits| Suggestions { hits, good_answer })
    }

    /// The pieces of a split pack that [`SearchIndex::suggest`] would read for `input` and
    /// that are not loaded yet; empty when it can answer now. Found in up to two rounds:
    /// first the postings of every term the query expands to (known from the hot term
    /// dictionary alone), then, once those are loaded, the doc-store blocks of its top hits.
    pub fn pieces_needed(&self, input: &str, limit: usize) -> Vec<String> {
        if self.pack.pieces_pending().is_empty() {
            return Vec::new();
        }
        self.pack.take_missing();
        let plan = QueryPlan::parse(input, self.language);
        let builder = QueryBuilder::new(&self.searcher, &self.searched_fields(), self.language);
        let per_word = builder.expand_words(&plan, &self.synonyms);
        for segment in self.searcher.segment_readers() {
            for (field, _) in self.searched_fields() {
                let Ok(inverted) = segment.inverted_index(field) else {
                    continue;
                };
                for e in per_word.iter().flatten() {
                    let term = Term::from_field_text(field, &e.term);
                    if let Ok(Some(info)) = inverted.get_term_info(&term) {
                        // Only recording which pieces the read needs.
                        let _ = inverted
                            .read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs);
                    }
                }
            }
        }
        let missing = self.pack.take_missing();
        if !missing.is_empty() {
            return missing;
        }
        if let Ok(Some(ranked)) = self.rank(input, limit) {
            for (_, address) in ranked.top {
                let _ = self.searcher.doc::<TantivyDocument>(address);
            }
        }
        self.pack.take_missing()
    }

    /// The pieces [`SearchIndex::article`] would read for `id` and are not loaded yet (its
    /// postings first, then its stored fields: call again after loading them).
    pub fn article_pieces_needed(&self, id: &str) -> Vec<String> {
        self.pack.take_missing();
        let _ = self.article(id);
        self.pack.take_missing()
    }

    /// Pieces of a split pack not loaded yet (empty for a whole pack, or when all are).
    pub fn pieces_pending(&self) -> Vec<String> {
        self.pack.pieces_pending()
    }

    /// Adds a downloaded piece after checking its length and content against its name.
    pub fn add_piece(&self, name: &str, bytes: Vec<u8>) -> Result<(), PackError> {
        self.pack.add_piece(name, bytes)
    }

    /// True when the document at `address` contains any of `terms` in a searched field.
    fn contains_any(&self, address: DocAddress, terms: &[Expansion]) -> bool {
        let segment = self.searcher.segment_reader(address.segment_ord);
        self.searched_fields().iter().any(|(field, _)| {
            let Ok(inverted) = segment.inverted_index(*field) else {
                return false;
            };
            terms.iter().any(|e| {
                let term = Term::from_field_text(*field, &e.term);
                // Postings start at their first document; seeking backwards is not allowed.
                let doc = address.doc_id;
                match inverted.read_postings(&term, IndexRecordOption::Basic) {
                    Ok(Some(mut postings)) => {
                        postings.doc() == doc || (postings.doc() < doc && postings.seek(doc) == doc)
                    }
                    _ => false,
                }
            })
        })
    }
}
