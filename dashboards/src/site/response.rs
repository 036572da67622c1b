//! The national response: the 6 sectors and 20 capacities of the Model National Response, each
//! with the indicators that inform it (the catalogue's `[mnr]` tables), and the capacities no
//! indicator informs yet said so.

use maud::{html, Markup};

use super::figures::text_of;
use super::mnr::mnr;
use super::Site;
use crate::error::Result;
use crate::lang::Lang;
use crate::messages::{fill, text};

pub fn render(site: &Site, lang: Lang) -> Result<Markup> {
    let m = mnr()?;
    let indicators = site.indicators();
    let none = text(lang, "response.none")?;
    let mut sectors = Vec::new();
    for s in &m.sectors {
        let mut capacities = Vec::new();
        for c in m.capacities.iter().filter(|c| c.sector == Some(s.number)) {
            let informed: Vec<(&str, &str)> = indicators
                .iter()
                .filter(|i| i.def.mnr.capacity == c.number)
                .map(|i| (i.def.id.as_str(), text_of(&i.def.name, lang)))
                .collect();
            capacities.push((c, informed));
        }
        let heading = fill(
            lang,
            "response.sector",
            &[("number", &s.number.to_string()), ("name", s.name(lang))],
        )?;
        sectors.push((s.number, heading, capacities));
    }
    Ok(html! {
        h1 { (text(lang, "nav.response")?) }
        p class="lead" { (text(lang, "response.intro")?) }
        @for (number, heading, capacities) in &sectors {
            section class="sector" id={ "sector-" (number) } {
                h2 { (heading) }
                ol class="capacities" {
                    @for (c, informed) in capacities {
                        li value=(c.number) id={ "capacity-" (c.number) } {
                            span class="capacity" { (c.name(lang)) }
                            @if informed.is_empty() {
                                " — " span class="none" { (none) }
                            } @else {
                                ul { @for (id, name) in informed {
                                    li { a href={ "indicators/" (id) ".html" } { (name) } }
                                } }
                            }
                        }
                    }
                }
            }
        }
    })
}
