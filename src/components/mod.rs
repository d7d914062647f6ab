//! The widget's yew components: [`App`] owns the state; the rest render props and report
//! what the customer does to the session.

mod account_email;
mod acknowledgement;
mod app;
mod article_view;
pub(crate) mod contact_form;
mod feedback;
mod highlighted;
mod host_commands;
mod index_state;
mod panel;
mod panel_dispatch;
mod result_list;
mod search_box;
mod search_screen;
mod view_change;

pub use app::{App, AppProps};
