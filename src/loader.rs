//! Fetching the manifest, the pack, its pieces and article bodies.
//!
//! The manifest is small and always revalidated; the pack (its hot part), the pieces it
//! lists and the article files are content-addressed, so the browser caches them for good.
//! URLs in the manifest and the pack are relative to the manifest itself, which lets a pack
//! live on any CDN path. Pieces are named by the hot part the page opened, never by a newer
//! manifest, so a page keeps reading one generation however often the pack is republished.
//!
//! Because they are content-addressed, their bytes are checked against their names
//! ([`verify_content_address`]; pieces by `SearchIndex::add_piece`) before anything uses
//! them: a file corrupted or replaced on a CDN or proxy is never searched or inserted into
//! the panel. A mismatch is fetched once more, bypassing the HTTP cache (the name cannot
//! change, and a bad copy cached as `immutable` would otherwise come back for a year); a
//! second mismatch is an error the panel shows with its way to contact support.

use std::rc::Rc;

use deflect_core::pack::OLDEST_PACK_FORMAT_VERSION;
use deflect_core::{verify_content_address, Manifest, SearchIndex, PACK_FORMAT_VERSION};
use gloo_net::http::Request;
use gloo_timers::callback::Timeout;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestCache, RequestInit};

/// How long loading the index may take before the widget gives up and says so, unless the
/// page sets `index_timeout_s`: long enough for a large pack on a slow phone connection.
pub const DEFAULT_INDEX_TIMEOUT_S: f64 = 30.0;

/// Resolves `relative` against `base`.
pub fn resolve(relative: &str, base: &str) -> String {
    web_sys::Url::new_with_base(relative, base)
        .map(|u| u.href())
        .unwrap_or_else(|_| relative.to_string())
}

async fn fetch_ok(
    url: &str,
    signal: Option<&AbortSignal>,
) -> Result<gloo_net::http::Response, String> {
    fetch_with(url, signal, RequestCache::Default).await
}

async fn fetch_with(
    url: &str,
    signal: Option<&AbortSignal>,
    cache: RequestCache,
) -> Result<gloo_net::http::Response, String> {
    let response = Request::get(url)
        .abort_signal(signal)
        .cache(cache)
        .send()
        .await
        .map_err(|e| format!("could not fetch {url}: {e}"))?;
    if !response.ok() {
        return Err(format!("could not fetch {url}: HTTP {}", response.status()));
    }
    Ok(response)
}

/// Fetches the manifest and the pack it names, and opens the index, giving up after
/// `timeout_s`: a stalled network then ends as an error the panel shows (with its way to
/// contact support), not as a spinner for ever.
pub async fn load_index(manifest_url: &str, timeout_s: f64) -> Result<SearchIndex, String> {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(|c| c.signal());
    let _deadline =
        controller.map(|c| Timeout::new((timeout_s.max(0.1) * 1000.0) as u32, move || c.abort()));
    fetch_and_open(manifest_url, signal.as_ref())
        .await
        .map_err(|e| match &signal {
            Some(s) if s.aborted() => {
                format!("loading {manifest_url} took longer than {timeout_s} s; gave up")
            }
            _ => e,
        })
}

async fn fetch_and_open(
    manifest_url: &str,
    signal: Option<&AbortSignal>,
) -> Result<SearchIndex, String> {
    let manifest: Manifest = fetch_ok(manifest_url, signal)
        .await?
        .json()
        .await
        .map_err(|e| format!("{manifest_url} is not a Deflect manifest: {e}"))?;
    if !(OLDEST_PACK_FORMAT_VERSION..=PACK_FORMAT_VERSION).contains(&manifest.format_version) {
        return Err(format!(
            "{manifest_url} describes pack format {} but this widget reads format {PACK_FORMAT_VERSION}",
            manifest.format_version
        ));
    }
    let pack_url = resolve(&manifest.pack, manifest_url);
    let bytes = fetch_verified(&manifest.pack, &pack_url, signal).await?;
    SearchIndex::open_bytes(bytes).map_err(|e| format!("{pack_url}: {e}"))
}

