//! Words that mean the same in every feed, listed once: yes and no, and the labels of a total
//! row or an "all" cell. Compared after [`fold`] (case, accents, Arabic diacritics, spacing), in
//! French, Arabic and English. A feed may accept words of its own on top (NCMEC's
//! `Actionable`), never fewer.

use super::headers::fold;

/// Words for yes.
pub const YES: &[&str] = &["oui", "o", "yes", "y", "true", "vrai", "1", "نعم"];
/// Words for no.
pub const NO: &[&str] = &["non", "n", "no", "false", "faux", "0", "لا"];

/// Yes/no in French, English, Arabic, or as true/false, 1/0; blank → `None` (null: not said,
/// which is not "no"); anything else is an error naming the words accepted.
pub fn parse_yes_no(cell: &str) -> Result<Option<bool>, String> {
    let folded = fold(cell);
    if folded.is_empty() {
        return Ok(None);
    }
    if YES.iter().any(|w| fold(w) == folded) {
        Ok(Some(true))
    } else if NO.iter().any(|w| fold(w) == folded) {
        Ok(Some(false))
    } else {
        Err(format!(
            "`{}` is not yes or no (oui/non, yes/no, نعم/لا, true/false, 1/0)",
            cell.trim()
        ))
    }
}

/// Labels of a total row (a year column, a country column) or of an "all" cell (a sex or an
/// age column): the SDMX total code and the words agencies print.
pub const TOTALS: &[&str] = &[
    "_T",
    "T",
    "Total",
    "Totals",
    "Totaux",
    "Grand total",
    "Total général",
    "Ensemble",
    "All",
    "Tous âges",
    "Tous les âges",
    "All ages",
    "Les deux sexes",
    "Deux sexes",
    "Both sexes",
    "Total reports",
    "World total",
    "Total all countries",
    "All countries",
    "المجموع",
    "مجموع",
    "المجموع العام",
    "الجميع",
    "الجنسين",
    "كلا الجنسين",
];

/// Whether `cell` is a total label ([`TOTALS`]).
pub fn is_total(cell: &str) -> bool {
    let folded = fold(cell);
    !folded.is_empty() && TOTALS.iter().any(|t| fold(t) == folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_no_blank_is_null() {
        assert_eq!(parse_yes_no("Oui"), Ok(Some(true)));
        assert_eq!(parse_yes_no(" YES "), Ok(Some(true)));
        assert_eq!(parse_yes_no("نعم"), Ok(Some(true)));
        assert_eq!(parse_yes_no("0"), Ok(Some(false)));
        assert_eq!(parse_yes_no("Non"), Ok(Some(false)));
        assert_eq!(parse_yes_no(""), Ok(None));
        assert_eq!(parse_yes_no("  "), Ok(None));
        assert!(parse_yes_no("maybe")
            .unwrap_err()
            .contains("`maybe` is not yes or no"));
    }

    #[test]
    fn totals_in_three_languages() {
        for t in [
            "Total",
            "TOTAL",
            "total:",
            "Grand Total",
            "Ensemble",
            "المجموع",
            "Both sexes",
            "_T",
        ] {
            assert!(is_total(t), "{t}");
        }
        for t in ["", "Morocco", "2023", "Femmes", "0-4"] {
            assert!(!is_total(t), "{t}");
        }
    }
}
