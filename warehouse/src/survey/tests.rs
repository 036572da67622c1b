//! Tests of the estimator against R: apisrs, apiclus2 (two stages, census strata, certainty
//! PSUs, domains) and hand-derived designs.

use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// A stratified, clustered design small enough to work out by hand.
/// Stratum A: PSUs a1 (rows y=1 w=2, y=3 w=2) and a2 (y=5 w=4); fpc 10 PSUs.
/// Stratum B: PSUs b1 (y=2 w=1), b2 (y=4 w=1), b3 (y=6 w=2); no fpc.
fn by_hand() -> Sample {
    let mut s = Sample::default();
    for (h, psu, fpc, w, y) in [
        ("A", "a1", Some(10.0), 2.0, 1.0),
        ("A", "a1", Some(10.0), 2.0, 3.0),
        ("A", "a2", Some(10.0), 4.0, 5.0),
        ("B", "b1", None, 1.0, 2.0),
        ("B", "b2", None, 1.0, 4.0),
        ("B", "b3", None, 2.0, 6.0),
    ] {
        s.add(h, psu, fpc, None, w, y, 0.0).unwrap();
    }
    s
}

/// R's `svymean(..., deff = TRUE)`: deff = V / V_srs with V_srs = svyvar / n · (N − n) / N,
/// svyvar = n / (n − 1) · Σw(y − ȳ)² / Σw, N = Σw; for `svytotal` V_srs is N² times that.
#[test]
fn design_effects_follow_r_on_a_clustered_design() {
    let rows = [
        (2.0, 1.0),
        (2.0, 3.0),
        (4.0, 5.0),
        (1.0, 2.0),
        (1.0, 4.0),
        (2.0, 6.0),
    ];
    let (n, big_n) = (6.0, 12.0);
    let ybar = rows.iter().map(|(w, y)| w * y).sum::<f64>() / big_n;
    let svyvar = n / (n - 1.0)
        * rows
            .iter()
            .map(|(w, y)| w * (y - ybar) * (y - ybar))
            .sum::<f64>()
        / big_n;
    let v_srs = svyvar / n * (big_n - n) / big_n;
    let mean = by_hand()
        .estimate(Estimator::Mean, LonelyPsu::Fail)
        .unwrap()
        .unwrap();
    let deff = mean.deff.unwrap();
    assert!(close(deff, mean.se * mean.se / v_srs, 1e-12), "{deff}");
    let total = by_hand()
        .estimate(Estimator::Total, LonelyPsu::Fail)
        .unwrap()
        .unwrap();
    assert!(
        close(total.deff.unwrap(), 199.2 / (v_srs * big_n * big_n), 1e-12),
        "{:?}",
        total.deff
    );
    // Clustering and unequal weights make this design less efficient than SRS here.
    assert!(deff > 1.0, "{deff}");
}

#[test]
fn total_of_a_stratified_clustered_design_by_hand() {
    // PSU totals: a1 = 8, a2 = 20 (mean 14): Σ(z - z̄)² = 36 + 36 = 72; f = 2/10;
    // V_A = 0.8 · 2/1 · 72 = 115.2. b1 = 2, b2 = 4, b3 = 12 (mean 6): Σ = 16+4+36 = 56;
    // V_B = 3/2 · 56 = 84. Total = 28 + 18 = 46; V = 199.2.
    let e = by_hand()
        .estimate(Estimator::Total, LonelyPsu::Fail)
        .unwrap()
        .unwrap();
    assert_eq!(e.estimate, 46.0);
    assert!(close(e.se, 199.2f64.sqrt(), 1e-12), "{}", e.se);
    assert!(close(e.ci_lower, 46.0 - Z_95 * 199.2f64.sqrt(), 1e-9));
    assert_eq!(e.n, 6);
}

