//! The site: every page in French, Arabic and English as HTML text, its stylesheet and its
//! download files, from the catalogue and the observations **one role** may see (already
//! chosen by `marsad_indicators::export::select`: the pages never decide disclosure).
//!
//! The same relative links serve the server and the static export: a page lives at
//! `{lang}/{file}` (`fr/index.html`, `ar/justice.html`, `en/indicators/NCMEC_MA_REPORTS.html`),
//! the stylesheet at `style.css` and an indicator's downloads at `downloads/{ID}/{file}`, all
//! linked relative to the page, so the exported folder works from `file://` with no server.
//! Pages are compiled templates (maud: every spliced value is escaped unless it is our own
//! SVG); interface text comes from `messages/*.toml`, numbers from [`crate::numbers`].
//!
//! ## Layout
//! - [`layout`]: the page shell (head, navigation, language links, internal banner, footer).
//! - [`figures`]: observations → series, charts followed by their data tables, cell text.
//! - `overview`, `justice`, `helpline`, `regions`, `response`, `indicator`: one file per page.
//! - [`mnr`]: the Model National Response's sectors and capacities (`assets/mnr.toml`).
//! - [`export`]: the static site on disk.

pub mod export;
pub mod figures;
mod helpline;
mod indicator;
mod justice;
pub mod layout;
pub mod mnr;
mod overview;
mod regions;
mod response;

use std::collections::BTreeMap;

use marsad_indicators::catalog::Dimension;
use marsad_indicators::export::{self as exports, Role};
use marsad_indicators::observations::Observation;
use marsad_indicators::open_data;
use marsad_indicators::releases::Release;
use marsad_indicators::Catalog;

use crate::error::{DashboardError, Result};
use crate::lang::Lang;

/// The stylesheet of every page (`style.css` at the site's root).
pub const CSS: &str = include_str!("../../assets/style.css");
/// The stylesheet's path from the site's root.
pub const CSS_FILE: &str = "style.css";
/// The files of an indicator's downloads (`downloads/{ID}/…`), as `export::write_all` names them.
pub const DOWNLOAD_FILES: [&str; 6] = [
    "observations.csv",
    "observations.sdmx.csv",
    "observations.parquet",
    "datapackage.json",
    "observations.json",
    "indicators.csv",
];

/// Served by a server (the selection form is offered) or written as static files (no form:
/// a static page cannot answer a query).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Server,
    Static,
}

/// What every page is rendered from.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub catalog: &'a Catalog,
    /// The observations the role may see, as it sees them (`export::select`).
    pub observations: &'a [Observation],
    pub snapshot_id: i64,
    /// The release shown (its name and date are in every footer); `None` for an analyst's view
    /// of a snapshot, whose footer gives the snapshot id.
    pub release: Option<&'a Release>,
    /// `Analyst` pages carry the internal banner (drafts, unsuppressed values).
    pub role: Role,
    pub mode: Mode,
}

/// One page of the site.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Page {
    Overview,
    Justice,
    Helpline,
    Regions,
    Response,
    Indicator(String),
}

impl Page {
    /// The thematic pages, in the navigation's order.
    pub const THEMES: [Page; 5] = [
        Page::Overview,
        Page::Justice,
        Page::Helpline,
        Page::Regions,
        Page::Response,
    ];

    /// The page's file under its language folder: `index.html`, `justice.html`,
    /// `indicators/NCMEC_MA_REPORTS.html`.
    pub fn file(&self) -> String {
        match self {
            Page::Indicator(id) => format!("indicators/{id}.html"),
            other => format!("{}.html", other.slug()),
        }
    }

    fn slug(&self) -> &str {
        match self {
            Page::Overview => "index",
            Page::Justice => "justice",
            Page::Helpline => "helpline",
            Page::Regions => "regions",
            Page::Response => "response",
            Page::Indicator(id) => id,
        }
    }

    /// The page of a path under a language folder (`""`, `index.html`, `justice.html`,
    /// `justice`, `indicators/ID.html`, `indicators/ID`); `None` for any other.
    pub fn from_path(path: &str) -> Option<Page> {
        if let Some(id) = path.strip_prefix("indicators/") {
            let id = id.strip_suffix(".html").unwrap_or(id);
            let ok = !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            return ok.then(|| Page::Indicator(id.to_string()));
        }
        let slug = path.strip_suffix(".html").unwrap_or(path);
        let slug = if slug.is_empty() { "index" } else { slug };
        Page::THEMES.into_iter().find(|p| p.slug() == slug)
    }

    /// From this page to the site's root: `../` or `../../`.
    pub fn to_root(&self) -> &'static str {
        match self {
            Page::Indicator(_) => "../../",
            _ => "../",
        }
    }

    /// The message key of the page's name (`nav.overview`); indicators use their own name.
    fn nav_key(&self) -> &'static str {
        match self {
            Page::Overview => "nav.overview",
            Page::Justice => "nav.justice",
            Page::Helpline => "nav.helpline",
            Page::Regions => "nav.regions",
            Page::Response => "nav.response",
            Page::Indicator(_) => "nav.indicators",
        }
    }
}

/// What a visitor chose on an indicator page, kept in its URL so a view can be shared:
/// `?breakdown=sex&from=2021&to=2023`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub breakdown: Option<Dimension>,
    pub from: Option<i32>,
    pub to: Option<i32>,
}

