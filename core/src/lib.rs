//! Deflect's search core, shared by the indexer (native) and the widget (wasm32).
//!
//! Everything that decides *what a word is* and *how a query matches* lives here, so the
//! text analysed when a pack is built and the text typed into the widget go through the
//! same code and can never drift apart:
//!
//! - [`schema`]: the fields of an article in the index and which of them are stored;
//! - [`analyzer`]: the index's language, and per language tokenizing, lower-casing, ASCII
//!   folding, stop words ([`stop_words`]) and stemming ([`stemmer`]);
//! - [`pack`]: the content-addressed index pack (a hot part and pieces fetched on demand)
//!   and its manifest;
//! - [`content_address`]: naming published files by the hash of their bytes, and checking
//!   fetched bytes against their name;
//! - [`links`]: which links an article may carry (at build and again at render time);
//! - [`planner`]: turning as-you-type input into a ranked tantivy query;
//! - [`search`]: opening a pack in memory and running planned queries;
//! - [`answer`]: whether the suggestions answer the query (the "no good answer" signal);
//! - [`passages`]: the best-matching passage of a result and the section it is in;
//! - [`spelling`]: "did you mean" from the index's own vocabulary;
//! - [`highlight`]: marking the matched words in titles and excerpts;
//! - [`synonyms`]: the documentation team's synonym groups, applied at query time;
//! - [`learned`]: the questions resolved journeys asked of each article, a low-weight field;
//! - [`meaning`]: meaning vectors, a second signal fused with the lexical ranking.

pub mod analyzer;
pub mod answer;
pub mod content_address;
pub mod highlight;
pub mod learned;
pub mod links;
pub mod meaning;
pub mod pack;
pub mod passages;
pub mod planner;
pub mod schema;
pub mod search;
pub mod spelling;
pub mod stemmer;
pub mod stop_words;
pub mod synonyms;

pub use analyzer::ArticleLanguage;
pub use content_address::{content_name, verify_content_address, ContentAddressError};
pub use highlight::{Fragment, Highlighted};
pub use meaning::{MeaningError, MeaningVectors};
pub use pack::{ArticlePack, Manifest, PackError, PACK_FORMAT_VERSION};
pub use passages::SectionHit;
pub use schema::{ArticleSchema, StoredArticle};
pub use search::{MeaningAttached, SearchHit, SearchIndex, Suggestions};
pub use synonyms::Synonyms;
