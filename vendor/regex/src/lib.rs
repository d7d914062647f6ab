//! `regex`'s string API, provided by regex-lite (see Cargo.toml for why).
//!
//! regex-lite matches what regex matches for ASCII patterns; it has no Unicode character
//! classes (`\p{L}`, Unicode `\w`), which none of tantivy's patterns that Deflect can reach
//! use (tantivy's facet escaping is `[\\/]`).

pub use regex_lite::*;
