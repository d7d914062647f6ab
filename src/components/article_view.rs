//! The article view: the sanitized article body, a way back, and links between articles.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use deflect_core::links::link_allowed;

use crate::article_html::neutralise_links;
use crate::i18n::{fill, Texts};
use crate::panel_state::{ArticleBody, OpenArticle};
use crate::platform;

/// Props of [`ArticleView`].
#[derive(Properties, PartialEq)]
pub struct ArticleViewProps {
    /// The customer's language.
    pub texts: &'static Texts,
    /// The id of the section to scroll to once the body is shown (the best-matching one).
    #[prop_or_default]
    pub anchor: Option<AttrValue>,
    /// The article.
    pub article: OpenArticle,
    /// Back to the suggestions.
    pub on_back: Callback<()>,
    /// A link to another article (its id) was followed.
    pub on_link: Callback<String>,
}

/// Space kept above the title or heading scrolled to, in CSS pixels.
const SCROLL_MARGIN: f64 = 8.0;
/// How much of the matched section's text to show under its heading when the title can
/// stay in view too: about three lines.
const SECTION_TEXT_SHOWN: f64 = 66.0;

/// The scroll position (in the scroll container's content) that shows the matched section:
/// the title and the matched heading together when they fit, scrolled only as far as the
/// heading and a few lines of its text need, the title never scrolled out; else the
/// heading at the top. Never past the heading: a section at the end of an article must not
/// open the article at its bottom, with its title and steps out of sight.
fn section_scroll_top(view: f64, title_top: f64, heading_top: f64, heading_bottom: f64) -> f64 {
    let keeps_title = (title_top - SCROLL_MARGIN).max(0.0);
    if heading_bottom - keeps_title <= view {
        (heading_bottom + SECTION_TEXT_SHOWN - view).clamp(0.0, keeps_title)
    } else {
        (heading_top - SCROLL_MARGIN).max(0.0)
    }
}

/// Scrolls the article's scroll container (not the host page, which `scrollIntoView`
/// would also move) to the section with id `anchor`.
fn scroll_to_section(body: &NodeRef, title: &NodeRef, anchor: &str) {
    let (Some(body), Some(title)) = (
        body.cast::<web_sys::Element>(),
        title.cast::<web_sys::Element>(),
    ) else {
        return;
    };
    let Ok(Some(heading)) = body.query_selector(&format!("[id=\"{}\"]", anchor.replace('"', "")))
    else {
        return;
    };
    let Ok(Some(scroller)) = body.closest(".deflect-scroll") else {
        return;
    };
    // Content coordinates: where each box is when the container is scrolled to the top.
    let origin = scroller.get_bounding_client_rect().top() + f64::from(scroller.client_top())
        - f64::from(scroller.scroll_top());
    let (title_box, heading_box) = (
        title.get_bounding_client_rect(),
        heading.get_bounding_client_rect(),
    );
    let top = section_scroll_top(
        f64::from(scroller.client_height()),
        title_box.top() - origin,
        heading_box.top() - origin,
        heading_box.bottom() - origin,
    );
    scroller.set_scroll_top(top.round() as i32);
}

/// Shows one article. Its HTML was sanitized when the pack was built (ammonia), so it
/// carries no scripts, handlers or styles; its links are checked once more here.
#[function_component(ArticleView)]
pub fn article_view(props: &ArticleViewProps) -> Html {
    // Focus moves to the title (the panel does that for every view), so screen readers
    // start reading the article at the top.
    let heading = use_node_ref();
    let body_ref = use_node_ref();
    {
        // Each article opens at its top: a link from another article keeps the scroll
        // container, and with it the old position. (Focus moves to the title as on every
        // change of view: components/view_change.rs.)
        let heading = heading.clone();
        use_effect_with(props.article.meta.id.clone(), move |_| {
            if let Some(h) = heading.cast::<web_sys::HtmlElement>() {
                if let Ok(Some(scroller)) = h.closest(".deflect-scroll") {
                    scroller.set_scroll_top(0);
                }
            }
        });
    }
    {
        // Once the body is in, bring the best-matching section into view (focus stays on
        // the title, so screen readers still start at the top).
        let (body_ref, title_ref, anchor) =
            (body_ref.clone(), heading.clone(), props.anchor.clone());
        let loaded = matches!(props.article.body, ArticleBody::Loaded(_));
        use_effect_with((loaded, anchor), move |(loaded, anchor)| {
            if let (true, Some(anchor)) = (*loaded, anchor) {
                scroll_to_section(&body_ref, &title_ref, anchor);
            }
        });
    }
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_: MouseEvent| on_back.emit(()))
    };
    let onclick = {
        let on_link = props.on_link.clone();
        Callback::from(move |e: MouseEvent| {
            let link = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("a").ok().flatten());
            if let Some(target) = link.and_then(|a| a.get_attribute("data-deflect-article")) {
                e.prevent_default();
                on_link.emit(target);
            }
        })
    };
    let meta = &props.article.meta;
    // Every link of the body is checked again before it becomes markup (article_html.rs).
    let checked = {
        let (id, body) = (meta.id.clone(), props.article.body.clone());
        use_memo(body, move |body| match body {
            ArticleBody::Loaded(html) => {
                let (html, removed) = neutralise_links(html);
                if removed > 0 {
                    platform::warn(&format!(
                        "deflect: removed {removed} links with a scheme other than http, https or mailto from article {id}"
                    ));
                }
                html
            }
            _ => String::new(),
        })
    };
    let body = match &props.article.body {
        ArticleBody::Loading => {
            html! { <p class="deflect-status" role="status">{ props.texts.loading_article }</p> }
        }
        ArticleBody::Failed(e) => {
            html! { <p class="deflect-error" role="alert">{ fill(props.texts.article_failed, &[("error", e)]) }</p> }
        }
        ArticleBody::Loaded(_) => Html::from_html_unchecked(AttrValue::from((*checked).clone())),
    };
    // Only http(s) and mailto: links to the help centre, never a script.
    let source_url = Some(meta.url.as_str()).filter(|u| !u.is_empty() && link_allowed(u));
    html! {
        <article class="deflect-article" aria-labelledby="deflect-article-title">
            <button type="button" class="deflect-back" onclick={back}>{ props.texts.back_to_results }</button>
            <h2 id="deflect-article-title" ref={heading} tabindex="-1">{ meta.title.clone() }</h2>
            if !meta.category.is_empty() {
                <p class="deflect-article-category">{ meta.category.clone() }</p>
            }
            <div ref={body_ref} class="deflect-article-body" {onclick}>{ body }</div>
            if let Some(url) = source_url {
                <p class="deflect-article-source"><a href={url.to_string()} target="_blank" rel="noopener">{ props.texts.open_in_help_centre }</a></p>
            }
        </article>
    }
}
