use super::*;
use crate::catalog::Catalog;

/// A count indicator with the given breakdowns, from the embedded catalogue's shape.
fn indicator(unit: Unit, dims: &[Dimension]) -> Indicator {
    let mut ind = Catalog::embedded()
        .unwrap()
        .get("PMP_CASES_BY_REGION")
        .unwrap()
        .clone();
    ind.def.unit = unit;
    ind.def.dimensions = std::iter::once(Dimension::Period)
        .chain(dims.iter().copied())
        .collect();
    ind
}

fn cell(ref_area: &str, sex: &str, value: f64) -> Observation {
    Observation {
        indicator_id: "T".into(),
        indicator_version: 1,
        indicator_status: "approved".into(),
        period: "2024".into(),
        breakdown: [
            ref_area.into(),
            sex.into(),
            "_Z".into(),
            "_Z".into(),
            "_Z".into(),
            "_Z".into(),
        ],
        value: Some(value),
        numerator: Some(value),
        denominator: None,
        unit: "NUMBER".into(),
        unit_mult: 0,
        decimals: 0,
        obs_status: "A".into(),
        conf_status: FREE.into(),
        lower_bound: None,
        upper_bound: None,
        obs_comment: None,
        snapshot_id: 1,
        definition_hash: String::new(),
        engine_version: None,
        computed_at_micros: 0,
    }
}

fn statuses(obs: &[Observation]) -> Vec<&str> {
    obs.iter().map(|o| o.conf_status.as_str()).collect()
}

#[test]
fn one_small_cell_gets_a_complement_and_the_total_stays() {
    let ind = indicator(Unit::Count, &[Dimension::RefArea]);
    let mut obs = vec![
        cell("MA", "_Z", 40.0),
        cell("MA-01", "_Z", 3.0),
        cell("MA-02", "_Z", 20.0),
        cell("MA-03", "_Z", 9.0),
        cell("MA-04", "_Z", 8.0),
    ];
    protect(&ind, &mut obs);
    // 3 is primary; the smallest other region (8) is the complement; 0 cells untouched.
    assert_eq!(statuses(&obs), ["F", "C", "F", "F", "D"]);
    assert!(derivable(&ind, &obs).is_empty());
}

#[test]
fn zero_is_not_suppressed_and_national_totals_are_not_disaggregated() {
    let ind = indicator(Unit::Count, &[Dimension::RefArea]);
    let mut obs = vec![
        cell("MA", "_Z", 3.0),
        cell("MA-01", "_Z", 0.0),
        cell("MA-02", "_Z", 3.0),
    ];
    protect(&ind, &mut obs);
    // MA-02 (3) is primary; the only other category is 0, so the complement is the total.
    assert_eq!(statuses(&obs), ["D", "F", "C"]);
    assert!(derivable(&ind, &obs).is_empty());
}

#[test]
fn a_share_total_is_known_so_the_complement_is_a_category() {
    let ind = indicator(Unit::Percent, &[Dimension::Sex]);
    let mut obs = vec![
        cell("MA", "F", 24.0),
        cell("MA", "M", 36.0),
        cell("MA", "_T", 64.0),
        cell("MA", "_U", 4.0),
    ];
    protect(&ind, &mut obs);
    assert_eq!(statuses(&obs), ["D", "F", "F", "C"]);
    assert!(derivable(&ind, &obs).is_empty());
}

