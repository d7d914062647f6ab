//! The Deflect widget: a yew app that searches a prebuilt index pack inside the browser.
//!
//! Plain Rust, tested natively: [`panel_state`] (the panel's reducer), [`form`] (the
//! contact form's draft and validation), [`prefill`] (identify, and what the form starts
//! with), [`outbox`] (what waits for the collector), [`outbox_store`] (this page's outbox
//! and adopting gone pages'), [`delivery`] (what to send and what each answer means),
//! [`settings`] (what a host page configures), [`privacy`] (what is kept about the
//! customer, and for how long) and [`view`] (what each view of the panel focuses and
//! announces). Browser-only: `loader` fetches the pack, `config` reads the page,
//! `platform` wraps storage, HTTP and DOM events, `session` keeps the journey and runs
//! delivery, `storage_keys` lists and forgets what the widget stores, `article_html`
//! checks article links before they are inserted, and `components` render it all.

pub mod command;
pub mod delivery;
pub mod form;
pub mod i18n;
pub mod outbox;
pub mod outbox_store;
pub mod panel_state;
pub mod prefill;
pub mod privacy;
pub mod settings;
pub mod view;

#[cfg(target_arch = "wasm32")]
mod article_html;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod loader;
#[cfg(target_arch = "wasm32")]
mod platform;
#[cfg(target_arch = "wasm32")]
mod session;
#[cfg(target_arch = "wasm32")]
mod storage_keys;

#[cfg(target_arch = "wasm32")]
fn main() {
    let config = config::WidgetConfig::from_page();
    platform::report_panics(&config.root);
    let mount = config.mount.clone();
    yew::Renderer::<components::App>::with_root_and_props(mount, components::AppProps { config })
        .render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("deflect-widget runs in the browser: build it with `trunk build --release` (see README.md).");
    std::process::exit(2);
}
