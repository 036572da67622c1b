//! `marsad serve` as a process: on an empty data directory it loads the samples and computes
//! the indicators, listens on a free port, answers /healthz and one indicator's observations
//! (the public JSON holds NCMEC_MA_REPORTS 2023 = 543638; the CSV is byte for byte what
//! `indicators export --role public` writes for that indicator), and exits 0 on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::helpers::{sample, TestWarehouse, TEST_KEY};

/// A plain HTTP/1.1 GET: (status, body).
pub(crate) fn get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let (status, _, body) = get_with(addr, path, &[]);
    (status, body)
}

/// A plain HTTP/1.1 GET with extra request headers: (status, response head, body).
pub(crate) fn get_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete HTTP answer");
    let head = String::from_utf8_lossy(&raw[..at]).to_string();
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    let status = head[9..12].parse().unwrap();
    (status, head, raw[at + 4..].to_vec())
}

/// Kills the server if the test fails before it stops it.
pub(crate) struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `marsad serve` on `wh` (free ports) with extra environment `env`; wait until it prints
/// its address (loading the samples first on an empty data directory). Returns the server, the
/// lines it printed before the address, the rest of its output, and the address.
pub(crate) fn start(
    wh: &TestWarehouse,
    env: &[(&str, &str)],
) -> (Server, Vec<String>, mpsc::Receiver<String>, SocketAddr) {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("marsad"))
        .args(["--data-dir", &wh.path, "serve", "--listen", "127.0.0.1:0"])
        .args(["--pg-listen", "127.0.0.1:0"])
        .env("MARSAD_PSEUDONYM_KEY", TEST_KEY)
        .env_remove("MARSAD_DATA_DIR")
        .env_remove("MARSAD_LISTEN")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Loading every sample and computing the indicators comes first.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut lines = Vec::new();
    let addr: SocketAddr = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no address printed; stdout so far: {lines:#?}"));
        if let Some(rest) = line.trim().strip_prefix("health:") {
            let url = rest.trim();
            break url
                .trim_start_matches("http://")
                .trim_end_matches("/healthz")
                .parse()
                .unwrap();
        }
        lines.push(line);
    };
    (server, lines, rx, addr)
}

#[test]
fn serve_loads_answers_and_stops_on_sigterm() {
    let wh = TestWarehouse::new();
    let (mut server, lines, rx, addr) = start(&wh, &[]);
    assert!(
        lines[0].ends_with(
            "holds no warehouse: loading the samples and computing the indicators first"
        ),
        "{lines:#?}"
    );

    let (status, body) = get(addr, "/healthz");
    assert_eq!(
        (status, body.as_slice()),
        (200, &b"{\"status\":\"ok\"}"[..])
    );

    let obs = "/api/v1/indicators/NCMEC_MA_REPORTS/observations";
    let (status, body) = get(addr, obs);
    assert_eq!(status, 200);
    let rows: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let y2023 = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == "2023")
        .unwrap();
    assert_eq!(y2023["value"], serde_json::json!(543638.0));

    // The CSV is the public export's rows of this indicator, byte for byte.
    let (status, csv) = get(addr, &format!("{obs}?format=csv"));
    assert_eq!(status, 200);
    let out = tempfile::tempdir().unwrap();
    wh.cmd(&["indicators", "export", "--role", "public", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let export = std::fs::read_to_string(out.path().join("observations.csv")).unwrap();
    let expected: String = export
        .split_inclusive('\n')
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.starts_with("NCMEC_MA_REPORTS,"))
        .map(|(_, l)| l)
        .collect();
    assert_eq!(expected.lines().count(), 6, "{expected}");
    assert_eq!(String::from_utf8(csv).unwrap(), expected);

    // SIGTERM: stop accepting, finish, exit 0.
    let pid = server.0.id() as i32;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop within 60 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    let rest: Vec<String> = rx.try_iter().collect();
    assert_eq!(
        rest.last().map(String::as_str),
        Some("stopped"),
        "{rest:#?}"
    );
    assert!(
        TcpStream::connect(addr).is_err(),
        "the port is closed after shutdown"
    );
}

/// A server killed in the middle of an upload's ingest (a real abort, after the first table
/// commit and before the snapshot) leaves the warehouse at its previous snapshot; the next
/// ingest rolls the orphaned commits back and takes the same file as new, once.
#[test]
fn a_server_killed_during_an_upload_leaves_the_previous_snapshot() {
    let wh = TestWarehouse::new();
    wh.ingest("ncmec-country-table", &["ncmec/ncmec-by-country-2019.pdf"]);
    let token = wh
        .cmd(&["tokens", "create", "--role", "steward", "--name", "steward"])
        .output()
        .unwrap();
    assert!(token.status.success());
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    let before = wh.sql("select snapshot_id from registry.snapshots order by 1");

    for failpoint in ["after-first-commit", "before-snapshot"] {
        // Its output is read until it ends (a closed pipe would end the server with status 0).
        let (mut server, _, _output, addr) = start(&wh, &[("MARSAD_FAILPOINT", failpoint)]);
        let pdf = std::fs::read(sample("ncmec/ncmec-by-country-2023.pdf")).unwrap();
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        write!(
            s,
            "POST /api/v1/ingest/ncmec-country-table?name=ncmec-by-country-2023.pdf HTTP/1.1\r\n\
             Host: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            pdf.len()
        )
        .unwrap();
        s.write_all(&pdf).unwrap();
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        assert!(answer.is_empty(), "{failpoint}: the server answered");
        let status = server.0.wait().unwrap();
        assert!(!status.success(), "{failpoint}: the server was killed");
        assert_eq!(
            wh.sql("select snapshot_id from registry.snapshots order by 1"),
            before,
            "{failpoint}: no new snapshot"
        );
        assert_eq!(
            wh.number("select count(*) from ncmec_reports where year = 2023"),
            0.0,
            "{failpoint}: nothing of the killed ingest is read"
        );
    }
    // The next ingest recovers, and the file is new to it: one row for Morocco in 2023.
    let out = wh.ingest("ncmec-country-table", &["ncmec/ncmec-by-country-2023.pdf"]);
    assert!(out.contains("snapshot"), "{out}");
    assert_eq!(
        wh.number("select count(*) from ncmec_reports where country_code = 'MA' and year = 2023"),
        1.0
    );
    assert_eq!(
        wh.number("select reports from ncmec_reports where country_code = 'MA' and year = 2023"),
        543638.0
    );
}

