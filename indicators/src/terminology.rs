//! Terminology: the terms the Luxembourg Guidelines discourage and those they prefer, in fr, ar
//! and en (the data file `indicators/terminology.toml`, with its source), and the check of every
//! text of an indicator against them. `marsad indicators check` reports what [`check`] finds and
//! approval refuses an indicator that carries a flagged term ([`crate::approval`]).
//!
//! A label of an international classification that uses a discouraged term may be quoted as a
//! **mark**, `{ICCS 030221 "Child pornography"}`: the label must be the classification's own
//! (`marsad_model::codes::iccs`), the mark is not flagged, and [`render`] shows it with the
//! preferred term beside it. Anything else that opens like a mark but is not one is flagged.

use std::sync::OnceLock;

use marsad_model::codes::iccs;
use serde::Deserialize;

use crate::catalog::{Indicator, Text, LANGUAGES};
use crate::error::{IndicatorError, Result};

/// The data file, embedded.
const TERMS_FILE: &str = include_str!("../terminology.toml");
const TERMS_PATH: &str = "indicators/terminology.toml";

/// How a quoted classification label opens.
const MARK_OPEN: &str = "{ICCS ";

/// The term list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terminology {
    /// Where the terms come from.
    pub source: String,
    pub terms: Vec<Term>,
}

/// One concept: its discouraged terms and its preferred term, per language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub concept: String,
    pub guideline: String,
    pub discouraged: Discouraged,
    pub preferred: Text,
}

/// Discouraged terms, per language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discouraged {
    pub fr: Vec<String>,
    pub ar: Vec<String>,
    pub en: Vec<String>,
}

impl Discouraged {
    fn get(&self, lang: &str) -> &[String] {
        match lang {
            "fr" => &self.fr,
            "ar" => &self.ar,
            _ => &self.en,
        }
    }
}

/// One discouraged term found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Which text: `name`, `definition`, `caveats[0]`…
    pub field: String,
    pub lang: &'static str,
    /// The term of the list that matched, and the text as written there.
    pub term: String,
    pub found: String,
    /// The preferred term in the same language.
    pub preferred: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.preferred.is_empty() {
            // A malformed or unknown classification mark: `term` says what is wrong.
            write!(f, "{} ({}): {}", self.field, self.lang, self.term)
        } else {
            write!(
                f,
                "{} ({}): discouraged term \"{}\"; use \"{}\" (Luxembourg Guidelines)",
                self.field, self.lang, self.found, self.preferred
            )
        }
    }
}

impl Terminology {
    /// The list built into the binary (`indicators/terminology.toml`).
    pub fn embedded() -> Result<&'static Terminology> {
        static TERMS: OnceLock<std::result::Result<Terminology, String>> = OnceLock::new();
        TERMS
            .get_or_init(|| Terminology::parse(TERMS_FILE).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| IndicatorError::catalogue(TERMS_PATH, e.clone()))
    }

    /// Parse a term list; every concept needs terms and a preferred term in each language.
    pub fn parse(text: &str) -> Result<Terminology> {
        let t: Terminology = toml::from_str(text)
            .map_err(|e| IndicatorError::catalogue(TERMS_PATH, e.to_string()))?;
        for term in &t.terms {
            for lang in LANGUAGES {
                let list = term.discouraged.get(lang);
                if list.is_empty() || list.iter().any(|d| d.trim().is_empty()) {
                    return Err(IndicatorError::catalogue(
                        TERMS_PATH,
                        format!(
                            "{}: no discouraged term in `{lang}`, or an empty one",
                            term.concept
                        ),
                    ));
                }
            }
            if !term.preferred.missing().is_empty() {
                return Err(IndicatorError::catalogue(
                    TERMS_PATH,
                    format!(
                        "{}: no preferred term in {}",
                        term.concept,
                        term.preferred.missing().join(", ")
                    ),
                ));
            }
        }
        Ok(t)
    }

    /// The discouraged terms in `text` (written in `lang`), outside classification marks, and
    /// the marks that are not well formed; `field` names the text in the findings.
    pub fn scan(&self, field: &str, lang: &'static str, text: &str) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut plain = String::new();
        for piece in pieces(text) {
            match piece {
                Piece::Plain(p) => plain.push_str(p),
                Piece::Mark { .. } => plain.push(' '),
                Piece::BadMark(problem) => {
                    plain.push(' ');
                    findings.push(Finding {
                        field: field.to_string(),
                        lang,
                        term: problem,
                        found: String::new(),
                        preferred: String::new(),
                    });
                }
            }
        }
        let lower = plain.to_lowercase();
        // Longest terms first, so "child pornography" is reported rather than "child porn";
        // a span already reported is not reported again.
        let mut candidates: Vec<(&Term, &String)> = self
            .terms
            .iter()
            .flat_map(|t| t.discouraged.get(lang).iter().map(move |d| (t, d)))
            .collect();
        candidates.sort_by_key(|(_, d)| std::cmp::Reverse(d.chars().count()));
        let mut taken: Vec<(usize, usize)> = Vec::new();
        let mut found: Vec<(usize, Finding)> = Vec::new();
        for (term, d) in candidates {
            let needle = d.to_lowercase();
            for (start, _) in lower.match_indices(&needle) {
                let end = start + needle.len();
                let at_word_start = lower[..start]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric());
                if !at_word_start || taken.iter().any(|&(s, e)| start < e && s < end) {
                    continue;
                }
                // Report the word as written, to its end ("child pornographic").
                let word_end = lower[end..]
                    .char_indices()
                    .find(|(_, c)| !c.is_alphanumeric())
                    .map_or(lower.len(), |(i, _)| end + i);
                taken.push((start, word_end));
                found.push((
                    start,
                    Finding {
                        field: field.to_string(),
                        lang,
                        term: d.clone(),
                        found: lower[start..word_end].to_string(),
                        preferred: term.preferred.get(lang).to_string(),
                    },
                ));
            }
        }
        // In the order of the text.
        found.sort_by_key(|(start, _)| *start);
        findings.extend(found.into_iter().map(|(_, f)| f));
        findings
    }

    /// The preferred term, in `lang`, for the first discouraged English term in `label`.
    fn preferred_for_label(&self, label: &str, lang: &str) -> Option<&str> {
        let lower = label.to_lowercase();
        self.terms
            .iter()
            .find(|t| {
                t.discouraged
                    .en
                    .iter()
                    .any(|d| lower.contains(&d.to_lowercase()))
            })
            .map(|t| t.preferred.get(lang))
    }
}

