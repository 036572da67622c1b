//! The data directory as an object-store URL: the same ingest, snapshots, SQL and indicators on
//! `s3://` against a local S3 (moto, started by tests/moto-server.sh, installed on first use),
//! and the same recovery from a killed ingest as on a local directory.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::collections::HashMap;

use marsad_warehouse::{archive, snapshots, tables, Location, Warehouse};

use crate::helpers::{assert_success, marsad, sample, TestWarehouse};

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
    fn start(test: &str) -> Option<LocalS3> {
        if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1") {
            // Straight to stderr: libtest captures `println!`/`eprintln!` of passing tests.
            let _ = writeln!(std::io::stderr(), "s3::{test} skipped: {SKIP_ENV}=1");
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

    /// The credentials and endpoint of this S3, as `AWS_*` names (the CLI reads them from its
    /// environment).
    fn settings(&self) -> [(&'static str, String); 5] {
        [
            (
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }

    /// `marsad --data-dir <data_dir>` against this S3.
    fn cmd(&self, data_dir: &str) -> assert_cmd::Command {
        let mut cmd = marsad();
        cmd.envs(self.settings()).arg("--data-dir").arg(data_dir);
        cmd
    }

    fn marsad(&self, data_dir: &str, args: &[&str]) -> std::process::Output {
        self.cmd(data_dir).args(args).output().expect("marsad runs")
    }

    /// A data directory in the bucket, for reading it from this process (the same settings as
    /// storage options, not the environment other tests share).
    fn location(&self, data_dir: &str) -> Location {
        let options: HashMap<String, String> = self
            .settings()
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect();
        Location::parse(data_dir)
            .expect("an s3 URL")
            .with_options(options)
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
    let Some(s3) = LocalS3::start("an_s3_data_directory_works_like_a_local_one") else {
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

/// What the data directory holds beyond what its snapshots own: every table (those the latest
/// snapshot names and every staging folder) whose newest Delta version has a different row
/// count than the version the latest snapshot names (0 rows for a table no snapshot names), as
/// `(table, newest rows, owned rows)`; and every object in the raw-file archive. Read through
/// the warehouse library at the tables' newest versions, not through a snapshot.
async fn unowned(loc: &Location) -> (Vec<(String, usize, usize)>, Vec<String>) {
    let latest = snapshots::latest(loc)
        .await
        .expect("the snapshot log reads");
    let mut names: Vec<String> = latest.tables.keys().cloned().collect();
    for name in tables::staging_folders(loc).await.expect("staging/ lists") {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let rows = |batches: Vec<arrow::array::RecordBatch>| -> usize {
        batches.iter().map(|b| b.num_rows()).sum()
    };
    let mut differing = Vec::new();
    for name in names {
        if !tables::exists(loc, &name).await.expect("existence checks") {
            continue;
        }
        let newest = tables::open(loc, &name).await.expect("the table loads");
        let newest = rows(snapshots::scan(&newest, &name).await.expect("it scans"));
        let owned = match latest.tables.get(&name) {
            Some(&v) => {
                let t = tables::open_at(loc, &name, v)
                    .await
                    .expect("its version loads");
                rows(snapshots::scan(&t, &name).await.expect("it scans"))
            }
            None => 0,
        };
        if newest != owned {
            differing.push((name, newest, owned));
        }
    }
    let archived = archive::list(loc).await.expect("raw/ lists");
    (differing, archived)
}

/// Runs `marsad --data-dir <dir> <args>`, with `MARSAD_FAILPOINT` set to the failpoint if any.
type RunMarsad<'a> = &'a dyn Fn(&str, &[&str], Option<&str>) -> std::process::Output;

/// The new table a survey's first ingest creates (no snapshot names it until that ingest's).
const SURVEY_TABLE: &str = "staging.survey_evs2025";

/// The first ingest of a survey, whose microdata table is new, killed after its first table
/// commit and just before its snapshot commit (a real abort at a failpoint): `marsad vacuum`
/// leaves no table with rows that no snapshot owns (the new table read at its newest Delta
/// version is empty), no archived raw file, and the snapshot list unchanged; the same file
/// then ingests with exactly the report and counts of a clean ingest on a local directory.
/// `dirs` gives a new data directory per failpoint (its `--data-dir` argument, and its location
/// for reading it from this process).
fn a_killed_first_ingest_leaves_no_rows_no_snapshot_owns(
    dirs: &mut dyn FnMut(&str) -> (String, Location),
    run: RunMarsad,
) {
    let survey = sample("hcp/enquete-violence-2025.csv");
    let survey = survey.to_str().expect("a UTF-8 path");
    let ingest = ["ingest", "hcp-survey", survey];
    let clean = TestWarehouse::new();
    let expected = clean.ingest("hcp-survey", &["hcp/enquete-violence-2025.csv"]);
    assert!(expected.contains("6015 new"), "{expected}");
    let counts = "select (select count(*) from staging.hcp_survey_designs) as designs, \
                  (select count(*) from staging.survey_evs2025) as respondents, \
                  (select count(*) from registry.raw_files) as files";
    assert_eq!(clean.sql(counts), "designs,respondents,files\n1,6015,1\n");
    let rt = tokio::runtime::Runtime::new().expect("a runtime");

    for failpoint in ["after-first-commit", "before-snapshot"] {
        let (dir, loc) = dirs(failpoint);
        let out = run(&dir, &ingest, Some(failpoint));
        assert!(
            !out.status.success(),
            "{failpoint}: the process should abort"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("failpoint `{failpoint}` reached")),
            "{failpoint}: {stderr}"
        );
        let (differing, archived) = rt.block_on(unowned(&loc));
        if failpoint == "before-snapshot" {
            // The case to recover: the new table committed, with rows no snapshot owns.
            assert!(
                differing.contains(&(SURVEY_TABLE.to_string(), 6015, 0)),
                "{failpoint}: {differing:?}"
            );
            assert_eq!(archived.len(), 1, "{failpoint}: {archived:?}");
        }

        let out = run(&dir, &["vacuum"], None);
        assert_success(&out, "vacuum");
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            said.contains(&format!("rolled back {SURVEY_TABLE}")),
            failpoint == "before-snapshot",
            "{failpoint}: {said}"
        );
        let (differing, archived) = rt.block_on(unowned(&loc));
        assert_eq!(differing, vec![], "{failpoint}: rows no snapshot owns");
        assert_eq!(archived, Vec::<String>::new(), "{failpoint}: raw files");
        let ids: Vec<i64> = rt
            .block_on(async { Warehouse::open(loc.clone()).await?.snapshots().await })
            .expect("the snapshots read")
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, vec![0], "{failpoint}: the snapshot list is unchanged");

        let out = run(&dir, &ingest, None);
        assert_success(&out, "the ingest after the kill");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            expected,
            "{failpoint}"
        );
        let out = run(&dir, &["sql", "--format", "csv", counts], None);
        assert_success(&out, counts);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "designs,respondents,files\n1,6015,1\n",
            "{failpoint}"
        );
        let (differing, archived) = rt.block_on(unowned(&loc));
        assert_eq!(differing, vec![], "{failpoint}: after the ingest");
        assert_eq!(archived.len(), 1, "{failpoint}: the raw file is archived");
    }
}

#[test]
fn a_killed_first_ingest_of_a_new_table_is_rolled_back_on_s3() {
    let Some(s3) = LocalS3::start("a_killed_first_ingest_of_a_new_table_is_rolled_back_on_s3")
    else {
        return;
    };
    assert_eq!(s3.http("PUT", "/killed").map(|r| r.0), Some(200));
    let mut dirs = |failpoint: &str| {
        let dir = format!("s3://killed/{failpoint}");
        let loc = s3.location(&dir);
        (dir, loc)
    };
    let run = |dir: &str, args: &[&str], failpoint: Option<&str>| {
        let mut cmd = s3.cmd(dir);
        if let Some(name) = failpoint {
            cmd.env("MARSAD_FAILPOINT", name);
        }
        cmd.args(args).output().expect("marsad runs")
    };
    a_killed_first_ingest_leaves_no_rows_no_snapshot_owns(&mut dirs, &run);
}

#[test]
fn a_killed_first_ingest_of_a_new_table_is_rolled_back_on_a_local_directory() {
    let mut warehouses = Vec::new();
    let mut dirs = |_: &str| {
        let wh = TestWarehouse::new();
        let dir = wh.path.clone();
        warehouses.push(wh);
        let loc = Location::parse(&dir).expect("a path");
        (dir, loc)
    };
    let run = |dir: &str, args: &[&str], failpoint: Option<&str>| {
        let mut cmd = marsad();
        cmd.arg("--data-dir").arg(dir).args(args);
        if let Some(name) = failpoint {
            cmd.env("MARSAD_FAILPOINT", name);
        }
        cmd.output().expect("marsad runs")
    };
    a_killed_first_ingest_leaves_no_rows_no_snapshot_owns(&mut dirs, &run);
}
