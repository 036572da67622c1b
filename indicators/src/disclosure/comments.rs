//! Free-text comments of public outputs: a withheld cell says why, and a comment that states a
//! figure hidden by suppression is replaced.

use super::*;

/// The comment a public output shows for `o` (already masked): a withheld cell shows why; a
/// comment that states a figure hidden by suppression in `hidden` is replaced.
pub fn public_comment(o: &Observation, hidden: &[f64]) -> Option<String> {
    if o.conf_status == WITHHELD {
        let reason = [WITHHELD_UNRECONCILED, WITHHELD_UNSAFE]
            .into_iter()
            .find(|r| o.obs_comment.as_deref().is_some_and(|c| c.starts_with(r)))
            .unwrap_or(WITHHELD_UNSAFE);
        return Some(reason.to_string());
    }
    let comment = o.obs_comment.as_deref()?;
    if numbers_in(comment)
        .iter()
        .any(|n| hidden.iter().any(|h| (n - h).abs() < 1e-9))
    {
        return Some(COMMENT_WITHHELD.to_string());
    }
    Some(comment.to_string())
}

/// The figures a suppressed observation hides (unmasked): value (as computed and as it would
/// be published), numerator, denominator. Empty for a published one.
pub fn hidden_figures(o: &Observation) -> Vec<f64> {
    if !o.is_suppressed() {
        return Vec::new();
    }
    [o.value, o.rounded_value(), o.numerator, o.denominator]
        .into_iter()
        .flatten()
        .collect()
}

/// Every number written in a text (digits, with a decimal point or comma inside).
pub fn numbers_in(text: &str) -> Vec<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|t| t.trim_matches(|c| c == '.' || c == ','))
        .filter(|t| !t.is_empty())
        .flat_map(|t| {
            // `1,227` may be a thousands separator or a decimal comma: consider both.
            [t.replace(',', ""), t.replace(',', ".")]
        })
        .filter_map(|t| t.parse::<f64>().ok())
        .collect()
}
