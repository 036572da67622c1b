//! Value rules, each said once and shared by every adapter: a header alias, a date format or a
//! region spelling is recognised the same way whatever the feed. Every parser returns
//! `Result<_, String>`; the `Err` text is the reason written to the quarantine row.
//!
//! - [`headers`]: folding (case, accents, Arabic diacritics, spacing), column aliases, and
//!   finding the header row of a table below its title rows.
//! - [`numbers`]: counts with thousands separators, decimal commas, Arabic-Indic digits.
//! - [`dates`]: dd/mm/yyyy, ISO 8601, Excel serials; timestamps; years (the one valid range).
//! - [`regions`]: region names and codes → ISO 3166-2:MA.
//! - [`countries`]: country names (NCMEC's spellings included) → ISO 3166-1 alpha-2.
//! - [`ages`]: exact ages and age bands → the standard bands and five-year bands.
//! - [`sex`]: sex codes and words → SDMX `M`, `F`, `_U`.
//! - [`labels`]: yes/no words and total-row labels.

pub mod ages;
pub mod countries;
pub mod dates;
pub mod headers;
pub mod labels;
pub mod numbers;
pub mod regions;
pub mod sex;

pub use headers::{fold, ColumnSpec, HeaderMap};
