//! Numbers as the pages and charts write them, per language: the CLDR symbols of fr-MA, ar-MA
//! (digits 0–9, as Moroccan institutions print them in Arabic text) and en.
//!
//! Rounding is not done here: every figure is rounded by the one rule of
//! [`format`](marsad_indicators::warehouse::format) (half away from zero, exact for ratios) and
//! only its digits are regrouped, with [`format::thousands`]'s grouping, so a page never reads
//! differently from an export. The exact outputs (checked against ICU through Node's
//! `Intl.NumberFormat`):
//!
//! | | fr-MA | ar-MA | en |
//! |---|---|---|---|
//! | 1234567.891 | `1.234.567,891` | `1.234.567,891` | `1,234,567.891` |
//! | −1234.5 | `-1.234,5` | `U+200E -1.234,5` | `-1,234.5` |
//! | 56.3 % | `56,3 %` (no-break space) | `56,3 U+200E % U+200E` | `56.3%` |
//!
//! The marks ar-MA puts around the minus and percent signs (U+200E, left-to-right mark) keep
//! them on the number's left and right inside right-to-left text.

use marsad_indicators::observations::Observation;
use marsad_indicators::warehouse::format::{self, Rounded};

use crate::lang::Lang;

/// The CLDR number symbols of a page language.
struct Symbols {
    group: char,
    decimal: char,
    minus: &'static str,
    /// Written after the number, spacing included.
    percent: &'static str,
}

fn symbols(lang: Lang) -> Symbols {
    match lang {
        Lang::Fr => Symbols {
            group: '.',
            decimal: ',',
            minus: "-",
            percent: "\u{a0}%",
        },
        Lang::Ar => Symbols {
            group: '.',
            decimal: ',',
            minus: "\u{200e}-",
            percent: "\u{200e}%\u{200e}",
        },
        Lang::En => Symbols {
            group: ',',
            decimal: '.',
            minus: "-",
            percent: "%",
        },
    }
}

/// A rounded number in the language's symbols: `1234567.89` → `1.234.567,89` (fr, ar),
/// `1,234,567.89` (en).
pub fn rounded(lang: Lang, r: Rounded) -> String {
    let s = symbols(lang);
    // `Rounded` displays as plain `-1234567.89`: regroup its digits, never re-round them.
    let plain = r.to_string();
    let (negative, digits) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let grouped = match int.parse::<i128>() {
        Ok(n) => format::thousands(n).replace(',', &s.group.to_string()),
        // Unreachable: `Rounded` holds an i128 of units.
        Err(_) => int.to_string(),
    };
    let mut out = String::with_capacity(plain.len() + 8);
    if negative {
        out.push_str(s.minus);
    }
    out.push_str(&grouped);
    if !frac.is_empty() {
        out.push(s.decimal);
        out.push_str(frac);
    }
    out
}

/// `value` rounded to `decimals` by the one rule, in the language's symbols; `None` if it is
/// not finite.
pub fn number(lang: Lang, value: f64, decimals: u32) -> Option<String> {
    format::round(value, decimals).map(|r| rounded(lang, r))
}

/// A value already in percent (`56.3` for 56.3 %) with the language's percent sign.
pub fn percent(lang: Lang, value: f64, decimals: u32) -> Option<String> {
    number(lang, value, decimals).map(|n| format!("{n}{}", symbols(lang).percent))
}

/// `part` as a percentage of `whole` (exact, by [`format::percent`]), with the percent sign:
/// `share(Fr, 36, 64, 1)` is `56,3 %`. `None` when `whole` is 0.
pub fn share(lang: Lang, part: u64, whole: u64, decimals: u32) -> Option<String> {
    format::percent(part, whole, decimals)
        .map(|r| format!("{}{}", rounded(lang, r), symbols(lang).percent))
}

/// An observation's value as published (rounded from its numerator and denominator when it is
/// a ratio, see [`Observation::rounded`]); `None` when it has no value (missing or
/// suppressed: the caller says which, see `charts::Cell`).
pub fn observation(lang: Lang, obs: &Observation) -> Option<String> {
    obs.rounded().map(|r| rounded(lang, r))
}

