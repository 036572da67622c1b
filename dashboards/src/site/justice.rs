//! The justice pathway: NCMEC reports, PMP cases, persons prosecuted, victims in judged cases,
//! closed and pending cases, year by year, side by side. They are different units (a report
//! is not a case is not a person) and do not flow into each other: never a funnel.

use maud::{html, Markup};

use super::figures::block;
use super::Site;
use crate::error::Result;
use crate::lang::Lang;
use crate::messages::text;

/// The indicators of the page, in the order of the pathway.
pub const INDICATORS: [&str; 6] = [
    "NCMEC_MA_REPORTS",
    "PMP_AESE_CASES",
    "PMP_AESE_PROSECUTED",
    "PMP_VICTIMS_JUDGED",
    "PMP_AESE_CLOSED_SHARE",
    "PMP_AESE_INVESTIGATION_SHARE",
];

pub fn render(site: &Site, lang: Lang) -> Result<Markup> {
    let mut blocks = Vec::new();
    for (i, id) in INDICATORS.iter().enumerate() {
        blocks.push(block(site, lang, id, None, &format!("justice-{i}"))?);
    }
    Ok(html! {
        h1 { (text(lang, "nav.justice")?) }
        p class="lead" { (text(lang, "justice.intro")?) }
        p class="warning" role="note" { (text(lang, "justice.units")?) }
        div class="grid" { @for b in blocks { (b) } }
    })
}
