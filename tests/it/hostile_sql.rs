//! Hostile SQL through `marsad sql` (issue #15): every statement is refused before planning or
//! stopped within its limit, with its own message, and the process never aborts. Small limits
//! are set with flags so the whole list runs in seconds.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::TestWarehouse;

struct Answer {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn run(wh: &TestWarehouse, args: &[&str], stdin: Option<Vec<u8>>) -> Answer {
    let mut cmd = wh.cmd(&["sql"]);
    cmd.args(args);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let start = Instant::now();
    let out = cmd.output().expect("marsad runs");
    Answer {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

/// The statement fails with exactly `message` (after `marsad: `), status 1, nothing on stdout.
fn assert_refused(wh: &TestWarehouse, args: &[&str], stdin: Option<Vec<u8>>, message: &str) {
    let a = run(wh, args, stdin);
    assert_eq!(
        (a.code, a.stderr.as_str(), a.stdout.as_str()),
        (Some(1), format!("marsad: {message}\n").as_str(), ""),
        "{args:?}"
    );
}

fn sum_chain(n: usize, term: &str) -> String {
    format!("SELECT {}", vec![term; n].join("+"))
}

#[test]
fn hostile_statements_are_refused_with_their_reason() {
    let wh = TestWarehouse::with_pmp_case_table();
    let ro = "only read-only queries run here";
    for (sql, message) in [
        (
            "create table t as select 1".to_string(),
            format!("refused: CREATE TABLE is DDL (it defines or drops objects); {ro}"),
        ),
        (
            "drop table staging.pmp_case_table".into(),
            format!("refused: DROP TABLE is DDL (it defines or drops objects); {ro}"),
        ),
        (
            "insert into staging.pmp_case_table values (1)".into(),
            format!("refused: INSERT INTO is DML (it writes data); {ro}"),
        ),
        (
            "delete from staging.pmp_case_table".into(),
            format!("refused: DELETE FROM is DML (it writes data); {ro}"),
        ),
        (
            "copy (select 1) to '/tmp/marsad-copy.csv'".into(),
            format!("refused: COPY reads or writes files; {ro}"),
        ),
        (
            "set datafusion.execution.batch_size = 1".into(),
            "refused: SET changes session settings; the limits are set with flags (--timeout, \
             --max-rows, --memory, …)"
                .into(),
        ),
        (
            "prepare q as select 1".into(),
            "refused: PREPARE: prepared statements are not supported; send the query itself".into(),
        ),
        (
            "select 1; select 2".into(),
            "refused: 2 statements were given; send one query at a time".into(),
        ),
        (
            "create external table x stored as csv location '/etc/passwd'".into(),
            "refused: CREATE EXTERNAL TABLE x reads a file or URL; only the warehouse's tables \
             can be queried"
                .into(),
        ),
        (
            "select * from '/etc/passwd'".into(),
            "refused: FROM '/etc/passwd' reads a file or URL; only the warehouse's tables can be \
             queried"
                .into(),
        ),
        (
            "select * from read_csv('/etc/passwd')".into(),
            "refused: read_csv() reads a file or URL; only the warehouse's tables can be queried"
                .into(),
        ),
        (
            sum_chain(2000, "1"),
            "refused: expressions or subqueries nest deeper than 128 levels (--max-depth to raise \
             it)"
            .into(),
        ),
        (
            format!("SELECT {}1{}", "(".repeat(300), ")".repeat(300)),
            "refused: expressions or subqueries nest deeper than 128 levels (--max-depth to raise \
             it)"
            .into(),
        ),
    ] {
        assert_refused(&wh, &[sql.as_str()], None, &message);
    }

    // SQL longer than the limit, as an argument, and longer than a command line takes (1 MB),
    // from a file and from standard input; a NUL byte.
    let long = format!("select 1{}", " ".repeat(100_000));
    assert_refused(
        &wh,
        &["--max-sql", "64KiB", &long],
        None,
        "refused: the SQL is 100008 bytes long, over the limit of 64 KiB (--max-sql to raise it)",
    );
    let dir = tempfile::tempdir().unwrap();
    let megabyte = sum_chain(600_000, "1"); // 1.2 MB, and 600,000 levels deep
    let file = crate::helpers::temp_file(&dir, "big.sql", megabyte.as_bytes());
    let file = file.to_str().unwrap();
    assert_refused(
        &wh,
        &["--file", file],
        None,
        &format!(
            "refused: the SQL in {file} is more than 1048576 bytes long, over the limit of 1 MiB \
             (--max-sql to raise it)"
        ),
    );
    assert_refused(
        &wh,
        &["-"],
        Some(megabyte.clone().into_bytes()),
        "refused: the SQL in standard input is more than 1048576 bytes long, over the limit of \
         1 MiB (--max-sql to raise it)",
    );
    // Let it through the size check: the depth check refuses it, and dropping the 600,000-level
    // tree does not overflow the stack.
    assert_refused(
        &wh,
        &["--max-sql", "2MiB", "--file", file],
        None,
        "refused: expressions or subqueries nest deeper than 128 levels (--max-depth to raise it)",
    );
    assert_refused(
        &wh,
        &["-"],
        Some(b"select 1\0".to_vec()),
        "refused: the SQL contains a NUL byte (at byte 8)",
    );
}

#[test]
fn runaway_queries_stop_at_their_limits() {
    let wh = TestWarehouse::with_pmp_case_table();

    // A wide IN list plans (on the query threads' stacks) and answers.
    let years: Vec<String> = (1..=10_000).map(|y| y.to_string()).collect();
    let a = run(
        &wh,
        &[
            "--format",
            "csv",
            &format!(
                "select count(*) as n from generate_series(1, 20000) where value in ({})",
                years.join(", ")
            ),
        ],
        None,
    );
    assert_eq!(
        (a.code, a.stdout.as_str()),
        (Some(0), "n\n10000\n"),
        "{}",
        a.stderr
    );

    // A query that panics inside arrow (a string past 2 GiB of offsets) fails with the panic's
    // message: before, the ended thread read as a complete, empty answer.
    let a = run(
        &wh,
        &[
            "--format",
            "csv",
            "select string_agg(repeat('x', 1000000), ',') from generate_series(1, 5000)",
        ],
        None,
    );
    assert_eq!((a.code, a.stdout.as_str()), (Some(1), ""));
    assert!(
        a.stderr.ends_with(
            "marsad: internal: the query stopped on an internal error (offset overflow)\n"
        ),
        "{}",
        a.stderr
    );

    // Rows past the cap are cut, and the answer says so.
    let a = run(
        &wh,
        &[
            "--format",
            "csv",
            "--max-rows",
            "1000",
            "select * from generate_series(1, 3000000000)",
        ],
        None,
    );
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    assert_eq!(a.stdout.lines().count(), 1001);
    assert_eq!(
        a.stderr,
        "marsad: truncated: the answer has more than 1000 rows (--max-rows to raise the limit)\n"
    );
    let a = run(
        &wh,
        &[
            "--max-rows",
            "3",
            "with recursive t(n) as (select 1 union all select n + 1 from t) select n from t",
        ],
        None,
    );
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    assert!(
        a.stdout.ends_with(
            "| 3 |\n+---+\n(truncated: the answer has more than 3 rows (--max-rows to raise the limit))\n"
        ),
        "{}",
        a.stdout
    );

    // Time: an endless count, an endless recursion and a 10^10-row cross join stop at 1 s.
    for sql in [
        "select count(*) from generate_series(1, 3000000000)",
        "with recursive t(n) as (select 1 union all select n + 1 from t) select count(*) from t",
        "select count(*) from generate_series(1, 100000) a, generate_series(1, 100000) b",
    ] {
        let a = run(&wh, &["--timeout", "1s", sql], None);
        assert_eq!(
            (a.code, a.stderr.as_str()),
            (
                Some(1),
                "marsad: stopped: the query ran past its time limit of 1 s (--timeout to raise it)\n"
            ),
            "{sql}"
        );
        assert!(a.took < Duration::from_secs(15), "{sql} took {:?}", a.took);
    }

    // Functions that allocate outside the memory pool are checked before they allocate.
    for (sql, function, bytes) in [
        ("select repeat('x', 1000000000)", "repeat", "1000000000"),
        ("select lpad('x', 2000000000)", "lpad", "2000000000"),
        ("select range(1, 3000000000)", "range", "24000000000"),
    ] {
        assert_refused(
            &wh,
            &[sql],
            None,
            &format!(
                "stopped: {function}() would produce {bytes} bytes for one batch of rows, over \
                 the limit of 64 MiB (--max-value to raise it)"
            ),
        );
    }

    // The memory pool: an aggregate that does not fit in 1 MiB spills, and the spill is capped.
    let a = run(
        &wh,
        &[
            "--memory",
            "1MiB",
            "--max-spill",
            "1KiB",
            "--max-rows",
            "1",
            "select value, count(*) from generate_series(1, 2000000) group by value order by 2, 1",
        ],
        None,
    );
    // Which limit comes first depends on how the partitions interleave: either is a stop.
    assert_eq!(a.code, Some(1), "{}", a.stdout);
    assert!(
        a.stderr.starts_with(
            "marsad: stopped: the query needs more than its memory limit of 1 MiB (--memory to \
             raise it): "
        ) || a.stderr
            == "marsad: stopped: the query spilled more than its disk limit of 1 KiB (--max-spill \
                to raise it, or --memory to spill less)\n",
        "{}",
        a.stderr
    );
    // Whatever it spilled is gone.
    let tmp = std::path::Path::new(&wh.path).join(".tmp");
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left in {}: {left:?}", tmp.display());
}

#[test]
fn what_reaches_the_terminal_is_safe() {
    let wh = TestWarehouse::with_pmp_case_table();
    let a = run(
        &wh,
        &["SELECT chr(27)||'[2J' AS v, 'a' || chr(10) || 'b' AS w"],
        None,
    );
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    assert!(!a.stdout.contains('\u{1b}'), "{:?}", a.stdout);
    assert!(a.stdout.contains("| \\e[2J | a\\nb |"), "{}", a.stdout);

    // A reader that stops early (| head -2): quiet, status 0.
    for args in [
        vec![
            "sql",
            "--format",
            "csv",
            "select * from generate_series(1, 100000)",
        ],
        vec!["sql", "select * from generate_series(1, 100000)"],
    ] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("marsad"))
            .arg("--data-dir")
            .arg(&wh.path)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        lines.next().unwrap().unwrap();
        lines.next().unwrap().unwrap();
        drop(lines);
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).as_ref()
            ),
            (Some(0), ""),
            "{args:?}"
        );
    }
}
