//! The survey estimators as DataFusion aggregate functions, usable in any SQL Marsad runs
//! (`marsad sql`, indicator queries), with GROUP BY for domains:
//!
//! ```sql
//! survey_total(y, weight, stratum, psu, fpc [, stratum_psus])
//! survey_mean(y, weight, stratum, psu, fpc [, stratum_psus])
//! survey_proportion(condition, weight, stratum, psu, fpc [, stratum_psus])
//! survey_ratio(y, x, weight, stratum, psu, fpc [, stratum_psus])
//! -- two-stage designs: three more arguments after stratum_psus (which may be NULL)
//! survey_mean(y, weight, stratum, psu, fpc, stratum_psus, ssu, fpc2, psu_ssus)
//! ```
//!
//! Each returns a struct `{estimate, se, ci_lower, ci_upper, cv, deff, n}` (read a field with
//! `survey_mean(...)['se']`). `stratum` may be a constant for an unstratified sample, `psu` a
//! row id for an unclustered one; `fpc` is a population count of PSUs, a sampling fraction, or
//! NULL (with replacement). For domains, pass `stratum_psus` — the number of PSUs of the row's
//! stratum in the whole sample — so that PSUs without respondents in the domain stay in the
//! variance (see [`crate::survey`]). Rows with a NULL value, weight, stratum or PSU are left out.
//! The lonely-PSU rule (`fail`, `certainty`, `centre`) is a setting of the session the SQL runs
//! in: `fail` (as R) by default, an indicator's own `[survey] lonely_psu` in the indicator engine.
//!
//! Each aggregate has a version ([`FUNCTIONS`]) that indicators' definition hashes cover: bump it
//! when the numbers the function returns can change.
//!
//! Each ingested survey also gets a design view, `survey.<id>` (staging `survey_<id>`, see
//! [`register_designs`]): every respondent column plus the design under fixed names —
//! `_weight`, `_stratum`, `_psu`, `_fpc`, `_stratum_psus`, and for two-stage designs `_ssu`,
//! `_fpc2`, `_psu_ssus` — counted over the whole sample, so that a domain is always estimated
//! with the whole design:
//!
//! ```sql
//! select sexe, survey_mean(age, _weight, _stratum, _psu, _fpc, _stratum_psus)
//! from survey.evs2025 group by sexe
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array, StringArray};
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;

use crate::survey::{Estimator, LonelyPsu, Sample, SecondStage};

/// Version of `survey_total`: bump it when the numbers it returns can change (estimator,
/// variance, interval, which rows count, lonely-PSU handling); every indicator calling it then
/// fails `marsad indicators check` until it is approved again.
pub const SURVEY_TOTAL_VERSION: u32 = 1;
/// Version of `survey_mean`: bump it when the numbers it returns can change.
pub const SURVEY_MEAN_VERSION: u32 = 1;
/// Version of `survey_proportion`: bump it when the numbers it returns can change.
pub const SURVEY_PROPORTION_VERSION: u32 = 1;
/// Version of `survey_ratio`: bump it when the numbers it returns can change.
pub const SURVEY_RATIO_VERSION: u32 = 1;
/// Version of the design views' query ([`register_designs`]): bump it when the rows or design
/// columns a `survey.<id>` view gives can change.
pub const DESIGN_VIEW_VERSION: u32 = 1;

/// The survey aggregates: SQL name, estimator, version.
pub const FUNCTIONS: &[(&str, Estimator, u32)] = &[
    ("survey_total", Estimator::Total, SURVEY_TOTAL_VERSION),
    ("survey_mean", Estimator::Mean, SURVEY_MEAN_VERSION),
    (
        "survey_proportion",
        Estimator::Proportion,
        SURVEY_PROPORTION_VERSION,
    ),
    ("survey_ratio", Estimator::Ratio, SURVEY_RATIO_VERSION),
];

/// The lonely-PSU rule of a session that sets none (`marsad sql`): `fail`, as R.
pub const DEFAULT_LONELY_PSU: LonelyPsu = LonelyPsu::Fail;

