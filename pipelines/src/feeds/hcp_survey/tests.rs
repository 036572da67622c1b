//! Tests of the `hcp-survey` adapter, on the samples in data-samples/ and on small files written
//! here.

use super::*;
use crate::output::MemorySink;
use crate::source::ReadRaw;
use arrow::array::{Float32Array, Int32Array, RecordBatch, StringArray};
use arrow::datatypes::Schema;
use std::io::Write;
use std::sync::Arc;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data-samples/hcp/enquete-violence-2025.csv"
);

fn ingest(path: &Path) -> Result<(FeedReport, MemorySink)> {
    let raw = RawFile::open(path)?;
    let mut sink = MemorySink::default();
    let report = read(&raw, &FeedContext::default(), &mut sink)?;
    Ok((report, sink))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    path
}

fn type_of(sink: &MemorySink, table: &str, col: &str) -> DataType {
    let (spec, _) = &sink.tables[table];
    spec.schema
        .field_with_name(col)
        .unwrap()
        .data_type()
        .clone()
}

#[test]
fn hcp_survey_sample_design_and_types() {
    let (report, sink) = ingest(Path::new(SAMPLE)).unwrap();
    assert_eq!(report.rows_quarantined, 0, "{report}");
    let respondents = sink.row_count("survey_evs2025");
    assert!((5_000..7_000).contains(&respondents), "{respondents}");
    assert_eq!(report.rows_staged, respondents as u64 + 1);
    assert_eq!(type_of(&sink, "survey_evs2025", "poids"), DataType::Float64);
    assert_eq!(type_of(&sink, "survey_evs2025", "sexe"), DataType::Int64);
    assert_eq!(type_of(&sink, "survey_evs2025", "age"), DataType::Int64);
    assert_eq!(type_of(&sink, "survey_evs2025", "region"), DataType::Utf8);
    assert_eq!(type_of(&sink, "survey_evs2025", "milieu"), DataType::Utf8);
    assert_eq!(type_of(&sink, "survey_evs2025", "fpc"), DataType::Int64);
    let d = sink.batch(DESIGNS_TABLE).unwrap();
    assert_eq!(d.num_rows(), 1);
    let s = |c: &str| {
        d.column_by_name(c)
            .unwrap()
            .as_string::<i32>()
            .value(0)
            .to_string()
    };
    assert_eq!(s("survey_id"), "evs2025");
    assert_eq!(s("table_name"), "survey_evs2025");
    assert_eq!(
        (
            s("weight_col"),
            s("strata_col"),
            s("psu_col"),
            s("fpc_col"),
            s("fpc_kind")
        ),
        (
            "poids".into(),
            "strate".into(),
            "grappe".into(),
            "fpc".into(),
            "population".into()
        )
    );
    let vars: serde_json::Value = serde_json::from_str(&s("variables")).unwrap();
    assert_eq!(vars["poids"], "Float64");
    assert_eq!(vars["region"], "Utf8");
    assert_eq!(vars.as_object().unwrap().len(), 10);
    // Weighted total ≈ the 18-29 population of the synthetic frame.
    let b = sink.batch("survey_evs2025").unwrap();
    let w: f64 = b
        .column_by_name("poids")
        .unwrap()
        .as_primitive::<Float64Type>()
        .iter()
        .flatten()
        .sum();
    let youth = crate::synthetic::hcp_survey::population_18_29() as f64;
    assert!((w / youth - 1.0).abs() < 0.05, "{w} vs {youth}");
    // 24 strata, 10 PSUs each, nothing wrong with the design.
    assert!(report.worst() <= Some(Severity::Info), "{report}");
    let info = report
        .findings
        .iter()
        .find(|f| f.rule == "survey.design")
        .unwrap();
    assert!(
        info.message.contains("24 strata") && info.message.contains("240 PSUs"),
        "{}",
        info.message
    );
}

#[test]
fn hcp_survey_bad_weights_quarantined_and_names_normalised() {
    let dir = tempfile::tempdir().unwrap();
    write(
            dir.path(),
            "mini.design.toml",
            "survey_id = \"mini\"\nweight = \"Poids final\"\nstrata = \"strate\"\npsu = \"grappe\"\nfpc = \"fpc\"\n",
        );
    let data = write(
        dir.path(),
        "mini.csv",
        "Strate;Grappe;Poids final;Âge (ans);Commune;fpc;Code\n\
             1;11;10,5;21;Fès;50;01\n\
             1;12;0;22;Fès;50;02\n\
             1;13;abc;NA;Fès;50;03\n\
             2;21;12;23;;40;04\n\
             2;22;12,25;;Rabat;40;05\n\
             2;;12;24;Rabat;40;06\n",
    );
    let (report, sink) = ingest(&data).unwrap();
    assert_eq!(sink.row_count("survey_mini"), 3, "{report}");
    assert_eq!(report.rows_quarantined, 3);
    let q = &report.quarantine_sample;
    assert!(q.iter().any(|r| r.position == "line 3"
        && r.column == "poids_final"
        && r.reason.contains("positive")));
    assert!(q.iter().any(|r| r.position == "line 4"
        && r.column == "poids_final"
        && r.value.as_deref() == Some("abc")));
    assert!(q
        .iter()
        .any(|r| r.position == "line 7" && r.column == "grappe"));
    assert_eq!(type_of(&sink, "survey_mini", "age_ans"), DataType::Int64);
    assert_eq!(
        type_of(&sink, "survey_mini", "poids_final"),
        DataType::Float64
    );
    assert_eq!(type_of(&sink, "survey_mini", "commune"), DataType::Utf8);
    assert_eq!(type_of(&sink, "survey_mini", "code"), DataType::Utf8);
    let b = sink.batch("survey_mini").unwrap();
    let age = b
        .column_by_name("age_ans")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert!(age.is_null(2));
    let commune = b.column_by_name("commune").unwrap().as_string::<i32>();
    assert!(commune.is_null(1));
    let w = b
        .column_by_name("poids_final")
        .unwrap()
        .as_primitive::<Float64Type>();
    assert_eq!(w.value(0), 10.5);
    assert_eq!(w.value(2), 12.25);
    // Stratum 1 kept one PSU: a lonely PSU.
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "survey.lonely_psu"),
        "{report}"
    );
}

