//! The years `dim_period` lists, as the `period` of observations: from the CyberTipline's first
//! year to 2035.

/// The first year `dim_period` lists (the CyberTipline's first).
pub const FIRST_YEAR: i32 = 1998;
/// The last year `dim_period` lists.
pub const LAST_YEAR: i32 = 2035;
