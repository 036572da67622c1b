//! The overview: the latest headline figure of each source (PMP cases, EMC reports, NCMEC
//! reports for Morocco, SDG 16.2.3), its change on the previous year, a sparkline and what the
//! figure does not say, in one sentence: its catalogue caveat, in the page's language.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use maud::{html, Markup, PreEscaped};

use marsad_indicators::catalog::{Caveat, Unit};
use marsad_indicators::Indicator;

use super::figures::{self, data, text_of, year};
use super::{Selection, Site};
use crate::charts::Cell;
use crate::error::Result;
use crate::lang::Lang;
use crate::messages::{fill, text};
use crate::numbers;

/// The headline indicators, one per source.
pub const HEADLINES: [&str; 4] = [
    "PMP_AESE_CASES",
    "EMC_REPORTS",
    "NCMEC_MA_REPORTS",
    "SDG_16_2_3",
];

pub fn render(site: &Site, lang: Lang) -> Result<Markup> {
    let mut cards = Vec::new();
    for id in HEADLINES {
        if let Some(card) = card(site, lang, id)? {
            cards.push(card);
        }
    }
    Ok(html! {
        h1 { (text(lang, "nav.overview")?) }
        p class="lead" { (text(lang, "overview.intro")?) }
        div class="cards" { @for c in cards { (c) } }
        p { (text(lang, "overview.more")?) }
    })
}

fn card(site: &Site, lang: Lang, id: &str) -> Result<Option<Markup>> {
    let Ok(ind) = site.catalog.get(id) else {
        return Ok(None);
    };
    let d = data(site, ind, None, &Selection::default());
    let series: Vec<(i32, Cell)> = d
        .rows
        .iter()
        .filter_map(|(p, cells)| Some((year(p)?, Cell::of(cells.get("")?))))
        .collect();
    let Some((period, cells)) = d.rows.iter().next_back() else {
        return Ok(None);
    };
    let latest = cells.get("").copied();
    let value = figures::cell(lang, latest)?;
    // A break year does not compare with the year before: no change across it, and the
    // sparkline is not joined across it (as the indicator's chart).
    let breaks = figures::breaks(ind, d.rows.values().flat_map(|r| r.values().copied()));
    let change = change(lang, ind.def.unit, ind.def.decimals, &series, &breaks)?;
    let unit = figures::unit(lang, ind)?;
    Ok(Some(html! {
        article class="card" {
            h2 { a href={ "indicators/" (id) ".html" } { (text_of(&ind.def.name, lang)) } }
            table class="headline" {
                tr { th scope="row" { bdi { (period) } } (value) }
            }
            p class="unit" { (text(lang, "common.unit")?) " " (unit) }
            @if let Some(c) = change { p class="change" { (c) } }
            (sparkline(&series, &breaks))
            @if let Some(c) = caveat(ind, period) { p class="caveat" { (text_of(&c.text, lang)) } }
        }
    }))
}

/// What the headline figure does not say, in one sentence: the first catalogue caveat that
/// concerns its period (the indicator's own `[[caveats]]` first, then its sources').
fn caveat(ind: &Indicator, period: &str) -> Option<Caveat> {
    ind.caveats_for(period).into_iter().next()
}

/// The change of the last year on the year before, when both are published and the last year
/// is no break in the series: in percent for counts, in points for percentages, in the unit for
/// rates.
fn change(
    lang: Lang,
    unit: Unit,
    decimals: u32,
    series: &[(i32, Cell)],
    breaks: &BTreeSet<i32>,
) -> Result<Option<String>> {
    let [.., (y0, Cell::Value(v0)), (y1, Cell::Value(v1))] = series else {
        return Ok(None);
    };
    if y1 - y0 != 1 || breaks.contains(y1) {
        return Ok(None);
    }
    let signed = |d: f64, decimals: u32| -> String {
        let n = numbers::number(lang, d.abs(), decimals).unwrap_or_default();
        let sign = if d > 0.0 {
            "+"
        } else if d < 0.0 {
            "−"
        } else {
            ""
        };
        // In Arabic text a left-to-right mark keeps the sign on the number's left, as
        // `numbers` does for ar-MA.
        let mark = if lang == Lang::Ar && !sign.is_empty() {
            "\u{200e}"
        } else {
            ""
        };
        format!("{mark}{sign}{n}")
    };
    let (key, amount) = match unit {
        Unit::Count if *v0 != 0.0 => ("overview.change_percent", signed((v1 - v0) / v0 * 100.0, 1)),
        Unit::Count => return Ok(None),
        Unit::Percent => ("overview.change_points", signed(v1 - v0, decimals)),
        _ => ("overview.change_units", signed(v1 - v0, decimals)),
    };
    Ok(Some(fill(
        lang,
        key,
        &[("change", &amount), ("year", &y0.to_string())],
    )?))
}

/// A small line of the years' values (decorative: the figure and its table are beside it);
/// a missing or suppressed year, or a break in the series, breaks it.
fn sparkline(series: &[(i32, Cell)], breaks: &BTreeSet<i32>) -> Markup {
    let values: Vec<f64> = series
        .iter()
        .filter_map(|(_, c)| match c {
            Cell::Value(v) => Some(*v),
            _ => None,
        })
        .collect();
    let (Some(&(first, _)), Some(&(last, _))) = (series.first(), series.last()) else {
        return html! {};
    };
    let max = values.iter().copied().fold(0.0f64, f64::max);
    if values.len() < 2 || max <= 0.0 {
        return html! {};
    }
    let (w, h) = (120.0, 32.0);
    let span = (last - first).max(1) as f64;
    let mut paths = String::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64)>| {
        if run.len() > 1 {
            let pts: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(paths, "<polyline points=\"{}\"/>", pts.join(" "));
        } else if let Some((x, y)) = run.first() {
            let _ = write!(paths, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"1.5\"/>");
        }
        run.clear();
    };
    let mut previous: Option<i32> = None;
    for (y, c) in series {
        if previous.is_some_and(|p| y - p != 1) || breaks.contains(y) {
            flush(&mut run);
        }
        previous = Some(*y);
        match c {
            Cell::Value(v) => run.push((
                2.0 + (y - first) as f64 / span * (w - 4.0),
                h - 2.0 - v / max * (h - 4.0),
            )),
            _ => flush(&mut run),
        }
    }
    flush(&mut run);
    html! {
        svg class="spark" width="120" height="32" viewBox="0 0 120 32" aria-hidden="true"
            focusable="false" xmlns="http://www.w3.org/2000/svg" { (PreEscaped(paths)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[(i32, f64)]) -> Vec<(i32, Cell)> {
        values.iter().map(|&(y, v)| (y, Cell::Value(v))).collect()
    }

    #[test]
    fn a_break_splits_the_sparkline_and_has_no_change() {
        let s = series(&[(2020, 10.0), (2021, 12.0), (2022, 30.0), (2023, 33.0)]);
        let none = BTreeSet::new();
        let joined = sparkline(&s, &none).into_string();
        assert_eq!(joined.matches("<polyline").count(), 1);
        let split = sparkline(&s, &[2022].into()).into_string();
        assert_eq!(split.matches("<polyline").count(), 2);
        // 33 on 30: +10.0 %; across a break in 2023, none.
        let change_of =
            |breaks: &BTreeSet<i32>| change(Lang::En, Unit::Count, 0, &s, breaks).unwrap();
        assert!(
            change_of(&none).is_some_and(|c| c.contains("+10.0")),
            "{:?}",
            change_of(&none)
        );
        assert_eq!(change_of(&[2023].into()), None);
    }
}