/// A text cut into plain text and classification marks.
enum Piece<'a> {
    Plain(&'a str),
    Mark { code: &'a str, label: &'a str },
    BadMark(String),
}

/// Cut `text` at its marks: `{ICCS <code> "<label>"}` with a code of the crosswalk's list and
/// its official label; what opens like a mark and is not one is a `BadMark`.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARK_OPEN) {
        out.push(Piece::Plain(&rest[..at]));
        let after = &rest[at + MARK_OPEN.len()..];
        let Some(close) = after.find('}') else {
            out.push(Piece::BadMark(format!(
                "classification mark `{}` is not closed by `}}`",
                &rest[at..]
            )));
            return out;
        };
        let inner = &after[..close];
        rest = &after[close + 1..];
        let parsed = inner.split_once(' ').and_then(|(code, quoted)| {
            let label = quoted.strip_prefix('"')?.strip_suffix('"')?;
            Some((code, label))
        });
        out.push(match parsed {
            Some((code, label)) => match iccs::label(code) {
                Some(official) if official == label => Piece::Mark { code, label },
                Some(official) => Piece::BadMark(format!(
                    "classification mark {{ICCS {inner}}}: the label of ICCS {code} is \"{official}\""
                )),
                None => Piece::BadMark(format!(
                    "classification mark {{ICCS {inner}}}: ICCS {code} is not in model/src/codes/iccs.rs"
                )),
            },
            None => Piece::BadMark(format!(
                "classification mark {{ICCS {inner}}}: write {{ICCS <code> \"<label>\"}}"
            )),
        });
    }
    out.push(Piece::Plain(rest));
    out
}

/// `text` (in `lang`) as shown to readers: each classification mark becomes the quoted label
/// with the preferred term beside it, e.g. `ICCS 030221 "Child pornography" (preferred term:
/// child sexual abuse material)`. A mark that is not well formed is left as written.
pub fn render(terms: &Terminology, text: &str, lang: &str) -> String {
    let mut out = String::new();
    for piece in pieces(text) {
        match piece {
            Piece::Plain(p) => out.push_str(p),
            // Left as written, where the check flags it.
            Piece::BadMark(_) => return text.to_string(),
            Piece::Mark { code, label } => {
                let (open, close, preferred_word) = match lang {
                    "fr" => ("« ", " »", "terme recommandé : "),
                    "ar" => ("«", "»", "المصطلح الموصى به: "),
                    _ => ("\"", "\"", "preferred term: "),
                };
                let classification = if lang == "fr" { "CICS" } else { "ICCS" };
                out.push_str(&format!("{classification} {code} {open}{label}{close}"));
                if let Some(preferred) = terms.preferred_for_label(label, lang) {
                    out.push_str(&format!(" ({preferred_word}{preferred})"));
                }
            }
        }
    }
    out
}

/// [`render`] in each language of `text`.
pub fn render_text(terms: &Terminology, text: &Text) -> Text {
    Text {
        fr: render(terms, &text.fr, "fr"),
        ar: render(terms, &text.ar, "ar"),
        en: render(terms, &text.en, "en"),
    }
}

