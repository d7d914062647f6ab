//! The Deflect widget: a yew app that searches a prebuilt index pack inside the browser.
//!
//! [`state`] holds the search feature's state and its reducer (plain Rust, tested natively);
//! the browser-only modules fetch the pack ([`loader`]), read the host page's configuration
//! ([`config`]) and render it ([`components`]).

pub mod form;
pub mod outbox;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod loader;

#[cfg(target_arch = "wasm32")]
fn main() {
    let config = config::WidgetConfig::from_page();
    let root = config.root.clone();
    yew::Renderer::<components::App>::with_root_and_props(root, components::AppProps { config })
        .render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("deflect-widget runs in the browser: build it with `trunk build --release` (see README.md).");
    std::process::exit(2);
}