/// The setting's name of a lonely-PSU rule, as catalogue files write it (the inverse of
/// [`LonelyPsu::parse`], which also takes `center` and `adjust` for `centre`).
pub fn lonely_psu_name(rule: LonelyPsu) -> &'static str {
    match rule {
        LonelyPsu::Fail => "fail",
        LonelyPsu::Certainty => "certainty",
        LonelyPsu::Centre => "centre",
    }
}

/// The four aggregates, under the lonely-PSU rule `lonely`.
pub fn functions(lonely: LonelyPsu) -> Vec<AggregateUDF> {
    FUNCTIONS
        .iter()
        .map(|(name, estimator, _)| {
            AggregateUDF::from(SurveyAggregate::new(name, *estimator, lonely))
        })
        .collect()
}

/// Register the aggregates in `ctx` under `lonely`, replacing those registered before.
pub fn register_functions(ctx: &SessionContext, lonely: LonelyPsu) {
    for udaf in functions(lonely) {
        ctx.register_udaf(udaf);
    }
}

/// Schema of the design views.
pub const DESIGN_SCHEMA: &str = "survey";

/// Register `survey.<id>` for every survey design in `staging.hcp_survey_designs` whose table
/// the session has (the newest description of a table wins).
pub async fn register_designs(ctx: &SessionContext) -> Result<()> {
    let designs = match ctx.table("staging.hcp_survey_designs").await {
        Ok(t) => t.collect().await?,
        Err(_) => return Ok(()),
    };
    let mut latest: BTreeMap<String, Design> = BTreeMap::new();
    for batch in &designs {
        let text = |name: &str| -> Result<Vec<Option<String>>> {
            let col = arrow::compute::cast(
                batch.column_by_name(name).ok_or_else(|| {
                    DataFusionError::Plan(format!("hcp_survey_designs has no column {name}"))
                })?,
                &DataType::Utf8,
            )?;
            let col = col
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| DataFusionError::Plan(format!("{name} is not text")))?;
            Ok(col.iter().map(|v| v.map(str::to_string)).collect())
        };
        let columns = [
            "table_name",
            "weight_col",
            "strata_col",
            "psu_col",
            "ssu_col",
            "fpc_col",
            "fpc2_col",
        ]
        .map(text);
        let [tables, weight, strata, psu, ssu, fpc, fpc2] = columns;
        let (tables, weight, strata, psu, ssu, fpc, fpc2) =
            (tables?, weight?, strata?, psu?, ssu?, fpc?, fpc2?);
        for i in 0..batch.num_rows() {
            if let (Some(table), Some(weight)) = (tables[i].clone(), weight[i].clone()) {
                latest.insert(
                    table,
                    Design {
                        weight,
                        strata: strata[i].clone(),
                        psu: psu[i].clone(),
                        ssu: ssu[i].clone(),
                        fpc: fpc[i].clone(),
                        fpc2: fpc2[i].clone(),
                    },
                );
            }
        }
    }
    for (table, design) in latest {
        if ctx.table_exist(format!("staging.{table}").as_str())? {
            let id = table.strip_prefix("survey_").unwrap_or(&table);
            let view = ctx.sql(&design.view_sql(&table)?).await?.into_view();
            let reference = datafusion::common::TableReference::partial(DESIGN_SCHEMA, id);
            // Registering again replaces the view (the SQL tests refresh it after fixtures).
            ctx.deregister_table(reference.clone())?;
            ctx.register_table(reference, view)?;
        }
    }
    Ok(())
}

/// The design columns of one survey table (staging column names).
struct Design {
    weight: String,
    strata: Option<String>,
    psu: Option<String>,
    ssu: Option<String>,
    fpc: Option<String>,
    fpc2: Option<String>,
}

