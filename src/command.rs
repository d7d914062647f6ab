//! The host page's commands (`Deflect('open')`, `Deflect('search', q)`, …), as the loader
//! forwards them: a name and JSON arguments. Parsing is plain Rust, tested natively; a bad
//! call is reported on the console and ignored, never thrown into the host page.

use serde::Deserialize;

use crate::settings::Identity;

/// Contextual hints from the host page: what the customer is looking at.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct PageContext {
    /// Words that describe the page (`["invoices", "export"]`); suggestions are searched
    /// with them until the customer types.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The page's URL, if it differs from `location.href` (single-page apps).
    #[serde(default)]
    pub url: Option<String>,
}

/// A command from the host page.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open the panel.
    Open,
    /// Close it.
    Close,
    /// Open it and search for this text.
    Search(String),
    /// Describe the page for contextual suggestions.
    SetContext(PageContext),
    /// Tell the widget who the customer is.
    Identify(Identity),
    /// The customer signed out: forget every personal trace (`storage_keys::forget_all`).
    Reset,
}

impl Command {
    /// Parses `name` with `args` (a JSON array of the call's remaining arguments).
    pub fn parse(name: &str, args: &str) -> Result<Command, String> {
        let args: Vec<serde_json::Value> =
            serde_json::from_str(args).map_err(|e| format!("Deflect('{name}'): {e}"))?;
        let first = args.first().cloned().unwrap_or(serde_json::Value::Null);
        let arg = |what: &str| -> Result<serde_json::Value, String> {
            if first.is_null() {
                Err(format!("Deflect('{name}', …) needs {what}"))
            } else {
                Ok(first.clone())
            }
        };
        match name {
            "open" => Ok(Command::Open),
            "close" => Ok(Command::Close),
            "reset" => Ok(Command::Reset),
            "search" => match arg("the text to search for")? {
                serde_json::Value::String(q) => Ok(Command::Search(q)),
                other => Err(format!("Deflect('search', …) needs a string, not {other}")),
            },
            "setContext" => serde_json::from_value(arg("{ tags, url }")?)
                .map(Command::SetContext)
                .map_err(|e| format!("Deflect('setContext', …): {e}")),
            "identify" => serde_json::from_value(arg("{ name, email, user_id, plan, signature }")?)
                .map(Command::Identify)
                .map_err(|e| format!("Deflect('identify', …): {e}")),
            other => Err(format!(
                "Deflect('{other}') is not a command (open, close, search, setContext, identify, reset, on)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_from_the_loaders_json() {
        assert_eq!(Command::parse("open", "[]"), Ok(Command::Open));
        assert_eq!(Command::parse("reset", "[]"), Ok(Command::Reset));
        assert_eq!(
            Command::parse("search", r#"["export csv"]"#),
            Ok(Command::Search("export csv".into()))
        );
        assert_eq!(
            Command::parse("setContext", r#"[{"tags":["invoices"]}]"#),
            Ok(Command::SetContext(PageContext {
                tags: vec!["invoices".into()],
                url: None
            }))
        );
        let Ok(Command::Identify(who)) =
            Command::parse("identify", r#"[{"email":"a@example.com","plan":"team"}]"#)
        else {
            panic!("identify did not parse");
        };
        assert_eq!(who.plan.as_deref(), Some("team"));
        let signed = format!(
            r#"[{{"email":"a@example.com","user_id":"u-1","signature":"{}"}}]"#,
            "0f".repeat(32)
        );
        let Ok(Command::Identify(who)) = Command::parse("identify", &signed) else {
            panic!("a signed identify did not parse");
        };
        assert_eq!(who.signature, Some("0f".repeat(32)));
    }

    #[test]
    fn bad_calls_say_what_is_wrong() {
        assert!(Command::parse("serch", "[]")
            .unwrap_err()
            .contains("not a command"));
        assert!(Command::parse("search", "[]")
            .unwrap_err()
            .contains("needs"));
        assert!(Command::parse("search", "[42]")
            .unwrap_err()
            .contains("string"));
        assert!(Command::parse("setContext", r#"[{"tags":"x"}]"#).is_err());
        let e = Command::parse("identify", r#"[{"email":"a@b.co","signature":"not-hex"}]"#)
            .unwrap_err();
        assert!(e.contains("identify") && e.contains("signature"), "{e}");
    }
}
