//! The pages on the samples' observations (`tests/fixtures/*.parquet`, as `indicators export`
//! writes them): every page in three languages, exact figures per locale, suppressed cells
//! never a zero, the analyst banner, and the static site's links.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use marsad_indicators::export::Role;
use marsad_indicators::observations::{self, Observation};
use marsad_indicators::Catalog;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::*;

fn fixture(name: &str) -> Vec<Observation> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let file = std::fs::File::open(&path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    observations::from_batches(&batches).unwrap()
}

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

/// The release the public pages show: `2026-Q4`, of snapshot 8, public from 30 November 2026.
fn release() -> &'static Release {
    static RELEASE: std::sync::OnceLock<Release> = std::sync::OnceLock::new();
    RELEASE.get_or_init(|| {
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        Release {
            name: "2026-Q4".into(),
            snapshot_id: 8,
            embargo_until: Some(at("2026-11-30T09:00:00Z")),
            steward_notes: None,
            notes_fr: String::new(),
            notes_ar: String::new(),
            notes_en: String::new(),
            created_at: at("2026-11-29T17:00:00Z"),
            created_by: "steward".into(),
            licence: None,
        }
    })
}

/// The public sees a release; an analyst, snapshot 8.
fn site<'a>(catalog: &'a Catalog, obs: &'a [Observation], role: Role) -> Site<'a> {
    Site {
        catalog,
        observations: obs,
        snapshot_id: 8,
        release: (role == Role::Public).then(release),
        role,
        mode: Mode::Server,
    }
}

fn render(site: &Site, lang: Lang, page: &Page) -> String {
    site.render(lang, page, &Selection::default())
        .unwrap_or_else(|e| panic!("{lang} {page:?}: {e}"))
}

/// The text of every `<td …>` cell of a page (tags inside stripped).
fn cells(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<td") {
        rest = &rest[start..];
        let open_end = rest.find('>').unwrap();
        let attrs = rest[3..open_end].to_string();
        let close = rest.find("</td>").unwrap();
        let inner = &rest[open_end + 1..close];
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        out.push((attrs, text));
        rest = &rest[close..];
    }
    out
}

#[test]
fn every_page_renders_in_three_languages() {
    let catalog = catalog();
    let obs = fixture("public.parquet");
    let site = site(&catalog, &obs, Role::Public);
    let pages = site.pages();
    // 5 themes + the 18 approved indicators with observations.
    assert_eq!(pages.len(), 23, "{pages:?}");
    assert!(!pages.contains(&Page::Indicator("DATA_COMPLETENESS".into())));
    for lang in Lang::ALL {
        for page in &pages {
            let html = render(&site, lang, page);
            assert!(html.starts_with("<!DOCTYPE html><html lang=\""), "{html}");
            assert!(
                html.contains(&format!("lang=\"{}\" dir=\"{}\"", lang.code(), lang.dir())),
                "{lang} {page:?}"
            );
            assert!(!html.contains("internal-banner"), "{lang} {page:?}");
            assert!(!html.contains("<script"), "{lang} {page:?}");
            assert!(!html.contains("http://") || html.contains("http://www.w3.org/2000/svg"));
            // Every chart is followed by its data table.
            let mut rest = html.as_str();
            while let Some(i) = rest.find("role=\"img\"") {
                rest = &rest[i + 10..];
                let table = rest.find("<table").unwrap_or(usize::MAX);
                let next_chart = rest.find("role=\"img\"").unwrap_or(usize::MAX);
                assert!(
                    table < next_chart,
                    "{lang} {page:?}: a chart without its table"
                );
            }
        }
    }
}