#[test]
fn mean_of_a_stratified_clustered_design_by_hand() {
    // N̂ = 12, Ȳ = 46/12. z = (Σwy - Ȳ Σw)/N̂ per PSU:
    let ybar = 46.0 / 12.0;
    let z = |wy: f64, w: f64| (wy - ybar * w) / 12.0;
    let (a1, a2) = (z(8.0, 4.0), z(20.0, 4.0));
    let (b1, b2, b3) = (z(2.0, 1.0), z(4.0, 1.0), z(12.0, 2.0));
    let ma = (a1 + a2) / 2.0;
    let mb = (b1 + b2 + b3) / 3.0;
    let v = 0.8 * 2.0 * ((a1 - ma).powi(2) + (a2 - ma).powi(2))
        + 1.5 * ((b1 - mb).powi(2) + (b2 - mb).powi(2) + (b3 - mb).powi(2));
    let e = by_hand()
        .estimate(Estimator::Mean, LonelyPsu::Fail)
        .unwrap()
        .unwrap();
    assert!(close(e.estimate, ybar, 1e-12));
    assert!(close(e.se, v.sqrt(), 1e-12), "{} vs {}", e.se, v.sqrt());
}

#[test]
fn a_domain_keeps_the_psus_it_has_no_respondent_in() {
    // Domain: rows with y ≥ 4 — PSUs a2, b2, b3 only; n_h from the full design (2 and 3).
    let mut d = Sample::default();
    for (h, psu, fpc, n_h, w, y) in [
        ("A", "a2", Some(10.0), 2.0, 4.0, 5.0),
        ("B", "b2", None, 3.0, 1.0, 4.0),
        ("B", "b3", None, 3.0, 2.0, 6.0),
    ] {
        d.add(h, psu, fpc, Some(n_h), w, y, 0.0).unwrap();
    }
    // Domain total 20 + 4 + 12 = 36. Stratum A: z = (0, 20), mean 10, Σ = 200,
    // V_A = 0.8 · 2 · 200 = 320. Stratum B: z = (0, 4, 12), mean 16/3,
    // Σ = (16/3)² + (4 - 16/3)² + (12 - 16/3)² = 74.667; V_B = 1.5 · 74.667 = 112.
    let e = d
        .estimate(Estimator::Total, LonelyPsu::Fail)
        .unwrap()
        .unwrap();
    assert_eq!(e.estimate, 36.0);
    assert!(close(e.se, 432f64.sqrt(), 1e-9), "{}", e.se);
    // Without the design's PSU counts, stratum A would look like a lonely PSU.
    let mut naive = d.clone();
    for s in naive.strata.values_mut() {
        s.psus_in_design = None;
    }
    assert_eq!(
        naive.estimate(Estimator::Total, LonelyPsu::Fail),
        Err(SurveyError::LonelyPsu("A".into()))
    );
}

/// Two stages: 2 of 10 PSUs, 2 of 5 SSUs in each, one respondent per SSU (weight 12.5).
/// The textbook unbiased estimator: N²(1−f1)s1²/n + (N/n) Σ M²(1−f2)s2²/m
/// = 100·0.8·200/2 + 5·(25·0.6·2/2 + 25·0.6·8/2) = 8000 + 375 = 8375.
#[test]
fn two_stage_variance_by_hand() {
    let sample = |fpc1: Option<f64>| {
        let mut s = Sample::default();
        for (psu, ssu, y) in [
            ("A", "a1", 1.0),
            ("A", "a2", 3.0),
            ("B", "b1", 4.0),
            ("B", "b2", 8.0),
        ] {
            let second = SecondStage {
                ssu,
                fpc: Some(5.0),
                ssus_in_design: None,
            };
            s.add_unit("1", psu, fpc1, None, Some(second), 12.5, y, 0.0)
                .unwrap();
        }
        s.estimate(Estimator::Total, LonelyPsu::Fail)
            .unwrap()
            .unwrap()
    };
    let e = sample(Some(10.0));
    assert_eq!(e.estimate, 200.0);
    assert!(close(e.se, 8375f64.sqrt(), 1e-9), "{}", e.se);
    // Without a first-stage fpc, the with-replacement formula already covers stage two.
    let e = sample(None);
    assert!(close(e.se, 10000f64.sqrt(), 1e-9), "{}", e.se);
}

