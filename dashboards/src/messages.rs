//! Interface messages: `dashboards/messages/{fr,ar,en}.toml`, one file per language, embedded
//! at build time (the binary runs anywhere) and looked up by dotted key (`common.suppressed`)
//! and language.
//!
//! A message may hold `{name}` placeholders, filled by [`Messages::fill`]; a placeholder left
//! without a value, or a value for no placeholder, is an error (never a `{name}` on a page).
//! The three files have the same keys and the same placeholders per key: the tests fail, naming
//! the key and the language, when one differs. Plain `{name}` substitution rather than Fluent:
//! Fluent inserts invisible isolation marks and its NUMBER() does no locale formatting in Rust;
//! numbers come formatted from [`crate::numbers`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use marsad_indicators::catalog::Unit;

use crate::error::{DashboardError, Result};
use crate::lang::Lang;

/// The message files as compiled in, per language.
const SOURCES: [(Lang, &str); 3] = [
    (Lang::Fr, include_str!("../messages/fr.toml")),
    (Lang::Ar, include_str!("../messages/ar.toml")),
    (Lang::En, include_str!("../messages/en.toml")),
];

/// Every message of every language.
#[derive(Debug, Clone)]
pub struct Messages {
    by_lang: BTreeMap<Lang, BTreeMap<String, String>>,
}

impl Messages {
    /// Parse one TOML text per language; nested tables give dotted keys.
    pub fn parse(sources: &[(Lang, &str)]) -> Result<Messages> {
        let mut by_lang = BTreeMap::new();
        for &(lang, text) in sources {
            let file = format!("{lang}.toml");
            let table: toml::Table =
                toml::from_str(text).map_err(|e| DashboardError::MessageFile {
                    file: file.clone(),
                    message: e.to_string(),
                })?;
            let mut flat = BTreeMap::new();
            flatten(&file, "", &table, &mut flat)?;
            by_lang.insert(lang, flat);
        }
        Ok(Messages { by_lang })
    }

    /// The message `key` in `lang`; an error naming both if it is missing.
    pub fn get(&self, lang: Lang, key: &str) -> Result<&str> {
        self.by_lang
            .get(&lang)
            .and_then(|m| m.get(key))
            .map(String::as_str)
            .ok_or_else(|| DashboardError::MissingMessage {
                key: key.to_string(),
                lang,
            })
    }

    /// The message `key` in `lang` with its `{name}` placeholders replaced by `args`.
    pub fn fill(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> Result<String> {
        let text = self.get(lang, key)?;
        let wanted = placeholders(text);
        let err = |message: String| DashboardError::Placeholder {
            key: key.to_string(),
            lang,
            message,
        };
        for (name, _) in args {
            if !wanted.contains(*name) {
                return Err(err(format!("no placeholder {{{name}}} in {text:?}")));
            }
        }
        let mut out = text.to_string();
        for name in &wanted {
            let value = args
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| err(format!("no value for {{{name}}}")))?;
            out = out.replace(&format!("{{{name}}}"), value);
        }
        Ok(out)
    }