/// Two suppressed rectangles joined by one suppressed cell: every row and column has two
/// suppressed cells, yet the joining cell is exactly derivable. The audit finds it and the
/// protection adds a complement.
#[test]
fn the_audit_catches_what_counting_per_group_misses() {
    let ind = indicator(Unit::Count, &[Dimension::RefArea, Dimension::Sex]);
    let regions = ["MA-01", "MA-02", "MA-03", "MA-04"];
    let sexes = ["F", "M", "_U", "X"];
    let value = |r: usize, s: usize| 10.0 + (r * 4 + s) as f64;
    let mut obs = Vec::new();
    for (r, reg) in regions.iter().enumerate() {
        for (s, sex) in sexes.iter().enumerate() {
            obs.push(cell(reg, sex, value(r, s)));
        }
        obs.push(cell(reg, "_T", (0..4).map(|s| value(r, s)).sum()));
    }
    for (s, sex) in sexes.iter().enumerate() {
        obs.push(cell("MA", sex, (0..4).map(|r| value(r, s)).sum()));
    }
    obs.push(cell(
        "MA",
        "_T",
        obs.iter()
            .filter(|o| o.breakdown[0] != "MA" && o.breakdown[1] != "_T")
            .filter_map(|o| o.value)
            .sum(),
    ));
    let at = |obs: &[Observation], r: &str, s: &str| {
        obs.iter()
            .position(|o| o.breakdown[0] == r && o.breakdown[1] == s)
            .unwrap()
    };
    // rectangle 1: rows 01,02 × cols F,M; rectangle 2: rows 03,04 × cols _U,X; bridge 01×_U.
    let pattern = [
        ("MA-01", "F"),
        ("MA-01", "M"),
        ("MA-02", "F"),
        ("MA-02", "M"),
        ("MA-03", "_U"),
        ("MA-03", "X"),
        ("MA-04", "_U"),
        ("MA-04", "X"),
        ("MA-01", "_U"),
    ];
    let mut manual = obs.clone();
    for (r, s) in pattern {
        let i = at(&manual, r, s);
        manual[i].conf_status = PRIMARY.into();
    }
    let bridge = at(&manual, "MA-01", "_U");
    assert_eq!(derivable(&ind, &manual), vec![bridge]);

    // Through `protect`: make exactly those cells small.
    for (r, s) in pattern {
        let i = at(&obs, r, s);
        obs[i].value = Some(2.0);
    }
    protect(&ind, &mut obs);
    assert!(derivable(&ind, &obs).is_empty());
    assert!(obs
        .iter()
        .all(|o| o.value != Some(2.0) || o.is_suppressed()));
}

#[test]
fn random_two_way_tables_end_with_nothing_derivable() {
    let ind = indicator(Unit::Count, &[Dimension::RefArea, Dimension::Sex]);
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % 12
    };
    for _ in 0..200 {
        let regions = ["MA-01", "MA-02", "MA-03", "MA-04", "MA-05"];
        let sexes = ["F", "M", "_U"];
        let mut obs = Vec::new();
        let mut grid = [[0.0; 3]; 5];
        for (r, reg) in regions.iter().enumerate() {
            for (s, sex) in sexes.iter().enumerate() {
                grid[r][s] = next() as f64;
                obs.push(cell(reg, sex, grid[r][s]));
            }
            obs.push(cell(reg, "_T", grid[r].iter().sum()));
        }
        for (s, sex) in sexes.iter().enumerate() {
            obs.push(cell("MA", sex, grid.iter().map(|row| row[s]).sum()));
        }
        obs.push(cell("MA", "_T", grid.iter().flatten().sum()));
        protect(&ind, &mut obs);
        assert!(derivable(&ind, &obs).is_empty(), "{:?}", statuses(&obs));
        for o in &obs {
            let disaggregated = o.breakdown[0] != "MA" || o.breakdown[1] != "_T";
            if disaggregated && o.value.is_some_and(|v| v > 0.0 && v < 5.0) {
                assert!(o.is_suppressed());
            }
        }
    }
}

/// A share with one category: its count is the total, which every cell's denominator
/// publishes, so no complement can hide it. The period is withheld, not published with
/// the leak; the other period is untouched.
#[test]
fn a_table_that_cannot_be_closed_is_withheld_not_published() {
    let ind = indicator(Unit::Percent, &[Dimension::Sex]);
    let share = |period: &str, sex: &str, n: f64, d: f64| Observation {
        period: period.into(),
        value: Some(100.0 * n / d),
        numerator: Some(n),
        denominator: Some(d),
        ..cell("MA", sex, 0.0)
    };
    let mut obs = vec![
        share("2023", "F", 3.0, 3.0),
        share("2023", "_T", 3.0, 3.0),
        share("2024", "F", 12.0, 20.0),
        share("2024", "M", 8.0, 20.0),
        share("2024", "_T", 20.0, 20.0),
    ];
    protect(&ind, &mut obs);
    assert_eq!(statuses(&obs), ["N", "N", "F", "F", "F"]);
    for o in &obs[..2] {
        assert_eq!(o.obs_comment.as_deref(), Some(WITHHELD_UNSAFE));
        let public = o.public();
        assert_eq!(
            (public.value, public.numerator, public.denominator),
            (None, None, None)
        );
        assert_eq!(public.obs_status, "Q");
        assert_eq!(
            public_comment(&public, &[]).as_deref(),
            Some(WITHHELD_UNSAFE)
        );
    }
    assert!(derivable(&ind, &obs).is_empty());
}

