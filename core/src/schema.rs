//! The article schema: which fields an index holds, how each is analysed, and which are stored.
//!
//! Only what the results list shows is stored (id, title, url, category, excerpt, the name
//! of the article's HTML file, and the article's sections cut short for passage excerpts);
//! the searchable text (body, headings, tags, summary) is indexed but not stored, which
//! keeps the pack the browser downloads small.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TantivyDocument, TextFieldIndexing, TextOptions, Value,
    STORED, STRING,
};

use crate::analyzer::ArticleLanguage;

/// Handles to the fields of an article index.
#[derive(Debug, Clone, Copy)]
pub struct ArticleSchema {
    /// Stable article id (raw, not tokenized).
    pub id: Field,
    /// Title: searched and stored.
    pub title: Field,
    /// Section headings inside the article: searched only.
    pub headings: Field,
    /// Tags from front matter: searched only.
    pub tags: Field,
    /// One-sentence summary: searched only (it is also the stored excerpt when given).
    pub summary: Field,
    /// Category: searched and stored.
    pub category: Field,
    /// Full plain text of the article: searched only.
    pub body: Field,
    /// Canonical URL of the article on the vendor's help centre: stored only.
    pub url: Field,
    /// Short excerpt shown under the title in the results list: stored only.
    pub excerpt: Field,
    /// File name of the article's sanitized HTML, relative to the manifest: stored only.
    pub html: Field,
    /// The article's text by section ([`crate::passages::encode`]), for excerpts and
    /// section links: stored only. `None` in packs built before it existed.
    pub passages: Option<Field>,
    /// Questions that resolved journeys asked of the article ([`crate::learned`]): searched
    /// only, at a low weight. `None` in packs built without `--learn`.
    pub learned: Option<Field>,
}

/// The stored part of an article, as the results list and article view need it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredArticle {
    /// Stable article id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Canonical URL, empty when the article has none.
    pub url: String,
    /// Category, empty when the article has none.
    pub category: String,
    /// Short excerpt.
    pub excerpt: String,
    /// HTML file name relative to the manifest.
    pub html: String,
}

fn text_field(stored: bool, language: ArticleLanguage) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(language.analyzer_name())
        // Frequencies feed BM25; positions would only serve phrase queries, which the
        // as-you-type planner does not issue, and would roughly double the postings.
        .set_index_option(IndexRecordOption::WithFreqs);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

impl ArticleSchema {
    /// Builds the tantivy schema for articles in `language` and returns it with the field
    /// handles. The schema records the language's analyzer name on every text field.
    pub fn build(language: ArticleLanguage) -> (Schema, ArticleSchema) {
        ArticleSchema::build_with(language, false)
    }

    /// Like [`ArticleSchema::build`], with the learned-queries field when `learned` (added
    /// last, so every other field keeps its number and a pack without it is unchanged).
    pub fn build_with(language: ArticleLanguage, learned: bool) -> (Schema, ArticleSchema) {
        let mut b = Schema::builder();
        let text_field = |stored| text_field(stored, language);
        let fields = ArticleSchema {
            id: b.add_text_field("id", STRING | STORED),
            title: b.add_text_field("title", text_field(true)),
            headings: b.add_text_field("headings", text_field(false)),
            tags: b.add_text_field("tags", text_field(false)),
            summary: b.add_text_field("summary", text_field(false)),
            category: b.add_text_field("category", text_field(true)),
            body: b.add_text_field("body", text_field(false)),
            url: b.add_text_field("url", STORED),
            excerpt: b.add_text_field("excerpt", STORED),
            html: b.add_text_field("html", STORED),
            passages: Some(b.add_text_field("passages", STORED)),
            learned: None,
        };
        let fields = ArticleSchema {
            learned: learned
                .then(|| b.add_text_field(crate::learned::LEARNED_FIELD, text_field(false))),
            ..fields
        };
        (b.build(), fields)
    }

    /// Looks the field handles up in a schema read from a pack, failing if one is missing.
    pub fn from_schema(schema: &Schema) -> Result<ArticleSchema, String> {
        let f = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| format!("the index has no field `{name}`"))
        };
        Ok(ArticleSchema {
            id: f("id")?,
            title: f("title")?,
            headings: f("headings")?,
            tags: f("tags")?,
            summary: f("summary")?,
            category: f("category")?,
            body: f("body")?,
            url: f("url")?,
            excerpt: f("excerpt")?,
            html: f("html")?,
            passages: schema.get_field("passages").ok(),
            learned: schema.get_field(crate::learned::LEARNED_FIELD).ok(),
        })
    }

    /// The language an index was built for, read from the analyzer its title field names.
    /// An unknown analyzer is an error: the pack comes from a newer (or foreign) builder.
    pub fn language(schema: &Schema) -> Result<ArticleLanguage, String> {
        let title = schema
            .get_field("title")
            .map_err(|_| "the index has no field `title`".to_string())?;
        let name = match schema.get_field_entry(title).field_type() {
            tantivy::schema::FieldType::Str(options) => options
                .get_indexing_options()
                .map(|i| i.tokenizer().to_string()),
            _ => None,
        }
        .ok_or_else(|| "the index's field `title` is not indexed text".to_string())?;
        ArticleLanguage::from_analyzer_name(&name).ok_or_else(|| {
            format!("the index was analysed with `{name}`, which this version of Deflect does not know; rebuild it or update the widget")
        })
    }

    /// The searched text fields with their ranking weights, strongest first.
    ///
    /// Chosen by measurement (`deflect eval` on kb/golden.toml and nDCG@10 on FeedbackQA):
    /// a title weight of 4 over-rewarded pages whose sections share one title.
    pub fn weighted_fields(&self) -> [(Field, f32); 6] {
        [
            (self.title, 2.0),
            (self.tags, 2.0),
            (self.headings, 1.5),
            (self.summary, 1.5),
            (self.category, 1.0),
            (self.body, 1.0),
        ]
    }

    /// The stored sections of a retrieved document (empty for older packs).
    pub fn sections(&self, doc: &TantivyDocument) -> Vec<crate::passages::Section> {
        self.passages
            .and_then(|f| doc.get_first(f))
            .and_then(|v| v.as_str())
            .map(crate::passages::decode)
            .unwrap_or_default()
    }

    /// Reads the stored fields of a retrieved document.
    pub fn stored(&self, doc: &TantivyDocument) -> StoredArticle {
        let get = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        StoredArticle {
            id: get(self.id),
            title: get(self.title),
            url: get(self.url),
            category: get(self.category),
            excerpt: get(self.excerpt),
            html: get(self.html),
        }
    }
}