/// An axis tick label: the shortest of 0–6 decimals that writes the tick exactly, so plotters'
/// `350.0` reads `350` and `500000.0` reads `500.000` (fr) — never a trailing `.0`. Years are
/// not ticks of this kind (they are never grouped: see `charts`).
pub fn tick(lang: Lang, value: f64) -> String {
    let decimals = (0..=6u32)
        .find(|&d| {
            let scaled = value * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(6);
    number(lang, value, decimals).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LRM: &str = "\u{200e}";

    /// The exact outputs per locale (ICU 74 through Node's `Intl.NumberFormat` gives the same).
    #[test]
    fn number_table_per_locale() {
        let cases: &[(f64, u32, &str, &str, &str)] = &[
            // value, decimals, fr-MA, ar-MA, en
            (
                1234567.891,
                3,
                "1.234.567,891",
                "1.234.567,891",
                "1,234,567.891",
            ),
            (
                1234567.891,
                2,
                "1.234.567,89",
                "1.234.567,89",
                "1,234,567.89",
            ),
            (1234.5, 2, "1.234,50", "1.234,50", "1,234.50"),
            (999.0, 0, "999", "999", "999"),
            (1000.0, 0, "1.000", "1.000", "1,000"),
            (500000.0, 0, "500.000", "500.000", "500,000"),
            (36210368.0, 0, "36.210.368", "36.210.368", "36,210,368"),
            (0.05, 2, "0,05", "0,05", "0.05"),
            (0.0, 1, "0,0", "0,0", "0.0"),
            // The one rounding rule: half away from zero from the printed digits.
            (2.675, 2, "2,68", "2,68", "2.68"),
            (56.25, 1, "56,3", "56,3", "56.3"),
        ];
        for &(v, d, fr, ar, en) in cases {
            assert_eq!(number(Lang::Fr, v, d).unwrap(), fr, "fr {v} {d}");
            assert_eq!(number(Lang::Ar, v, d).unwrap(), ar, "ar {v} {d}");
            assert_eq!(number(Lang::En, v, d).unwrap(), en, "en {v} {d}");
        }
    }

    #[test]
    fn negatives_and_percentages() {
        assert_eq!(number(Lang::Fr, -1234.5, 1).unwrap(), "-1.234,5");
        assert_eq!(
            number(Lang::Ar, -1234.5, 1).unwrap(),
            format!("{LRM}-1.234,5")
        );
        assert_eq!(number(Lang::En, -1234.5, 1).unwrap(), "-1,234.5");
        // -0.125 rounds away from zero; -0.001 to 2 decimals has no sign.
        assert_eq!(number(Lang::Fr, -0.125, 2).unwrap(), "-0,13");
        assert_eq!(number(Lang::En, -0.001, 2).unwrap(), "0.00");
        assert_eq!(percent(Lang::Fr, 56.3, 1).unwrap(), "56,3\u{a0}%");
        assert_eq!(
            percent(Lang::Ar, 56.3, 1).unwrap(),
            format!("56,3{LRM}%{LRM}")
        );
        assert_eq!(percent(Lang::En, 1234.5, 1).unwrap(), "1,234.5%");
        // 36/64 = 56.25 %: exact, so 56.3 (a float division would print 56.2 with `{:.1}`).
        assert_eq!(share(Lang::Fr, 36, 64, 1).unwrap(), "56,3\u{a0}%");
        assert_eq!(share(Lang::En, 23, 80, 1).unwrap(), "28.8%");
        assert_eq!(share(Lang::En, 1, 0, 1), None);
        assert_eq!(number(Lang::Fr, f64::NAN, 1), None);
    }

    #[test]
    fn tick_labels_never_print_a_trailing_zero_decimal() {
        assert_eq!(tick(Lang::Fr, 350.0), "350");
        assert_eq!(tick(Lang::En, 350.0), "350");
        assert_eq!(tick(Lang::Fr, 500000.0), "500.000");
        assert_eq!(tick(Lang::Ar, 1500000.0), "1.500.000");
        assert_eq!(tick(Lang::En, 1500000.0), "1,500,000");
        assert_eq!(tick(Lang::Fr, 0.0), "0");
        assert_eq!(tick(Lang::Fr, 2.5), "2,5");
        // The float steps plotters adds up (0.1 + 0.2) still read as the tick they are.
        assert_eq!(tick(Lang::En, 0.1 + 0.2), "0.3");
        assert_eq!(tick(Lang::Fr, 0.25), "0,25");
    }
}