/// The embedded EMC indicators of one year, as the samples give 2021: reports by age band
/// (5-12: 3, 13-17: 9, 18-25: 24, 26+: 20, unknown: 8), minors 12 of 64.
fn emc_2021(minors: f64) -> (Catalog, Vec<Observation>) {
    let catalog = Catalog::embedded().unwrap();
    let mut obs = Vec::new();
    let mut add = |id: &str, band: &str, v: f64, n: Option<f64>, d: Option<f64>| {
        let mut o = cell("MA", "_Z", v);
        o.indicator_id = id.into();
        o.period = "2021".into();
        o.breakdown[2] = band.into();
        o.numerator = n;
        o.denominator = d;
        obs.push(o);
    };
    add("EMC_REPORTS", "_Z", 64.0, Some(64.0), None);
    for (band, n) in [
        ("5-12", 3.0),
        ("13-17", 9.0),
        ("18-25", 24.0),
        ("26+", 20.0),
        ("_U", 8.0),
        ("_T", 64.0),
    ] {
        add(
            "EMC_REPORTS_AGE_SHARE",
            band,
            100.0 * n / 64.0,
            Some(n),
            Some(64.0),
        );
    }
    add(
        "EMC_REPORTS_MINORS_SHARE",
        "_Z",
        100.0 * minors / 64.0,
        Some(minors),
        Some(64.0),
    );
    for ind in &catalog.indicators {
        let mine: Vec<usize> = (0..obs.len())
            .filter(|&i| obs[i].indicator_id == ind.id())
            .collect();
        let mut part: Vec<Observation> = mine.iter().map(|&i| obs[i].clone()).collect();
        protect(ind, &mut part);
        for (i, o) in mine.into_iter().zip(part) {
            obs[i] = o;
        }
    }
    (catalog, obs)
}

/// Age 5-12 is suppressed in the age table, but minors (12) − 13-17 (9) − 0-4 (no row: 0)
/// gives it back: the linked audit sees it, and the minors' share of 2021 goes too.
#[test]
fn linked_tables_hide_what_one_table_alone_would_give_away() {
    let (catalog, mut obs) = emc_2021(12.0);
    assert_eq!(statuses(&obs), ["F", "C", "F", "F", "F", "D", "F", "F"]);
    assert_eq!(
        derivable(catalog.get("EMC_REPORTS_AGE_SHARE").unwrap(), &obs[1..7]),
        Vec::<usize>::new()
    );
    // Before: the suppressed 5-12 (index 1) and unknown (index 5) are both derivable.
    assert_eq!(derivable_linked(&catalog, &obs).unwrap(), [1, 5]);
    protect_linked(&catalog, &mut obs).unwrap();
    assert_eq!(statuses(&obs), ["F", "C", "F", "F", "F", "D", "F", "D"]);
    assert!(derivable_linked(&catalog, &obs).unwrap().is_empty());
}

/// A declared link that the figures contradict (minors 13, but the minor bands hold 12)
/// cannot be audited: the whole group's period is withheld, with the reason.
#[test]
fn a_link_that_does_not_add_up_withholds_the_period() {
    let (catalog, mut obs) = emc_2021(13.0);
    protect_linked(&catalog, &mut obs).unwrap();
    assert!(
        obs.iter().all(|o| o.conf_status == WITHHELD),
        "{:?}",
        statuses(&obs)
    );
    let public = obs[0].public();
    assert_eq!(
        public_comment(&public, &[]).as_deref(),
        Some(WITHHELD_UNRECONCILED)
    );
}

#[test]
fn a_comment_giving_a_hidden_figure_is_replaced() {
    let mut o = cell("MA", "_Z", 18.75);
    o.obs_comment = Some("8 report(s) of unknown age counted in the denominator".into());
    assert_eq!(
        public_comment(&o, &[3.0, 8.0]).as_deref(),
        Some(COMMENT_WITHHELD)
    );
    assert_eq!(public_comment(&o, &[3.0, 4.7]), o.obs_comment);
    assert_eq!(
        numbers_in("CV 7.0%, 2971 respondents; 1,227 reports."),
        [7.0, 7.0, 2971.0, 2971.0, 1227.0, 1.227]
    );
}