#[test]
fn hcp_survey_missing_design_refused_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "orphan.csv", "poids\n1\n");
    let err = ingest(&data).unwrap_err().to_string();
    let expected = dir.path().join("orphan.design.toml");
    assert!(err.contains(&expected.display().to_string()), "{err}");
    // A design naming a column the file lacks.
    write(
        dir.path(),
        "orphan.design.toml",
        "survey_id = \"o\"\nweight = \"pw\"\n",
    );
    let err = ingest(&data).unwrap_err().to_string();
    assert!(
        err.contains("`pw`") && err.contains("orphan.design.toml"),
        "{err}"
    );
    // An id that cannot name a table; an unknown key.
    write(
        dir.path(),
        "orphan.design.toml",
        "survey_id = \"Enquête 1\"\nweight = \"poids\"\n",
    );
    assert!(ingest(&data).unwrap_err().to_string().contains("survey_id"));
    write(
        dir.path(),
        "orphan.design.toml",
        "survey_id = \"o\"\nwieght = \"poids\"\n",
    );
    assert!(ingest(&data).unwrap_err().to_string().contains("wieght"));
}

#[test]
fn hcp_survey_fpc_inconsistencies_are_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "f.design.toml",
        "survey_id = \"f\"\nweight = \"w\"\nstrata = \"h\"\npsu = \"p\"\nfpc = \"n\"\n",
    );
    let data = write(
        dir.path(),
        "f.csv",
        "h,p,w,n\n1,1,2,5\n1,2,2,6\n2,1,3,1\n2,2,3,1\n",
    );
    let (report, _) = ingest(&data).unwrap();
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(rules.contains(&"survey.fpc_constant"), "{report}");
    assert!(rules.contains(&"survey.fpc_covers_sample"), "{report}");
    assert!(rules.contains(&"survey.psu_nested"), "{report}");
}

#[test]
fn hcp_survey_parquet_keeps_types() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("strate", DataType::Int32, false),
        Field::new("grappe", DataType::Utf8, false),
        Field::new("poids", DataType::Float32, true),
        Field::new("sexe", DataType::Int32, true),
        Field::new("Région", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int32Array::from(vec![1, 1, 2])),
            Arc::new(StringArray::from(vec!["a", "b", "c"])),
            Arc::new(Float32Array::from(vec![Some(1.5), None, Some(2.0)])),
            Arc::new(Int32Array::from(vec![Some(1), Some(2), None])),
            Arc::new(StringArray::from(vec![Some("MA-01"), Some("MA-02"), None])),
        ],
    )
    .unwrap();
    let path = dir.path().join("p.parquet");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None)
            .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    write(
        dir.path(),
        "p.design.toml",
        "survey_id = \"pq\"\nweight = \"poids\"\nstrata = \"strate\"\npsu = \"grappe\"\n",
    );
    let (report, sink) = ingest(&path).unwrap();
    assert_eq!(sink.row_count("survey_pq"), 2, "{report}");
    assert_eq!(report.rows_quarantined, 1);
    assert_eq!(report.quarantine_sample[0].position, "line 2");
    assert_eq!(type_of(&sink, "survey_pq", "strate"), DataType::Int64);
    assert_eq!(type_of(&sink, "survey_pq", "sexe"), DataType::Int64);
    assert_eq!(type_of(&sink, "survey_pq", "poids"), DataType::Float64);
    assert_eq!(type_of(&sink, "survey_pq", "region"), DataType::Utf8);
    let b = sink.batch("survey_pq").unwrap();
    let sexe = b
        .column_by_name("sexe")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(sexe.value(0), 1);
    assert!(sexe.is_null(1));
}

#[test]
fn hcp_survey_column_names() {
    let names = column_names(&[
        "Âge (années)".into(),
        "".into(),
        "2e vague".into(),
        "age annees".into(),
        "_source_sha256".into(),
        "الجهة".into(),
    ]);
    assert_eq!(
        names,
        [
            "age_annees",
            "column_2",
            "v2e_vague",
            "age_annees_2",
            "source_sha256",
            "الجهه"
        ]
    );
}
