//! Renders highlighted fragments as text nodes and `<mark>`: never as markup.

use deflect_core::Highlighted;
use yew::prelude::*;

/// Props of [`HighlightedText`].
#[derive(Properties, PartialEq)]
pub struct HighlightedTextProps {
    /// The fragments.
    pub text: Highlighted,
}

/// Matched words in `<mark>`, the rest as plain text.
#[function_component(HighlightedText)]
pub fn highlighted_text(props: &HighlightedTextProps) -> Html {
    props
        .text
        .fragments
        .iter()
        .map(|f| {
            if f.matched {
                html! { <mark>{ f.text.clone() }</mark> }
            } else {
                html! { { f.text.clone() } }
            }
        })
        .collect()
}
