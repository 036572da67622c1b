//! Observations as the pages show them: the labels of codes, the text of a cell (value, 95%
//! interval, U flag, suppressed), and a **figure**: a chart immediately followed by the same
//! numbers as a data table (the accessible alternative), with its legend in HTML.
//!
//! Which chart: years with at most three series → a line chart (gaps break it); more
//! categories (age bands, regions) → bars of the latest period; periods that are not years
//! (`2020/2023`, a change) → bars over the periods. A suppressed value is a hatched mark in the
//! chart and a cell with `data-suppressed` in the table, never a zero.

use std::collections::{BTreeMap, BTreeSet};

use maud::{html, Markup};

use marsad_indicators::catalog::{CaveatKind, Dimension, Text};
use marsad_indicators::observations::{Observation, FREE, SUPPRESSED};
use marsad_indicators::Indicator;

use super::layout::svg;
use super::{Selection, Site};
use crate::charts::{self, BarChart, Cell, Frame, LineChart, Series};
use crate::error::Result;
use crate::lang::Lang;
use crate::messages::{self, fill, text};
use crate::numbers;

/// OBS_STATUS of an estimate of low reliability (shown, flagged).
pub const UNRELIABLE: &str = "U";

/// A catalogue text in a language.
pub fn text_of(t: &Text, lang: Lang) -> &str {
    match lang {
        Lang::Fr => &t.fr,
        Lang::Ar => &t.ar,
        Lang::En => &t.en,
    }
}

/// The year of a period (`2023`); `None` for others (`2020/2023`, `2023-Q1`).
pub fn year(period: &str) -> Option<i32> {
    period
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2999).contains(y))
}

/// The label of a dimension's code: region names, `Maroc (national)`, `Femmes`, `13-17 ans`.
pub fn label(lang: Lang, d: Dimension, code: &str) -> Result<String> {
    if code == "_Z" {
        return Ok(text(lang, "code.not_applicable")?.to_string());
    }
    Ok(match (d, code) {
        (Dimension::RefArea, "MA") => text(lang, "common.national")?.to_string(),
        (Dimension::RefArea, "_U") => text(lang, "common.unknown_region")?.to_string(),
        (Dimension::RefArea, c) => crate::map::regions()?
            .iter()
            .find(|r| r.code == c)
            .map(|r| r.name(lang).to_string())
            .unwrap_or_else(|| c.to_string()),
        (_, "_T") => text(lang, "code.total")?.to_string(),
        (_, "_U") => text(lang, "code.unknown")?.to_string(),
        (Dimension::Sex, "M") => text(lang, "code.male")?.to_string(),
        (Dimension::Sex, "F") => text(lang, "code.female")?.to_string(),
        (Dimension::AgeBand, band) => fill(lang, "code.age_band", &[("band", band)])?,
        // Source feeds and variables are named by their codes (`emc-reports`).
        (_, c) => c.to_string(),
    })
}

/// The name of a dimension (`Sexe`, `Région`).
pub fn dimension_name(lang: Lang, d: Dimension) -> Result<&'static str> {
    text(lang, &format!("dimension.{}", d.column()))
}

/// An indicator's unit as its axis reads it: `nombre`, `%`, `pour 100.000 habitants`.
pub fn unit(lang: Lang, ind: &Indicator) -> Result<&'static str> {
    messages::unit(lang, ind.def.unit)
}

