//! The Snowball stemming step of the analyzers, for the three article languages only.
//!
//! tantivy's own `Stemmer` filter (its `stemmer` feature) links the stemmers of eighteen
//! languages into every binary, because it picks one at run time from a `Language`
//! enum; in the widget's wasm that was ~83 KB of code for the fifteen languages Deflect
//! never uses. This filter calls the same frostem Snowball stemmers, built with just the
//! English, German and French algorithms, so the terms are exactly the ones tantivy's
//! filter produced and packs built before it still match.

use std::borrow::Cow;
use std::mem;

use frostem::Algorithm;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Replaces each token's text by its stem in one Snowball algorithm.
#[derive(Clone)]
pub struct SnowballStemmer {
    algorithm: Algorithm,
}

impl SnowballStemmer {
    /// A stemmer for `algorithm` (one of the features enabled in core/Cargo.toml).
    pub fn new(algorithm: Algorithm) -> SnowballStemmer {
        SnowballStemmer { algorithm }
    }
}

impl TokenFilter for SnowballStemmer {
    type Tokenizer<T: Tokenizer> = SnowballStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> SnowballStemmerFilter<T> {
        SnowballStemmerFilter {
            algorithm: self.algorithm,
            inner: tokenizer,
        }
    }
}

/// The tokenizer [`SnowballStemmer`] wraps around the rest of the chain.
#[derive(Clone)]
pub struct SnowballStemmerFilter<T> {
    algorithm: Algorithm,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for SnowballStemmerFilter<T> {
    type TokenStream<'a> = SnowballStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        SnowballStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: frostem::Stemmer::new(self.algorithm),
            buffer: String::new(),
        }
    }
}

/// The stemmed token stream.
pub struct SnowballStemmerStream<T> {
    tail: T,
    stemmer: frostem::Stemmer,
    /// Reused for stems that borrow from the token, to keep one allocation per stream.
    buffer: String,
}

impl<T: TokenStream> TokenStream for SnowballStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        match self.stemmer.stem(&token.text) {
            Cow::Owned(stemmed) => token.text = stemmed,
            Cow::Borrowed(stemmed) => {
                self.buffer.clear();
                self.buffer.push_str(stemmed);
                mem::swap(&mut token.text, &mut self.buffer);
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}
