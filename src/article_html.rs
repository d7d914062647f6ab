//! The last check before an article's HTML becomes markup in the panel.
//!
//! The indexer sanitises every article and the loader verifies each file against its
//! content-addressed name, but a pack the vendor built with another tool, or edited and
//! renamed after the build, never went through our sanitiser. So every URL-carrying
//! attribute of the HTML is read again here, parsed by the browser itself (in an inert
//! `<template>`: nothing in it loads or runs), and one whose scheme
//! [`deflect_core::links::link_allowed`] refuses is removed: the link's text stays, and it
//! leads nowhere.

use deflect_core::links::link_allowed;
use wasm_bindgen::JsCast;

/// Attributes that hold a URL a click, a load or a submission would follow.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "action", "formaction", "xlink:href"];

/// `html` with every disallowed URL attribute removed, and how many were.
pub fn neutralise_links(html: &str) -> (String, usize) {
    let document = crate::platform::document();
    let Some(template) = document
        .create_element("template")
        .ok()
        .and_then(|t| t.dyn_into::<web_sys::HtmlTemplateElement>().ok())
    else {
        // No template element, no way to read the HTML safely: show nothing of it.
        return (String::new(), 0);
    };
    template.set_inner_html(html);
    let mut removed = 0;
    // `[*|href]`: an `href` in any namespace (SVG's `xlink:href`).
    let elements = template
        .content()
        .query_selector_all("[href],[src],[action],[formaction],[*|href]");
    if let Ok(elements) = elements {
        for i in 0..elements.length() {
            let Some(element) = elements
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            for attribute in URL_ATTRIBUTES {
                if let Some(url) = element.get_attribute(attribute) {
                    if !link_allowed(&url) {
                        let _ = element.remove_attribute(attribute);
                        removed += 1;
                    }
                }
            }
        }
    }
    (template.inner_html(), removed)
}
