//! The widget's yew components: [`App`] owns the state; the rest render props.

mod app;
mod article_view;
mod highlighted;
mod panel;
mod result_list;
mod search_box;

pub use app::{App, AppProps};