/// A resident-set figure of `/proc/<pid>/status` (`VmRSS`, `VmHWM`: its peak), in bytes.
fn memory(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    let kb: u64 = line[field.len() + 1..]
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap();
    kb * 1024
}

/// `POST /api/v1/sql` as `token` (JSON): whether it was stopped — by its status or, once rows
/// were streamed, by the error or the cut announced at the end of the body.
fn post_sql_stopped(addr: SocketAddr, token: &str, sql: &str) -> bool {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "POST /api/v1/sql HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{sql}",
        sql.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let answer = String::from_utf8_lossy(&raw);
    let status: u16 = answer[9..12].parse().unwrap();
    status >= 400 || !answer.contains("\"truncated\":null,\"error\":null}")
}

/// Memory-hungry statements over HTTP and PostgreSQL against a real `marsad serve` with a
/// 256 MiB query budget: each is refused or stopped, the server keeps answering, and its peak
/// resident set stays within the budget plus a margin above what it held before them.
#[test]
fn hungry_queries_keep_the_server_within_its_memory_budget() {
    const BUDGET: u64 = 256 << 20;
    const MARGIN: u64 = 256 << 20;
    let wh = TestWarehouse::new();
    wh.ingest("ncmec-country-table", &["ncmec/ncmec-by-country-2019.pdf"]);
    let token = wh
        .cmd(&["tokens", "create", "--role", "analyst", "--name", "rss"])
        .output()
        .unwrap();
    assert!(token.status.success());
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    let (server, _, rx, addr) = start(
        &wh,
        &[
            ("MARSAD_QUERY_MEMORY", "256MiB"),
            ("MARSAD_QUERY_TIMEOUT", "5s"),
        ],
    );
    let pg_port: u16 = loop {
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap();
        if let Some(at) = line.find("port=") {
            let rest = &line[at + 5..];
            break rest[..rest.find(' ').unwrap()].parse().unwrap();
        }
    };
    // Warm: one ordinary query on each channel, then the baseline.
    assert!(!post_sql_stopped(
        addr,
        &token,
        "select count(*) from ncmec_reports"
    ));
    let psql = |sql: &str| {
        std::process::Command::new("psql")
            .env("PGPASSWORD", &token)
            .args(["-X", "-w", "-A", "-t", "-d"])
            .arg(format!(
                "host=127.0.0.1 port={pg_port} user=analyst dbname=marsad connect_timeout=10"
            ))
            .args(["-c", sql])
            .output()
            .expect("psql runs (.ci/install-test-tools)")
    };
    let warm = psql("select count(*) from ncmec_reports");
    assert!(
        warm.status.success(),
        "{}",
        String::from_utf8_lossy(&warm.stderr)
    );
    let pid = server.0.id();
    let baseline = memory(pid, "VmRSS:");

    let hungry = [
        // A cross join that explodes (stopped by the time limit).
        "select count(*) from ncmec_reports a, ncmec_reports b, ncmec_reports c, ncmec_reports d",
        // A value of 1 GB (refused by the value limit before it is built).
        "select repeat('x', 1000000000)",
        // Aggregates that grow with their input (the memory pool).
        "select array_agg(g) from generate_series(1, 400000000) as t(g)",
        "select g, count(*) from generate_series(1, 200000000) as t(g) group by g",
        "select string_agg(repeat('x', 1000000), ',') from generate_series(1, 5000) as t(g)",
        // A sort of more rows than the budget holds.
        "select g from generate_series(1, 300000000) as t(g) order by g desc",
        // An unbounded recursive CTE.
        "with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r",
    ];
    for sql in hungry {
        assert!(
            post_sql_stopped(addr, &token, sql),
            "HTTP answered {sql} whole"
        );
        // Refused or stopped (ERROR), or cut at the row cap (WARNING: truncated).
        let out = psql(sql);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("ERROR") || stderr.contains("WARNING:  truncated"),
            "PG answered {sql} whole"
        );
        // Still answering others.
        assert_eq!(get(addr, "/healthz").0, 200, "after {sql}");
    }
    let peak = memory(pid, "VmHWM:");
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    // Straight to stderr: the figures README quotes (libtest captures println!).
    let _ = writeln!(
        std::io::stderr(),
        "server RSS: {:.0} MiB before the hungry queries, peak {:.0} MiB (budget {:.0} MiB + margin {:.0} MiB)",
        mib(baseline),
        mib(peak),
        mib(BUDGET),
        mib(MARGIN)
    );
    assert!(
        peak <= baseline + BUDGET + MARGIN,
        "peak RSS {:.0} MiB over {:.0} MiB before + budget + margin",
        mib(peak),
        mib(baseline)
    );
}
