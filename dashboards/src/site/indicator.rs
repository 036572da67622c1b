//! One indicator's page: its chart and the same numbers as a table, for the selection kept in
//! the URL (`?breakdown=sex&from=2021&to=2023`, offered as a form when served); its metadata
//! (definition, unit, source, periodicity, MNR capacity, SDG target, approval record); notes
//! (breaks in series first, then the other caveats, the catalogue's notes, suppressions,
//! unreliable estimates, intervals, comments); downloads.

use std::collections::BTreeSet;

use maud::{html, Markup};

use marsad_indicators::catalog::{CaveatKind, Status};
use marsad_indicators::observations::Observation;

use super::figures::{self, data, dimension_name, label, text_of, year, Labels};
use super::mnr::mnr;
use super::{Mode, Selection, Site};
use crate::error::{DashboardError, Result};
use crate::lang::Lang;
use crate::messages::{fill, text};

/// The download links: (file, message key of its name).
const DOWNLOADS: [(&str, &str); 4] = [
    ("observations.csv", "indicator.download_csv"),
    ("observations.sdmx.csv", "indicator.download_sdmx"),
    ("observations.parquet", "indicator.download_parquet"),
    ("datapackage.json", "indicator.download_datapackage"),
];

pub fn render(site: &Site, lang: Lang, id: &str, selection: &Selection) -> Result<Markup> {
    let not_found = || DashboardError::NotFound {
        what: format!("indicator {id}"),
    };
    let ind = site.catalog.get(id).map_err(|_| not_found())?;
    let all = site.of(id);
    if all.is_empty() {
        return Err(not_found());
    }
    let breakdowns = ind.breakdowns();
    if let Some(b) = selection.breakdown {
        if !breakdowns.contains(&b) {
            return Err(DashboardError::BadQuery {
                message: format!(
                    "breakdown: {id} is not broken down by `{}`; expected one of {}",
                    b.column(),
                    breakdowns
                        .iter()
                        .map(|d| d.column())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    let breakdown = selection.breakdown.or(breakdowns.first().copied());
    let name = text_of(&ind.def.name, lang);
    let d = data(site, ind, breakdown, selection);
    let figure = figures::figure(
        lang,
        ind,
        &d,
        &Labels {
            id: "indicator-chart",
            title: name,
        },
    )?;
    let shown: Vec<&Observation> = d.rows.values().flat_map(|r| r.values().copied()).collect();
    let years: BTreeSet<i32> = all.iter().filter_map(|o| year(&o.period)).collect();

    let unit = figures::unit(lang, ind)?;
    let m = mnr()?;
    let capacity = m
        .capacities
        .iter()
        .find(|c| c.number == ind.def.mnr.capacity);
    let sector = m.sectors.iter().find(|s| s.number == ind.def.mnr.sector);
    let approval = ind.current_approval();
    // Each observation's comment, said of its period and categories.
    let mut comments = Vec::new();
    for o in all.iter().filter(|o| o.obs_comment.is_some()) {
        let mut of = vec![o.period.clone()];
        for b in &breakdowns {
            of.push(label(lang, *b, o.dimension(*b))?);
        }
        comments.push((of.join(", "), o.obs_comment.clone().unwrap_or_default()));
    }
    // The caveats (its own, then its sources'): breaks in series first, with their years.
    let mut caveats: Vec<(bool, String, String)> = Vec::new();
    for c in ind.caveats() {
        let is_break = c.kind == CaveatKind::Break;
        let periods = c.periods.join(", ");
        let prefix = match (is_break, periods.is_empty()) {
            (true, true) => text(lang, "indicator.break")?.to_string(),
            (true, false) => fill(lang, "indicator.break_in", &[("periods", &periods)])?,
            (false, true) => String::new(),
            (false, false) => periods,
        };
        caveats.push((is_break, prefix, text_of(&c.text, lang).to_string()));
    }
    caveats.sort_by_key(|(is_break, _, _)| !is_break);
    let breaks_drawn = !figures::breaks(ind, all.iter().copied()).is_empty();
    let draft = ind.def.status != Status::Approved;
    let mut options = Vec::new();
    for b in &breakdowns {
        options.push((b.column(), dimension_name(lang, *b)?, Some(*b) == breakdown));
    }
    let form = site.mode == Mode::Server && (!breakdowns.is_empty() || years.len() > 1);
    let year_select = |field: &str, chosen: Option<i32>| -> Result<Markup> {
        Ok(html! {
            label {
                (text(lang, &format!("indicator.{field}"))?) " "
                select name=(field) {
                    option value="" selected[chosen.is_none()] { "—" }
                    @for y in &years { option value=(y) selected[chosen == Some(*y)] { (y) } }
                }
            }
        })
    };
    Ok(html! {
        h1 { (name) }
        @if draft { p class="status draft" { (text(lang, "indicator.draft")?) } }
        p class="lead" { (text_of(&ind.def.definition, lang)) }
        @if form {
            form class="selection" method="get" action="" {
                @if !breakdowns.is_empty() {
                    label {
                        (text(lang, "indicator.breakdown")?) " "
                        select name="breakdown" {
                            @for (value, name, chosen) in &options {
                                option value=(value) selected[*chosen] { (name) }
                            }
                        }
                    }
                }
                (year_select("from", selection.from)?)
                (year_select("to", selection.to)?)
                button type="submit" { (text(lang, "indicator.apply")?) }
            }
        }
        @if let Some(b) = breakdown {
            p class="selection-summary" { (fill(lang, "indicator.by", &[("dimension", dimension_name(lang, b)?)])?) }
        }
        (figure)
        (figures::flags_note(lang, &shown)?)
        section class="metadata" aria-labelledby="metadata-h" {
            h2 id="metadata-h" { (text(lang, "indicator.metadata")?) }
            dl {
                dt { (text(lang, "indicator.definition")?) } dd { (text_of(&ind.def.definition, lang)) }
                dt { (text(lang, "indicator.unit")?) } dd { (unit) }
                @if let Some(n) = &ind.def.numerator {
                    dt { (text(lang, "indicator.numerator")?) } dd { (text_of(n, lang)) }
                }
                @if let Some(n) = &ind.def.denominator {
                    dt { (text(lang, "indicator.denominator")?) } dd { (text_of(n, lang)) }
                }
                dt { (text(lang, "indicator.source")?) } dd { (figures::sources(lang, ind)) }
                dt { (text(lang, "indicator.periodicity")?) } dd { (ind.def.periodicity) }
                dt { (text(lang, "indicator.mnr")?) }
                dd {
                    @if let (Some(s), Some(c)) = (sector, capacity) {
                        a href={ "../response.html#capacity-" (c.number) } { (c.name(lang)) } " (" (s.name(lang)) ")"
                    } @else {
                        (ind.def.mnr.sector) "." (ind.def.mnr.capacity)
                    }
                }
                dt { (text(lang, "indicator.sdg")?) }
                dd { (ind.def.sdg.as_deref().unwrap_or("—")) }
                dt { (text(lang, "indicator.approval")?) }
                dd {
                    @if let Some(a) = approval {
                        (fill(lang, "indicator.approved_by", &[
                            ("version", &a.version.to_string()),
                            ("by", &a.by),
                            ("reference", &a.reference),
                            ("at", &a.at),
                        ])?)
                    } @else {
                        (text(lang, "indicator.not_approved")?)
                    }
                }
                dt { (text(lang, "indicator.id")?) } dd { code { (ind.def.id) } " v" (ind.def.version) }
            }
        }
        section class="notes" aria-labelledby="notes-h" {
            h2 id="notes-h" { (text(lang, "indicator.notes")?) }
            ul {
                @for (is_break, prefix, c) in &caveats {
                    li class=[is_break.then_some("break")] {
                        @if !prefix.is_empty() { strong { bdi { (prefix) } } " — " }
                        (c)
                    }
                }
                @if let Some(n) = &ind.def.notes { li { (text_of(n, lang)) } }
                @for (of, c) in &comments { li { bdi { (of) } " — " (c) } }
                li { (text(lang, "chart.gap_note")?) }
                @if breaks_drawn { li { (text(lang, "chart.break_note")?) } }
            }
        }
        section class="downloads" aria-labelledby="downloads-h" {
            h2 id="downloads-h" { (text(lang, "indicator.downloads")?) }
            ul { @for (file, key) in DOWNLOADS {
                li { a href={ "../../downloads/" (id) "/" (file) } download[true] { (text(lang, key)?) } " " code { (file) } }
            } }
            p { (text(lang, "indicator.downloads_note")?) }
        }
        @if let Some(b) = breakdown {
            // The codes of the table's columns, for readers of the downloads.
            details class="codes" {
                summary { (text(lang, "indicator.codes")?) }
                ul { @for c in &d.categories { li { code { (c) } " — " (label(lang, b, c)?) } } }
            }
        }
    })
}
