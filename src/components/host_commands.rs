//! The bridge from the host page: `Deflect(…)` calls arrive from the loader as
//! `deflect:command` events on the host element; the widget announces `deflect:ready` once
//! it listens, so the loader replays queued calls only then.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::command::Command;
use crate::platform;

/// Listens for the host page's commands for the component's lifetime. `on_command` may
/// change on every render; the latest one always handles the command.
#[hook]
pub fn use_host_commands(root: &web_sys::Element, on_command: Callback<Command>) {
    let latest: Rc<RefCell<Callback<Command>>> = use_mut_ref(|| on_command.clone());
    *latest.borrow_mut() = on_command;
    let root = root.clone();
    use_effect_with((), move |_| {
        let listener = EventListener::new(&root, "deflect:command", move |e| {
            let Some(e) = e.dyn_ref::<web_sys::CustomEvent>() else {
                return;
            };
            let detail = e.detail();
            let field = |name: &str| js_sys::Reflect::get(&detail, &name.into()).ok();
            let name = field("name")
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let args = field("args")
                .and_then(|v| js_sys::JSON::stringify(&v).ok())
                .and_then(|s| s.as_string())
                .unwrap_or_else(|| "[]".into());
            match Command::parse(&name, &args) {
                Ok(command) => latest.borrow().emit(command),
                Err(e) => platform::warn(&format!("deflect: {e}")),
            }
        });
        platform::dispatch(&root, "ready", &serde_json::Value::Null);
        move || drop(listener)
    });
}
