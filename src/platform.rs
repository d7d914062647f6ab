//! The few browser facilities the widget needs, in one place: the clock, ids, local
//! storage, HTTP and DOM events. Everything above this module is written against these
//! functions, which keeps the browser's error handling out of the components.

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsValue;

use crate::delivery::Delivery;

/// Prefix of every storage key; bumped with an incompatible storage format.
const STORAGE_PREFIX: &str = "deflect:v1:";

thread_local! {
    static HOST: std::cell::RefCell<Option<web_sys::Element>> = const { std::cell::RefCell::new(None) };
}

/// Turns a panic (a bug, or a pack only a hostile publisher could make: tantivy asserts on
/// some corrupt segment files that pass every check before them) into something the page
/// can act on. WebAssembly cannot unwind, so after a panic the app never answers again;
/// instead of a dead panel the cause goes to the console once, the host element's state
/// becomes `error` and it receives `deflect:failed`, on which the loader puts its contact
/// panel in the app's place. Installed through yew, so its renderer keeps it.
pub fn report_panics(host: &web_sys::Element) {
    HOST.with(|h| *h.borrow_mut() = Some(host.clone()));
    yew::set_custom_panic_hook(Box::new(|info| {
        // Calls into the dead app panic again; the first panic is the cause.
        static REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if REPORTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        web_sys::console::error_1(&format!("deflect: the help widget stopped: {info}").into());
        let _ = HOST.try_with(|h| {
            if let Some(host) = h.try_borrow().ok().and_then(|h| h.clone()) {
                let _ = host.set_attribute("data-deflect-state", "error");
                if let Ok(failed) = web_sys::Event::new("deflect:failed") {
                    let _ = host.dispatch_event(&failed);
                }
            }
        });
    }));
}

/// The page's document.
pub fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("the widget runs in a page")
}

/// A console warning.
pub fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}