#[test]
fn a_known_ncmec_value_in_each_locale() {
    let catalog = catalog();
    let obs = fixture("public.parquet");
    let site = site(&catalog, &obs, Role::Public);
    let page = Page::Indicator("NCMEC_MA_REPORTS".into());
    // NCMEC CyberTipline reports for Morocco, 2023: 543,638 (data-samples/ncmec).
    for (lang, text) in [
        (Lang::Fr, "543.638"),
        (Lang::Ar, "543.638"),
        (Lang::En, "543,638"),
    ] {
        let html = render(&site, lang, &page);
        let row = html
            .find("<bdi>2023</bdi>")
            .unwrap_or_else(|| panic!("{lang}: no 2023 row"));
        let td = cells(&html[row..])[0].1.clone();
        assert_eq!(td, text, "{lang}");
        // The overview's headline shows the same figure.
        let overview = render(&site, lang, &Page::Overview);
        assert!(overview.contains(&format!("<bdi>{text}</bdi>")), "{lang}");
    }
    // Arabic pages: right to left, Arabic labels, charts left to right.
    let ar = render(&site, Lang::Ar, &page);
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(ar.contains("تبليغات CyberTipline المتعلقة بالمغرب"));
    assert!(ar.contains("style=\"direction:ltr\""));
    assert!(ar.contains("التحميلات"));
    // The 2023 change on 2022 (258,172 → 543,638: +110.6 %).
    let en = render(&site, Lang::En, &Page::Overview);
    assert!(en.contains("+110.6% on 2022"), "{en}");
    let fr = render(&site, Lang::Fr, &Page::Overview);
    assert!(fr.contains("+110,6\u{a0}% par rapport à 2022"));
}

#[test]
fn no_suppressed_value_renders_as_zero() {
    let catalog = catalog();
    let public = fixture("public.parquet");
    let analyst = fixture("analyst.parquet");
    let site_public = site(&catalog, &public, Role::Public);
    let suppressed: BTreeSet<(String, String, [String; 6])> = public
        .iter()
        .filter(|o| o.obs_status == marsad_indicators::observations::SUPPRESSED)
        .map(|o| {
            (
                o.indicator_id.clone(),
                o.period.clone(),
                o.breakdown.clone(),
            )
        })
        .collect();
    assert!(suppressed.len() > 20, "the samples have suppressed cells");
    let mut seen = 0;
    for lang in Lang::ALL {
        for page in site_public.pages() {
            let html = render(&site_public, lang, &page);
            for (attrs, text) in cells(&html) {
                if attrs.contains("data-suppressed") {
                    seen += 1;
                    assert_eq!(
                        text,
                        crate::messages::text(lang, "common.suppressed").unwrap()
                    );
                }
                assert!(text.trim() != "0" || !attrs.contains("suppressed"));
            }
        }
    }
    assert!(seen > 0);
    // Regions 2024: MA-08 is suppressed for the public, its own figure for an analyst.
    let regions = render(&site_public, Lang::En, &Page::Regions);
    let row = regions.find("data-region=\"MA-08\"").unwrap();
    let (attrs, text) = &cells(&regions[row..])[0];
    assert!(attrs.contains("data-suppressed=\"true\""), "{attrs}");
    assert_eq!(text, "suppressed");
    assert!(regions.contains("fill=\"url(#regions-map-hatch)\""));
    // Its count goes with its rate.
    let (attrs, text) = &cells(&regions[row..])[1];
    assert!(attrs.contains("data-suppressed=\"true\""), "{attrs}");
    assert_eq!(text, "suppressed");
    let o = analyst
        .iter()
        .find(|o| {
            o.indicator_id == "PMP_CASES_PER_100K_BY_REGION"
                && o.period == "2024"
                && o.breakdown[0] == "MA-08"
        })
        .unwrap();
    let site_analyst = site(&catalog, &analyst, Role::Analyst);
    let regions = render(&site_analyst, Lang::En, &Page::Regions);
    let row = regions.find("data-region=\"MA-08\"").unwrap();
    let tds = cells(&regions[row..]);
    let (attrs, text) = &tds[0];
    assert!(!attrs.contains("data-suppressed"));
    assert!(attrs.contains("data-confidential=\"C\""), "{attrs}");
    assert_eq!(
        text,
        &format!("{} C", crate::numbers::observation(Lang::En, o).unwrap())
    );
    // 1,655,623 inhabitants (RGPH 2024), 4 cases: 0.24 per 100,000, both marked C.
    assert_eq!(text, "0.24 C");
    assert_eq!(tds[1].1, "4 C");
    assert!(tds[1].0.contains("data-confidential=\"C\""));
}

