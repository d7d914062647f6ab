//! The article view: the sanitized article body, a way back, and links between articles.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{fill, Texts};
use crate::state::{ArticleBody, OpenArticle};

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

/// Shows one article. Its HTML was sanitized when the pack was built (ammonia), so it
/// carries no scripts, handlers or styles.
#[function_component(ArticleView)]
pub fn article_view(props: &ArticleViewProps) -> Html {
    // Focus moves to the title (the panel does that for every view), so screen readers
    // start reading the article at the top.
    let body_ref = use_node_ref();
    {
        // Once the body is in, bring the best-matching section into view (focus stays on
        // the title, so screen readers still start at the top).
        let (body_ref, anchor) = (body_ref.clone(), props.anchor.clone());
        let loaded = matches!(props.article.body, ArticleBody::Loaded(_));
        use_effect_with((loaded, anchor), move |(loaded, anchor)| {
            if let (true, Some(anchor), Some(body)) =
                (*loaded, anchor, body_ref.cast::<web_sys::Element>())
            {
                if let Ok(Some(section)) =
                    body.query_selector(&format!("[id=\"{}\"]", anchor.replace('"', "")))
                {
                    section.scroll_into_view();
                }
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
    let body = match &props.article.body {
        ArticleBody::Loading => {
            html! { <p class="deflect-status" role="status">{ props.texts.loading_article }</p> }
        }
        ArticleBody::Failed(e) => {
            html! { <p class="deflect-error" role="alert">{ fill(props.texts.article_failed, &[("error", e)]) }</p> }
        }
        ArticleBody::Loaded(html) => Html::from_html_unchecked(AttrValue::from(html.to_string())),
    };
    html! {
        <article class="deflect-article" aria-labelledby="deflect-article-title">
            <button type="button" class="deflect-back" onclick={back}>{ props.texts.back_to_results }</button>
            <h2 id="deflect-article-title" tabindex="-1">{ meta.title.clone() }</h2>
            if !meta.category.is_empty() {
                <p class="deflect-article-category">{ meta.category.clone() }</p>
            }
            <div ref={body_ref} class="deflect-article-body" {onclick}>{ body }</div>
            if !meta.url.is_empty() {
                <p class="deflect-article-source"><a href={meta.url.clone()} target="_blank" rel="noopener">{ props.texts.open_in_help_centre }</a></p>
            }
        </article>
    }
}
