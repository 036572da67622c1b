//! Dates, timestamps and years as agencies write them, read once for every feed.
//!
//! Accepted dates: `dd/mm/yyyy` (also `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`), `yyyy-mm-dd`,
//! `yyyy/mm/dd`, ISO 8601 datetimes (the date part is taken), and Excel serial day numbers.
//! Morocco writes the day first: `mm/dd/yyyy` is never tried, so `01/13/2023` is refused as an
//! invalid date rather than guessed. Two-digit years are refused as ambiguous.
//!
//! Excel serials follow Excel's 1900 date system, leap-year bug included: serial 1 is
//! 1900-01-01, serial 60 is the non-existent 29 February 1900 (refused), serials above 60 count
//! from 1899-12-30, and the last valid serial is 2958465 (9999-12-31). A fraction is a time of
//! day.
//!
//! ## Time zone of naive times
//! A timestamp written without an offset (`2023-05-04 14:30`, `04/05/2023 14:30`, a bare date,
//! an Excel serial) is taken as Morocco's legal time, **UTC+01:00**, and converted to UTC.
//! Morocco has kept UTC+1 all year since October 2018, except during Ramadan, when clocks go
//! back to UTC+0; naive times recorded during Ramadan are therefore one hour late once
//! converted. Feeds that need exact instants must send an offset or `Z` (RFC 3339).

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::numbers::{quote, to_ascii_digits};

/// Morocco's legal time since 2018 (outside Ramadan), in seconds east of UTC.
pub const MOROCCO_OFFSET_SECONDS: i32 = 3600;

/// Last Excel serial (9999-12-31).
const EXCEL_MAX_SERIAL: f64 = 2_958_465.0;

const DATE_EXPECTED: &str = "expected dd/mm/yyyy, yyyy-mm-dd, ISO 8601 or an Excel serial number";
const TIMESTAMP_EXPECTED: &str =
    "expected ISO 8601 / RFC 3339, dd/mm/yyyy HH:MM[:SS], a date, or an Excel serial number";

/// A calendar date: `15/01/2023`, `5/1/2023`, `15-01-2023`, `15.01.2023`, `2023-01-15`,
/// `2023/01/15`, `2023-01-15T10:30:00+01:00`, `44941` (Excel serial).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = to_ascii_digits(s.trim());
    if t.is_empty() {
        return Err("empty date".to_string());
    }
    if looks_like_serial(&t) {
        return excel_serial(&t, s).map(|dt| dt.date());
    }
    let (date_part, time_part) = split_date_time(&t);
    let date = calendar_date(date_part, s, DATE_EXPECTED)?;
    if let Some(time) = time_part {
        // The time is not kept, but it must be a time: `2023-01-15 garbage` is not a date.
        clock_time(time).map_err(|reason| format!("`{}` is not a date: {reason}", quote(s)))?;
    }
    Ok(date)
}

/// An instant as microseconds since the Unix epoch, UTC: RFC 3339 / ISO 8601 with `Z` or an
/// offset; `yyyy-mm-ddTHH:MM[:SS[.ffffff]]` or with a space; `dd/mm/yyyy HH:MM[:SS]`; a bare
/// date (midnight); an Excel serial with a fraction. Times without an offset are Morocco's legal
/// time, UTC+01:00 (see the module documentation).
pub fn parse_timestamp(s: &str) -> Result<i64, String> {
    let t = to_ascii_digits(s.trim());
    if t.is_empty() {
        return Err("empty timestamp".to_string());
    }
    let (local, offset) = if looks_like_serial(&t) {
        (excel_serial(&t, s)?, None)
    } else {
        let (date_part, time_part) = split_date_time(&t);
        let date = calendar_date(date_part, s, TIMESTAMP_EXPECTED)?;
        match time_part {
            None => (date.and_time(NaiveTime::MIN), None),
            Some(time) => {
                let (clock, offset) = clock_time(time)
                    .map_err(|reason| format!("`{}` is not a timestamp: {reason}", quote(s)))?;
                (date.and_time(clock), offset)
            }
        }
    };
    let offset = offset.unwrap_or(MOROCCO_OFFSET_SECONDS);
    let utc = local
        .checked_sub_signed(Duration::seconds(i64::from(offset)))
        .ok_or_else(|| format!("`{}` is out of the supported range of timestamps", quote(s)))?;
    Ok(utc.and_utc().timestamp_micros())
}