#[test]
fn the_analyst_sees_the_internal_banner_and_drafts() {
    let catalog = catalog();
    let analyst = fixture("analyst.parquet");
    let site = site(&catalog, &analyst, Role::Analyst);
    assert!(site
        .pages()
        .contains(&Page::Indicator("DATA_COMPLETENESS".into())));
    for lang in Lang::ALL {
        let html = render(&site, lang, &Page::Overview);
        assert!(html.contains("class=\"internal-banner\""));
        assert!(html.contains(crate::messages::text(lang, "common.internal_banner").unwrap()));
    }
    let draft = render(
        &site,
        Lang::Fr,
        &Page::Indicator("DATA_COMPLETENESS".into()),
    );
    assert!(draft.contains("Brouillon"));
    // Its variables have no total: the figure names the one it holds.
    let variables: BTreeSet<&str> = analyst
        .iter()
        .filter(|o| o.indicator_id == "DATA_COMPLETENESS")
        .map(|o| o.breakdown[4].as_str())
        .collect();
    let first = variables.iter().next().unwrap();
    assert!(
        draft.contains(&format!(
            "<p class=\"fixed\"><bdi>Variable\u{a0}: {first}</bdi>"
        )),
        "{variables:?}"
    );
}

#[test]
fn the_selection_is_read_from_the_query_and_kept() {
    let catalog = catalog();
    let obs = fixture("public.parquet");
    let site = site(&catalog, &obs, Role::Public);
    let q = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let sel = Selection::parse(&q(&[
        ("breakdown", "sex"),
        ("from", "2022"),
        ("to", "2023"),
    ]))
    .unwrap();
    assert_eq!(sel.breakdown, Some(Dimension::Sex));
    let html = site
        .render(
            Lang::En,
            &Page::Indicator("EMC_REPORTS_SEX_SHARE".into()),
            &sel,
        )
        .unwrap();
    assert!(html.contains("<bdi>2022</bdi>") && html.contains("<bdi>2023</bdi>"));
    assert!(!html.contains("<bdi>2021</bdi>") && !html.contains("<bdi>2024</bdi>"));
    assert!(
        html.contains("<option value=\"2022\" selected>2022</option>"),
        "{html}"
    );
    // The other languages' links keep the selection.
    assert!(html.contains(
        "href=\"../../ar/indicators/EMC_REPORTS_SEX_SHARE.html?breakdown=sex&amp;from=2022&amp;to=2023\""
    ));
    assert_eq!(
        Selection::parse(&q(&[("year", "2022")]))
            .unwrap_err()
            .to_string(),
        "unknown parameter `year`; expected one of breakdown, from, to"
    );
    assert_eq!(
        Selection::parse(&q(&[("from", "22")]))
            .unwrap_err()
            .to_string(),
        "from: `22` is not a year (e.g. 2023)"
    );
    let wrong = Selection::parse(&q(&[("breakdown", "age_band")])).unwrap();
    assert_eq!(
        site.render(
            Lang::En,
            &Page::Indicator("EMC_REPORTS_SEX_SHARE".into()),
            &wrong
        )
        .unwrap_err()
        .to_string(),
        "breakdown: EMC_REPORTS_SEX_SHARE is not broken down by `age_band`; expected one of sex"
    );
    assert!(matches!(
        site.render(
            Lang::En,
            &Page::Indicator("DATA_COMPLETENESS".into()),
            &Selection::default()
        ),
        Err(DashboardError::NotFound { .. })
    ));
}

#[test]
fn survey_estimates_show_their_intervals() {
    let catalog = catalog();
    let obs = fixture("public.parquet");
    let site = site(&catalog, &obs, Role::Public);
    let sdg: Vec<&Observation> = site.of("SDG_16_2_3");
    let female = sdg.iter().find(|o| o.breakdown[1] == "F").unwrap();
    let (lo, hi) = (female.lower_bound.unwrap(), female.upper_bound.unwrap());
    let html = render(&site, Lang::Fr, &Page::Indicator("SDG_16_2_3".into()));
    let expected = format!(
        "[IC 95\u{a0}% : {} – {}]",
        crate::numbers::number(Lang::Fr, lo, 1).unwrap(),
        crate::numbers::number(Lang::Fr, hi, 1).unwrap()
    );
    assert!(html.contains(&expected), "{expected}");
    assert!(html.contains("<bdi>10,1</bdi>"));
}

#[test]
fn page_paths_round_trip() {
    for p in Page::THEMES {
        assert_eq!(Page::from_path(&p.file()), Some(p.clone()));
    }
    assert_eq!(Page::from_path(""), Some(Page::Overview));
    assert_eq!(Page::from_path("justice"), Some(Page::Justice));
    assert_eq!(
        Page::from_path("indicators/SDG_16_2_3.html"),
        Some(Page::Indicator("SDG_16_2_3".into()))
    );
    assert_eq!(Page::from_path("indicators/../x"), None);
    assert_eq!(Page::from_path("nope.html"), None);
}