/// True when the customer's browser asks pages to save data (`navigator.connection.saveData`,
/// the Save-Data preference; Chromium-based browsers have it, others answer false).
pub fn saves_data() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"connection".into()).ok())
        .filter(|c| c.is_object())
        .and_then(|c| js_sys::Reflect::get(&c, &"saveData".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Adds a User Timing mark (`performance.mark(name)`): how product teams' monitoring and
/// `bench/perf` time the widget from outside without reaching into it.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Milliseconds since the epoch, by the page's clock (which tests can set).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The current instant, by the page's clock.
pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(now_ms() as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// The rules (a POSIX TZ string) of the IANA time zone `name` in `year`, from the
/// browser's own time-zone data: the widget ships no database, and `Intl` has them all.
/// `None` when the browser does not know the zone.
pub fn zone_rules(name: &str, year: i16) -> Option<String> {
    use wasm_bindgen::JsCast;
    // `new Intl.DateTimeFormat(locale, {timeZone, timeZoneName})`, through Reflect because
    // the constructor throws on an unknown zone.
    let format = |locale: &str, style: &str| -> Option<js_sys::Intl::DateTimeFormat> {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"timeZone".into(), &name.into()).ok()?;
        js_sys::Reflect::set(&options, &"timeZoneName".into(), &style.into()).ok()?;
        let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let constructor: js_sys::Function = js_sys::Reflect::get(&intl, &"DateTimeFormat".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let args = js_sys::Array::of2(&locale.into(), &options);
        Some(
            js_sys::Reflect::construct(&constructor, &args)
                .ok()?
                .unchecked_into(),
        )
    };
    let zone_name =
        |format: &js_sys::Intl::DateTimeFormat, at: jiff::Timestamp| -> Option<String> {
            let date = js_sys::Date::new(&JsValue::from_f64(at.as_millisecond() as f64));
            format.format_to_parts(&date).iter().find_map(|part| {
                let kind = js_sys::Reflect::get(&part, &"type".into())
                    .ok()?
                    .as_string()?;
                (kind == "timeZoneName")
                    .then(|| {
                        js_sys::Reflect::get(&part, &"value".into())
                            .ok()?
                            .as_string()
                    })
                    .flatten()
            })
        };
    let offsets = format("en-US", "longOffset")?;
    // "CET" is British English's name, "EST" American English's; "GMT+1" is neither's.
    let names = [format("en-US", "short"), format("en-GB", "short")];
    deflect_journey::zone::posix_rules(
        year,
        |at| deflect_journey::zone::parse_gmt_offset(&zone_name(&offsets, at)?),
        |at| {
            names.iter().flatten().find_map(|f| {
                zone_name(f, at).filter(|n| !n.starts_with("GMT+") && !n.starts_with("GMT-"))
            })
        },
    )
}

/// The value of `name` in the page's query string.
pub fn query_param(name: &str) -> Option<String> {
    let search = document().location()?.search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// A fresh random id (UUID v4) for journeys and cases.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn storage() -> Option<web_sys::Storage> {
    // Storage can be disabled (privacy settings, sandboxed iframes): then nothing persists
    // across reloads, but the widget still works within the page.
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The widget's keys in local storage (without the prefix), e.g. every page's outbox.
pub fn stored_keys() -> Vec<String> {
    let Some(s) = storage() else {
        return Vec::new();
    };
    let len = s.length().unwrap_or(0);
    (0..len)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter_map(|k| k.strip_prefix(STORAGE_PREFIX).map(str::to_string))
        .collect()
}

/// Whether a `storage` event (another tab changed local storage) touched one of the
/// widget's keys that `wanted` accepts (given without the prefix); a cleared storage
/// touches them all. The host page's own keys change the widget nothing.
pub fn storage_event_touches(e: &web_sys::Event, wanted: impl Fn(&str) -> bool) -> bool {
    use wasm_bindgen::JsCast;
    match e.dyn_ref::<web_sys::StorageEvent>().map(|e| e.key()) {
        Some(Some(key)) => key.strip_prefix(STORAGE_PREFIX).is_some_and(wanted),
        Some(None) => true,
        None => false,
    }
}

/// Reads `key` from local storage; missing or unreadable data gives the default.
pub fn load<T: DeserializeOwned + Default>(key: &str) -> T {
    let raw = storage().and_then(|s| s.get_item(&format!("{STORAGE_PREFIX}{key}")).ok().flatten());
    match raw {
        Some(json) => serde_json::from_str(&json).unwrap_or_else(|e| {
            warn(&format!(
                "deflect: ignoring unreadable {key} in local storage: {e}"
            ));
            T::default()
        }),
        None => T::default(),
    }
}

/// Writes `value` under `key`; false (and reported on the console) when storage is
/// missing or refuses it (full, disabled, a sandboxed frame).
pub fn save<T: Serialize>(key: &str, value: &T) -> bool {
    let Some(s) = storage() else { return false };
    let json = serde_json::to_string(value).expect("plain data serializes");
    match s.set_item(&format!("{STORAGE_PREFIX}{key}"), &json) {
        Ok(()) => true,
        Err(e) => {
            warn(&format!(
                "deflect: could not save {key} in local storage: {e:?}"
            ));
            false
        }
    }
}

/// Removes `key` from local storage.
pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&format!("{STORAGE_PREFIX}{key}"));
    }
}

/// Dispatches `deflect:<name>` on `target` with `detail` (any serializable value), so the
/// host page can listen with `addEventListener('deflect:search', …)`.
pub fn dispatch<T: Serialize>(target: &web_sys::Element, name: &str, detail: &T) {
    let detail = serde_json::to_string(detail)
        .ok()
        .and_then(|json| js_sys::JSON::parse(&json).ok())
        .unwrap_or(JsValue::NULL);
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) =
        web_sys::CustomEvent::new_with_event_init_dict(&format!("deflect:{name}"), &init)
    {
        let _ = target.dispatch_event(&event);
    }
}

/// POSTs `body` as JSON to `url`.
pub async fn post_json(url: &str, body: String) -> Delivery {
    let request = match gloo_net::http::Request::post(url)
        .header("Content-Type", "application/json")
        .body(body)
    {
        Ok(r) => r,
        Err(e) => return Delivery::Refused(e.to_string()),
    };
    match request.send().await {
        Err(e) => Delivery::Transient(format!("network error: {e}")),
        Ok(response) => {
            let status = response.status();
            if (200..300).contains(&status) {
                return Delivery::Stored;
            }
            let detail = response.text().await.unwrap_or_default();
            let message = format!(
                "HTTP {status}{}{}",
                if detail.is_empty() { "" } else { ": " },
                detail.chars().take(300).collect::<String>()
            );
            if status == 408 || status == 429 || status >= 500 {
                Delivery::Transient(message)
            } else {
                Delivery::Refused(message)
            }
        }
    }
}

/// Queues `body` with `navigator.sendBeacon` (sent even as the page goes away). It goes
/// as `text/plain`, which needs no CORS preflight; the collector reads it as JSON.
pub fn beacon(url: &str, body: &str) -> bool {
    web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| n.send_beacon_with_opt_str(url, Some(body)).ok())
        .unwrap_or(false)
}

/// The value of the `<input>` or `<textarea>` an event came from.
pub fn input_value(e: &web_sys::Event) -> String {
    use wasm_bindgen::JsCast;
    let Some(target) = e.target() else {
        return String::new();
    };
    if let Some(i) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        i.value()
    } else if let Some(t) = target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        t.value()
    } else {
        String::new()
    }
}
