//! JSON Lines: one object per line. The header is the union of the keys seen in the first
//! [`HEADER_SCAN`] objects, in order of first appearance; later objects are aligned to it by key
//! (a key first seen later is refused, so no value is dropped unseen). Scalars become text;
//! `null` becomes an empty cell; nested values keep their JSON text. A line longer than
//! [`MAX_RECORD_BYTES`] is refused at its number without being read whole; nesting is bounded by
//! serde_json's own recursion limit (128).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};

use serde_json::{Map, Value};

use super::{Position, Record, Rows};
use crate::error::{PipelineError, Result};
use crate::limits::MAX_RECORD_BYTES;
use crate::source::RawFile;
use crate::source::ReadRaw;

const HEADER_SCAN: usize = 1000;

pub fn rows(file: &RawFile) -> Result<Rows> {
    let mut lines = BoundedLines(BufReader::with_capacity(1 << 20, file.text_reader()?));
    let name = file.name.clone();
    let mut ahead = VecDeque::new();
    let mut header: Vec<String> = Vec::new();
    let mut line_no = 0u64;
    while ahead.len() < HEADER_SCAN {
        let Some(line) = lines.next() else { break };
        line_no += 1;
        let line = line.map_err(|e| e.at(&name, line_no))?;
        if line.trim().is_empty() {
            continue;
        }
        let object = parse_object(&name, line_no, &line)?;
        for key in object.keys() {
            if !header.contains(key) {
                header.push(key.clone());
            }
        }
        ahead.push_back((line_no, object));
    }
    let first = Record {
        position: Position::Line(0),
        cells: header.clone(),
    };
    let iter = JsonRows {
        lines: Box::new(lines),
        ahead,
        header,
        name,
        line_no,
        done: false,
    };
    Ok(Box::new(std::iter::once(Ok(first)).chain(iter)))
}

fn parse_object(name: &str, line_no: u64, line: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(PipelineError::parse(
            name,
            Position::Line(line_no),
            "expected a JSON object on each line",
        )),
        Err(e) => Err(PipelineError::parse(name, Position::Line(line_no), e)),
    }
}

struct JsonRows {
    lines: Box<dyn Iterator<Item = std::result::Result<String, LineError>> + Send>,
    ahead: VecDeque<(u64, Map<String, Value>)>,
    header: Vec<String>,
    name: String,
    line_no: u64,
    done: bool,
}

impl JsonRows {
    fn record(&self, line_no: u64, mut object: Map<String, Value>) -> Result<Record> {
        let cells = self
            .header
            .iter()
            .map(|k| object.remove(k).map(scalar_text).unwrap_or_default())
            .collect();
        if let Some(extra) = object.keys().next() {
            return Err(PipelineError::parse(
                &self.name,
                Position::Line(line_no),
                format!("key `{extra}` does not appear in the first {HEADER_SCAN} lines"),
            ));
        }
        Ok(Record {
            position: Position::Line(line_no),
            cells,
        })
    }
}

impl Iterator for JsonRows {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some((n, object)) = self.ahead.pop_front() {
            return Some(self.record(n, object));
        }
        loop {
            let line = self.lines.next()?;
            self.line_no += 1;
            let result = line
                .map_err(|e| e.at(&self.name, self.line_no))
                .and_then(|l| {
                    if l.trim().is_empty() {
                        Ok(None)
                    } else {
                        parse_object(&self.name, self.line_no, &l).map(Some)
                    }
                });
            match result {
                Ok(None) => continue,
                Ok(Some(object)) => return Some(self.record(self.line_no, object)),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Lines of text, each read only up to [`MAX_RECORD_BYTES`].
struct BoundedLines<R>(R);

/// Why a line was not read.
enum LineError {
    Io(std::io::Error),
    TooLong,
    NotUtf8(std::string::FromUtf8Error),
}

impl LineError {
    fn at(self, name: &str, line_no: u64) -> PipelineError {
        let position = Position::Line(line_no);
        match self {
            LineError::TooLong => PipelineError::parse(
                name,
                position,
                format!(
                    "a line longer than {} KiB (the limit): a missing line end, or not JSON Lines",
                    MAX_RECORD_BYTES >> 10
                ),
            ),
            LineError::Io(e) => PipelineError::Undecodable {
                file: name.to_string(),
                position: position.to_string(),
                detail: e.to_string(),
            },
            LineError::NotUtf8(e) => PipelineError::Undecodable {
                file: name.to_string(),
                position: position.to_string(),
                detail: e.to_string(),
            },
        }
    }
}

impl<R: BufRead> Iterator for BoundedLines<R> {
    type Item = std::result::Result<String, LineError>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = Vec::new();
        let limit = MAX_RECORD_BYTES as u64 + 1;
        match (&mut self.0).take(limit).read_until(b'\n', &mut buf) {
            Err(e) => return Some(Err(LineError::Io(e))),
            Ok(0) => return None,
            Ok(_) => {}
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        if buf.len() > MAX_RECORD_BYTES {
            return Some(Err(LineError::TooLong));
        }
        Some(String::from_utf8(buf).map_err(LineError::NotUtf8))
    }
}

fn scalar_text(v: Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn keys_become_headers_and_nulls_blank() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(f, r#"{{"report_id":"E1","age":15}}"#).unwrap();
        writeln!(f).unwrap();
        writeln!(f, r#"{{"report_id":"E2","age":null,"sex":"F"}}"#).unwrap();
        let raw = RawFile::open(&path).unwrap();
        let rows: Vec<Record> = rows(&raw).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows[0].cells, vec!["report_id", "age", "sex"]);
        assert_eq!(rows[1].cells, vec!["E1", "15", ""]);
        assert_eq!(rows[2].cells, vec!["E2", "", "F"]);
        assert_eq!(rows[2].position, Position::Line(3));
    }

    #[test]
    fn a_broken_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, "{\"a\":1}\n{\"a\":\n").unwrap();
        let raw = RawFile::open(&path).unwrap();
        let err = rows(&raw).err().unwrap().to_string();
        assert!(err.contains("bad.jsonl") && err.contains("line 2"), "{err}");
    }
}