/// Every `href="…"` and `src="…"` of the exported HTML resolves to a file of the export
/// (fragments and the licence's external link aside).
pub fn broken_links(dir: &Path, files: &[std::path::PathBuf]) -> Vec<String> {
    let mut broken = Vec::new();
    for rel in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "html"))
    {
        let html = std::fs::read_to_string(dir.join(rel)).unwrap();
        for attr in ["href=\"", "src=\""] {
            let mut rest = html.as_str();
            while let Some(i) = rest.find(attr) {
                rest = &rest[i + attr.len()..];
                let end = rest.find('"').unwrap();
                let link = &rest[..end];
                rest = &rest[end..];
                if link.starts_with("https://")
                    || link.starts_with('#')
                    || link.starts_with("data:")
                {
                    continue;
                }
                let target = link.split(['#', '?']).next().unwrap();
                let base = rel.parent().unwrap_or(Path::new(""));
                let path = dir.join(base).join(target);
                if !path.is_file() {
                    broken.push(format!("{}: {link}", rel.display()));
                }
            }
        }
    }
    broken
}

#[test]
fn the_static_site_links_all_resolve() {
    let catalog = catalog();
    let obs = fixture("public.parquet");
    let dir = tempfile::tempdir().unwrap();
    let files = export::write_site(dir.path(), &catalog, &obs, release()).unwrap();
    // 3 × 23 pages, the root page, the stylesheet, 18 × 6 downloads.
    assert_eq!(files.len(), 3 * 23 + 2 + 18 * 6);
    let broken = broken_links(dir.path(), &files);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    let page =
        std::fs::read_to_string(dir.path().join("ar/indicators/NCMEC_MA_REPORTS.html")).unwrap();
    assert!(page.contains("href=\"../../downloads/NCMEC_MA_REPORTS/observations.csv\""));
    assert!(page.contains("href=\"../../style.css\""));
    // A static page offers no selection form: it could not answer it.
    assert!(!page.contains("<form"));
    let csv = std::fs::read_to_string(
        dir.path()
            .join("downloads/NCMEC_MA_REPORTS/observations.csv"),
    )
    .unwrap();
    assert!(
        csv.contains("NCMEC_MA_REPORTS,1,2023,MA,_Z,_Z,_Z,_Z,_Z,543638,"),
        "{csv}"
    );
}

#[test]
fn an_unpublished_estimate_says_why() {
    let catalog = catalog();
    let mut obs = fixture("public.parquet");
    // A survey estimate withheld for low reliability: OBS_STATUS Q, confidentiality free.
    let male = obs
        .iter_mut()
        .find(|o| o.indicator_id == "SDG_16_2_3" && o.breakdown[1] == "M")
        .unwrap();
    male.obs_status = "Q".into();
    male.value = None;
    male.lower_bound = None;
    male.upper_bound = None;
    let site = site(&catalog, &obs, Role::Public);
    let html = render(&site, Lang::En, &Page::Indicator("SDG_16_2_3".into()));
    assert!(html.contains(
        "Not published: a survey estimate too unreliable to publish (coefficient of variation too high or too few respondents)."
    ));
    // Not said to be a confidentiality suppression.
    assert!(!html.contains("value suppressed to protect confidentiality"));
    let row = html.find("<bdi>2025</bdi>").unwrap();
    let tds = cells(&html[row..]);
    assert_eq!(tds[1].1, "suppressed");
    assert!(tds[1].0.contains("data-suppressed=\"true\""));
}

#[test]
fn many_categories_are_bars_by_code_and_a_row_each() {
    let catalog = catalog();
    let obs = fixture("public.parquet");
    let site = site(&catalog, &obs, Role::Public);
    let html = render(
        &site,
        Lang::En,
        &Page::Indicator("PMP_CASES_BY_REGION".into()),
    );
    // The bars carry the regions' numbers; the table names each region with its number.
    assert!(html.contains(">\n01\n</text>"), "{html}");
    let row = html
        .find("<bdi>Tanger-Tétouan-Al Hoceima (01)</bdi>")
        .unwrap();
    let tds = cells(&html[row..]);
    // 2021 (suppressed), 2022 (suppressed), 2023: 11, 2024: 8.
    let texts: Vec<&str> = tds.iter().take(4).map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts, ["suppressed", "suppressed", "11", "8"]);
    // The national total is a row of its own, after the regions and the unknown.
    let national = html.find("<bdi>Morocco (national)</bdi>").unwrap();
    assert!(national > html.find("<bdi>Unknown region (_U)</bdi>").unwrap());
    assert_eq!(cells(&html[national..])[3].1, "84");
}

