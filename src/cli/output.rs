//! What reaches the terminal: tables whose cells cannot drive it. Every cell is formatted as
//! text, its control characters escaped (`\e`, `\n`, `\x07`…) and a value longer than
//! [`CELL_CHARS`] cut with its length (`xxxx… (10485760 bytes)`), then drawn by arrow's table
//! printer. The escaping and cutting rules are the pipelines' (`output::escape_control`,
//! `output::cut`), the same as for quarantined values.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use marsad_pipelines::output::{cut, escape_control, QUARANTINE_VALUE_CHARS};

/// Characters of one cell shown in a table: the same as quarantine keeps.
pub const CELL_CHARS: usize = QUARANTINE_VALUE_CHARS;

/// Set once a write to standard output found the reader gone (`marsad … | head`).
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether standard output was closed by its reader: the command stops quietly then. Writers
/// such as arrow's CSV writer turn the I/O error into text, so the fact is kept here.
pub fn stdout_closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Standard output, noting a closed pipe (see [`stdout_closed`]).
pub struct Stdout(std::io::StdoutLock<'static>);

impl Stdout {
    pub fn lock() -> Self {
        Stdout(std::io::stdout().lock())
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).inspect_err(note_closed)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().inspect_err(note_closed)
    }
}

fn note_closed(e: &std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// `batches` as a text table, safe to print.
pub fn table(batches: &[RecordBatch]) -> anyhow::Result<String> {
    let safe = batches
        .iter()
        .map(printable)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(arrow::util::pretty::pretty_format_batches(&safe)?.to_string())
}

/// One batch with every column as escaped, cut text (nulls stay null; headers escaped too).
fn printable(batch: &RecordBatch) -> anyhow::Result<RecordBatch> {
    let options = FormatOptions::default();
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let formatter = ArrayFormatter::try_new(column.as_ref(), &options)?;
        let values: StringArray = (0..column.len())
            .map(|i| {
                (!column.is_null(i)).then(|| {
                    let text = formatter.value(i).to_string();
                    cut(&escape_control(&text), CELL_CHARS).into_owned()
                })
            })
            .collect();
        fields.push(Field::new(
            escape_control(field.name()).into_owned(),
            DataType::Utf8,
            true,
        ));
        columns.push(Arc::new(values));
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_drive_the_terminal() {
        let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Utf8, true)]));
        let long = "y".repeat(5000);
        let batch = RecordBatch::try_new(
            schema,
            vec![Arc::new(StringArray::from(vec![
                Some("\u{1b}[2J"),
                None,
                Some(long.as_str()),
            ]))],
        )
        .unwrap();
        let text = table(&[batch]).unwrap();
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("| \\e[2J"), "{text}");
        assert!(text.contains("y… (5000 bytes) |"), "{text}");
    }
}