impl Selection {
    /// The selection of a query's parameters; an unknown parameter or a bad value is an error
    /// that names it and what is expected.
    pub fn parse(params: &BTreeMap<String, String>) -> Result<Selection> {
        let bad = |message: String| DashboardError::BadQuery { message };
        let mut s = Selection::default();
        for (k, v) in params {
            match k.as_str() {
                "breakdown" if v.is_empty() => {}
                "breakdown" => {
                    let d = Dimension::BREAKDOWNS
                        .into_iter()
                        .find(|d| d.column() == v)
                        .ok_or_else(|| {
                            bad(format!(
                                "breakdown: `{v}` is not a dimension; expected one of {}",
                                Dimension::BREAKDOWNS.map(|d| d.column()).join(", ")
                            ))
                        })?;
                    s.breakdown = Some(d);
                }
                "from" | "to" if v.is_empty() => {}
                "from" | "to" => {
                    let y = v
                        .parse::<i32>()
                        .ok()
                        .filter(|y| (1900..=2999).contains(y))
                        .ok_or_else(|| bad(format!("{k}: `{v}` is not a year (e.g. 2023)")))?;
                    if k == "from" {
                        s.from = Some(y);
                    } else {
                        s.to = Some(y);
                    }
                }
                other => {
                    return Err(bad(format!(
                        "unknown parameter `{other}`; expected one of breakdown, from, to"
                    )))
                }
            }
        }
        Ok(s)
    }

    /// The selection as a query string: `?breakdown=sex&from=2021`, empty when nothing is
    /// selected (the codes are letters, `_` and digits: nothing to escape).
    pub fn query(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(b) = self.breakdown {
            pairs.push(format!("breakdown={}", b.column()));
        }
        if let Some(y) = self.from {
            pairs.push(format!("from={y}"));
        }
        if let Some(y) = self.to {
            pairs.push(format!("to={y}"));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }

    /// Whether a period (`2023`, or `2020/2023` for a change) lies within the selected years.
    pub fn keeps(&self, period: &str) -> bool {
        let years: Vec<i32> = period
            .split('/')
            .filter_map(|p| p.get(..4).and_then(|y| y.parse().ok()))
            .collect();
        years
            .iter()
            .all(|y| self.from.is_none_or(|f| *y >= f) && self.to.is_none_or(|t| *y <= t))
    }
}

impl<'a> Site<'a> {
    /// The observations of one indicator, in period order.
    pub fn of(&self, id: &str) -> Vec<&'a Observation> {
        let mut out: Vec<&'a Observation> = self
            .observations
            .iter()
            .filter(|o| o.indicator_id == id)
            .collect();
        out.sort_by(|a, b| a.period.cmp(&b.period));
        out
    }

    /// The indicators this role sees observations of, in catalogue order.
    pub fn indicators(&self) -> Vec<&'a marsad_indicators::Indicator> {
        self.catalog
            .indicators
            .iter()
            .filter(|i| self.observations.iter().any(|o| o.indicator_id == i.def.id))
            .collect()
    }

    /// Every page of the site for this role: the themes, then one per indicator it sees.
    pub fn pages(&self) -> Vec<Page> {
        let mut pages = Page::THEMES.to_vec();
        pages.extend(
            self.indicators()
                .into_iter()
                .map(|i| Page::Indicator(i.def.id.clone())),
        );
        pages
    }

    /// The page as HTML in `lang`. An indicator this role does not see is
    /// [`DashboardError::NotFound`]; a selection on a page other than an indicator's is
    /// ignored (the themes have none).
    pub fn render(&self, lang: Lang, page: &Page, selection: &Selection) -> Result<String> {
        let body = match page {
            Page::Overview => overview::render(self, lang)?,
            Page::Justice => justice::render(self, lang)?,
            Page::Helpline => helpline::render(self, lang)?,
            Page::Regions => regions::render(self, lang)?,
            Page::Response => response::render(self, lang)?,
            Page::Indicator(id) => indicator::render(self, lang, id, selection)?,
        };
        let query = match page {
            Page::Indicator(_) => selection.query(),
            _ => String::new(),
        };
        layout::page(self, lang, page, &query, body)
    }

    /// The download files of one indicator (`downloads/{ID}/…`, [`DOWNLOAD_FILES`]), written
    /// by the indicator exports for this role, as (file name, bytes).
    pub fn downloads(&self, id: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let obs: Vec<Observation> = self.of(id).into_iter().cloned().collect();
        if obs.is_empty() {
            return Err(DashboardError::NotFound {
                what: format!("indicator {id}"),
            });
        }
        let io = |e: std::io::Error| DashboardError::Export {
            path: format!("downloads/{id}"),
            message: e.to_string(),
        };
        let export = |e: marsad_indicators::IndicatorError| DashboardError::Export {
            path: format!("downloads/{id}"),
            message: e.to_string(),
        };
        let dir = tempfile::tempdir().map_err(io)?;
        match (self.release, self.role) {
            // The public's files of a release describe that release (name, dates, licence),
            // as `indicators export --role public` writes them.
            (Some(r), Role::Public) => {
                let release = open_data::Release::of_release(r).map_err(export)?;
                open_data::write(dir.path(), self.catalog, &obs, &release).map_err(export)?;
            }
            _ => {
                exports::write_all(dir.path(), self.catalog, &obs, self.role, self.snapshot_id)
                    .map_err(export)?;
            }
        }
        DOWNLOAD_FILES
            .iter()
            .map(|f| {
                std::fs::read(dir.path().join(f))
                    .map(|b| (f.to_string(), b))
                    .map_err(io)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