#[test]
fn the_regions_map_shows_the_rate_per_100000_and_the_table_its_count() {
    let catalog = catalog();
    let obs = fixture("public.parquet");
    let site = site(&catalog, &obs, Role::Public);
    let html = render(&site, Lang::En, &Page::Regions);
    assert!(html.contains(
        "<a href=\"indicators/PMP_CASES_PER_100K_BY_REGION.html\">AESE cases per 100,000 inhabitants, by region</a>"
    ));
    assert!(html.contains("<th scope=\"col\">Rate (per 100,000 inhabitants)</th>"));
    assert!(html.contains("<th scope=\"col\">Number</th>"));
    // 2024: Tanger-Tétouan-Al Hoceïma, 8 cases for 4,030,222 inhabitants (RGPH 2024).
    let texts = |from: &str| -> Vec<String> {
        let at = html.find(from).unwrap_or_else(|| panic!("no {from}"));
        cells(&html[at..])
            .into_iter()
            .take(2)
            .map(|(_, t)| t)
            .collect()
    };
    assert_eq!(texts("data-region=\"MA-01\""), ["0.20", "8"]);
    assert_eq!(texts("data-region=\"MA-06\""), ["0.20", "15"]);
    // Apart: the nation (84 cases for 36,828,330), and the unknown region, which has no
    // population (no rate) and whose count of 4 is suppressed.
    assert_eq!(texts("Morocco (national)"), ["0.23", "84"]);
    assert_eq!(texts("Unknown region"), ["suppressed", "suppressed"]);
    // The legend's classes (of the published rates), the suppressed regions hatched.
    // A class of one figure is labelled with it.
    for label in ["0.20", "0.21 to 0.22", "0.23 to 0.24"] {
        assert!(
            html.contains(&format!("</span> <bdi>{label}</bdi></li>")),
            "{label}"
        );
    }
    assert!(html.contains("<span class=\"swatch hatched\"></span> suppressed</li>"));
    assert!(html.contains("fill=\"url(#regions-map-hatch)\""));
}

#[test]
fn overview_caveats_are_the_catalogues_in_the_pages_language() {
    let catalog = catalog();
    let obs = fixture("public.parquet");
    let site = site(&catalog, &obs, Role::Public);
    for lang in Lang::ALL {
        let html = render(&site, lang, &Page::Overview);
        for id in [
            "PMP_AESE_CASES",
            "EMC_REPORTS",
            "NCMEC_MA_REPORTS",
            "SDG_16_2_3",
        ] {
            let ind = catalog.get(id).unwrap();
            let card = &html[html.find(&format!("indicators/{id}.html")).unwrap()..];
            let caveat = &card[card.find("<p class=\"caveat\">").unwrap() + 18..];
            let caveat = &caveat[..caveat.find("</p>").unwrap()];
            // The first caveat of the catalogue that concerns the figure's period.
            let period = obs
                .iter()
                .filter(|o| o.indicator_id == id)
                .map(|o| o.period.clone())
                .max()
                .unwrap();
            let expected = &ind.caveats_for(&period)[0].text;
            let expected = figures::text_of(expected, lang);
            assert_eq!(
                caveat,
                maud::html! { (expected) }.into_string(),
                "{lang} {id}"
            );
        }
    }
    // NCMEC's is its source's; the others are their own.
    let en = render(&site, Lang::En, &Page::Overview);
    assert!(en.contains(
        "<p class=\"caveat\">Cases registered by prosecutors, not victims or offenders: one case may involve several people.</p>"
    ));
    assert!(en.contains(
        "<p class=\"caveat\">Calls to a helpline: a rise may reflect better awareness of the line rather than more abuse.</p>"
    ));
}