#[test]
fn lonely_psu_options() {
    let mut s = by_hand();
    s.add("C", "c1", None, None, 3.0, 7.0, 0.0).unwrap();
    assert_eq!(
        s.estimate(Estimator::Total, LonelyPsu::Fail),
        Err(SurveyError::LonelyPsu("C".into()))
    );
    let certain = s
        .estimate(Estimator::Total, LonelyPsu::Certainty)
        .unwrap()
        .unwrap();
    assert!(close(certain.se, 199.2f64.sqrt(), 1e-12));
    // centre: (21 - grand mean of the six PSU totals)² = (21 - 67/6)².
    let centre = s
        .estimate(Estimator::Total, LonelyPsu::Centre)
        .unwrap()
        .unwrap();
    let extra = (21.0f64 - 67.0 / 6.0).powi(2);
    assert!(close(centre.se, (199.2 + extra).sqrt(), 1e-9));
}

#[test]
fn fpc_must_be_constant_within_a_stratum() {
    let mut s = Sample::default();
    s.add("A", "1", Some(10.0), None, 1.0, 1.0, 0.0).unwrap();
    let err = s
        .add("A", "2", Some(12.0), None, 1.0, 1.0, 0.0)
        .unwrap_err();
    assert!(err.to_string().contains("fpc differs"), "{err}");
}

/// One school of R's `apiclus2` (tests/fixtures/apiclus2.csv): 40 of 757 districts, then
/// up to five schools in each district; `fpc2` is the district's number of schools, so the
/// 31 districts with five schools or fewer are a census at the second stage.
struct School {
    dnum: String,
    snum: String,
    stype: String,
    api00: f64,
    api99: f64,
    enroll: Option<f64>,
    fpc2: f64,
    pw: f64,
}

fn apiclus2() -> Vec<School> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/apiclus2.csv"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        panic!("{path} is missing");
    };
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let [dnum, snum, stype, api00, api99, enroll, fpc2, pw] = [
        "dnum", "snum", "stype", "api00", "api99", "enroll", "fpc2", "pw",
    ]
    .map(col);
    reader
        .records()
        .map(|rec| {
            let r = rec.unwrap();
            let num = |i: usize| r[i].parse::<f64>().unwrap();
            School {
                dnum: r[dnum].to_string(),
                snum: r[snum].to_string(),
                stype: r[stype].to_string(),
                api00: num(api00),
                api99: num(api99),
                enroll: (!r[enroll].is_empty()).then(|| num(enroll)),
                fpc2: num(fpc2),
                pw: num(pw),
            }
        })
        .collect()
}

/// Where a school sits in a design: its stratum, the stratum's fpc (PSUs in the
/// population) and the school's weight.
type Placement = (String, f64, f64);

/// The sample of `y` (and `x`) over the schools `keep` selects, in the design `place`
/// puts them in: districts are the PSUs, schools the SSUs when `two_stage`. PSU and SSU
/// counts are those of the whole fixture, as R keeps them for domains and `na.rm`.
fn apiclus2_sample(
    schools: &[School],
    place: &dyn Fn(&School) -> Placement,
    two_stage: bool,
    keep: &dyn Fn(&School) -> Option<(f64, f64)>,
) -> Sample {
    let mut psus: HashMap<String, std::collections::HashSet<&str>> = HashMap::new();
    let mut ssus: HashMap<&str, f64> = HashMap::new();
    for school in schools {
        psus.entry(place(school).0)
            .or_default()
            .insert(&school.dnum);
        *ssus.entry(&school.dnum).or_default() += 1.0;
    }
    let mut sample = Sample::default();
    for school in schools {
        let Some((y, x)) = keep(school) else { continue };
        let (stratum, fpc, w) = place(school);
        let second = two_stage.then(|| SecondStage {
            ssu: &school.snum,
            fpc: Some(school.fpc2),
            ssus_in_design: Some(ssus[school.dnum.as_str()]),
        });
        let n_h = psus[&stratum].len() as f64;
        sample
            .add_unit(
                &stratum,
                &school.dnum,
                Some(fpc),
                Some(n_h),
                second,
                w,
                y,
                x,
            )
            .unwrap();
    }
    sample
}

