//! Deflect's indexer: knowledge-base sources in, a validated index pack out.
//!
//! The stages, each a module (Pagefind's `fossick/ index/ output/` is the model):
//! [`sources`] (find article files and read Markdown, HTML and help-centre exports) →
//! [`validation`] (check the whole set; nothing is written unless all of it is valid) →
//! [`indexing`] (tantivy with `deflect-core`'s schema and analyzer) → [`publishing`]
//! (write the pack, its pieces, article HTML and manifest as one atomic generation; open
//! it again). [`build`] runs them in order. A build either publishes a complete new
//! generation or leaves the previous one untouched.

pub mod article;
pub mod build;
pub mod config;
pub mod error;
pub mod fuzz;
pub mod indexing;
pub mod learn;
pub mod meaning;
pub mod publishing;
pub mod sources;
pub mod validation;

pub use article::Article;
pub use build::{build, BuildOptions, BuildReport};
pub use error::{BuildError, SourceError};
pub use learn::{LearnOptions, LearnSource, LearnStats};
pub use publishing::open_published;
pub use validation::{check, load_config, CheckReport};