#[test]
fn the_footer_names_the_release_shown() {
    let catalog = catalog();
    let obs = fixture("public.parquet");
    let public = site(&catalog, &obs, Role::Public);
    for (lang, text) in [
        (
            Lang::Fr,
            "Publication « 2026-Q4 » du 2026-11-30, entrepôt Marsad (ONC).",
        ),
        (
            Lang::Ar,
            "إصدار «2026-Q4» بتاريخ 2026-11-30، مستودع مرصد (المرصد الوطني للإجرام).",
        ),
        (
            Lang::En,
            "Release “2026-Q4” of 2026-11-30, Marsad warehouse (ONC).",
        ),
    ] {
        let html = render(&public, lang, &Page::Regions);
        assert!(
            html.contains(&format!("<footer class=\"site\"><p>{text}</p>")),
            "{lang}"
        );
        assert!(!html.contains("snapshot 8"));
    }
    // An analyst's view of a snapshot says which.
    let analyst = fixture("analyst.parquet");
    let internal = site(&catalog, &analyst, Role::Analyst);
    let html = render(&internal, Lang::En, &Page::Overview);
    assert!(html.contains("<p>Data from snapshot 8 of the Marsad warehouse (ONC).</p>"));
}

#[test]
fn breaks_in_series_are_noted_and_not_joined() {
    let catalog = catalog();
    let mut obs = fixture("public.parquet");
    let site_ = site(&catalog, &obs, Role::Public);
    // EMC_REPORTS_AGE_SHARE: its own break (2022) and its source's (2021, the portal's first
    // year), listed first among the notes, with their years.
    let html = render(
        &site_,
        Lang::En,
        &Page::Indicator("EMC_REPORTS_AGE_SHARE".into()),
    );
    let notes = &html[html.find("id=\"notes-h\"").unwrap()..];
    let first = &notes[notes.find("<li").unwrap()..];
    assert!(
        first.starts_with("<li class=\"break\"><strong><bdi>Break in series in 2022</bdi></strong> — For 2022 EMC published only"),
        "{first}"
    );
    assert!(notes.contains("<li class=\"break\"><strong><bdi>Break in series in 2021</bdi></strong> — 2021 is the first year"));
    let ind = catalog.get("EMC_REPORTS_AGE_SHARE").unwrap();
    assert_eq!(figures::breaks(ind, []), [2021, 2022].into());
    // A year the data marks as a break (OBS_STATUS B) is not joined to the year before: the
    // EMC reports' line, one segment, becomes two.
    let line_segments = |html: &str| {
        html.lines()
            .filter(|l| l.starts_with("<polyline") && l.contains("stroke=\"#08306B\""))
            .count()
    };
    let before = render(&site_, Lang::En, &Page::Indicator("EMC_REPORTS".into()));
    let mut years: Vec<String> = obs
        .iter()
        .filter(|o| o.indicator_id == "EMC_REPORTS")
        .map(|o| o.period.clone())
        .collect();
    years.sort();
    // 2023: 2021-2022 and 2023-2024.
    let marked = years[years.len() - 2].clone();
    obs.iter_mut()
        .find(|o| o.indicator_id == "EMC_REPORTS" && o.period == marked)
        .unwrap()
        .obs_status = "B".into();
    let site_ = site(&catalog, &obs, Role::Public);
    let after = render(&site_, Lang::En, &Page::Indicator("EMC_REPORTS".into()));
    assert_eq!(
        line_segments(&after),
        line_segments(&before) + 1,
        "{years:?}"
    );
    assert!(after.contains("<li>A break in series interrupts the line: the year of the break is not joined to the year before.</li>"));
}

#[test]
fn the_public_site_names_its_release_licence_in_footers_and_downloads() {
    let catalog = catalog();
    let public = fixture("public.parquet");
    let cc0 = Release {
        licence: Some("CC0-1.0".into()),
        ..release().clone()
    };
    let site = Site {
        release: Some(&cc0),
        ..site(&catalog, &public, Role::Public)
    };
    let html = render(&site, Lang::En, &Page::Overview);
    assert!(html.contains(">CC0-1.0</a>"), "{html}");
    let files = site.downloads("NCMEC_MA_REPORTS").unwrap();
    let (_, package) = files
        .iter()
        .find(|(name, _)| name == "datapackage.json")
        .unwrap();
    let package: serde_json::Value = serde_json::from_slice(package).unwrap();
    // The files of the release, as `indicators export --role public` writes them.
    assert_eq!(package["version"], "2026-Q4");
    assert_eq!(package["licenses"][0]["name"], "CC0-1.0");
}