    /// What differs between the languages: each (key, language) where a key of another
    /// language is missing, and each key whose placeholders differ from the French message's.
    pub fn problems(&self) -> Vec<String> {
        let all: BTreeSet<&String> = self.by_lang.values().flat_map(|m| m.keys()).collect();
        let mut out = Vec::new();
        for key in all {
            let reference = self
                .by_lang
                .get(&Lang::Fr)
                .and_then(|m| m.get(key.as_str()))
                .map(|t| placeholders(t));
            for lang in Lang::ALL {
                match self.by_lang.get(&lang).and_then(|m| m.get(key.as_str())) {
                    None => out.push(format!(
                        "message '{key}' is missing in dashboards/messages/{lang}.toml"
                    )),
                    Some(text) => {
                        if let Some(reference) = &reference {
                            let here = placeholders(text);
                            if &here != reference {
                                out.push(format!(
                                    "message '{key}' ({lang}) has placeholders {here:?}, fr has {reference:?}"
                                ));
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// The messages compiled in (parsed once).
pub fn messages() -> Result<&'static Messages> {
    static MESSAGES: OnceLock<std::result::Result<Messages, String>> = OnceLock::new();
    MESSAGES
        .get_or_init(|| Messages::parse(&SOURCES).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|message| DashboardError::MessageFile {
            file: "*.toml".to_string(),
            message: message.clone(),
        })
}

/// [`Messages::get`] on the compiled-in messages.
pub fn text(lang: Lang, key: &str) -> Result<&'static str> {
    messages()?.get(lang, key)
}

/// [`Messages::fill`] on the compiled-in messages.
pub fn fill(lang: Lang, key: &str, args: &[(&str, &str)]) -> Result<String> {
    messages()?.fill(lang, key, args)
}

/// The name of an indicator's unit (`unit.*` messages): `pour 100 000 habitants`.
pub fn unit(lang: Lang, unit: Unit) -> Result<&'static str> {
    let key = match unit {
        Unit::Count => "unit.count",
        Unit::Percent => "unit.percent",
        Unit::Per1000 => "unit.per_1000",
        Unit::Per10000 => "unit.per_10000",
        Unit::Per100000 => "unit.per_100000",
    };
    text(lang, key)
}

fn flatten(
    file: &str,
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<()> {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(file, &key, t, out)?,
            other => {
                return Err(DashboardError::MessageFile {
                    file: file.to_string(),
                    message: format!("'{key}' is a {}, not text", other.type_str()),
                })
            }
        }
    }
    Ok(())
}

/// The `{name}` placeholders of a message.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        rest = &rest[start + 1..];
        match rest.find('}') {
            Some(end) => {
                out.insert(rest[..end].to_string());
                rest = &rest[end + 1..];
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails, naming each key and language, when a message is missing in a language or its
    /// placeholders differ.
    #[test]
    fn every_key_is_in_every_language() {
        let problems = messages().unwrap().problems();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn a_missing_key_is_named_with_its_language() {
        let m = Messages::parse(&[
            (
                Lang::Fr,
                "[common]\nsuppressed = \"masqué\"\nyear = \"Année\"",
            ),
            (Lang::Ar, "[common]\nsuppressed = \"محجوب\""),
            (
                Lang::En,
                "[common]\nsuppressed = \"suppressed\"\nyear = \"Year {n}\"",
            ),
        ])
        .unwrap();
        assert_eq!(
            m.problems(),
            [
                "message 'common.year' is missing in dashboards/messages/ar.toml",
                "message 'common.year' (en) has placeholders {\"n\"}, fr has {}",
            ]
        );
        assert_eq!(
            m.get(Lang::Ar, "common.year").unwrap_err().to_string(),
            "message 'common.year' is missing in dashboards/messages/ar.toml"
        );
        let bad = Messages::parse(&[(Lang::Fr, "[common]\nyear = 2024")]).unwrap_err();
        assert_eq!(
            bad.to_string(),
            "dashboards/messages/fr.toml: 'common.year' is a integer, not text"
        );
    }

    #[test]
    fn lookup_and_placeholders() {
        assert_eq!(text(Lang::Fr, "common.suppressed").unwrap(), "masqué");
        assert_eq!(text(Lang::Ar, "common.suppressed").unwrap(), "محجوب");
        assert_eq!(text(Lang::En, "common.suppressed").unwrap(), "suppressed");
        assert_eq!(
            unit(Lang::Fr, Unit::Per100000).unwrap(),
            "pour 100.000 habitants"
        );
        assert_eq!(unit(Lang::Ar, Unit::Per100000).unwrap(), "لكل 100.000 نسمة");
        assert_eq!(unit(Lang::En, Unit::Percent).unwrap(), "%");
        assert_eq!(
            fill(Lang::Fr, "common.source", &[("source", "PMP")]).unwrap(),
            "Source\u{a0}: PMP"
        );
        assert_eq!(
            fill(Lang::Ar, "common.source", &[("source", "النيابة العامة")]).unwrap(),
            "المصدر: النيابة العامة"
        );
        assert_eq!(
            fill(Lang::En, "common.source", &[])
                .unwrap_err()
                .to_string(),
            "message 'common.source' (en): no value for {source}"
        );
        assert_eq!(
            fill(Lang::En, "common.year", &[("n", "1")])
                .unwrap_err()
                .to_string(),
            "message 'common.year' (en): no placeholder {n} in \"Year\""
        );
    }
}