/// The design view of a one-stage design (`sql/survey/design_view.sql`), a template.
const DESIGN_VIEW: &str = include_str!("../../sql/survey/design_view.sql");
/// The design view of a two-stage design (`sql/survey/design_view_two_stage.sql`), a template.
const DESIGN_VIEW_TWO_STAGE: &str = include_str!("../../sql/survey/design_view_two_stage.sql");

impl Design {
    /// The design view's query: respondents with the design under fixed names, and the PSU
    /// (and SSU) counts of the whole sample joined back to every row — the template of
    /// `sql/survey/` filled with this design's columns.
    fn view_sql(&self, table: &str) -> Result<String> {
        let q = |c: &str| format!("r.\"{}\"", c.replace('"', "\"\""));
        let stratum = self.strata.as_deref().map(q).unwrap_or("'all'".into());
        // Without clusters each respondent is its own PSU: its line in its file.
        let psu = self
            .psu
            .as_deref()
            .map(q)
            .unwrap_or("r._source_sha256 || ' ' || r._source_position".into());
        let null = || "cast(null as double)".to_string();
        let fpc = self.fpc.as_deref().map(q).unwrap_or_else(null);
        let mut values = vec![
            ("table", format!("\"{}\"", table.replace('"', "\"\""))),
            ("weight", q(&self.weight)),
            ("stratum", stratum),
            ("psu", psu),
            ("fpc", fpc),
        ];
        let template = match self.ssu.as_deref() {
            None => DESIGN_VIEW,
            Some(ssu) => {
                values.push(("ssu", q(ssu)));
                values.push(("fpc2", self.fpc2.as_deref().map(q).unwrap_or_else(null)));
                DESIGN_VIEW_TWO_STAGE
            }
        };
        fill_template(template, &values)
    }
}

/// `template` with each `{name}` replaced by its value, in one pass (a value is never read as a
/// template). A placeholder without a value, or an unclosed brace, is an error.
fn fill_template(template: &str, values: &[(&str, String)]) -> Result<String> {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').ok_or_else(|| {
            DataFusionError::Internal(format!(
                "design view template: unclosed brace at {:?}",
                &rest[open..]
            ))
        })?;
        let name = &rest[open + 1..open + close];
        let value = values.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            DataFusionError::Internal(format!("design view template: no value for {{{name}}}"))
        })?;
        out.push_str(&value.1);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The fields of the struct every survey aggregate returns.
pub fn result_fields() -> Fields {
    let f = |n: &str| Field::new(n, DataType::Float64, true);
    Fields::from(vec![
        f("estimate"),
        f("se"),
        f("ci_lower"),
        f("ci_upper"),
        f("cv"),
        f("deff"),
        Field::new("n", DataType::Int64, true),
    ])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SurveyAggregate {
    name: &'static str,
    estimator: Estimator,
    lonely: LonelyPsu,
    signature: Signature,
}

impl SurveyAggregate {
    fn new(name: &'static str, estimator: Estimator, lonely: LonelyPsu) -> Self {
        let base = if estimator == Estimator::Ratio { 6 } else { 5 };
        SurveyAggregate {
            name,
            estimator,
            lonely,
            signature: Signature::one_of(
                vec![
                    TypeSignature::Any(base),
                    TypeSignature::Any(base + 1),
                    TypeSignature::Any(base + 4),
                ],
                Volatility::Immutable,
            ),
        }
    }
}

impl AggregateUDFImpl for SurveyAggregate {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(result_fields()))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SurveyAccumulator {
            name: self.name,
            estimator: self.estimator,
            lonely: self.lonely,
            sample: Sample::default(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[sample]", args.name),
            DataType::Utf8,
            true,
        ))])
    }
}

#[derive(Debug)]
struct SurveyAccumulator {
    name: &'static str,
    estimator: Estimator,
    lonely: LonelyPsu,
    sample: Sample,
}

fn floats(a: &ArrayRef) -> Result<Float64Array> {
    let c = arrow::compute::cast(a, &DataType::Float64)?;
    c.as_any()
        .downcast_ref::<Float64Array>()
        .cloned()
        .ok_or_else(|| DataFusionError::Internal("cast to Float64".into()))
}