/// R's own example, `svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)`.
fn clus2(s: &School) -> Placement {
    ("1".into(), 757.0, s.pw)
}

/// The stratified design of tests/fixtures/apiclus2.R: a census stratum (the three
/// lowest district numbers, all taken), a certainty district (the first with the most
/// schools, alone in its stratum with fpc `cert_fpc`: 1 for a certainty PSU) and the 36
/// other districts, of 753. The weights are those of the certainty design whatever
/// `cert_fpc` says, as in the R script.
fn stratified(schools: &[School], cert_fpc: f64) -> impl Fn(&School) -> Placement {
    let mut districts: Vec<u32> = schools.iter().map(|s| s.dnum.parse().unwrap()).collect();
    districts.sort_unstable();
    districts.dedup();
    let census: Vec<String> = districts[..3].iter().map(u32::to_string).collect();
    let most = schools.iter().map(|s| s.fpc2).fold(0.0, f64::max);
    let cert = schools
        .iter()
        .find(|s| s.fpc2 == most)
        .unwrap()
        .dnum
        .clone();
    assert_eq!(cert, "620", "the certainty district of apiclus2.R");
    move |s: &School| {
        let (h, population, sampled, fpc) = if census.contains(&s.dnum) {
            ("census", 3.0, 3.0, 3.0)
        } else if s.dnum == cert {
            ("cert", 1.0, 1.0, cert_fpc)
        } else {
            ("rest", 753.0, 36.0, 753.0)
        };
        (h.into(), fpc, s.pw * 40.0 / 757.0 * population / sampled)
    }
}

fn api00(s: &School) -> Option<(f64, f64)> {
    Some((s.api00, 0.0))
}

fn enroll(s: &School) -> Option<(f64, f64)> {
    s.enroll.map(|e| (e, 0.0))
}

/// `got` equals R's printed value (12 significant digits).
fn as_r(what: &str, got: f64, r: f64) {
    assert!(
        (got - r).abs() <= 1e-11 * r.abs(),
        "{what}: {got} where R gives {r}"
    );
}

fn estimate(sample: &Sample, estimator: Estimator, lonely: LonelyPsu) -> Estimate {
    match sample.estimate(estimator, lonely) {
        Ok(Some(e)) => e,
        other => panic!("{other:?}"),
    }
}

/// R's two-stage example: 31 of the 40 districts had all their schools taken, so their
/// second stage is a census, not a lonely PSU (R: 670.81, SE 30.099).
#[test]
fn apiclus2_two_stage_matches_r() {
    let schools = apiclus2();
    let e = |keep: &dyn Fn(&School) -> Option<(f64, f64)>, estimator| {
        let sample = apiclus2_sample(&schools, &clus2, true, keep);
        estimate(&sample, estimator, LonelyPsu::Fail)
    };
    let mean = e(&api00, Estimator::Mean);
    as_r("svymean(~api00)", mean.estimate, 670.811808118);
    as_r("svymean(~api00) SE", mean.se, 30.0990273768);
    assert_eq!(mean.n, 126);
    // svytotal(~enroll, na.rm = TRUE): six schools have no enrolment.
    let total = e(&enroll, Estimator::Total);
    as_r("svytotal(~enroll)", total.estimate, 2639272.93);
    as_r("svytotal(~enroll) SE", total.se, 799637.773648);
    assert_eq!(total.n, 120);
    let ratio = e(&|s: &School| Some((s.api00, s.api99)), Estimator::Ratio);
    as_r("svyratio(~api00, ~api99)", ratio.estimate, 1.03996357067);
    as_r("svyratio(~api00, ~api99) SE", ratio.se, 0.00462053412339);
}

