//! The widget's configuration, read from the host page (see [`crate::settings`]).
//!
//! `<div id="deflect-widget" data-index="/kb/manifest.json" data-contact="mailto:…"
//! data-collector="https://…">` plus an optional `<script type="application/json"
//! id="deflect-config">`. URLs are resolved against the page, so relative and cross-origin
//! URLs work.
//!
//! Loaded by `deflect.js`, the root element carries a Shadow DOM holding the stylesheet
//! and a `.deflect-mount` element: the widget renders there, isolated from the page's CSS.
//! Embedded directly, it renders into the root element itself.

use std::rc::Rc;

use deflect_journey::SupportSchedule;
use web_sys::Element;

use crate::i18n::{Locale, Texts};
use crate::settings::WidgetSettings;

/// Id of the element the widget mounts into; created at the end of `<body>` when absent.
pub const ROOT_ID: &str = "deflect-widget";
/// Id of the optional JSON settings block.
pub const SETTINGS_ID: &str = "deflect-config";

/// How the host page configured the widget.
#[derive(Clone)]
pub struct WidgetConfig {
    /// The host element; its `data-deflect-state` reports progress and it receives the
    /// host page's commands and dispatches the widget's events.
    pub root: Element,
    /// Where the widget renders: inside the root's shadow root, or the root itself.
    pub mount: Element,
    /// The root's shadow root, when the loader made one.
    pub shadow: Option<web_sys::ShadowRoot>,
    /// Absolute URL of the index manifest.
    pub manifest_url: String,
    /// Where "Contact support" leads without a collector, and the e-mail fallback.
    pub contact_url: String,
    /// Everything else.
    pub settings: Rc<WidgetSettings>,
    /// The support schedule, when configured and valid.
    pub schedule: Option<Rc<SupportSchedule>>,
    /// The customer's language.
    pub locale: Locale,
    /// Its strings.
    pub texts: &'static Texts,
}

impl PartialEq for WidgetConfig {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root && Rc::ptr_eq(&self.settings, &other.settings)
    }
}

fn absolute(url: &str, page: &str) -> String {
    web_sys::Url::new_with_base(url, page)
        .map(|u| u.href())
        .unwrap_or_else(|_| url.to_string())
}

impl WidgetConfig {
    /// Reads the configuration from the page, creating the root element if needed.
    /// Mistakes in it are reported on the console and the defaults used instead.
    pub fn from_page() -> WidgetConfig {
        let document = crate::platform::document();
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
        let mut settings = match document.get_element_by_id(SETTINGS_ID) {
            Some(block) => WidgetSettings::from_json(&block.text_content().unwrap_or_default())
                .unwrap_or_else(|e| {
                    crate::platform::warn(&format!("deflect: ignoring the settings: {e}"));
                    WidgetSettings::default()
                }),
            None => WidgetSettings::default(),
        };
        for (attr, slot) in [
            ("data-index", &mut settings.index),
            ("data-contact", &mut settings.contact),
            ("data-collector", &mut settings.collector),
            ("data-locale", &mut settings.locale),
        ] {
            if let Some(v) = root.get_attribute(attr) {
                *slot = Some(v);
            }
        }
        for e in settings.apply_privacy_attributes(|name| root.get_attribute(name)) {
            crate::platform::warn(&format!("deflect: ignoring {e}"));
        }
        if let Some(v) = root.get_attribute("data-index-timeout") {
            match v.parse::<f64>() {
                Ok(s) if s > 0.0 => settings.index_timeout_s = Some(s),
                _ => crate::platform::warn(&format!(
                    "deflect: ignoring data-index-timeout=\"{v}\": expected seconds, e.g. 30"
                )),
            }
        }
        if let Some(v) = root.get_attribute("data-meaning") {
            match crate::settings::MeaningSetting::parse(&v) {
                Ok(m) => settings.meaning = m,
                Err(e) => crate::platform::warn(&format!("deflect: ignoring {e}")),
            }
        }
        let manifest_url = absolute(
            settings.index.as_deref().unwrap_or("kb/manifest.json"),
            &page,
        );
        settings.collector = settings.collector.as_deref().map(|c| absolute(c, &page));
        let contact_url = settings
            .contact
            .clone()
            .filter(|c| {
                c.starts_with("mailto:") || c.starts_with("https://") || c.starts_with("http://")
            })
            .unwrap_or_else(|| "mailto:support@example.com".into());
        // The widget has no time-zone database: a support zone given by name only gets its
        // rules from the browser.
        if let Some(policy) = settings.support.as_mut() {
            if policy.time_zone_rules.is_none() {
                let year = crate::platform::now()
                    .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                    .year();
                policy.time_zone_rules = crate::platform::zone_rules(&policy.time_zone, year);
            }
        }
        let schedule = settings.schedule().unwrap_or_else(|e| {
            crate::platform::warn(&format!("deflect: no reply expectation shown: {e}"));
            None
        });
        // Configured locale, else the page's language, else the browser's preferences.
        let mut preferences: Vec<String> = settings.locale.iter().cloned().collect();
        if let Some(lang) = document
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
        {
            preferences.push(lang);
        }
        if let Some(w) = web_sys::window() {
            preferences.extend(
                w.navigator()
                    .languages()
                    .iter()
                    .filter_map(|l| l.as_string()),
            );
        }
        let locale = Locale::negotiate(preferences.iter().map(String::as_str));
        let shadow = root.shadow_root();
        let mount = shadow
            .as_ref()
            .and_then(|s| s.query_selector(".deflect-mount").ok().flatten())
            .unwrap_or_else(|| root.clone());
        WidgetConfig {
            mount,
            shadow,
            locale,
            texts: locale.texts(),
            root,
            manifest_url,
            contact_url,
            settings: Rc::new(settings),
            schedule: schedule.map(Rc::new),
        }
    }

    /// The widget's element with this `id` (inside the shadow root when there is one).
    pub fn find(&self, id: &str) -> Option<Element> {
        match &self.shadow {
            Some(shadow) => shadow.get_element_by_id(id),
            None => crate::platform::document().get_element_by_id(id),
        }
    }

    /// The focused element inside the widget, if any.
    pub fn active_element(&self) -> Option<Element> {
        match &self.shadow {
            Some(shadow) => shadow.active_element(),
            None => crate::platform::document().active_element(),
        }
    }

    /// Records the widget's state on the root element for the host page and tests.
    pub fn set_state(&self, state: &str) {
        let _ = self.root.set_attribute("data-deflect-state", state);
    }
}
