//! Observations: the rows the engine writes to `indicators.observations`, one per indicator ×
//! period × breakdown cell. The same names are used in the table, the exports and the API.
//!
//! `value`, `numerator` and `denominator` are stored unrounded and unsuppressed; `conf_status`
//! records the disclosure decision (`F` free, `C` primary, `D` secondary suppression) so every
//! public output applies the same mask ([`Observation::public`]).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use marsad_warehouse::format::{self, Rounded};

use crate::catalog::{Dimension, Unit};
use crate::error::{IndicatorError, Result};

/// SDMX OBS_STATUS of a suppressed cell in public outputs.
pub const SUPPRESSED: &str = "Q";
/// SDMX CONF_STATUS codes.
pub const FREE: &str = "F";
pub const PRIMARY: &str = "C";
pub const SECONDARY: &str = "D";

/// An observation's breakdown values, one per [`Dimension::BREAKDOWNS`].
pub type Breakdown = [String; Dimension::BREAKDOWNS.len()];

/// A breakdown dimension added after observations were first stored: a table (or a release's
/// rows) written before it lacks the column, and its rows read as not broken down by it (`_Z`,
/// what the engine writes for an indicator that does not declare the dimension).
const ADDED_LATER: &[Dimension] = &[Dimension::Iccs];

#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub indicator_id: String,
    pub indicator_version: i64,
    /// Indicator status when computed (`draft`, `approved`).
    pub indicator_status: String,
    pub period: String,
    /// Breakdown values in [`Dimension::BREAKDOWNS`] order.
    pub breakdown: Breakdown,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub unit: String,
    pub unit_mult: i64,
    pub decimals: i64,
    pub obs_status: String,
    pub conf_status: String,
    pub lower_bound: Option<f64>,
    pub upper_bound: Option<f64>,
    pub obs_comment: Option<String>,
    pub snapshot_id: i64,
    pub definition_hash: String,
    /// The engine version that computed it (`engine::ENGINE_VERSION`); `None` in rows written
    /// before observations recorded it.
    pub engine_version: Option<String>,
    pub computed_at_micros: i64,
}

impl Observation {
    pub fn dimension(&self, d: Dimension) -> &str {
        match d.breakdown_index() {
            Some(i) => &self.breakdown[i],
            None => &self.period,
        }
    }

    /// Suppressed in public outputs: for confidentiality (CONF_STATUS `C`/`D`) or for low
    /// reliability of a survey estimate (OBS_STATUS `Q`).
    pub fn is_suppressed(&self) -> bool {
        self.conf_status != FREE || self.obs_status == SUPPRESSED
    }

    /// The observation as a public output shows it: a suppressed cell keeps its key and its
    /// statuses (OBS_STATUS `Q`, CONF_STATUS `C` or `D`) and loses every figure.
    pub fn public(&self) -> Observation {
        if !self.is_suppressed() {
            return self.clone();
        }
        Observation {
            value: None,
            numerator: None,
            denominator: None,
            lower_bound: None,
            upper_bound: None,
            obs_status: SUPPRESSED.to_string(),
            ..self.clone()
        }
    }

    /// The value rounded to the indicator's decimals by the one rule ([`format`]: half away
    /// from zero), as published: for a ratio, from its numerator and denominator exactly (the
    /// engine checked that the value is their ratio × the unit's multiplier); else from the
    /// value. `None` for a missing value.
    pub fn rounded(&self) -> Option<Rounded> {
        let value = self.value?;
        let decimals = self.decimals.clamp(0, 18) as u32;
        let multiplier = [
            Unit::Percent,
            Unit::Per1000,
            Unit::Per10000,
            Unit::Per100000,
        ]
        .into_iter()
        .find(|u| u.code() == self.unit)
        .map(Unit::multiplier);
        let exact = match (self.numerator, self.denominator, multiplier) {
            (Some(n), Some(d), Some(m)) if d != 0.0 => format::round_ratio(n, d, m, decimals),
            _ => None,
        };
        exact.or_else(|| format::round(value, decimals))
    }