/// All 40 districts taken (fpc1 = 40): the first stage adds nothing, the second stage
/// counts in full (f1 = 1).
#[test]
fn a_census_first_stage_matches_r() {
    let schools = apiclus2();
    let census = |s: &School| ("1".to_string(), 40.0, s.pw * 40.0 / 757.0);
    let mean = estimate(
        &apiclus2_sample(&schools, &census, true, &api00),
        Estimator::Mean,
        LonelyPsu::Fail,
    );
    as_r("svymean(~api00)", mean.estimate, 670.811808118);
    as_r("svymean(~api00) SE", mean.se, 15.4355010482);
    let total = estimate(
        &apiclus2_sample(&schools, &census, true, &enroll),
        Estimator::Total,
        LonelyPsu::Fail,
    );
    as_r("svytotal(~enroll)", total.estimate, 139459.6);
    as_r("svytotal(~enroll) SE", total.se, 10645.1773081);
}

/// A census stratum and a certainty PSU (one district, fpc 1) beside an ordinary stratum:
/// no lonely-PSU error, no first-stage variance from either, as R.
#[test]
fn census_strata_and_certainty_psus_match_r() {
    let schools = apiclus2();
    let design = stratified(&schools, 1.0);
    let two_stage = |keep: &dyn Fn(&School) -> Option<(f64, f64)>, estimator| {
        let sample = apiclus2_sample(&schools, &design, true, keep);
        estimate(&sample, estimator, LonelyPsu::Fail)
    };
    let mean = two_stage(&api00, Estimator::Mean);
    as_r("svymean(~api00)", mean.estimate, 686.800257971);
    as_r("svymean(~api00) SE", mean.se, 37.6962745481);
    let total = two_stage(&enroll, Estimator::Total);
    as_r("svytotal(~enroll)", total.estimate, 2415874.85);
    as_r("svytotal(~enroll) SE", total.se, 766769.657573);
    // One stage (districts are the units): the certainty district is alone in its stratum.
    let one_stage = |estimator| {
        let sample = apiclus2_sample(&schools, &design, false, &api00);
        estimate(&sample, estimator, LonelyPsu::Fail)
    };
    let mean = one_stage(Estimator::Mean);
    as_r("one stage svymean(~api00)", mean.estimate, 686.800257971);
    as_r("one stage svymean(~api00) SE", mean.se, 37.6564896242);
    let total = one_stage(Estimator::Total);
    as_r("one stage svytotal(~api00)", total.estimate, 2839804.6);
    as_r("one stage svytotal(~api00) SE", total.se, 584192.72092);
}

/// R's `svyby(~api00, ~stype, design, svymean)`: each domain with the whole design. In the
/// stratified design, high schools leave the census and certainty strata empty.
#[test]
fn domains_of_two_stage_designs_match_r_svyby() {
    let schools = apiclus2();
    let by_stype = |place: &dyn Fn(&School) -> Placement, stype: &str| {
        let keep = |s: &School| (s.stype == stype).then_some((s.api00, 0.0));
        let sample = apiclus2_sample(&schools, place, true, &keep);
        estimate(&sample, Estimator::Mean, LonelyPsu::Fail)
    };
    for (stype, mean, se) in [
        ("E", 692.810400867, 29.9266042374),
        ("H", 598.340659341, 17.6941671261),
        ("M", 642.352, 45.0913163003),
    ] {
        let e = by_stype(&clus2, stype);
        as_r(&format!("clus2 {stype}"), e.estimate, mean);
        as_r(&format!("clus2 {stype} SE"), e.se, se);
    }
    let design = stratified(&schools, 1.0);
    for (stype, mean, se) in [
        ("E", 714.105857865, 35.8626772621),
        ("H", 598.340659341, 17.6482330501),
        ("M", 680.600536677, 47.667235701),
    ] {
        let e = by_stype(&design, stype);
        as_r(&format!("stratified {stype}"), e.estimate, mean);
        as_r(&format!("stratified {stype} SE"), e.se, se);
    }
}

