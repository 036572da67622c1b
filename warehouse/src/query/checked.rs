//! Checked versions of the SQL functions whose output can grow without bound from a small input:
//! `repeat`, `lpad`, `rpad`, `array_repeat`, and `range` / `generate_series` used as values.
//! Their results are allocated outside DataFusion's memory pool (a scalar function's output is
//! never reserved), so `repeat('x', 1000000000)` took 1 GB at once whatever the pool said. Each
//! wrapper computes, before calling the real function, how many bytes one call would produce for
//! the batch, and fails with [`ValueTooLarge`] beyond the budget's `max-value`. Everything else
//! (name, signature, types, simplification) is the wrapped function's, so plans are unchanged.
//! Constant folding calls the same `invoke_with_args`, so literals are checked too.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, FieldRef, Int64Type, IntervalMonthDayNanoType, TimeUnit};
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature,
};

/// A function call that would have produced more than the budget allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueTooLarge {
    pub function: String,
    pub bytes: u128,
    pub limit: usize,
}

impl std::fmt::Display for ValueTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}() would produce {} bytes for one batch of rows, over the limit of {} \
             (--max-value to raise it)",
            self.function,
            self.bytes,
            super::settings::human_bytes(self.limit)
        )
    }
}

impl std::error::Error for ValueTooLarge {}

/// How a function's output size follows from its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Growth {
    /// `repeat(text, n)`: bytes of text × n.
    Repeat,
    /// `lpad/rpad(text, n[, fill])`: n characters.
    Pad,
    /// `array_repeat(element, n)`: n elements.
    ArrayRepeat,
    /// `range/generate_series(start, stop[, step])`: the number of steps, 8 bytes each.
    Series,
}

/// The functions this module checks, by name.
const CHECKED: &[(&str, Growth)] = &[
    ("repeat", Growth::Repeat),
    ("lpad", Growth::Pad),
    ("rpad", Growth::Pad),
    ("array_repeat", Growth::ArrayRepeat),
    ("range", Growth::Series),
    ("generate_series", Growth::Series),
];

/// Replace, in `registry`, each function of [`CHECKED`] by its checked version.
pub fn register(registry: &mut dyn FunctionRegistry, max_value: usize) -> Result<()> {
    for (name, growth) in CHECKED {
        let inner = registry.udf(name)?;
        let checked = Checked {
            inner: inner.as_ref().clone(),
            growth: *growth,
            limit: max_value,
        };
        registry.register_udf(Arc::new(ScalarUDF::new_from_impl(checked)))?;
    }
    Ok(())
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Checked {
    inner: ScalarUDF,
    growth: Growth,
    limit: usize,
}

impl Checked {
    fn check(&self, args: &ScalarFunctionArgs) -> Result<()> {
        let rows = args.number_rows.max(1);
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<ArrayRef>>>()?;
        let bytes: u128 = match (self.growth, arrays.as_slice()) {
            (Growth::Repeat, [text, n, ..]) => {
                let counts = counts(n)?;
                (0..rows)
                    .map(|i| text_len(text, i) * counts[i])
                    .sum::<u128>()
            }
            (Growth::Pad, [_, n, ..]) => counts(n)?.iter().sum(),
            (Growth::ArrayRepeat, [element, n, ..]) => {
                let width = (element.get_array_memory_size() / rows).max(8) as u128;
                counts(n)?.iter().map(|c| c * width).sum()
            }
            (Growth::Series, [start, stop, rest @ ..]) => steps(start, stop, rest.first())?
                .iter()
                .map(|c| c * 8)
                .sum(),
            // Fewer arguments than the shape: the real function reports the error.
            _ => 0,
        };
        if bytes > self.limit as u128 {
            return Err(DataFusionError::External(Box::new(ValueTooLarge {
                function: self.inner.name().to_string(),
                bytes,
                limit: self.limit,
            })));
        }
        Ok(())
    }
}

/// Byte length of text value `i` (0 for null or a non-text type).
fn text_len(a: &ArrayRef, i: usize) -> u128 {
    if a.is_null(i) {
        return 0;
    }
    let len = if let Some(s) = a.as_string_opt::<i32>() {
        s.value(i).len()
    } else if let Some(s) = a.as_string_opt::<i64>() {
        s.value(i).len()
    } else if let Some(s) = a.as_string_view_opt() {
        s.value(i).len()
    } else {
        0
    };
    len as u128
}

/// Non-negative counts of an integer argument, null as 0.
fn counts(a: &ArrayRef) -> Result<Vec<u128>> {
    let a = arrow::compute::cast(a, &DataType::Int64)?;
    let a = a.as_primitive::<Int64Type>();
    Ok((0..a.len())
        .map(|i| {
            if a.is_null(i) {
                0
            } else {
                a.value(i).max(0) as u128
            }
        })
        .collect())
}

/// Number of values `range(start, stop, step)` yields, per row: integers exactly; dates and
/// timestamps by converting to nanoseconds, an interval step counting a month as 30 days.
fn steps(start: &ArrayRef, stop: &ArrayRef, step: Option<&ArrayRef>) -> Result<Vec<u128>> {
    let temporal = !start.data_type().is_integer() && !start.data_type().is_null();
    let target = if temporal {
        DataType::Timestamp(TimeUnit::Nanosecond, None)
    } else {
        DataType::Int64
    };
    let as_i64 = |a: &ArrayRef| -> Result<Vec<Option<i64>>> {
        let c = arrow::compute::cast(a, &target)?;
        let c = arrow::compute::cast(&c, &DataType::Int64)?;
        let c = c.as_primitive::<Int64Type>();
        Ok((0..c.len())
            .map(|i| (!c.is_null(i)).then(|| c.value(i)))
            .collect())
    };
    let (a, b) = (as_i64(start)?, as_i64(stop)?);
    let step: Vec<Option<i128>> = match step {
        None => vec![Some(if temporal { 86_400_000_000_000 } else { 1 }); a.len()],
        Some(s)
            if s.data_type()
                == &DataType::Interval(arrow::datatypes::IntervalUnit::MonthDayNano) =>
        {
            let s = s.as_primitive::<IntervalMonthDayNanoType>();
            (0..s.len())
                .map(|i| {
                    (!s.is_null(i)).then(|| {
                        let v = s.value(i);
                        (v.months as i128 * 30 + v.days as i128) * 86_400_000_000_000
                            + v.nanoseconds as i128
                    })
                })
                .collect()
        }
        Some(s) if s.data_type().is_integer() => {
            as_i64(s)?.into_iter().map(|v| v.map(i128::from)).collect()
        }
        // Another step type: the real function says what it accepts.
        Some(_) => vec![None; a.len()],
    };
    Ok(a.iter()
        .zip(&b)
        .zip(&step)
        .map(|((a, b), s)| match (a, b, s) {
            (Some(a), Some(b), Some(s)) if *s != 0 => {
                let span = *b as i128 - *a as i128;
                if span.signum() == s.signum() || span == 0 {
                    (span / s) as u128 + 1
                } else {
                    0
                }
            }
            _ => 0,
        })
        .collect())
}

/// Delegates every method to the wrapped function; only `invoke_with_args` checks first.
impl ScalarUDFImpl for Checked {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }
    fn signature(&self) -> &Signature {
        self.inner.signature()
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }
    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        self.inner.simplify(args, info)
    }
    fn short_circuits(&self) -> bool {
        self.inner.short_circuits()
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.check(&args)?;
        self.inner.invoke_with_args(args)
    }
}
