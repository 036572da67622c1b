//! The chunk parser of `ncmec-referrals`: one chunk of whole records parsed (on a worker thread)
//! into its staged columns, its rejected rows and its share of the roll-up.

use super::*;

/// Roll-up counts by key.
pub(super) type Counts = FxHashMap<CountKey, Count>;

/// What one chunk of the file gives: its staged rows, its rejected rows (each with its rejected
/// values) and its share of the roll-up.
pub(super) struct Part {
    pub(super) batch: Option<RecordBatch>,
    pub(super) rejected: Vec<Vec<QuarantineRow>>,
    pub(super) counts: Counts,
}

/// What every chunk is read with (shared by the worker threads).
pub(super) struct ChunkReader<'a> {
    pub(super) file: &'a RawFile,
    pub(super) delimiter: u8,
    pub(super) map: HeaderMap,
    pub(super) shape: RowCheck,
    pub(super) key: &'a PseudonymKey,
    pub(super) table: &'a TableSpec,
    pub(super) earliest: NaiveDate,
    pub(super) latest: NaiveDate,
}

impl ChunkReader<'_> {
    pub(super) fn read(&self, chunk: &csv::TextChunk) -> Result<Part> {
        let map = &self.map;
        let mut parser = RowParser {
            incident_memo: FxHashMap::default(),
            region_memo: FxHashMap::default(),
            earliest: self.earliest,
            latest: self.latest,
        };
        let mut staged = Staged::new(&self.file.sha256, chunk.bytes.len() / 100);
        let mut rejected = Vec::new();
        let mut counts = Counts::default();
        let mut token = [0u8; 32];
        let mut records = csv::ChunkRecords::new(&self.file.name, self.delimiter, chunk);
        while let Some(record) = records.next_record()? {
            if record.is_blank() {
                continue;
            }
            let pos = record.position();
            let mut bad: Vec<QuarantineRow> = self.shape.check(&record, &pos);
            let cell = |col: usize| map.cell(&record, col);

            let id = cell(REPORT_ID);
            if id.is_empty() {
                bad.push(rejected_value(
                    &pos,
                    COLUMNS[REPORT_ID].name,
                    Some(id),
                    "the report id is blank",
                ));
            }
            let raw = cell(RECEIVED);
            let date = accept(&mut bad, &pos, RECEIVED, raw, parser.date(raw));
            let raw = cell(INCIDENT);
            let incident = accept(&mut bad, &pos, INCIDENT, raw, parser.incident(raw));
            let raw = cell(REGION);
            let region = accept(&mut bad, &pos, REGION, raw, parser.region(raw)).flatten();
            let raw = cell(FILES);
            let files = accept(&mut bad, &pos, FILES, raw, parse_file_count(raw)).flatten();
            let raw = cell(ACTIONABLE);
            let actionable =
                accept(&mut bad, &pos, ACTIONABLE, raw, parse_actionable(raw)).flatten();
            let sextortion = match map.get(SEXTORTION) {
                None => None,
                Some(_) => {
                    let raw = cell(SEXTORTION);
                    accept(&mut bad, &pos, SEXTORTION, raw, parse_flag(raw)).flatten()
                }
            };

            match (date, incident) {
                (Some(date), Some(incident)) if bad.is_empty() => {
                    let year = i64::from(chrono::Datelike::year(&date));
                    let c = counts
                        .entry((year, incident, region, actionable, sextortion))
                        .or_insert(Count {
                            first: record.line,
                            ..Count::default()
                        });
                    c.reports += 1;
                    c.files += files.unwrap_or(0);
                    c.last = record.line;
                    let s = &mut staged;
                    s.token.append_value(self.key.token_into(id, &mut token));
                    s.date.append_value(date32(date));
                    s.year.append_value(year);
                    s.incident.append_value(incident);
                    let esp = cell(ESP);
                    s.esp.append_option((!esp.is_empty()).then_some(esp));
                    s.region.append_option(region);
                    s.files.append_option(files);
                    s.actionable.append_option(actionable);
                    s.sextortion.append_option(sextortion);
                    s.lineage.push(&pos);
                    s.rows += 1;
                }
                _ => rejected.push(bad),
            }
        }
        Ok(Part {
            batch: staged.finish(self.table)?,
            rejected,
            counts,
        })
    }
}