    /// [`Self::rounded`] as a number (CSV, JSON, SDMX-CSV, Parquet).
    pub fn rounded_value(&self) -> Option<f64> {
        self.rounded().map(Rounded::to_f64)
    }

    /// The value as text with the indicator's decimals; `suppressed` where a public output
    /// suppressed it (analysts see the figure); empty for a missing value.
    pub fn display_value(&self) -> String {
        match self.rounded() {
            Some(r) => r.to_string(),
            None if self.obs_status == SUPPRESSED => "suppressed".to_string(),
            None => String::new(),
        }
    }
}

/// The breakdown columns of the observations (and of every table keyed like them). A dimension
/// added later is nullable, so that Delta adds it to a table written before it (schema merge);
/// Marsad never writes it NULL.
pub fn breakdown_fields() -> impl Iterator<Item = Field> {
    Dimension::BREAKDOWNS
        .iter()
        .map(|d| Field::new(d.column(), DataType::Utf8, ADDED_LATER.contains(d)))
}

/// The schema of `indicators.observations`.
pub fn schema() -> SchemaRef {
    let text = |n: &str| Field::new(n, DataType::Utf8, false);
    let num = |n: &str| Field::new(n, DataType::Float64, true);
    let mut fields = vec![
        text("indicator_id"),
        Field::new("indicator_version", DataType::Int64, false),
        text("indicator_status"),
        text("period"),
    ];
    fields.extend(breakdown_fields());
    fields.extend([
        num("value"),
        num("numerator"),
        num("denominator"),
        text("unit"),
        Field::new("unit_mult", DataType::Int64, false),
        Field::new("decimals", DataType::Int64, false),
        text("obs_status"),
        text("conf_status"),
        num("lower_bound"),
        num("upper_bound"),
        Field::new("obs_comment", DataType::Utf8, true),
        Field::new("snapshot_id", DataType::Int64, false),
        text("definition_hash"),
        // Nullable: rows written before the column existed have none.
        Field::new("engine_version", DataType::Utf8, true),
        Field::new(
            "computed_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ]);
    Arc::new(Schema::new(fields))
}

/// Observations as one record batch of [`schema`].
pub fn to_batch(obs: &[Observation]) -> Result<RecordBatch> {
    let text = |f: &dyn Fn(&Observation) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(obs.iter().map(f)))
    };
    let num = |f: &dyn Fn(&Observation) -> Option<f64>| -> ArrayRef {
        Arc::new(obs.iter().map(f).collect::<Float64Array>())
    };
    let int = |f: &dyn Fn(&Observation) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from_iter_values(obs.iter().map(f)))
    };
    let mut columns: Vec<ArrayRef> = vec![
        text(&|o| &o.indicator_id),
        int(&|o| o.indicator_version),
        text(&|o| &o.indicator_status),
        text(&|o| &o.period),
    ];
    for i in 0..Dimension::BREAKDOWNS.len() {
        columns.push(text(&|o| &o.breakdown[i]));
    }
    columns.extend([
        num(&|o| o.value),
        num(&|o| o.numerator),
        num(&|o| o.denominator),
        text(&|o| &o.unit),
        int(&|o| o.unit_mult),
        int(&|o| o.decimals),
        text(&|o| &o.obs_status),
        text(&|o| &o.conf_status),
        num(&|o| o.lower_bound),
        num(&|o| o.upper_bound),
        Arc::new(
            obs.iter()
                .map(|o| o.obs_comment.as_deref())
                .collect::<StringArray>(),
        ),
        int(&|o| o.snapshot_id),
        text(&|o| &o.definition_hash),
        Arc::new(
            obs.iter()
                .map(|o| o.engine_version.as_deref())
                .collect::<StringArray>(),
        ),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(obs.iter().map(|o| o.computed_at_micros))
                .with_timezone("UTC"),
        ),
    ]);
    Ok(RecordBatch::try_new(schema(), columns)?)
}

