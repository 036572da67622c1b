//! The data directory as an object-store URL: the same ingest, snapshots, SQL and indicators on
//! `s3://` against a local S3 (moto, started by tests/moto-server.sh, installed on first use).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{assert_success, marsad, sample};

/// A moto S3 server on a free port, stopped when dropped.
struct LocalS3 {
    child: Child,
    port: u16,
}

/// Set to 1 to skip the object-store test (it prints that it was skipped).
const SKIP_ENV: &str = "MARSAD_SKIP_S3";

impl LocalS3 {
    /// Start moto, or `None` (after saying so) when `MARSAD_SKIP_S3=1`. Panics at once with the
    /// script's reason if it ends before the server answers (moto cannot be installed).
    fn start() -> Option<LocalS3> {
        if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1") {
            // Straight to stderr: libtest captures `println!`/`eprintln!` of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "s3::an_s3_data_directory_works_like_a_local_one skipped: {SKIP_ENV}=1"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/moto-server.sh");
        let child = Command::new(script)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tests/moto-server.sh starts");
        let mut s3 = LocalS3 { child, port };
        // First use installs moto (about a minute); then the server starts in a second or two.
        // The script ends at once if it cannot install or start it.
        let deadline = Instant::now() + Duration::from_secs(600);
        while s3.http("GET", "/").is_none() {
            if let Some(status) = s3.child.try_wait().expect("the script's status") {
                let mut reason = String::new();
                if let Some(mut err) = s3.child.stderr.take() {
                    let _ = err.read_to_string(&mut reason);
                }
                panic!(
                    "tests/moto-server.sh ended ({status}) before moto answered on port {port}:\n{}\n\
                     (set {SKIP_ENV}=1 to skip this test)",
                    reason.trim()
                );
            }
            assert!(
                Instant::now() < deadline,
                "moto did not start on port {port} within 600 s"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
        Some(s3)
    }

    /// One plain HTTP request; the status code, or None if nothing answers.
    fn http(&self, method: &str, path: &str) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let status = response.split_whitespace().nth(1)?.parse().ok()?;
        Some((status, response))
    }

    fn marsad(&self, data_dir: &str, args: &[&str]) -> std::process::Output {
        marsad()
            .env(
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            )
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .arg("--data-dir")
            .arg(data_dir)
            .args(args)
            .output()
            .expect("marsad runs")
    }
}

impl Drop for LocalS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_s3_data_directory_works_like_a_local_one() {
    let Some(s3) = LocalS3::start() else {
        return;
    };
    assert_eq!(s3.http("PUT", "/marsad").map(|r| r.0), Some(200));
    let wh = "s3://marsad/warehouse";
    let table = sample("pmp/pmp-aese-2021-2024.csv");
    let ncmec = sample("ncmec/ncmec-by-country-2022.csv");

    let out = s3.marsad(wh, &["ingest", "pmp-case-table", table.to_str().unwrap()]);
    assert_success(&out, "ingest to s3");
    let out = s3.marsad(
        wh,
        &["ingest", "ncmec-country-table", ncmec.to_str().unwrap()],
    );
    assert_success(&out, "second ingest to s3");

    // Re-ingesting changes nothing; snapshots pin versions.
    let again = s3.marsad(wh, &["ingest", "pmp-case-table", table.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already ingested in snapshot 1"));
    let q = |snapshot: &str, sql: &str| {
        let out = s3.marsad(wh, &["sql", "--format", "csv", "--snapshot", snapshot, sql]);
        assert_success(&out, sql);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        q("1", "select year, cases from pmp_case_table order by year"),
        "year,cases\n2021,19\n2022,43\n2023,109\n2024,84\n"
    );
    assert_eq!(q("1", "select count(*) as n from ncmec_reports"), "n\n0\n");
    assert_eq!(
        q(
            "2",
            "select reports from ncmec_reports where country_code = 'MA'"
        ),
        "reports\n258172\n"
    );

    // Indicators computed and stored on the object store.
    assert_success(&s3.marsad(wh, &["indicators", "compute"]), "compute on s3");
    assert_eq!(
        q("2", "select period, value from indicators.observations where indicator_id = 'ATTRITION_PMP_PER_10K_NCMEC'"),
        format!("period,value\n2022,{}\n", 43.0 * 10_000.0 / 258_172.0)
    );

    // The raw files are archived in the bucket under their sha256.
    let path = q(
        "2",
        "select archived_path from registry.raw_files order by snapshot_id limit 1",
    );
    let key = path.lines().nth(1).expect("an archived path");
    let (status, _) = s3
        .http("GET", &format!("/marsad/warehouse/{key}"))
        .expect("moto answers");
    assert_eq!(status, 200, "{key} is in the bucket");
}
