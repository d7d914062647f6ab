//! Static hosting of the widget and index packs.
//!
//! Content-addressed files (a 16-hex-digit hash in the name, like `kb.3f2a….pack` or
//! `articles/9c1e….html`) never change, so they are cached for a year as immutable; every
//! other file (the manifest, the loader, the host page) must be revalidated, so a new
//! build is picked up at once. Every response allows any origin: these are public assets
//! embedded on vendors' pages. Precompressed `.br`/`.gz` siblings are served when present.

use std::path::PathBuf;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use http::header::{HeaderValue, CACHE_CONTROL};
use http::Method;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;

/// `Cache-Control` for content-addressed files.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for everything else.
pub const REVALIDATE: &str = "no-cache";

/// True when the last path segment carries a content hash (16 lowercase hex digits
/// between dots or at the start of the name).
pub fn is_content_addressed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split(['.', '-']).any(|part| {
        part.len() == 16
            && part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let immutable = is_content_addressed(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == http::StatusCode::NOT_MODIFIED {
        let value = if immutable { IMMUTABLE } else { REVALIDATE };
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// A router serving the files under `root`.
pub fn router(root: PathBuf) -> Router {
    let files = ServeDir::new(root)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true);
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD]);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_headers))
        .layer(cors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_content_hashes() {
        assert!(is_content_addressed("/kb/kb.0123456789abcdef.pack"));
        assert!(is_content_addressed("/kb/articles/0123456789abcdef.html"));
        assert!(!is_content_addressed("/kb/manifest.json"));
        assert!(!is_content_addressed("/widget/deflect-widget_bg.wasm"));
        assert!(!is_content_addressed("/kb/kb.0123456789ABCDEF.pack"));
    }
}