/// Read observations back from batches of [`schema`] (columns found by name).
pub fn from_batches(batches: &[RecordBatch]) -> Result<Vec<Observation>> {
    let mut out = Vec::new();
    for batch in batches {
        let col = |name: &str| -> Result<&ArrayRef> {
            batch.column_by_name(name).ok_or_else(|| {
                IndicatorError::contract("observations", format!("no column `{name}`"))
            })
        };
        let text = |name: &str| -> Result<StringArray> { as_strings(name, col(name)?) };
        let num = |name: &str| -> Result<Float64Array> {
            let c = arrow::compute::cast(col(name)?, &DataType::Float64)?;
            Ok(c.as_any()
                .downcast_ref::<Float64Array>()
                .cloned()
                .unwrap_or_else(|| Float64Array::new_null(c.len())))
        };
        let int = |name: &str| -> Result<Int64Array> {
            let c = arrow::compute::cast(col(name)?, &DataType::Int64)?;
            Ok(c.as_any()
                .downcast_ref::<Int64Array>()
                .cloned()
                .unwrap_or_else(|| Int64Array::new_null(c.len())))
        };
        let (id, version, status, period) = (
            text("indicator_id")?,
            int("indicator_version")?,
            text("indicator_status")?,
            text("period")?,
        );
        let dims: Vec<Option<StringArray>> = Dimension::BREAKDOWNS
            .iter()
            .map(|d| match batch.column_by_name(d.column()) {
                None if ADDED_LATER.contains(d) => Ok(None),
                _ => text(d.column()).map(Some),
            })
            .collect::<Result<_>>()?;
        let (value, numerator, denominator) =
            (num("value")?, num("numerator")?, num("denominator")?);
        let (unit, unit_mult, decimals) = (text("unit")?, int("unit_mult")?, int("decimals")?);
        let (obs_status, conf_status) = (text("obs_status")?, text("conf_status")?);
        let (lower, upper, comment) = (
            num("lower_bound")?,
            num("upper_bound")?,
            text("obs_comment")?,
        );
        let (snapshot, hash) = (int("snapshot_id")?, text("definition_hash")?);
        // A table written before observations recorded the engine version has no such column.
        let engine = batch
            .column_by_name("engine_version")
            .map(|c| as_strings("engine_version", c))
            .transpose()?;
        let computed = arrow::compute::cast(
            col("computed_at")?,
            &DataType::Timestamp(TimeUnit::Microsecond, None),
        )?;
        let computed = arrow::compute::cast(&computed, &DataType::Int64)?;
        let computed = computed
            .as_any()
            .downcast_ref::<Int64Array>()
            .cloned()
            .unwrap_or_else(|| Int64Array::new_null(computed.len()));
        let opt = |a: &Float64Array, i: usize| a.is_valid(i).then(|| a.value(i));
        for i in 0..batch.num_rows() {
            out.push(Observation {
                indicator_id: id.value(i).to_string(),
                indicator_version: version.value(i),
                indicator_status: status.value(i).to_string(),
                period: period.value(i).to_string(),
                breakdown: std::array::from_fn(|d| {
                    let dim = Dimension::BREAKDOWNS[d];
                    match &dims[d] {
                        Some(a) if a.is_valid(i) || !ADDED_LATER.contains(&dim) => {
                            a.value(i).to_string()
                        }
                        // A dimension added later, absent or NULL: a row written before it.
                        _ => dim.not_applicable().to_string(),
                    }
                }),
                value: opt(&value, i),
                numerator: opt(&numerator, i),
                denominator: opt(&denominator, i),
                unit: unit.value(i).to_string(),
                unit_mult: unit_mult.value(i),
                decimals: decimals.value(i),
                obs_status: obs_status.value(i).to_string(),
                conf_status: conf_status.value(i).to_string(),
                lower_bound: opt(&lower, i),
                upper_bound: opt(&upper, i),
                obs_comment: comment.is_valid(i).then(|| comment.value(i).to_string()),
                snapshot_id: snapshot.value(i),
                definition_hash: hash.value(i).to_string(),
                engine_version: engine
                    .as_ref()
                    .and_then(|e| e.is_valid(i).then(|| e.value(i).to_string())),
                computed_at_micros: computed.value(i),
            });
        }
    }
    Ok(out)
}

