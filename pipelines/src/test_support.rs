//! Helpers the adapters' unit tests share: reading a staged table's columns back out of a
//! [`MemorySink`]. Written once here so every test reads columns the same way.

use arrow::array::{Array, Int64Array, RecordBatch, StringArray};

use crate::output::MemorySink;

/// Column `name` of `batch`, as its array type `A`; panics naming the column if there is no
/// such column or it is of another type.
pub(crate) fn column<'b, A: Array + 'static>(batch: &'b RecordBatch, name: &str) -> &'b A {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column `{name}`"))
        .as_any()
        .downcast_ref::<A>()
        .unwrap_or_else(|| panic!("column `{name}` is not a {}", std::any::type_name::<A>()))
}

/// The staged batch of `table`; panics if nothing was staged to it.
fn staged(sink: &MemorySink, table: &str) -> RecordBatch {
    sink.batch(table)
        .unwrap_or_else(|| panic!("nothing staged to `{table}`"))
}

/// The text column `name` of the rows staged to `table`, nulls as `None`.
pub(crate) fn strings(sink: &MemorySink, table: &str, name: &str) -> Vec<Option<String>> {
    let batch = staged(sink, table);
    let col = column::<StringArray>(&batch, name);
    col.iter().map(|v| v.map(str::to_string)).collect()
}

/// The integer column `name` of the rows staged to `table`, nulls as `None`.
pub(crate) fn ints(sink: &MemorySink, table: &str, name: &str) -> Vec<Option<i64>> {
    let batch = staged(sink, table);
    column::<Int64Array>(&batch, name).iter().collect()
}

/// Every value of a column that has no nulls; panics at the first null.
pub(crate) fn all<T>(values: Vec<Option<T>>) -> Vec<T> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.unwrap_or_else(|| panic!("row {i} is null")))
        .collect()
}
