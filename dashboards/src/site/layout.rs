//! The page shell: `<html lang dir>`, head (title, the one stylesheet, no script, no external
//! font), the navigation between the pages, links to the same page in the other languages, the
//! "internal" banner of analyst pages, and the footer (the release shown, its date, the licence).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::{Page, Site, CSS_FILE};
use crate::error::{DashboardError, Result};
use crate::lang::Lang;
use crate::messages::{fill, text};
use marsad_indicators::export::Role;
use marsad_indicators::open_data::Licence;

/// The whole page around `body` (the page's `<main>` content).
/// `query` is the page's selection as a query string (`?breakdown=sex`, or empty): the links to
/// the other languages keep it.
pub fn page(site: &Site, lang: Lang, page: &Page, query: &str, body: Markup) -> Result<String> {
    let root = page.to_root();
    let here = |l: Lang| format!("{root}{}/{}{query}", l.code(), page.file());
    let title = match page {
        Page::Indicator(id) => site
            .catalog
            .get(id)
            .map(|i| super::figures::text_of(&i.def.name, lang).to_string())
            .unwrap_or_else(|_| id.clone()),
        other => text(lang, other.nav_key())?.to_string(),
    };
    let site_name = text(lang, "site.name")?;
    let mut langs = Vec::new();
    for l in Lang::ALL {
        langs.push((l, here(l), text(l, "site.language")?));
    }
    let mut nav = Vec::new();
    for p in Page::THEMES {
        nav.push((
            format!("{root}{}/{}", lang.code(), p.file()),
            text(lang, p.nav_key())?,
            std::mem::discriminant(&p) == std::mem::discriminant(page),
        ));
    }
    let internal = site.role == Role::Analyst;
    let footer = footer(site, lang)?;
    // The licence of the release shown (the default for an analyst's snapshot).
    let licence = match site.release {
        Some(r) => Licence::of_release(r).map_err(|e| DashboardError::Export {
            path: format!("release {}", r.name),
            message: e.to_string(),
        })?,
        None => Licence::default_licence(),
    };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (text(lang, "site.short_name")?) }
                link rel="stylesheet" href={ (root) (CSS_FILE) };
                // No icon file: without this the browser asks for /favicon.ico (a 404).
                link rel="icon" href="data:,";
            }
            body {
                a class="skip" href="#main" { (text(lang, "nav.skip")?) }
                header class="site" {
                    p class="brand" { a href={ (root) (lang.code()) "/index.html" } { (site_name) } }
                    nav class="pages" aria-label=(text(lang, "nav.label")?) {
                        ul { @for (href, name, current) in &nav {
                            li { a href=(href) aria-current=[current.then_some("page")] { (name) } }
                        } }
                    }
                    nav class="langs" aria-label=(text(lang, "nav.languages")?) {
                        ul { @for (l, href, name) in &langs {
                            li { a href=(href) lang=(l.code()) hreflang=(l.code())
                                aria-current=[(*l == lang).then_some("true")] { (name) } }
                        } }
                    }
                }
                @if internal {
                    p class="internal-banner" role="note" data-internal="true" {
                        strong { (text(lang, "common.internal_banner")?) }
                    }
                }
                main id="main" { (body) }
                footer class="site" {
                    p { (footer) }
                    @if !internal {
                        p { (text(lang, "footer.licence")?) " " a href=(licence.url) rel="license" { (licence.id) } }
                    }
                    p class="disclaimer" { (text(lang, "footer.disclosure")?) }
                }
            }
        }
    };
    Ok(markup.into_string())
}

/// What the footer says the page shows: the release (its name and the day it was published,
/// UTC), or for an analyst's view of a snapshot, the snapshot's id.
pub fn footer(site: &Site, lang: Lang) -> Result<String> {
    match site.release {
        Some(r) => fill(
            lang,
            "footer.release",
            &[
                ("release", &r.name),
                ("date", &r.published_at().format("%Y-%m-%d").to_string()),
            ],
        ),
        None => fill(
            lang,
            "footer.snapshot",
            &[("snapshot", &site.snapshot_id.to_string())],
        ),
    }
}

/// Our own SVG (charts, map), spliced unescaped: it is built by `charts` and `map`, whose
/// every text is escaped there.
pub fn svg(svg: &str) -> PreEscaped<&str> {
    // The XML declaration plotters may write is not allowed inside HTML.
    let start = svg.find("<svg").unwrap_or(0);
    PreEscaped(&svg[start..])
}