/// A column as UTF-8 strings (any string-like or numeric type is cast).
pub(crate) fn as_strings(name: &str, array: &ArrayRef) -> Result<StringArray> {
    let c = arrow::compute::cast(array, &DataType::Utf8).map_err(|e| {
        IndicatorError::contract("observations", format!("column `{name}` is not text: {e}"))
    })?;
    Ok(c.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .unwrap_or_else(|| StringArray::new_null(c.len())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use marsad_warehouse::derived::{replace_snapshot_rows, OBSERVATIONS};
    use marsad_warehouse::location::Location;

    fn observation(snapshot_id: i64, engine_version: Option<&str>) -> Observation {
        Observation {
            indicator_id: "EMC_REPORTS".into(),
            indicator_version: 1,
            indicator_status: "approved".into(),
            period: "2024".into(),
            breakdown: ["MA", "_Z", "_Z", "_Z", "_Z", "_Z"].map(String::from),
            value: Some(12.0),
            numerator: None,
            denominator: None,
            unit: "NUMBER".into(),
            unit_mult: 0,
            decimals: 0,
            obs_status: "A".into(),
            conf_status: FREE.into(),
            lower_bound: None,
            upper_bound: None,
            obs_comment: None,
            snapshot_id,
            definition_hash: "h".into(),
            engine_version: engine_version.map(String::from),
            computed_at_micros: 1_700_000_000_000_000,
        }
    }

    #[test]
    fn the_engine_version_round_trips() {
        let obs = vec![observation(1, Some("0.1.0")), observation(2, None)];
        let batch = to_batch(&obs).unwrap();
        assert_eq!(from_batches(&[batch]).unwrap(), obs);
    }

    /// Every stored observation, by snapshot.
    async fn read_back(loc: &Location) -> Vec<Observation> {
        let table = marsad_warehouse::tables::open(loc, OBSERVATIONS)
            .await
            .unwrap();
        let ctx = datafusion::prelude::SessionContext::new();
        table.update_datafusion_session(&ctx.state()).unwrap();
        ctx.register_table("o", table.table_provider().await.unwrap())
            .unwrap();
        let batches = ctx
            .sql("select * from o order by snapshot_id")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        from_batches(&batches).unwrap()
    }

    /// A data directory whose observations table predates the `engine_version` and `iccs`
    /// columns: the next compute adds them (old rows read as NULL, `iccs` as `_Z`: not broken
    /// down by it) and the old rows stay.
    #[tokio::test]
    async fn an_observations_table_without_engine_version_keeps_working() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(&dir.path().display().to_string()).unwrap();
        let old = to_batch(&[observation(1, None)]).unwrap();
        let old_schema = Arc::new(Schema::new(
            schema()
                .fields()
                .iter()
                .filter(|f| !["engine_version", "iccs"].contains(&f.name().as_str()))
                .cloned()
                .collect::<Vec<_>>(),
        ));
        let old = old.project(
            &(0..old.num_columns())
                .filter(|i| {
                    !["engine_version", "iccs"].contains(&old.schema().field(*i).name().as_str())
                })
                .collect::<Vec<_>>(),
        );
        let old =
            RecordBatch::try_new(old_schema.clone(), old.unwrap().columns().to_vec()).unwrap();
        replace_snapshot_rows(&loc, OBSERVATIONS, &old_schema, 1, vec![old])
            .await
            .unwrap();
        // Old rows read back without the column.
        assert_eq!(read_back(&loc).await, vec![observation(1, None)]);

        // The new schema writes snapshot 2 next to them.
        let new = to_batch(&[observation(2, Some("0.1.0"))]).unwrap();
        replace_snapshot_rows(&loc, OBSERVATIONS, &schema(), 2, vec![new])
            .await
            .unwrap();
        assert_eq!(
            read_back(&loc).await,
            vec![observation(1, None), observation(2, Some("0.1.0"))]
        );
    }
}