/// The names of an indicator's sources (`source.<feed>` messages; a feed without one, from a
/// steward's own catalogue, is named by its code).
pub fn sources(lang: Lang, ind: &Indicator) -> String {
    ind.def
        .sources
        .iter()
        .map(|s| {
            messages::text(lang, &format!("source.{s}"))
                .map(str::to_string)
                .unwrap_or_else(|_| s.clone())
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// A value in the indicator's decimals, per locale.
fn formatted(lang: Lang, value: f64, decimals: i64) -> String {
    numbers::number(lang, value, decimals.clamp(0, 18) as u32).unwrap_or_default()
}

/// A table cell of one observation (or none): the value, its 95% interval when it has one,
/// a `U` mark when unreliable; `data-suppressed` and the word "suppressed" when withheld.
pub fn cell(lang: Lang, obs: Option<&Observation>) -> Result<Markup> {
    let Some(o) = obs else {
        return Ok(html! { td class="missing" { (text(lang, "common.no_data")?) } });
    };
    Ok(match numbers::observation(lang, o) {
        None if o.obs_status == SUPPRESSED => html! {
            td class="suppressed" data-suppressed="true" { (text(lang, "common.suppressed")?) }
        },
        None => html! { td class="missing" { (text(lang, "common.no_data")?) } },
        Some(v) => {
            let interval = match (o.lower_bound, o.upper_bound) {
                (Some(lo), Some(hi)) => Some(fill(
                    lang,
                    "common.interval",
                    &[
                        ("low", &formatted(lang, lo, o.decimals)),
                        ("high", &formatted(lang, hi, o.decimals)),
                    ],
                )?),
                _ => None,
            };
            let unreliable = o.obs_status == UNRELIABLE;
            // A figure public outputs suppress, as an analyst sees it: marked with its
            // CONF_STATUS (C primary, D secondary), so it is not copied out by mistake.
            let confidential = (o.conf_status != FREE).then_some(o.conf_status.as_str());
            html! {
                td class="num" data-unreliable=[unreliable.then_some("true")]
                    data-confidential=[confidential] {
                    bdi { (v) }
                    @if let Some(i) = interval { " " span class="interval" { bdi { (i) } } }
                    @if unreliable { " " abbr class="flag" title=(text(lang, "common.unreliable")?) { "U" } }
                    @if let Some(c) = confidential {
                        " " abbr class="flag confidential" title=(text(lang, "common.confidential")?) { (c) }
                    }
                }
            }
        }
    })
}

/// The observations of a figure: one indicator, within the selected years, on one breakdown
/// (`None`: the total series) with every other dimension at its total.
pub struct Data<'a> {
    /// Periods in order, each with its observation per category.
    pub rows: BTreeMap<String, BTreeMap<String, &'a Observation>>,
    /// Categories in order (codes of the breakdown; `[""]` for the total series).
    pub categories: Vec<String>,
    pub breakdown: Option<Dimension>,
    /// Other dimensions held at one category that is not their total (an indicator without
    /// one): the figure says which.
    pub fixed: Vec<(Dimension, String)>,
}

/// The code an observation's other dimensions must have to belong to a figure: the total if the
/// indicator has one, else "not applicable", else the smallest code.
fn preferred(obs: &[&Observation], d: Dimension) -> Option<String> {
    let codes: BTreeSet<&str> = obs.iter().map(|o| o.dimension(d)).collect();
    [d.total(), d.not_applicable()]
        .into_iter()
        .find(|c| codes.contains(c))
        .or_else(|| codes.iter().next().copied())
        .map(str::to_string)
}

pub fn data<'a>(
    site: &Site<'a>,
    ind: &Indicator,
    breakdown: Option<Dimension>,
    selection: &Selection,
) -> Data<'a> {
    let all: Vec<&'a Observation> = site
        .observations
        .iter()
        .filter(|o| o.indicator_id == ind.def.id && selection.keeps(&o.period))
        .collect();
    let mut keep = all;
    let mut fixed = Vec::new();
    for d in Dimension::BREAKDOWNS {
        if Some(d) == breakdown {
            continue;
        }
        if let Some(code) = preferred(&keep, d) {
            keep.retain(|o| o.dimension(d) == code);
            if code != d.total() && code != d.not_applicable() {
                fixed.push((d, code));
            }
        }
    }
    let mut categories: Vec<String> = match breakdown {
        None => vec![String::new()],
        Some(d) => keep
            .iter()
            .map(|o| o.dimension(d).to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    // In their natural order (age bands by their first age: 5-12 before 13-17), the total
    // and the unknown last, after the categories they sum.
    if let Some(d) = breakdown {
        categories.sort_by_key(|c| {
            let digits: String = c.chars().take_while(char::is_ascii_digit).collect();
            (
                c == d.total() || c == "_U",
                c == d.total(),
                digits.parse::<u32>().ok(),
                c.clone(),
            )
        });
    }
    let mut rows: BTreeMap<String, BTreeMap<String, &Observation>> = BTreeMap::new();
    for o in keep {
        let key = breakdown
            .map(|d| o.dimension(d).to_string())
            .unwrap_or_default();
        rows.entry(o.period.clone()).or_default().insert(key, o);
    }
    Data {
        rows,
        categories,
        breakdown,
        fixed,
    }
}

/// OBS_STATUS of an observation that starts a break in series (SDMX `B`).
pub const BREAK: &str = "B";

/// The years that break an indicator's series (their figures do not compare with the year
/// before): the years of its caveats of kind `break` (its own and its sources'), and the
/// years of its observations marked OBS_STATUS `B`. A break caveat without periods names no
/// year: the notes say it, the chart cannot place it.
pub fn breaks<'o>(
    ind: &Indicator,
    observations: impl IntoIterator<Item = &'o Observation>,
) -> BTreeSet<i32> {
    let caveats = ind.caveats();
    let from_caveats = caveats
        .iter()
        .filter(|c| c.kind == CaveatKind::Break)
        .flat_map(|c| c.periods.iter().filter_map(|p| year(p)));
    let from_data = observations
        .into_iter()
        .filter(|o| o.obs_status == BREAK)
        .filter_map(|o| year(&o.period));
    from_caveats.chain(from_data).collect()
}

/// The chart cell of a category in a period's row: missing when it has no observation.
fn cell_of(cells: &BTreeMap<String, &Observation>, category: &str) -> Cell {
    cells
        .get(category)
        .map(|o| Cell::of(o))
        .unwrap_or(Cell::Missing)
}

/// The label of a bar among many: a region's number (`MA-01` → `01`), else the code.
fn short_code(code: &str) -> &str {
    code.strip_prefix("MA-").unwrap_or(code)
}

/// What a figure is labelled with.
pub struct Labels<'a> {
    /// The SVG id prefix, unique on the page.
    pub id: &'a str,
    pub title: &'a str,
}

