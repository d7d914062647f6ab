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
//! the panel. Every such file comes through one path ([`fetch_accepted`]): a failed fetch
//! or a mismatch is fetched once more, bypassing the HTTP cache (the name cannot change,
//! and a bad copy cached as `immutable` would otherwise come back for a year); a second
//! failure is an error the panel shows with its way to contact support.

use std::rc::Rc;

use deflect_core::pack::OLDEST_PACK_FORMAT_VERSION;
use deflect_core::{verify_content_address, Manifest, SearchIndex, PACK_FORMAT_VERSION};
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

/// How a file is fetched.
#[derive(Clone, Copy, Default)]
struct Fetch<'a> {
    /// Aborts the request (the index's loading deadline).
    signal: Option<&'a AbortSignal>,
    /// Low Fetch Priority (Chromium; ignored elsewhere): behind suggestions and articles.
    background: bool,
    /// Past the HTTP cache, to the network: the second try after a bad copy.
    reload: bool,
}

/// The body of `url`, or why not (the request failed, or an HTTP error status).
async fn fetch_bytes(url: &str, how: Fetch<'_>) -> Result<Vec<u8>, String> {
    let failed = |e: JsValue| format!("could not fetch {url}: {e:?}");
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_signal(how.signal);
    if how.reload {
        init.set_cache(RequestCache::Reload);
    }
    if how.background {
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

/// Fetches the content-addressed file at `url` and hands its bytes to `accept` (which
/// checks them against the name). When the fetch or the check fails it fetches once more,
/// from the network: the name cannot change, and a bad copy cached as `immutable` would
/// otherwise come back for a year. A second failure is the error, with the first.
async fn fetch_accepted<T>(
    url: &str,
    how: Fetch<'_>,
    accept: impl Fn(Vec<u8>) -> Result<T, String>,
) -> Result<T, String> {
    let first = match fetch_bytes(url, how).await.and_then(&accept) {
        Ok(done) => return Ok(done),
        Err(first) => first,
    };
    let reload = Fetch {
        reload: true,
        ..how
    };
    fetch_bytes(url, reload)
        .await
        .and_then(&accept)
        .map_err(|second| {
            if second == first {
                format!("{second} (fetched twice)")
            } else {
                format!("{second} (and before: {first})")
            }
        })
}

/// The bytes of the content-addressed file `name` at `url`, once they match the name.
async fn fetch_verified(name: &str, url: &str, how: Fetch<'_>) -> Result<Vec<u8>, String> {
    fetch_accepted(url, how, |bytes| {
        verify_content_address(name, &bytes)
            .map(|()| bytes)
            .map_err(|e| e.to_string())
    })
    .await
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
    let how = Fetch {
        signal,
        ..Fetch::default()
    };
    let manifest: Manifest = serde_json::from_slice(&fetch_bytes(manifest_url, how).await?)
        .map_err(|e| format!("{manifest_url} is not a Deflect manifest: {e}"))?;
    if !(OLDEST_PACK_FORMAT_VERSION..=PACK_FORMAT_VERSION).contains(&manifest.format_version) {
        return Err(format!(
            "{manifest_url} describes pack format {} but this widget reads format {PACK_FORMAT_VERSION}",
            manifest.format_version
        ));
    }
    let pack_url = resolve(&manifest.pack, manifest_url);
    let bytes = fetch_verified(&manifest.pack, &pack_url, how).await?;
    SearchIndex::open_bytes(bytes).map_err(|e| format!("{pack_url}: {e}"))
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
    let how = Fetch {
        background,
        ..Fetch::default()
    };
    fetch_accepted(&url, how, |bytes| {
        index
            .add_piece(name, bytes)
            .map_err(|e| format!("{url}: {e}"))
    })
    .await
}

/// Fetches the meaning vectors the open pack names (`note`), at low priority, checked
/// against their content-addressed name (once more from the network after a mismatch), and
/// parses them.
pub async fn load_meaning(
    note: &deflect_core::meaning::MeaningNote,
    manifest_url: &str,
) -> Result<deflect_core::MeaningVectors, String> {
    let url = resolve(&note.file, manifest_url);
    let how = Fetch {
        background: true,
        ..Fetch::default()
    };
    let bytes = fetch_verified(&note.file, &url, how).await?;
    deflect_core::MeaningVectors::parse(&bytes).map_err(|e| format!("{url}: {e}"))
}

/// Fetches an article's sanitized HTML body, verified against its content-addressed name.
pub async fn load_article(html_file: &str, manifest_url: &str) -> Result<String, String> {
    let url = resolve(html_file, manifest_url);
    let bytes = fetch_verified(html_file, &url, Fetch::default()).await?;
    String::from_utf8(bytes).map_err(|_| format!("{url} is not UTF-8 text"))
}