fn strings(a: &ArrayRef) -> Result<StringArray> {
    let c = arrow::compute::cast(a, &DataType::Utf8)?;
    c.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .ok_or_else(|| DataFusionError::Internal("cast to Utf8".into()))
}

impl SurveyAccumulator {
    fn fail(&self, e: impl std::fmt::Display) -> DataFusionError {
        DataFusionError::Execution(format!("{}: {e}", self.name))
    }
}

impl Accumulator for SurveyAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let ratio = usize::from(self.estimator == Estimator::Ratio);
        let y = floats(&values[0])?;
        let x = if ratio == 1 {
            Some(floats(&values[1])?)
        } else {
            None
        };
        let w = floats(&values[1 + ratio])?;
        let h = strings(&values[2 + ratio])?;
        let psu = strings(&values[3 + ratio])?;
        let fpc = floats(&values[4 + ratio])?;
        let n_h = values.get(5 + ratio).map(floats).transpose()?;
        let ssu = values.get(6 + ratio).map(strings).transpose()?;
        let fpc2 = values.get(7 + ratio).map(floats).transpose()?;
        let m_hi = values.get(8 + ratio).map(floats).transpose()?;
        let opt = |a: &Float64Array, i: usize| a.is_valid(i).then(|| a.value(i));
        for i in 0..y.len() {
            let xi = match &x {
                Some(x) if x.is_null(i) => continue,
                Some(x) => x.value(i),
                None => 0.0,
            };
            if y.is_null(i) || w.is_null(i) || h.is_null(i) || psu.is_null(i) {
                continue;
            }
            let n_h = n_h.as_ref().and_then(|a| opt(a, i));
            let second = match &ssu {
                Some(u) if u.is_null(i) => continue,
                Some(u) => Some(SecondStage {
                    ssu: u.value(i),
                    fpc: fpc2.as_ref().and_then(|a| opt(a, i)),
                    ssus_in_design: m_hi.as_ref().and_then(|a| opt(a, i)),
                }),
                None => None,
            };
            self.sample
                .add_unit(
                    h.value(i),
                    psu.value(i),
                    opt(&fpc, i),
                    n_h,
                    second,
                    w.value(i),
                    y.value(i),
                    xi,
                )
                .map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let parts = strings(&states[0])?;
        for i in 0..parts.len() {
            if parts.is_null(i) {
                continue;
            }
            let part: Sample = serde_json::from_str(parts.value(i)).map_err(|e| self.fail(e))?;
            self.sample.merge(part).map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let json = serde_json::to_string(&self.sample).map_err(|e| self.fail(e))?;
        Ok(vec![ScalarValue::Utf8(Some(json))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let estimate = self
            .sample
            .estimate(self.estimator, self.lonely)
            .map_err(|e| self.fail(e))?;
        let fields = result_fields();
        let Some(e) = estimate else {
            return Ok(ScalarValue::Struct(Arc::new(
                arrow::array::StructArray::new_null(fields, 1),
            )));
        };
        let f = |v: f64| Arc::new(Float64Array::from(vec![v.is_finite().then_some(v)])) as ArrayRef;
        let columns: Vec<ArrayRef> = vec![
            f(e.estimate),
            f(e.se),
            f(e.ci_lower),
            f(e.ci_upper),
            f(e.cv),
            f(e.deff.unwrap_or(f64::NAN)),
            Arc::new(arrow::array::Int64Array::from(vec![e.n as i64])),
        ];
        Ok(ScalarValue::Struct(Arc::new(
            arrow::array::StructArray::try_new(fields, columns, None)?,
        )))
    }

    fn size(&self) -> usize {
        let psus: usize = self.sample.strata.values().map(|s| s.psus.len()).sum();
        std::mem::size_of_val(self) + self.sample.strata.len() * 96 + psus * 80
    }
}
