//! The query budget's settings, said once: name, environment variable, default and why. The CLI
//! builds its flags from these (`marsad sql --timeout …`), `docs/settings.md` documents each
//! (a test checks it does), and [`Limits::default`] parses the defaults written here, so a
//! default cannot differ between the code, the help text and the docs.

use std::time::Duration;

/// One setting of the query budget.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Name of the setting and of its `marsad sql` flag (`--<name>`).
    pub name: &'static str,
    /// Environment variable that sets it when the flag is not given.
    pub env: &'static str,
    /// Default, in the form the flag takes.
    pub default: &'static str,
    /// What it bounds and why the default is what it is.
    pub help: &'static str,
}

pub const TIMEOUT: Setting = Setting {
    name: "timeout",
    env: "MARSAD_QUERY_TIMEOUT",
    default: "30s",
    help: "Time a query may take, planning and streaming every row included (e.g. 500ms, 30s, \
           10m). Every published indicator computes in well under a second on the samples; 30 s \
           leaves room for ad-hoc scans of record-level feeds and stops runaway joins.",
};

pub const MAX_ROWS: Setting = Setting {
    name: "max-rows",
    env: "MARSAD_QUERY_MAX_ROWS",
    default: "100000",
    help:
        "Rows a query may return; the answer is cut there and says it was truncated. Enough for \
           every indicator table and a screen of records; aggregate in SQL or raise it for exports.",
};

pub const MEMORY: Setting = Setting {
    name: "memory",
    env: "MARSAD_QUERY_MEMORY",
    default: "1GiB",
    help:
        "Memory pool of one query (sorts, joins, aggregates reserve from it, then spill or fail). \
           1 GiB fits a laptop and the server's default concurrency on an 8 GB machine.",
};

pub const MAX_RESULT: Setting = Setting {
    name: "max-result",
    env: "MARSAD_QUERY_MAX_RESULT",
    default: "256MiB",
    help: "Bytes of result a query may stream (Arrow size, counted batch by batch); the answer is \
           cut there and says it was truncated. Results are not in the memory pool, so this bounds \
           what a wide or text-heavy answer costs.",
};

pub const MAX_VALUE: Setting = Setting {
    name: "max-value",
    env: "MARSAD_QUERY_MAX_VALUE",
    default: "64MiB",
    help: "Bytes one call of a size-expanding function (repeat, lpad, rpad, array_repeat, range, \
           generate_series as a value) may produce for one batch of rows; beyond it the query \
           fails. These functions allocate outside the memory pool: repeat('x', 1000000000) \
           would take 1 GB at once.",
};

pub const MAX_SQL: Setting = Setting {
    name: "max-sql",
    env: "MARSAD_QUERY_MAX_SQL",
    default: "1MiB",
    help: "Size of the SQL text. Parsing and planning are synchronous and grow with the text; the \
           longest query in sql/ is under 10 KiB.",
};

pub const MAX_DEPTH: Setting = Setting {
    name: "max-depth",
    env: "MARSAD_QUERY_MAX_DEPTH",
    default: "128",
    help:
        "Nesting depth of expressions and subqueries (a+b+c is 3 deep). The planner and \
           optimizer recurse once per level; deeper trees (SELECT 1+2+…+2000) overflowed the stack.",
};

pub const CONCURRENCY: Setting = Setting {
    name: "concurrency",
    env: "MARSAD_QUERY_CONCURRENCY",
    default: "1",
    help:
        "Queries run at once per process; more wait for a slot (the wait counts in the timeout). \
           The command line runs one; a server sizes it so concurrency × memory fits the machine.",
};

pub const MAX_SPILL: Setting = Setting {
    name: "max-spill",
    env: "MARSAD_QUERY_MAX_SPILL",
    default: "10GiB",
    help: "Disk a query may spill to when its memory pool is full, under `<data-dir>/.tmp/` (a \
           local data directory only; on an object store spilling is refused). DataFusion's own \
           default is 100 GB in the system temp folder, left behind when a process is killed.",
};

/// Every setting, in the order `docs/settings.md` lists them.
pub const SETTINGS: &[Setting] = &[
    TIMEOUT,
    MAX_ROWS,
    MEMORY,
    MAX_RESULT,
    MAX_VALUE,
    MAX_SQL,
    MAX_DEPTH,
    CONCURRENCY,
    MAX_SPILL,
];

