//! How Marsad writes numbers for people: one rounding rule and one thousands grouping, used by
//! every ingest report, export and page, so the same figure never reads two ways (issue #14: the
//! ingest report once printed 56.2 and the exports 56.3 for 36/64).
//!
//! **The rounding rule.** Half away from zero (`0.125` → `0.13`, `-0.125` → `-0.13`, `56.25` →
//! `56.3`), computed exactly from the numerator and the denominator: a ratio is never divided in
//! binary floating point before it is rounded, where `36 / 64 × 100` is exact but `23 / 80 × 100`
//! is `28.749999999999996`. A number that is already a value (a survey estimate, a stored
//! observation) is taken as the shortest decimal that reads back as the same `f64` — the
//! digits a person sees when the value is printed — and rounded from those digits.

use std::fmt;

/// A number rounded to a fixed count of decimals: `units` × 10^-`decimals`, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rounded {
    units: i128,
    decimals: u32,
}

impl Rounded {
    /// The rounded number as the nearest `f64` (for typed outputs: JSON, Parquet).
    pub fn to_f64(self) -> f64 {
        // The decimal text parses to the f64 nearest to the exact decimal.
        self.to_string().parse().unwrap_or(f64::NAN)
    }
}

impl fmt::Display for Rounded {
    /// Plain decimal notation with exactly `decimals` digits after the point; never `-0.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.units.unsigned_abs().to_string();
        let d = self.decimals as usize;
        let digits = if digits.len() <= d {
            format!("{}{digits}", "0".repeat(d + 1 - digits.len()))
        } else {
            digits
        };
        let (int, frac) = digits.split_at(digits.len() - d);
        let sign = if self.units < 0 { "-" } else { "" };
        if d == 0 {
            write!(f, "{sign}{int}")
        } else {
            write!(f, "{sign}{int}.{frac}")
        }
    }
}

/// An exact decimal `mantissa` × 10^`exponent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    mantissa: i128,
    exponent: i32,
}

impl Decimal {
    /// The shortest decimal that reads back as `v` (Rust prints that one); `None` if not finite.
    fn of(v: f64) -> Option<Decimal> {
        if !v.is_finite() {
            return None;
        }
        // `{:e}` is the shortest round-trip form: `5.625e1`, `-1.25e-1`, `0e0`.
        let text = format!("{v:e}");
        let (mant, exp) = text.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let mantissa: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Decimal {
            mantissa,
            exponent: exp - frac.len() as i32,
        })
    }
}

/// `n / d`, rounded half away from zero to an integer; `None` if `d` is 0.
fn div_half_away(n: i128, d: i128) -> Option<i128> {
    if d == 0 {
        return None;
    }
    let (n, d) = if d < 0 {
        (n.checked_neg()?, -d)
    } else {
        (n, d)
    };
    let q = n / d;
    let r = (n % d).unsigned_abs();
    // |r| ≥ d/2, without overflow: 2|r| ≥ d.
    let up = r.checked_mul(2)? >= d.unsigned_abs();
    Some(match (up, n < 0) {
        (false, _) => q,
        (true, false) => q + 1,
        (true, true) => q - 1,
    })
}

fn pow10(e: u32) -> Option<i128> {
    10i128.checked_pow(e)
}

/// `numerator / denominator × multiplier` rounded to `decimals`, half away from zero, computed
/// exactly from the decimals of the three numbers. `None` when the denominator is 0, a number is
/// not finite, or the figures are too large to compute exactly (beyond 10^38).
pub fn round_ratio(
    numerator: f64,
    denominator: f64,
    multiplier: f64,
    decimals: u32,
) -> Option<Rounded> {
    let (n, d, m) = (
        Decimal::of(numerator)?,
        Decimal::of(denominator)?,
        Decimal::of(multiplier)?,
    );
    // n·m·10^decimals / d = (n.m · m.m / d.m) · 10^(n.e + m.e + decimals − d.e)
    let mut num = n.mantissa.checked_mul(m.mantissa)?;
    let mut den = d.mantissa;
    let scale = n.exponent + m.exponent + decimals as i32 - d.exponent;
    if scale >= 0 {
        num = num.checked_mul(pow10(scale as u32)?)?;
    } else {
        den = den.checked_mul(pow10(scale.unsigned_abs())?)?;
    }
    Some(Rounded {
        units: div_half_away(num, den)?,
        decimals,
    })
}

/// `value` rounded to `decimals`, half away from zero, from its shortest decimal form; `None`
/// if it is not finite (or beyond 10^38).
pub fn round(value: f64, decimals: u32) -> Option<Rounded> {
    round_ratio(value, 1.0, 1.0, decimals)
}