/// Every text of an indicator a reader sees, by field name: name, definition, notes,
/// numerator, denominator, unit label and each of its own caveats.
pub fn texts(ind: &Indicator) -> Vec<(String, &Text)> {
    let d = &ind.def;
    let mut out: Vec<(String, &Text)> = vec![
        ("name".into(), &d.name),
        ("definition".into(), &d.definition),
    ];
    for (field, text) in [
        ("notes", &d.notes),
        ("numerator", &d.numerator),
        ("denominator", &d.denominator),
        ("unit_label", &d.unit_label),
    ] {
        if let Some(t) = text {
            out.push((field.into(), t));
        }
    }
    for (i, c) in d.caveats.iter().enumerate() {
        out.push((format!("caveats[{i}]"), &c.text));
    }
    out
}

/// The discouraged terms in every text of `ind`, in each language.
pub fn check(terms: &Terminology, ind: &Indicator) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (field, text) in texts(ind) {
        for (lang, t) in text.by_language() {
            findings.extend(terms.scan(&field, lang, t));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn terms() -> &'static Terminology {
        Terminology::embedded().unwrap()
    }

    #[test]
    fn the_term_list_parses_and_names_its_source() {
        let t = terms();
        assert!(
            t.source.starts_with("Interagency Working Group"),
            "{}",
            t.source
        );
        assert_eq!(t.terms.len(), 3);
        assert_eq!(t.terms[0].preferred.en, "child sexual abuse material");
    }

    #[test]
    fn a_planted_term_is_flagged_in_each_language_with_the_preferred_term() {
        let found = terms().scan(
            "definition",
            "fr",
            "Nombre de contenus pédopornographiques signalés.",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].to_string(),
            "definition (fr): discouraged term \"pédopornographiques\"; use \"matériel d'abus sexuel sur enfants\" (Luxembourg Guidelines)"
        );
        let found = terms().scan("name", "ar", "عدد قضايا بغاء الأطفال المسجلة");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].to_string(),
            "name (ar): discouraged term \"بغاء الأطفال\"; use \"الاستغلال الجنسي للأطفال\" (Luxembourg Guidelines)"
        );
        let found = terms().scan(
            "caveats[0]",
            "en",
            "Reports of Child Pornography and child prostitution.",
        );
        assert_eq!(
            found.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            [
                "caveats[0] (en): discouraged term \"child pornography\"; use \"child sexual abuse material\" (Luxembourg Guidelines)",
                "caveats[0] (en): discouraged term \"child prostitution\"; use \"sexual exploitation of children\" (Luxembourg Guidelines)",
            ]
        );
        // Not inside another word, nor a term of another language.
        assert_eq!(
            terms().scan("name", "en", "Grandchild pornography").len(),
            0
        );
        assert_eq!(terms().scan("name", "fr", "child pornography").len(), 0);
    }

    #[test]
    fn a_quoted_iccs_label_is_allowed_and_shown_with_the_preferred_term() {
        let text = "Cases classified as {ICCS 030221 \"Child pornography\"}.";
        assert_eq!(terms().scan("definition", "en", text), vec![]);
        assert_eq!(
            render(terms(), text, "en"),
            "Cases classified as ICCS 030221 \"Child pornography\" (preferred term: child sexual abuse material)."
        );
        assert_eq!(
            render(terms(), "Affaires classées {ICCS 030221 \"Child pornography\"}.", "fr"),
            "Affaires classées CICS 030221 « Child pornography » (terme recommandé : matériel d'abus sexuel sur enfants)."
        );
        assert_eq!(
            render(
                terms(),
                "{ICCS 030223 \"Sexual grooming of children\"}",
                "en"
            ),
            "ICCS 030223 \"Sexual grooming of children\""
        );
        // A mark with another label, an unknown code or no quotes is flagged.
        let bad = terms().scan("definition", "en", "{ICCS 030221 \"Child porn\"} and more");
        assert_eq!(
            bad.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            ["definition (en): classification mark {ICCS 030221 \"Child porn\"}: the label of ICCS 030221 is \"Child pornography\""]
        );
        let bad = terms().scan("name", "en", "{ICCS 999999 \"Child pornography\"}");
        assert!(
            bad[0]
                .to_string()
                .ends_with("ICCS 999999 is not in model/src/codes/iccs.rs"),
            "{}",
            bad[0]
        );
        let bad = terms().scan("name", "en", "{ICCS 030221 child pornography}");
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(
            bad[0]
                .to_string()
                .ends_with("write {ICCS <code> \"<label>\"}"),
            "{}",
            bad[0]
        );
        // Text outside the mark is still checked.
        let found = terms().scan(
            "name",
            "en",
            "{ICCS 030221 \"Child pornography\"}, i.e. child porn",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].found, "child porn");
    }

    #[test]
    fn the_shipped_catalogue_and_the_source_caveats_use_no_discouraged_term() {
        let catalog = Catalog::embedded().unwrap();
        for ind in &catalog.indicators {
            assert_eq!(check(terms(), ind), vec![], "{}", ind.id());
            for c in ind.caveats() {
                for (lang, t) in c.text.by_language() {
                    assert_eq!(terms().scan("caveat", lang, t), vec![], "{}", ind.id());
                }
            }
        }
    }
}