/// Fetches the content-addressed file `name` from `url` and returns its bytes once they
/// match the name; after a mismatch it fetches once more from the network (not the HTTP
/// cache), and a second mismatch is the error.
async fn fetch_verified(
    name: &str,
    url: &str,
    signal: Option<&AbortSignal>,
) -> Result<Vec<u8>, String> {
    let mut mismatch = String::new();
    for cache in [RequestCache::Default, RequestCache::Reload] {
        let bytes = fetch_with(url, signal, cache)
            .await?
            .binary()
            .await
            .map_err(|e| format!("reading {url}: {e}"))?;
        match verify_content_address(name, &bytes) {
            Ok(()) => return Ok(bytes),
            Err(e) => mismatch = e.to_string(),
        }
    }
    Err(mismatch)
}

/// Fetches pieces of the open pack, all at once, and adds them to the index. A piece that
/// fails to arrive or to match its name is fetched once more, bypassing the HTTP cache (a
/// corrupt copy may sit there); a second failure is the error, naming the piece.
/// `background` pieces go at low fetch priority, behind what the customer waits for.
pub async fn fetch_pieces(
    index: &Rc<SearchIndex>,
    names: &[String],
    manifest_url: &str,
    background: bool,
) -> Result<(), String> {
    let fetches = js_sys::Array::new();
    for name in names {
        let (index, name, manifest_url) = (index.clone(), name.clone(), manifest_url.to_string());
        fetches.push(&wasm_bindgen_futures::future_to_promise(async move {
            fetch_piece(&index, &name, &manifest_url, background)
                .await
                .map(|()| JsValue::UNDEFINED)
                .map_err(|e| JsValue::from_str(&e))
        }));
    }
    JsFuture::from(js_sys::Promise::all(&fetches))
        .await
        .map(|_| ())
        .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

async fn fetch_piece(
    index: &SearchIndex,
    name: &str,
    manifest_url: &str,
    background: bool,
) -> Result<(), String> {
    let url = resolve(name, manifest_url);
    let first = match fetch_bytes(&url, background, false).await {
        Ok(bytes) => index.add_piece(name, bytes).map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    let Err(first) = first else {
        return Ok(());
    };
    let bytes = fetch_bytes(&url, background, true)
        .await
        .map_err(|e| format!("{e} (and before: {first})"))?;
    index
        .add_piece(name, bytes)
        .map_err(|e| format!("{url}: {e} (fetched twice)"))
}

async fn fetch_bytes(url: &str, background: bool, reload: bool) -> Result<Vec<u8>, String> {
    let failed = |e: wasm_bindgen::JsValue| format!("could not fetch {url}: {e:?}");
    let init = RequestInit::new();
    init.set_method("GET");
    if reload {
        init.set_cache(RequestCache::Reload);
    }
    if background {
        // Fetch Priority (Chromium; ignored elsewhere): behind suggestions and articles.
        let _ = js_sys::Reflect::set(&init, &"priority".into(), &"low".into());
    }
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    if !response.ok() {
        return Err(format!("could not fetch {url}: HTTP {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(failed)?)
        .await
        .map_err(failed)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Fetches the meaning vectors the open pack names (`note`), at low priority, checked
/// against their content-addressed name (once more from the network after a mismatch), and
/// parses them.
pub async fn load_meaning(
    note: &deflect_core::meaning::MeaningNote,
    manifest_url: &str,
) -> Result<deflect_core::MeaningVectors, String> {
    let url = resolve(&note.file, manifest_url);
    let mut mismatch = String::new();
    for reload in [false, true] {
        let bytes = fetch_bytes(&url, true, reload).await?;
        match verify_content_address(&note.file, &bytes) {
            Ok(()) => {
                return deflect_core::MeaningVectors::parse(&bytes)
                    .map_err(|e| format!("{url}: {e}"))
            }
            Err(e) => mismatch = e.to_string(),
        }
    }
    Err(mismatch)
}

/// Fetches an article's sanitized HTML body, verified against its content-addressed name.
pub async fn load_article(html_file: &str, manifest_url: &str) -> Result<String, String> {
    let url = resolve(html_file, manifest_url);
    let bytes = fetch_verified(html_file, &url, None).await?;
    String::from_utf8(bytes).map_err(|_| format!("{url} is not UTF-8 text"))
}
