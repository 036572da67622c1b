//! The regions: a map of the 12 regions coloured by the latest figure of a regional indicator
//! (a rate per 100,000 inhabitants when the catalogue has one, else the first regional
//! indicator), its classes in an HTML legend, the numbers in a table beside it (for a rate,
//! the rate and the count it is built on); a suppressed region is hatched and labelled, never
//! coloured as zero; the national figure and the unknown region are shown apart, under the
//! table (the unknown region has a count but no population, so no rate).

use std::collections::BTreeMap;

use maud::{html, Markup};

use marsad_indicators::catalog::{Dimension, Unit};
use marsad_indicators::observations::Observation;
use marsad_indicators::Indicator;

use super::figures::{self, text_of, year};
use super::layout::svg;
use super::Site;
use crate::charts::Cell;
use crate::error::Result;
use crate::lang::Lang;
use crate::map::{self, MapSpec};
use crate::messages::{fill, text};

/// OBS_STATUS of a missing value (a rate without a population).
const MISSING: &str = "M";

/// The regional indicator the map shows: a rate per 100,000 if there is one, else the first
/// indicator broken down by region that this role sees.
fn regional<'a>(site: &Site<'a>) -> Option<&'a Indicator> {
    let regional: Vec<&Indicator> = site
        .indicators()
        .into_iter()
        .filter(|i| i.def.dimensions.contains(&Dimension::RefArea))
        .collect();
    regional
        .iter()
        .find(|i| i.def.unit == Unit::Per100000)
        .or(regional.first())
        .copied()
}

/// The count a rate is built on (its numerator), as a whole number: the rate's cell rules
/// (suppressed with it, an analyst's confidential mark) applied to the count. The unknown
/// region has a count but no rate (missing): its count is shown.
fn count_cell(lang: Lang, obs: Option<&Observation>) -> Result<Markup> {
    let count = obs.map(|o| Observation {
        value: o.numerator,
        // A count: rounded as itself, not recomputed as the ratio.
        unit: Unit::Count.code().to_string(),
        denominator: None,
        decimals: 0,
        lower_bound: None,
        upper_bound: None,
        obs_status: if o.obs_status == MISSING && o.numerator.is_some() {
            "A".to_string()
        } else {
            o.obs_status.clone()
        },
        ..o.clone()
    });
    figures::cell(lang, count.as_ref())
}

pub fn render(site: &Site, lang: Lang) -> Result<Markup> {
    let heading = html! {
        h1 { (text(lang, "nav.regions")?) }
        p class="lead" { (text(lang, "regions.intro")?) }
    };
    let Some(ind) = regional(site) else {
        return Ok(html! { (heading) p class="no-data" { (text(lang, "common.no_data")?) } });
    };
    let id = ind.def.id.as_str();
    // The latest year with observations; the regions' cells of that year.
    let obs: Vec<&Observation> = site.of(id);
    let Some(latest) = obs.iter().filter_map(|o| year(&o.period)).max() else {
        return Ok(html! { (heading) p class="no-data" { (text(lang, "common.no_data")?) } });
    };
    let period = latest.to_string();
    let mut by_area: BTreeMap<&str, &Observation> = BTreeMap::new();
    for o in obs.iter().filter(|o| o.period == period) {
        // Other dimensions at their total (as the figures do).
        let others_total = Dimension::BREAKDOWNS
            .iter()
            .filter(|d| **d != Dimension::RefArea)
            .all(|d| [d.total(), d.not_applicable()].contains(&o.dimension(*d)));
        if others_total {
            by_area.insert(o.dimension(Dimension::RefArea), o);
        }
    }
    let regions = map::regions()?;
    let mut values = BTreeMap::new();
    for r in regions {
        if let Some(o) = by_area.get(r.code.as_str()) {
            values.insert(r.code.clone(), Cell::of(o));
        }
    }
    let name = text_of(&ind.def.name, lang);
    let unit = figures::unit(lang, ind)?;
    let title = format!("{name} — {period} ({unit})");
    let table_title = format!("{name} — {period}");
    let choropleth = map::choropleth(&MapSpec {
        id: "regions-map",
        lang,
        title: &title,
        values: &values,
        decimals: ind.def.decimals,
    })?;
    // A rate's table gives its count (the numerator) beside it.
    let rate = ind.def.unit != Unit::Count;
    let cells = |code: &str| -> Result<Vec<Markup>> {
        let o = by_area.get(code).copied();
        let mut tds = vec![figures::cell(lang, o)?];
        if rate {
            tds.push(count_cell(lang, o)?);
        }
        Ok(tds)
    };
    let mut rows = Vec::new();
    for r in regions {
        rows.push((r.code.clone(), r.name(lang).to_string(), cells(&r.code)?));
    }
    let mut apart = Vec::new();
    for (code, key) in [("MA", "common.national"), ("_U", "common.unknown_region")] {
        apart.push((text(lang, key)?, cells(code)?));
    }
    let legend = &choropleth.legend;
    let caption = fill(
        lang,
        "common.table_caption",
        &[("title", &table_title), ("unit", unit)],
    )?;
    let shown: Vec<&Observation> = by_area.values().copied().collect();
    Ok(html! {
        (heading)
        h2 { a href={ "indicators/" (id) ".html" } { (name) } " — " bdi { (period) } }
        div class="map-and-table" {
            figure class="map" id="regions-map-figure" {
                div class="svg" { (svg(&choropleth.svg)) }
                div class="legend" {
                    p class="legend-title" { (text(lang, "map.legend")?) " (" (unit) ")" }
                    ul {
                        @for c in &legend.classes {
                            li { span class="swatch" style={ "background:" (c.fill) } {} " " bdi { (c.label) } }
                        }
                        @if let Some(s) = &legend.suppressed {
                            li { span class="swatch hatched" {} " " (s) }
                        }
                        @if let Some(n) = &legend.no_data {
                            li { span class="swatch empty" {} " " (n) }
                        }
                    }
                }
            }
            div class="table-wrap" {
                table class="data" id="regions-map-table" {
                    caption { (caption) }
                    thead { tr {
                        th scope="col" { (text(lang, "dimension.ref_area")?) }
                        @if rate {
                            th scope="col" { (fill(lang, "regions.rate", &[("unit", unit)])?) }
                            th scope="col" { (text(lang, "regions.count")?) }
                        } @else {
                            th scope="col" { (text(lang, "common.value")?) }
                        }
                    } }
                    tbody { @for (code, name, tds) in &rows {
                        tr data-region=(code) { th scope="row" { (name) } @for td in tds { (td) } }
                    } }
                    tbody class="apart" { @for (name, tds) in &apart {
                        tr { th scope="row" { (name) } @for td in tds { (td) } }
                    } }
                }
            }
        }
        (figures::flags_note(lang, &shown)?)
        p class="note" { (text(lang, "regions.apart")?) }
        p class="more" { a href={ "indicators/" (id) ".html?breakdown=ref_area" } { (text(lang, "common.more")?) } }
    })
}