/// The certainty district again, but now one of two in its stratum (fpc 2): a genuine
/// lonely PSU. R: "Stratum (cert) has only one PSU at stage 1" under `fail`.
#[test]
fn a_lonely_psu_that_is_not_a_census_follows_the_lonely_rule() {
    let schools = apiclus2();
    let design = stratified(&schools, 2.0);
    let sample = apiclus2_sample(&schools, &design, false, &api00);
    assert_eq!(
        sample.estimate(Estimator::Mean, LonelyPsu::Fail),
        Err(SurveyError::LonelyPsu("cert".into()))
    );
    let certain = estimate(&sample, Estimator::Mean, LonelyPsu::Certainty);
    as_r("certainty SE", certain.se, 37.6564896242);
    let centre = estimate(&sample, Estimator::Mean, LonelyPsu::Centre);
    as_r("adjust SE", centre.se, 37.6653106208);
    // At the second stage: a district with one school of several sampled is lonely too.
    let mut two = Sample::default();
    for (psu, ssu, y) in [("A", "a1", 1.0), ("B", "b1", 4.0), ("B", "b2", 8.0)] {
        let second = SecondStage {
            ssu,
            fpc: Some(5.0),
            ssus_in_design: None,
        };
        two.add_unit("1", psu, Some(10.0), None, Some(second), 12.5, y, 0.0)
            .unwrap();
    }
    assert_eq!(
        two.estimate(Estimator::Total, LonelyPsu::Fail),
        Err(SurveyError::LonelyPsu("1, PSU A (a single SSU)".into()))
    );
}

/// R's apisrs (200 schools, SRS without replacement from 6194): published estimates.
#[test]
fn apisrs_matches_r_survey() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/apisrs.csv");
    let Ok(text) = std::fs::read_to_string(path) else {
        panic!("{path} is missing");
    };
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (snum, growth, sch_wide, api00, api99, pw, fpc) = (
        col("snum"),
        col("growth"),
        col("sch.wide"),
        col("api00"),
        col("api99"),
        col("pw"),
        col("fpc"),
    );
    let (mut g, mut no, mut ratio) = (Sample::default(), Sample::default(), Sample::default());
    for rec in reader.records() {
        let r = rec.unwrap();
        let num = |i: usize| r[i].parse::<f64>().unwrap();
        let (w, f) = (num(pw), Some(num(fpc)));
        g.add("1", &r[snum], f, None, w, num(growth), 0.0).unwrap();
        no.add(
            "1",
            &r[snum],
            f,
            None,
            w,
            f64::from(u8::from(&r[sch_wide] == "No")),
            0.0,
        )
        .unwrap();
        ratio
            .add("1", &r[snum], f, None, w, num(api00), num(api99))
            .unwrap();
    }
    let mean = g
        .estimate(Estimator::Mean, LonelyPsu::Fail)
        .unwrap()
        .unwrap();
    assert!(
        close(mean.estimate, 31.9, 1e-9) && close(mean.se, 2.0905, 5e-5),
        "{mean:?}"
    );
    assert!(
        close(mean.deff.unwrap(), 1.0, 1e-9),
        "equal weights, SRS: deff 1"
    );
    let total = g
        .estimate(Estimator::Total, LonelyPsu::Fail)
        .unwrap()
        .unwrap();
    assert!(
        close(total.estimate, 197589.0, 0.5) && close(total.se, 12949.0, 0.5),
        "{total:?}"
    );
    let p = no
        .estimate(Estimator::Proportion, LonelyPsu::Fail)
        .unwrap()
        .unwrap();
    assert!(
        close(p.estimate, 0.185, 1e-9) && close(p.se, 0.0271, 5e-5),
        "{p:?}"
    );
    assert!(p.ci_lower > 0.0 && p.ci_upper < 1.0 && p.ci_lower < 0.185 && p.ci_upper > 0.185);
    let r = ratio
        .estimate(Estimator::Ratio, LonelyPsu::Fail)
        .unwrap()
        .unwrap();
    assert!(
        close(r.estimate, 1.051066, 5e-7) && close(r.se, 0.003603991, 5e-10),
        "{r:?}"
    );
}
