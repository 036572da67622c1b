//! The EMC helpline: reports per year, their shares by the victim's age band and by the
//! reporter's sex (the counts behind each share are in the indicator's downloads).

use maud::{html, Markup};

use marsad_indicators::catalog::Dimension;

use super::figures::block;
use super::Site;
use crate::error::Result;
use crate::lang::Lang;
use crate::messages::text;

pub fn render(site: &Site, lang: Lang) -> Result<Markup> {
    Ok(html! {
        h1 { (text(lang, "nav.helpline")?) }
        p class="lead" { (text(lang, "helpline.intro")?) }
        div class="grid" {
            (block(site, lang, "EMC_REPORTS", None, "helpline-reports")?)
            (block(site, lang, "EMC_REPORTS_AGE_SHARE", Some(Dimension::AgeBand), "helpline-age")?)
            (block(site, lang, "EMC_REPORTS_SEX_SHARE", Some(Dimension::Sex), "helpline-sex")?)
            (block(site, lang, "EMC_REPORTS_MINORS_SHARE", None, "helpline-minors")?)
        }
    })
}
