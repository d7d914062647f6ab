//! Deflect's indexer: knowledge-base sources in, a validated index pack out.
//!
//! The pipeline is [`source`] (find and read article files) → [`markdown`] (front matter,
//! sanitized HTML for display, plain text for indexing) → [`build`] (validate the whole
//! set, index it with `deflect-core`'s schema and analyzer, and publish the pack). A build
//! either publishes a complete new generation or leaves the previous one untouched.

pub mod article;
pub mod build;
pub mod config;
pub mod error;
pub mod export;
pub mod fuzz;
pub mod html_source;
pub mod html_text;
pub mod learn;
pub mod markdown;
pub mod source;

pub use article::Article;
pub use build::{build, check, load_config, open_published, BuildOptions, BuildReport};
pub use error::{BuildError, SourceError};
pub use learn::{LearnOptions, LearnSource, LearnStats};
