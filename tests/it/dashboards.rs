//! The dashboards end to end: `marsad serve` serves /fr/, /ar/ and /en/ and an indicator page
//! (the Arabic right to left; the analyst's pages under the "internal" banner, the public's
//! without), `/` follows Accept-Language; `marsad dashboards export` writes a static site whose
//! every link resolves to one of its files.

use std::path::{Path, PathBuf};

use crate::helpers::{assert_success, TestWarehouse};
use crate::server::{get_with, start};

/// Every `href`/`src` of the site's HTML that is neither external nor a fragment, and does not
/// name a file of the site: `page: link`.
fn broken_links(dir: &Path) -> (usize, Vec<String>) {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "html") {
                out.push(p);
            }
        }
    }
    let mut pages = Vec::new();
    walk(dir, &mut pages);
    let mut broken = Vec::new();
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        for attr in ["href=\"", "src=\""] {
            for piece in html.split(attr).skip(1) {
                let link = &piece[..piece.find('"').unwrap()];
                if link.starts_with("https://")
                    || link.starts_with('#')
                    || link.starts_with("data:")
                {
                    continue;
                }
                let target = link.split(['#', '?']).next().unwrap();
                if !page.parent().unwrap().join(target).is_file() {
                    broken.push(format!("{}: {link}", page.display()));
                }
            }
        }
    }
    (pages.len(), broken)
}

#[test]
fn pages_are_served_in_three_languages_and_exported_as_a_static_site() {
    let wh = TestWarehouse::new();
    assert_success(&wh.cmd(&["demo"]).output().unwrap(), "demo");
    // The public sees releases: publish what demo computed.
    let snapshot = wh.number("select max(snapshot_id) from registry.snapshots");
    let release = wh
        .cmd(&[
            "release",
            "create",
            "--name",
            "test",
            "--by",
            "test",
            "--snapshot",
        ])
        .arg((snapshot as i64).to_string())
        .output()
        .unwrap();
    assert_success(&release, "release create");
    let token = wh
        .cmd(&["tokens", "create", "--role", "analyst", "--name", "pages"])
        .output()
        .unwrap();
    assert_success(&token, "tokens create");
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();

    // Its output is kept open (the server stops on a closed pipe).
    let (_server, _, _output, addr) = start(&wh, &[]);
    for (lang, dir) in [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")] {
        let (status, head, body) = get_with(addr, &format!("/{lang}/"), &[]);
        assert_eq!(status, 200, "/{lang}/");
        assert!(head
            .to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8"));
        let html = String::from_utf8(body).unwrap();
        assert!(
            html.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\">")),
            "{html}"
        );
        assert!(!html.contains("internal-banner"), "/{lang}/ public");
    }
    let page = "/en/indicators/NCMEC_MA_REPORTS.html";
    let (status, _, body) = get_with(addr, page, &[]);
    assert_eq!(status, 200);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<bdi>543,638</bdi>"));
    assert!(html.contains("role=\"img\""));
    let (status, _, body) = get_with(addr, "/ar/indicators/NCMEC_MA_REPORTS", &[]);
    assert_eq!(status, 200);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("<bdi>543.638</bdi>"));

    // The analyst: the internal banner, and the drafts' pages.
    let bearer = format!("Bearer {token}");
    let auth = [("Authorization", bearer.as_str())];
    let (status, _, body) = get_with(addr, "/fr/", &auth);
    assert_eq!(status, 200);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("class=\"internal-banner\""));
    let draft = "/en/indicators/DATA_COMPLETENESS.html";
    assert_eq!(get_with(addr, draft, &auth).0, 200);
    assert_eq!(get_with(addr, draft, &[]).0, 404);

    // `/` follows Accept-Language; the downloads and stylesheet are at the pages' relative paths.
    let (status, head, _) = get_with(addr, "/", &[("Accept-Language", "ar-MA,ar;q=0.9,fr;q=0.5")]);
    assert_eq!(status, 303, "{head}");
    assert!(
        head.to_ascii_lowercase().contains("location: /ar/"),
        "{head}"
    );
    let (_, head, _) = get_with(addr, "/", &[]);
    assert!(
        head.to_ascii_lowercase().contains("location: /fr/"),
        "{head}"
    );
    let (status, _, csv) = get_with(addr, "/downloads/NCMEC_MA_REPORTS/observations.csv", &[]);
    assert_eq!(status, 200);
    assert!(String::from_utf8(csv)
        .unwrap()
        .contains("NCMEC_MA_REPORTS,1,2023,MA,_Z,_Z,_Z,_Z,_Z,543638,"));
    assert_eq!(get_with(addr, "/style.css", &[]).0, 200);
    assert_eq!(
        get_with(addr, "/en/indicators/NCMEC_MA_REPORTS.html?year=2023", &[]).0,
        400
    );
    assert_eq!(get_with(addr, "/xx/", &[]).0, 404);

    // The static site: every page and download, links relative, all resolving.
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let export = wh
        .cmd(&["dashboards", "export", "--out"])
        .arg(&site)
        .output()
        .unwrap();
    assert_success(&export, "dashboards export");
    let (pages, broken) = broken_links(&site);
    assert_eq!(pages, 3 * 23 + 1);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    let ar = std::fs::read_to_string(site.join("ar/index.html")).unwrap();
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(!ar.contains("internal-banner"));
    assert!(!site.join("en/indicators/DATA_COMPLETENESS.html").exists());
}
