//! The standard age bands of the indicators, in order: `dim_age_band`'s rows (after them, the
//! unknown code `_U`) and the bands the pipelines' age rule maps ages to.

/// The standard age bands of Marsad's indicators.
pub const STANDARD_BANDS: [&str; 5] = ["0-4", "5-12", "13-17", "18-25", "26+"];