/// `Some(value)` if `result` is one, else `None` with the rejection of `raw` in column `col`
/// recorded in `bad`.
pub(super) fn accept<T>(
    bad: &mut Vec<QuarantineRow>,
    pos: &Position,
    col: usize,
    raw: &str,
    result: Result<T, String>,
) -> Option<T> {
    result
        .map_err(|reason| bad.push(rejected_value(pos, COLUMNS[col].name, Some(raw), reason)))
        .ok()
}

/// The staging columns of one chunk, in the order of [`tables`].
pub(super) struct Staged {
    pub(super) token: StringBuilder,
    pub(super) date: Date32Builder,
    pub(super) year: Int64Builder,
    pub(super) incident: StringBuilder,
    pub(super) esp: StringBuilder,
    pub(super) region: StringBuilder,
    pub(super) files: Int64Builder,
    pub(super) actionable: BooleanBuilder,
    pub(super) sextortion: BooleanBuilder,
    pub(super) lineage: LineageBuilder,
    pub(super) rows: usize,
}

impl Staged {
    pub(super) fn new(sha256: &str, rows: usize) -> Self {
        Staged {
            token: StringBuilder::with_capacity(rows, rows * 32),
            date: Date32Builder::with_capacity(rows),
            year: Int64Builder::with_capacity(rows),
            incident: StringBuilder::with_capacity(rows, rows * 8),
            esp: StringBuilder::with_capacity(rows, rows * 8),
            region: StringBuilder::with_capacity(rows, rows * 6),
            files: Int64Builder::with_capacity(rows),
            actionable: BooleanBuilder::with_capacity(rows),
            sextortion: BooleanBuilder::with_capacity(rows),
            lineage: LineageBuilder::new(sha256, rows),
            rows: 0,
        }
    }

    pub(super) fn finish(mut self, table: &TableSpec) -> Result<Option<RecordBatch>> {
        if self.rows == 0 {
            return Ok(None);
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.token.finish()),
            Arc::new(self.date.finish()),
            Arc::new(self.year.finish()),
            Arc::new(self.incident.finish()),
            Arc::new(self.esp.finish()),
            Arc::new(self.region.finish()),
            Arc::new(self.files.finish()),
            Arc::new(self.actionable.finish()),
            Arc::new(self.sextortion.finish()),
        ];
        columns.extend(self.lineage.finish());
        RecordBatch::try_new(table.schema.clone(), columns)
            .map(Some)
            .map_err(|e| PipelineError::Internal {
                table: table.name.clone(),
                detail: e.to_string(),
            })
    }
}

/// Per-chunk parsing state: small caches of the shared rules' answers, and the date range.
pub(super) struct RowParser {
    pub(super) incident_memo: FxHashMap<String, Result<&'static str, String>>,
    pub(super) region_memo: FxHashMap<String, Result<Option<&'static str>, String>>,
    pub(super) earliest: NaiveDate,
    pub(super) latest: NaiveDate,
}

impl RowParser {
    pub(super) fn date(&self, s: &str) -> Result<NaiveDate, String> {
        let d = match fast_date(s.as_bytes()) {
            Some(d) => d,
            None => parse_date_slow(s)?,
        };
        if d < self.earliest || d > self.latest {
            return Err(format!(
                "received date {d} is outside {} .. {} (the CyberTipline opened in 1998)",
                self.earliest, self.latest
            ));
        }
        Ok(d)
    }

    pub(super) fn incident(&mut self, s: &str) -> Result<&'static str, String> {
        memo(&mut self.incident_memo, s, parse_incident_type)
    }

    pub(super) fn region(&mut self, s: &str) -> Result<Option<&'static str>, String> {
        if s.is_empty() {
            return Ok(None);
        }
        memo(&mut self.region_memo, s, |s| {
            regions::parse_region(s).map(|r| r.map(|r| r.code))
        })
    }
}
