//! The widget's configuration, read from the host page's root element.
//!
//! `<div id="deflect-widget" data-index="/kb/manifest.json" data-contact="mailto:…">`:
//! the manifest URL is resolved against the page, so relative and cross-origin URLs work.

use web_sys::Element;

/// Id of the element the widget mounts into; created at the end of `<body>` when absent.
pub const ROOT_ID: &str = "deflect-widget";

/// How the host page configured the widget.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetConfig {
    /// The element the widget renders into; its `data-deflect-state` reports progress.
    pub root: Element,
    /// Absolute URL of the index manifest.
    pub manifest_url: String,
    /// Where "Contact support" leads (mailto: or https:).
    pub contact_url: String,
}

impl WidgetConfig {
    /// Reads the configuration from the page, creating the root element if needed.
    pub fn from_page() -> WidgetConfig {
        let document = gloo_utils_document();
        let root = document.get_element_by_id(ROOT_ID).unwrap_or_else(|| {
            let el = document.create_element("div").expect("can create a div");
            el.set_id(ROOT_ID);
            if let Some(body) = document.body() {
                let _ = body.append_child(&el);
            }
            el
        });
        let page = document
            .location()
            .and_then(|l| l.href().ok())
            .unwrap_or_default();
        let index = root
            .get_attribute("data-index")
            .unwrap_or_else(|| "kb/manifest.json".into());
        let manifest_url = web_sys::Url::new_with_base(&index, &page)
            .map(|u| u.href())
            .unwrap_or(index);
        let contact_url = root
            .get_attribute("data-contact")
            .filter(|c| {
                c.starts_with("mailto:") || c.starts_with("https://") || c.starts_with("http://")
            })
            .unwrap_or_else(|| "mailto:support@example.com".into());
        WidgetConfig {
            root,
            manifest_url,
            contact_url,
        }
    }

    /// Records the widget's state on the root element for the host page and tests.
    pub fn set_state(&self, state: &str) {
        let _ = self.root.set_attribute("data-deflect-state", state);
    }
}

fn gloo_utils_document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("the widget runs in a page")
}
