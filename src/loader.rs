//! Fetching the manifest, the pack and article bodies.
//!
//! The manifest is small and always revalidated; the pack and article files it names are
//! content-addressed, so the browser caches them for good. URLs in the manifest are
//! relative to the manifest itself, which lets a pack live on any CDN path.

use deflect_core::{Manifest, SearchIndex, PACK_FORMAT_VERSION};
use gloo_net::http::Request;

/// Resolves `relative` against `base`.
pub fn resolve(relative: &str, base: &str) -> String {
    web_sys::Url::new_with_base(relative, base)
        .map(|u| u.href())
        .unwrap_or_else(|_| relative.to_string())
}

async fn fetch_ok(url: &str) -> Result<gloo_net::http::Response, String> {
    let response = Request::get(url)
        .send()
        .await
        .map_err(|e| format!("could not fetch {url}: {e}"))?;
    if !response.ok() {
        return Err(format!("could not fetch {url}: HTTP {}", response.status()));
    }
    Ok(response)
}

/// Fetches the manifest and the pack it names, and opens the index.
pub async fn load_index(manifest_url: &str) -> Result<SearchIndex, String> {
    let manifest: Manifest = fetch_ok(manifest_url)
        .await?
        .json()
        .await
        .map_err(|e| format!("{manifest_url} is not a Deflect manifest: {e}"))?;
    if manifest.format_version != PACK_FORMAT_VERSION {
        return Err(format!(
            "{manifest_url} describes pack format {} but this widget reads format {PACK_FORMAT_VERSION}",
            manifest.format_version
        ));
    }
    let pack_url = resolve(&manifest.pack, manifest_url);
    let bytes = fetch_ok(&pack_url)
        .await?
        .binary()
        .await
        .map_err(|e| format!("reading {pack_url}: {e}"))?;
    SearchIndex::open_bytes(bytes).map_err(|e| format!("{pack_url}: {e}"))
}

/// Fetches an article's sanitized HTML body.
pub async fn load_article(html_file: &str, manifest_url: &str) -> Result<String, String> {
    let url = resolve(html_file, manifest_url);
    fetch_ok(&url)
        .await?
        .text()
        .await
        .map_err(|e| format!("reading {url}: {e}"))
}
