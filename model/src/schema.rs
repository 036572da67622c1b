//! Names shared by the pipelines, the warehouse and the SQL files. Every staged row carries the
//! raw file's sha256 and its position in that file (lineage); the quarantine table has one fixed
//! shape for every feed. Say a name here once; SQL under `sql/` uses the same strings.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// sha256 (hex) of the raw file a row came from.
pub const LINEAGE_FILE: &str = "_source_sha256";
/// Where in that file: `line 12`, `sheet 'Feuil1' row 5`, `page 2 line 14`.
pub const LINEAGE_POSITION: &str = "_source_position";

/// The lineage fields appended to every staging table.
pub fn lineage_fields() -> Vec<Field> {
    vec![
        Field::new(LINEAGE_FILE, DataType::Utf8, false),
        Field::new(LINEAGE_POSITION, DataType::Utf8, false),
    ]
}

/// `quarantine.rows`: one row per rejected value. The warehouse adds the snapshot id.
pub fn quarantine_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("feed", DataType::Utf8, false),
        Field::new("file_sha256", DataType::Utf8, false),
        Field::new("file_name", DataType::Utf8, false),
        Field::new("position", DataType::Utf8, false),
        Field::new("column", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, true),
        Field::new("reason", DataType::Utf8, false),
    ]))
}
