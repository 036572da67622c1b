//! The static site on disk: every page in the three languages, the stylesheet and each
//! indicator's downloads, with relative links only, so the folder works from `file://` or any
//! static web server with no Marsad process. Public role only: the site of one **release**
//! (the observations it published, `releases::observations`), named and dated in every
//! footer; an analyst site is never written.

use std::path::{Path, PathBuf};

use marsad_indicators::export::Role;
use marsad_indicators::observations::Observation;
use marsad_indicators::releases::Release;
use marsad_indicators::Catalog;

use super::{Mode, Selection, Site, CSS, CSS_FILE};
use crate::error::{DashboardError, Result};
use crate::lang::Lang;

/// Write the public site of `release` into `dir` (`public`: the observations it published);
/// returns every file written (relative paths).
pub fn write_site(
    dir: &Path,
    catalog: &Catalog,
    public: &[Observation],
    release: &Release,
) -> Result<Vec<PathBuf>> {
    let site = Site {
        catalog,
        observations: public,
        snapshot_id: release.snapshot_id,
        release: Some(release),
        role: Role::Public,
        mode: Mode::Static,
    };
    let mut written = Vec::new();
    let mut write = |rel: String, bytes: &[u8]| -> Result<()> {
        let path = dir.join(&rel);
        let err = |e: std::io::Error| DashboardError::Export {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        std::fs::write(&path, bytes).map_err(err)?;
        written.push(PathBuf::from(rel));
        Ok(())
    };
    write(CSS_FILE.to_string(), CSS.as_bytes())?;
    // The site's root opens the French overview (a plain link: no script, no meta refresh
    // needed by a reader who picks a language).
    write("index.html".to_string(), root_page()?.as_bytes())?;
    let pages = site.pages();
    for lang in Lang::ALL {
        for page in &pages {
            let html = site.render(lang, page, &Selection::default())?;
            write(format!("{}/{}", lang.code(), page.file()), html.as_bytes())?;
        }
    }
    for ind in site.indicators() {
        for (file, bytes) in site.downloads(&ind.def.id)? {
            write(format!("downloads/{}/{file}", ind.def.id), &bytes)?;
        }
    }
    Ok(written)
}

/// The root page of the static site: the three languages, French first.
pub fn root_page() -> Result<String> {
    let mut links = Vec::new();
    for lang in Lang::ALL {
        links.push((
            lang,
            crate::messages::text(lang, "site.name")?,
            crate::messages::text(lang, "site.language")?,
        ));
    }
    Ok(maud::html! {
        (maud::DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Marsad" }
                link rel="stylesheet" href=(CSS_FILE);
                // No icon file: without this the browser asks for /favicon.ico (a 404).
                link rel="icon" href="data:,";
            }
            body { main id="main" {
                @for (lang, name, language) in &links {
                    p lang=(lang.code()) dir=(lang.dir()) {
                        a href={ (lang.code()) "/index.html" } { (name) } " — " (language)
                    }
                }
            } }
        }
    }
    .into_string())
}
