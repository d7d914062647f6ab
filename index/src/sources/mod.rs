//! Stage 1, sources: finding a knowledge base's article files and reading each format into
//! an [`Article`](crate::Article) — [`source`] walks the folder, [`markdown`] reads
//! Markdown with YAML front matter, [`html_source`] reads HTML articles (with
//! [`html_text`] turning HTML into indexable text and sections), and [`export`] reads a
//! help-centre export (`.json`/`.jsonl`). Nothing here decides whether the set is valid as
//! a whole; that is `validation`.

pub mod export;
pub mod html_source;
pub mod html_text;
pub mod markdown;
pub mod source;