/// A chart of `data` followed by its table; a paragraph saying there is no data when empty.
pub fn figure(lang: Lang, ind: &Indicator, data: &Data, labels: &Labels) -> Result<Markup> {
    if data.rows.is_empty() {
        return Ok(html! { p class="no-data" { (text(lang, "common.no_data")?) } });
    }
    let unit = unit(lang, ind)?;
    let y_label = format!("{} ({unit})", text(lang, "common.value")?);
    let source = sources(lang, ind);
    let cat_label = |c: &str| -> Result<String> {
        match data.breakdown {
            Some(d) => label(lang, d, c),
            None => Ok(text_of(&ind.def.name, lang).to_string()),
        }
    };
    let all_years = data.rows.keys().all(|p| year(p).is_some());
    // The chart's series leave out the total (its share is 100 %, its count the sum).
    let charted: Vec<&String> = data
        .categories
        .iter()
        .filter(|c| data.breakdown.is_none_or(|d| c.as_str() != d.total()))
        .collect();
    let year_label = text(lang, "common.year")?;
    // The charts draw from a zero baseline up: a negative value (a fall, for a change
    // indicator) is shown by its table alone, and the page says so.
    let negative = data
        .rows
        .values()
        .flat_map(|r| r.values())
        .any(|o| o.rounded_value().is_some_and(|v| v < 0.0));
    let (chart, legend): (String, Vec<String>) = if negative {
        (String::new(), Vec::new())
    } else if all_years && charted.len() <= 3 {
        let mut series = Vec::new();
        for c in &charted {
            let points = data
                .rows
                .iter()
                .filter_map(|(p, cells)| Some((year(p)?, cell_of(cells, c))))
                .collect();
            series.push(Series {
                name: cat_label(c)?,
                points,
            });
        }
        let legend = if series.len() > 1 {
            series.iter().map(|s| s.name.clone()).collect()
        } else {
            Vec::new()
        };
        let frame = Frame {
            id: labels.id,
            lang,
            title: labels.title,
            x_label: year_label,
            y_label: &y_label,
            source: &source,
        };
        let breaks = breaks(ind, data.rows.values().flat_map(|r| r.values().copied()));
        (
            charts::line(&LineChart {
                frame,
                series,
                breaks,
            })?,
            legend,
        )
    } else {
        // Bars: of the latest period, one per category (a breakdown), or one per period
        // that is not a year (a change over years).
        let (title, x_label, bars) = match (data.breakdown, data.rows.iter().next_back()) {
            (Some(d), Some((period, cells))) if charted.len() > 1 => {
                // Many categories (regions): the bars are labelled by their codes, which the
                // table beneath names.
                let mut bars = Vec::new();
                for c in &charted {
                    let name = if charted.len() > 6 {
                        short_code(c).to_string()
                    } else {
                        cat_label(c)?
                    };
                    bars.push((name, cell_of(cells, c)));
                }
                (
                    format!("{} — {period}", labels.title),
                    dimension_name(lang, d)?,
                    bars,
                )
            }
            _ => {
                let c = charted.first().map(|c| c.as_str()).unwrap_or("");
                let bars = data
                    .rows
                    .iter()
                    .map(|(p, cells)| (p.clone(), cell_of(cells, c)))
                    .collect();
                (labels.title.to_string(), text(lang, "common.period")?, bars)
            }
        };
        let frame = Frame {
            id: labels.id,
            lang,
            title: &title,
            x_label,
            y_label: &y_label,
            source: &source,
        };
        let chart = charts::bar(&BarChart {
            frame,
            bars,
            decimals: ind.def.decimals,
        })?;
        (chart, Vec::new())
    };
    // Many categories (regions): a row each, the periods as columns, each named with the
    // short code its bar carries; else a row per period.
    let coded = charted.len() > 6;
    let corner: String;
    let mut heads = Vec::new();
    let mut body = Vec::new();
    if coded {
        corner = match data.breakdown {
            Some(d) => dimension_name(lang, d)?.to_string(),
            None => String::new(),
        };
        heads.extend(data.rows.keys().cloned());
        for c in &data.categories {
            let mut tds = Vec::new();
            for cells in data.rows.values() {
                tds.push(cell(lang, cells.get(c).copied())?);
            }
            let name = cat_label(c)?;
            let head = if charted.contains(&c) {
                format!("{name} ({})", short_code(c))
            } else {
                name
            };
            body.push((head, tds));
        }
    } else {
        corner = text(lang, "common.period")?.to_string();
        for c in &data.categories {
            heads.push(cat_label(c)?);
        }
        for (period, cells) in &data.rows {
            let mut tds = Vec::new();
            for c in &data.categories {
                tds.push(cell(lang, cells.get(c).copied())?);
            }
            body.push((period.clone(), tds));
        }
    }
    let caption = fill(
        lang,
        "common.table_caption",
        &[("title", labels.title), ("unit", unit)],
    )?;
    let mut fixed = Vec::new();
    for (d, code) in &data.fixed {
        fixed.push(fill(
            lang,
            "common.held_at",
            &[
                ("dimension", dimension_name(lang, *d)?),
                ("value", &label(lang, *d, code)?),
            ],
        )?);
    }
    Ok(html! {
        figure class="chart" id={ (labels.id) "-figure" } {
            @if !fixed.is_empty() {
                p class="fixed" { @for f in &fixed { bdi { (f) } " " } }
            }
            @if !legend.is_empty() {
                ul class="legend" aria-hidden="true" {
                    @for (i, name) in legend.iter().enumerate() {
                        li { span class={ "mark s" (i) } { (["●", "■", "▲"][i.min(2)]) } " " (name) }
                    }
                }
            }
            @if chart.is_empty() {
                p class="note" { (text(lang, "chart.negative")?) }
            } @else {
                div class="svg" { (svg(&chart)) }
            }
            div class="table-wrap" {
                table class="data" id={ (labels.id) "-table" } {
                    caption { (caption) }
                    thead { tr {
                        th scope="col" { (corner) }
                        @for h in &heads { th scope="col" { bdi { (h) } } }
                    } }
                    tbody { @for (period, tds) in &body {
                        tr { th scope="row" { bdi { (period) } } @for td in tds { (td) } }
                    } }
                }
            }
        }
    })
}