/// The years any feed may carry, said once for every adapter. From 1990: Marsad holds figures
/// of the internet era (the web opened in 1991, the CyberTipline in 1998) and the censuses it
/// interpolates between (RGPH 1994 onwards); a four-digit number before that in a year column
/// is a typo or a count. To 2100: far enough for any projection an agency publishes (HCP's run
/// to 2050), near enough to catch a slipped digit (`2203`).
pub const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// Whether `year` is in [`YEARS`].
pub fn is_year(year: i64) -> bool {
    i32::try_from(year).is_ok_and(|y| YEARS.contains(&y))
}

/// A year in [`YEARS`]: `2023`, `2023.0` (Excel), `٢٠٢٣`.
pub fn parse_year(s: &str) -> Result<i32, String> {
    let t = to_ascii_digits(s.trim());
    if t.is_empty() {
        return Err("empty year".to_string());
    }
    let whole = match t.split_once(['.', ',']) {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.bytes().all(|b| b == b'0') => {
            whole
        }
        Some(_) => {
            return Err(format!(
                "`{}` is not a year: expected four digits such as 2023",
                quote(s)
            ))
        }
        None => t.as_str(),
    };
    if whole.len() != 4 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{}` is not a year: expected four digits such as 2023",
            quote(s)
        ));
    }
    let year: i32 = whole
        .parse()
        .map_err(|_| format!("`{}` is not a year", quote(s)))?;
    if YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(format!(
            "year {year} is outside {}–{}",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// Digits with at most one decimal point: the shape of an Excel serial.
fn looks_like_serial(t: &str) -> bool {
    let mut points = 0;
    let mut digits = 0;
    for c in t.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1 && !t.starts_with('.') && !t.ends_with('.')
}

/// An Excel serial (1900 date system) as a naive date and time, to the millisecond.
fn excel_serial(t: &str, original: &str) -> Result<NaiveDateTime, String> {
    let value: f64 = t
        .parse()
        .map_err(|_| format!("`{}` is not a date: {DATE_EXPECTED}", quote(original)))?;
    if !(1.0..EXCEL_MAX_SERIAL + 1.0).contains(&value) {
        return Err(format!(
            "`{}` is out of range for an Excel serial date (1 to 2958465)",
            quote(original)
        ));
    }
    let days = value.floor();
    if days == 60.0 {
        return Err(
            "Excel serial 60 is 29/02/1900, a day that does not exist (Excel's leap-year bug)"
                .to_string(),
        );
    }
    let epoch = if days > 60.0 {
        NaiveDate::from_ymd_opt(1899, 12, 30)
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 31)
    };
    let millis_in_day = ((value - days) * 86_400_000.0).round() as i64;
    epoch
        .and_then(|e| e.checked_add_signed(Duration::days(days as i64)))
        .map(|d| d.and_time(NaiveTime::MIN))
        .and_then(|dt| dt.checked_add_signed(Duration::milliseconds(millis_in_day)))
        .ok_or_else(|| {
            format!(
                "`{}` is out of range for an Excel serial date (1 to 2958465)",
                quote(original)
            )
        })
}

/// Splits `date[T| ]time` at the first `T` or whitespace; the time part is trimmed.
fn split_date_time(t: &str) -> (&str, Option<&str>) {
    match t.find(|c: char| c == 'T' || c == 't' || c.is_whitespace()) {
        Some(i) => {
            let (d, rest) = t.split_at(i);
            let sep_len = rest.chars().next().map_or(0, char::len_utf8);
            (d, Some(rest[sep_len..].trim()))
        }
        None => (t, None),
    }
}

/// `yyyy-mm-dd`, `yyyy/mm/dd`, `yyyy.mm.dd`, `dd/mm/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy` (one- or
/// two-digit day and month).
fn calendar_date(d: &str, original: &str, expected: &str) -> Result<NaiveDate, String> {
    let not_a_date = || format!("`{}` is not a date: {expected}", quote(original));
    let sep = d
        .chars()
        .find(|c| matches!(c, '/' | '-' | '.'))
        .ok_or_else(not_a_date)?;
    let parts: Vec<&str> = d.split(sep).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(not_a_date());
    }
    let num = |p: &str| p.parse::<u32>().map_err(|_| not_a_date());
    let (y, m, day) = match (parts[0].len(), parts[1].len(), parts[2].len()) {
        (4, 1..=2, 1..=2) => (parts[0], parts[1], parts[2]),
        (1..=2, 1..=2, 4) => (parts[2], parts[1], parts[0]),
        (1..=2, 1..=2, 1..=2) => {
            return Err(format!(
            "`{}` has a two-digit year, which is ambiguous: write the year in full (dd/mm/yyyy)",
            quote(original)
        ))
        }
        _ => return Err(not_a_date()),
    };
    let year = num(y)? as i32;
    let (month, day) = (num(m)?, num(day)?);
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        format!(
            "`{}` is not a valid calendar date (day {day}, month {month}, year {year}; dates are read day first)",
            quote(original)
        )
    })
}

/// `HH:MM[:SS[.fff…]]` then optionally `Z` or an offset (`+01:00`, `+0100`, `+01`, `-05:00`),
/// possibly after a space. Returns the clock time and the offset in seconds east of UTC.
fn clock_time(t: &str) -> Result<(NaiveTime, Option<i32>), String> {
    const BAD: &str = "the time must be HH:MM or HH:MM:SS, optionally with Z or an offset";
    let t = t.trim();
    let split = t.find(['Z', 'z', '+', '-']).unwrap_or(t.len());
    let (clock, zone) = t.split_at(split);
    let clock = clock.trim();
    let offset = parse_offset(zone.trim()).ok_or_else(|| BAD.to_string())?;

    let (hms, fraction) = match clock.split_once(['.', ',']) {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let fields: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&fields.len())
        || fields
            .iter()
            .any(|f| f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(BAD.to_string());
    }
    let n = |f: &str| f.parse::<u32>().map_err(|_| BAD.to_string());
    let hour = n(fields[0])?;
    let minute = n(fields[1])?;
    let second = match fields.get(2) {
        Some(f) => n(f)?,
        None => 0,
    };
    let micro = match fraction {
        None => 0,
        Some(f) if fields.len() == 3 && !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            // Keep microseconds: pad or cut to six digits.
            let six: String = f.chars().chain(std::iter::repeat('0')).take(6).collect();
            six.parse::<u32>().map_err(|_| BAD.to_string())?
        }
        Some(_) => return Err(BAD.to_string()),
    };
    if second >= 60 {
        return Err(format!("{second} is not a valid second"));
    }
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micro)
        .ok_or_else(|| format!("{hour:02}:{minute:02} is not a valid time of day"))?;
    Ok((time, offset))
}

/// `""` → no offset; `Z` → 0; `+hh:mm`, `+hhmm`, `+hh` (and `-`) → seconds east of UTC.
/// `None` when the text is not an offset.
fn parse_offset(z: &str) -> Option<Option<i32>> {
    if z.is_empty() {
        return Some(None);
    }
    if z.eq_ignore_ascii_case("z") {
        return Some(Some(0));
    }
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || rest.matches(':').count() > 1 {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(Some(sign * (h * 3600 + m * 60)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    /// Microseconds since the epoch of a UTC date and time.
    fn utc(y: i32, mo: u32, day: u32, h: u32, mi: u32, s: u32) -> i64 {
        d(y, mo, day)
            .and_hms_opt(h, mi, s)
            .expect("valid test time")
            .and_utc()
            .timestamp_micros()
    }

    #[test]
    fn day_first_dates() {
        assert_eq!(parse_date("15/01/2023"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date("5/1/2023"), Ok(d(2023, 1, 5)));
        assert_eq!(parse_date("05/01/2023"), Ok(d(2023, 1, 5)));
        assert_eq!(parse_date("15-01-2023"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date("15.01.2023"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date(" 29/02/2024 "), Ok(d(2024, 2, 29)));
        assert_eq!(parse_date("١٥/٠١/٢٠٢٣"), Ok(d(2023, 1, 15)));
    }

    #[test]
    fn year_first_dates_and_iso_datetimes() {
        assert_eq!(parse_date("2023-01-15"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date("2023/01/15"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date("2023-1-5"), Ok(d(2023, 1, 5)));
        assert_eq!(parse_date("2023-01-15T10:30:00"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date("2023-01-15T10:30:00Z"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date("2023-01-15T23:30:00+01:00"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date("2023-01-15 10:30"), Ok(d(2023, 1, 15)));
        assert_eq!(
            parse_date("2023-01-15T10:30:00.123-05:00"),
            Ok(d(2023, 1, 15))
        );
        assert_eq!(parse_date("15/01/2023 10:30"), Ok(d(2023, 1, 15)));
    }

    #[test]
    fn excel_serials() {
        assert_eq!(parse_date("1"), Ok(d(1900, 1, 1)));
        assert_eq!(parse_date("59"), Ok(d(1900, 2, 28)));
        assert_eq!(parse_date("61"), Ok(d(1900, 3, 1)));
        assert_eq!(parse_date("44941"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date("44941.75"), Ok(d(2023, 1, 15)));
        assert_eq!(parse_date("45000.0"), Ok(d(2023, 3, 15)));
        assert_eq!(parse_date("2958465"), Ok(d(9999, 12, 31)));
        let sixty = parse_date("60").unwrap_err();
        assert!(sixty.contains("leap-year bug"), "{sixty}");
        assert!(parse_date("60.5").is_err());
        assert!(parse_date("0").is_err());
        assert!(parse_date("0.5").is_err());
        assert!(parse_date("2958466").unwrap_err().contains("out of range"));
        assert!(parse_date("-5").is_err());
    }

    #[test]
    fn dates_rejected() {
        for bad in [
            "",
            "  ",
            "abc",
            "15/01/23",
            "01/13/2023",
            "31/02/2023",
            "32/01/2023",
            "2023-13-01",
            "2023-02-30",
            "15/01-2023",
            "15/01",
            "15/01/2023/1",
            "2023-01-15T25:00",
            "2023-01-15 garbage",
            "2023-01-15T10:30+99:00",
            "1.2.3.4",
            "20230115",
            "15//2023",
            "2023-01-15T10:30:00Q",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_date("15/01/23")
            .unwrap_err()
            .contains("two-digit year"));
        assert!(parse_date("01/13/2023")
            .unwrap_err()
            .contains("not a valid calendar date"));
        assert!(parse_date("abc").unwrap_err().contains("dd/mm/yyyy"));
    }

    #[test]
    fn timestamps_with_offset_or_z() {
        assert_eq!(
            parse_timestamp("2023-05-04T14:30:00Z"),
            Ok(utc(2023, 5, 4, 14, 30, 0))
        );
        assert_eq!(
            parse_timestamp("2023-05-04T14:30:00z"),
            Ok(utc(2023, 5, 4, 14, 30, 0))
        );
        assert_eq!(
            parse_timestamp("2023-05-04T14:30:00+01:00"),
            Ok(utc(2023, 5, 4, 13, 30, 0))
        );
        assert_eq!(
            parse_timestamp("2023-05-04T14:30:00+0100"),
            Ok(utc(2023, 5, 4, 13, 30, 0))
        );
        assert_eq!(
            parse_timestamp("2023-05-04T14:30:00+01"),
            Ok(utc(2023, 5, 4, 13, 30, 0))
        );
        assert_eq!(
            parse_timestamp("2023-05-04T14:30:00-05:30"),
            Ok(utc(2023, 5, 4, 20, 0, 0))
        );
        assert_eq!(
            parse_timestamp("2023-05-04 14:30:00 +00:00"),
            Ok(utc(2023, 5, 4, 14, 30, 0))
        );
        assert_eq!(
            parse_timestamp("2023-05-04T14:30:00.123456Z"),
            Ok(utc(2023, 5, 4, 14, 30, 0) + 123_456)
        );
        assert_eq!(
            parse_timestamp("2023-05-04T14:30:00.5Z"),
            Ok(utc(2023, 5, 4, 14, 30, 0) + 500_000)
        );
    }

    #[test]
    fn naive_timestamps_are_morocco_time() {
        assert_eq!(
            parse_timestamp("2023-05-04T14:30"),
            Ok(utc(2023, 5, 4, 13, 30, 0))
        );
        assert_eq!(
            parse_timestamp("2023-05-04 14:30:15"),
            Ok(utc(2023, 5, 4, 13, 30, 15))
        );
        assert_eq!(
            parse_timestamp("04/05/2023 14:30"),
            Ok(utc(2023, 5, 4, 13, 30, 0))
        );
        assert_eq!(
            parse_timestamp("04/05/2023 14:30:15"),
            Ok(utc(2023, 5, 4, 13, 30, 15))
        );
        assert_eq!(
            parse_timestamp("04/05/2023 00:30"),
            Ok(utc(2023, 5, 3, 23, 30, 0))
        );
        // A bare date is local midnight.
        assert_eq!(parse_timestamp("2023-05-04"), Ok(utc(2023, 5, 3, 23, 0, 0)));
        assert_eq!(parse_timestamp("04/05/2023"), Ok(utc(2023, 5, 3, 23, 0, 0)));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00"), Ok(0));
    }

    #[test]
    fn excel_timestamps() {
        // 44941.5 = 2023-01-15 12:00 local.
        assert_eq!(parse_timestamp("44941.5"), Ok(utc(2023, 1, 15, 11, 0, 0)));
        assert_eq!(parse_timestamp("44941"), Ok(utc(2023, 1, 14, 23, 0, 0)));
        // 14:30:15 = 52215 s of the day; Excel stores it as a float fraction.
        let serial = format!("{}", 44941.0 + 52_215.0 / 86_400.0);
        assert_eq!(parse_timestamp(&serial), Ok(utc(2023, 1, 15, 13, 30, 15)));
        assert!(parse_timestamp("60.25").is_err());
    }

    #[test]
    fn timestamps_rejected() {
        for bad in [
            "",
            "now",
            "2023-05-04T",
            "2023-05-04T14",
            "2023-05-04T14:60",
            "2023-05-04T14:30:60",
            "2023-05-04T14:30:00+25:00",
            "2023-05-04T14:30:00 CET",
            "04/05/23 14:30",
            "2023-05-04T14:30.5",
            "2023-05-04T14:30:00.",
            "31/04/2023 10:00",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn years() {
        assert_eq!(parse_year("2023"), Ok(2023));
        assert_eq!(parse_year(" 2023 "), Ok(2023));
        assert_eq!(parse_year("2023.0"), Ok(2023));
        assert_eq!(parse_year("٢٠٢٣"), Ok(2023));
        assert_eq!(parse_year("۲۰۲۳"), Ok(2023));
        assert_eq!(parse_year("1990"), Ok(1990));
        assert_eq!(parse_year("2100"), Ok(2100));
        for bad in [
            "",
            "23",
            "1989",
            "2101",
            "2023.5",
            "20 23",
            "2,023",
            "abcd",
            "2023-01-15",
            "2023.",
        ] {
            assert!(parse_year(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_year("1989").unwrap_err().contains("1990"));
    }
}
