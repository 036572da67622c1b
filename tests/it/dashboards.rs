//! The dashboards end to end: `marsad serve` serves /fr/, /ar/ and /en/ and an indicator page
//! (the Arabic right to left; the analyst's pages under the "internal" banner, the public's
//! without), `/` follows Accept-Language; the footers name the release shown; `marsad
//! dashboards export` writes the static site of the latest public release (`--release NAME`
//! for another; an error before any), whose every link resolves to one of its files. The
//! regional rate per 100,000 is suppressed in exactly the cells of its count.

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
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    // Before any release there is no site to export: an error that says so, nothing written.
    let export = |args: &[&str]| {
        wh.cmd(&["dashboards", "export", "--out"])
            .arg(&site)
            .args(args)
            .output()
            .unwrap()
    };
    let early = export(&[]);
    assert!(!early.status.success());
    assert_eq!(
        String::from_utf8_lossy(&early.stderr).trim(),
        "marsad: nothing is released yet: the public's files are a release's; make one with `marsad release create --snapshot N --name NAME`"
    );
    assert!(!site.exists());
    // The rate per 100,000 is suppressed in exactly the cells where its count is.
    let cells = |id: &str| {
        format!(
            "select period, ref_area, conf_status from indicators.observations where indicator_id = '{id}'"
        )
    };
    let differ = format!(
        "select count(*) from (({} except {}) union all ({} except {}))",
        cells("PMP_CASES_BY_REGION"),
        cells("PMP_CASES_PER_100K_BY_REGION"),
        cells("PMP_CASES_PER_100K_BY_REGION"),
        cells("PMP_CASES_BY_REGION"),
    );
    assert_eq!(wh.number(&differ), 0.0);
    assert_eq!(
        wh.number("select count(*) from indicators.observations where indicator_id = 'PMP_CASES_PER_100K_BY_REGION' and conf_status <> 'F'"),
        wh.number("select count(*) from indicators.observations where indicator_id = 'PMP_CASES_BY_REGION' and conf_status <> 'F'"),
    );
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

    // The served pages name the release shown.
    let (_, _, body) = get_with(addr, "/en/regions.html", &[]);
    let html = String::from_utf8(body).unwrap();
    assert!(
        html.contains("<footer class=\"site\"><p>Release “test” of 20"),
        "{html}"
    );
    assert!(html.contains("PMP_CASES_PER_100K_BY_REGION.html"));

    // The static site of the latest public release: every page and download, links
    // relative, all resolving.
    let exported = export(&[]);
    assert_success(&exported, "dashboards export");
    assert!(String::from_utf8_lossy(&exported.stdout).contains(" of release test (snapshot "));
    let (pages, broken) = broken_links(&site);
    assert_eq!(pages, 3 * 24 + 1);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    let ar = std::fs::read_to_string(site.join("ar/index.html")).unwrap();
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(!ar.contains("internal-banner"));
    assert!(!site.join("en/indicators/DATA_COMPLETENESS.html").exists());
    let footer = std::fs::read_to_string(site.join("fr/index.html")).unwrap();
    assert!(footer.contains("<footer class=\"site\"><p>Publication « test » du 20"));

    // A release under embargo is not the latest public one, and cannot be asked for.
    let embargoed = wh
        .cmd(&["release", "create", "--name", "later", "--by", "test"])
        .args(["--embargo-until", "2999-01-01T09:00:00Z", "--snapshot"])
        .arg((snapshot as i64).to_string())
        .output()
        .unwrap();
    assert_success(&embargoed, "release create (embargoed)");
    let exported = export(&[]);
    assert_success(&exported, "dashboards export");
    assert!(String::from_utf8_lossy(&exported.stdout).contains(" of release test (snapshot "));
    let refused = export(&["--release", "later"]);
    assert!(!refused.status.success());
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr).trim(),
        "marsad: release `later` is under embargo until 2999-01-01T09:00:00Z: nothing of it is public before then"
    );
    let unknown = export(&["--release", "nope"]);
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr).trim(),
        "marsad: there is no release `nope` (releases: test, later)"
    );
    assert_success(
        &export(&["--release", "test"]),
        "dashboards export --release test",
    );
}