/// The numbers of a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Duration,
    pub max_rows: usize,
    pub memory: usize,
    pub max_result: usize,
    pub max_value: usize,
    pub max_sql: usize,
    pub max_depth: usize,
    pub concurrency: usize,
    pub max_spill: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // The defaults above are constants of this file, checked by a unit test.
        let bytes = |s: &Setting| parse_bytes(s.default).unwrap_or(0);
        let count = |s: &Setting| parse_count(s.default).unwrap_or(0);
        Limits {
            timeout: parse_duration(TIMEOUT.default).unwrap_or(Duration::ZERO),
            max_rows: count(&MAX_ROWS),
            memory: bytes(&MEMORY),
            max_result: bytes(&MAX_RESULT),
            max_value: bytes(&MAX_VALUE),
            max_sql: bytes(&MAX_SQL),
            max_depth: count(&MAX_DEPTH),
            concurrency: count(&CONCURRENCY),
            max_spill: bytes(&MAX_SPILL) as u64,
        }
    }
}

/// `30s`, `500ms`, `10m`, `1h`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = split_unit(t);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 500ms, 30s, 10m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("`{text}`: unknown unit `{unit}` (ms, s, m, h)")),
    };
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(format!("`{text}`: a duration must be positive"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `1GiB`, `256MiB`, `64KiB`, `1000000`, also `GB`/`MB`/`KB` (powers of 1000).
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let (number, unit) = split_unit(t);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 64KiB, 256MiB, 1GiB)"))?;
    let factor: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kib" | "k" => 1024.0,
        "mib" | "m" => 1024.0 * 1024.0,
        "gib" | "g" => 1024.0 * 1024.0 * 1024.0,
        "tib" | "t" => 1024.0f64.powi(4),
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (KiB, MiB, GiB, KB, MB, GB)"
            ))
        }
    };
    let bytes = value * factor;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes <= usize::MAX as f64) {
        return Err(format!("`{text}`: a size must be at least 1 byte"));
    }
    Ok(bytes as usize)
}

/// A positive whole number (`100000`; `_` separators allowed).
pub fn parse_count(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))?;
    if n == 0 {
        return Err(format!("`{text}`: must be at least 1"));
    }
    Ok(n)
}

fn split_unit(t: &str) -> (&str, &str) {
    let at = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    (t[..at].trim(), t[at..].trim())
}

/// Sizes as people read them: `1 GiB`, `256 MiB`, `1.5 KiB`, `17 bytes`.
pub fn human_bytes(n: usize) -> String {
    const UNITS: [(&str, f64); 3] = [
        ("GiB", 1024.0 * 1024.0 * 1024.0),
        ("MiB", 1024.0 * 1024.0),
        ("KiB", 1024.0),
    ];
    for (unit, size) in UNITS {
        if n as f64 >= size {
            let v = n as f64 / size;
            return if v.fract() == 0.0 {
                format!("{v:.0} {unit}")
            } else {
                format!("{v:.1} {unit}")
            };
        }
    }
    format!("{n} bytes")
}

/// Durations as people read them: `30 s`, `500 ms`, `1.5 s`.
pub fn human_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_parses() {
        let l = Limits::default();
        assert_eq!(l.timeout, Duration::from_secs(30));
        assert_eq!(l.max_rows, 100_000);
        assert_eq!(l.memory, 1 << 30);
        assert_eq!(l.max_result, 256 << 20);
        assert_eq!(l.max_value, 64 << 20);
        assert_eq!(l.max_sql, 1 << 20);
        assert_eq!(l.max_depth, 128);
        assert_eq!(l.concurrency, 1);
        assert_eq!(l.max_spill, 10 << 30);
    }

    #[test]
    fn parsers_say_what_is_wrong() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(
            parse_duration("soon"),
            Err("`soon` is not a duration (e.g. 500ms, 30s, 10m)".to_string())
        );
        assert_eq!(
            parse_duration("3d"),
            Err("`3d`: unknown unit `d` (ms, s, m, h)".to_string())
        );
        assert_eq!(parse_bytes("64KiB"), Ok(65536));
        assert_eq!(parse_bytes("2 MB"), Ok(2_000_000));
        assert_eq!(parse_count("1_000"), Ok(1000));
        assert_eq!(parse_count("0"), Err("`0`: must be at least 1".to_string()));
        assert_eq!(human_bytes(1 << 30), "1 GiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(17), "17 bytes");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human_duration(Duration::from_millis(200)), "200 ms");
    }

    #[test]
    fn every_setting_is_documented() {
        let docs = include_str!("../../../docs/settings.md");
        for s in SETTINGS {
            for needle in [
                format!("`--{}`", s.name),
                s.env.to_string(),
                s.default.into(),
            ] {
                assert!(
                    docs.contains(&needle),
                    "docs/settings.md does not mention {needle} (setting {})",
                    s.name
                );
            }
        }
    }
}