/// Notes a page owes its reader about the figures it shows: suppressed cells, unreliable
/// estimates, intervals.
pub fn flags_note(lang: Lang, obs: &[&Observation]) -> Result<Markup> {
    // Why a value is not published: confidentiality (CONF_STATUS C or D), or, for a survey
    // estimate whose confidentiality is free, too low a reliability.
    let suppressed = obs
        .iter()
        .any(|o| o.obs_status == SUPPRESSED && o.conf_status != FREE);
    let unpublished = obs
        .iter()
        .any(|o| o.obs_status == SUPPRESSED && o.conf_status == FREE);
    let unreliable = obs.iter().any(|o| o.obs_status == UNRELIABLE);
    let intervals = obs.iter().any(|o| o.lower_bound.is_some());
    Ok(html! {
        @if suppressed || unpublished || unreliable || intervals {
            ul class="flags" {
                @if suppressed { li { (text(lang, "common.suppressed_note")?) } }
                @if unpublished { li { (text(lang, "common.unpublished_note")?) } }
                @if unreliable { li { (text(lang, "common.unreliable_note")?) } }
                @if intervals { li { (text(lang, "common.interval_note")?) } }
            }
        }
    })
}

/// A section of a thematic page on one indicator: its name (linked to its page), what it
/// counts, its figure and notes. Nothing when this role sees no observation of it.
pub fn block(
    site: &Site,
    lang: Lang,
    id: &str,
    breakdown: Option<Dimension>,
    chart_id: &str,
) -> Result<Markup> {
    let Ok(ind) = site.catalog.get(id) else {
        return Ok(html! {});
    };
    let data = data(site, ind, breakdown, &Selection::default());
    if data.rows.is_empty() {
        return Ok(html! {});
    }
    let title = text_of(&ind.def.name, lang);
    let obs: Vec<&Observation> = data
        .rows
        .values()
        .flat_map(|r| r.values().copied())
        .collect();
    let more = text(lang, "common.more")?;
    Ok(html! {
        section class="indicator" aria-labelledby={ (chart_id) "-h" } {
            h2 id={ (chart_id) "-h" } { a href={ "indicators/" (id) ".html" } { (title) } }
            p class="unit" { (text(lang, "common.unit")?) " " (unit(lang, ind)?) }
            (figure(lang, ind, &data, &Labels { id: chart_id, title })?)
            (flags_note(lang, &obs)?)
            p class="more" { a href={ "indicators/" (id) ".html" } { (more) } }
        }
    })
}