/// `part` as a percentage of `whole`, rounded to `decimals`: `percent(36, 64, 1)` is `56.3`.
/// `None` when `whole` is 0.
pub fn percent(part: u64, whole: u64, decimals: u32) -> Option<Rounded> {
    let num = i128::from(part)
        .checked_mul(100)?
        .checked_mul(pow10(decimals)?)?;
    Some(Rounded {
        units: div_half_away(num, i128::from(whole))?,
        decimals,
    })
}

/// A whole number with its thousands grouped by commas: `36210368` → `36,210,368`.
pub fn thousands(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: f64, d: f64, m: f64, decimals: u32) -> String {
        round_ratio(n, d, m, decimals).unwrap().to_string()
    }

    #[test]
    fn exact_halves_round_away_from_zero() {
        assert_eq!(r(1.0, 8.0, 1.0, 2), "0.13"); // 0.125
        assert_eq!(r(-1.0, 8.0, 1.0, 2), "-0.13");
        assert_eq!(r(1.0, -8.0, 1.0, 2), "-0.13");
        assert_eq!(r(3.0, 8.0, 1.0, 2), "0.38"); // 0.375: not to even (0.38 either way)
        assert_eq!(r(5.0, 8.0, 1.0, 2), "0.63"); // 0.625: ties to even would give 0.62
        assert_eq!(r(36.0, 64.0, 100.0, 1), "56.3"); // 56.25: `{:.1}` gives 56.2
        assert_eq!(r(-36.0, 64.0, 100.0, 1), "-56.3");
        assert_eq!(r(1.0, 2.0, 1.0, 0), "1");
        assert_eq!(r(-1.0, 2.0, 1.0, 0), "-1");
        assert_eq!(r(5.0, 2.0, 1.0, 0), "3"); // 2.5: ties to even would give 2
                                              // 23/80 × 100 = 28.75 exactly, though 23.0 / 80.0 * 100.0 is 28.749999999999996.
        assert_eq!(r(23.0, 80.0, 100.0, 1), "28.8");
        assert_eq!(format!("{:.1}", 23.0f64 / 80.0 * 100.0), "28.7");
    }

    #[test]
    fn below_half_rounds_towards_zero_and_zero_has_no_sign() {
        assert_eq!(r(1.0, 3.0, 100.0, 1), "33.3");
        assert_eq!(r(2.0, 3.0, 100.0, 1), "66.7");
        assert_eq!(r(-1.0, 1000.0, 1.0, 2), "0.00");
        assert_eq!(r(0.0, 5.0, 100.0, 1), "0.0");
        assert_eq!(r(123.0, 1.0, 1.0, 0), "123");
        assert_eq!(r(1.0, 200.0, 1.0, 3), "0.005");
        assert_eq!(round_ratio(1.0, 0.0, 1.0, 1), None);
        assert_eq!(round(f64::NAN, 1), None);
    }

    #[test]
    fn values_round_from_their_printed_digits() {
        assert_eq!(round(0.125, 2).unwrap().to_string(), "0.13");
        assert_eq!(round(-0.125, 2).unwrap().to_string(), "-0.13");
        // 1.005 is stored as 1.00499999999999989…; it prints, and rounds, as 1.005.
        assert_eq!(round(1.005, 2).unwrap().to_string(), "1.01");
        assert_eq!(round(2.675, 2).unwrap().to_string(), "2.68");
        assert_eq!(round(1.9, 0).unwrap().to_string(), "2");
        assert_eq!(round(1e-7, 3).unwrap().to_string(), "0.000");
        assert_eq!(round(123456.5, 0).unwrap().to_f64(), 123457.0);
        assert_eq!(round(56.25, 1).unwrap().to_f64(), 56.3);
        // Non-integral numerators and denominators (interpolated populations) are exact too.
        assert_eq!(r(1.5, 0.4, 1.0, 2), "3.75");
    }

    #[test]
    fn percentages_and_thousands() {
        assert_eq!(percent(36, 64, 1).unwrap().to_string(), "56.3");
        assert_eq!(percent(1, 8, 1).unwrap().to_string(), "12.5");
        assert_eq!(percent(1, 16, 1).unwrap().to_string(), "6.3");
        assert_eq!(percent(64, 64, 1).unwrap().to_string(), "100.0");
        assert_eq!(percent(1, 0, 1), None);
        assert_eq!(thousands(36_210_368), "36,210,368");
        assert_eq!(thousands(-1_234), "-1,234");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(0), "0");
    }
}
