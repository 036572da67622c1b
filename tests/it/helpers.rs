//! Helpers: a temporary warehouse driven through the `marsad` binary.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// The key the tests pseudonymise with.
pub const TEST_KEY: &str = "integration-test-key-0123456789";

/// A path under data-samples/.
pub fn sample(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data-samples")
        .join(rel)
}

/// The `marsad` binary with a test key and quiet logs.
pub fn marsad() -> Command {
    let mut cmd = Command::cargo_bin("marsad").expect("the marsad binary is built");
    cmd.env("MARSAD_PSEUDONYM_KEY", TEST_KEY)
        .env_remove("MARSAD_FAILPOINT")
        .env_remove("MARSAD_DATA_DIR");
    cmd
}

/// A data directory that disappears with the test.
pub struct TestWarehouse {
    _dir: tempfile::TempDir,
    pub path: String,
}

impl TestWarehouse {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("data").display().to_string();
        TestWarehouse { _dir: dir, path }
    }

    /// A warehouse holding one small sample (the PMP yearly case table): the commands that only
    /// read need a warehouse to exist.
    pub fn with_pmp_case_table() -> Self {
        let wh = TestWarehouse::new();
        wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
        wh
    }

    /// `marsad --data-dir <dir> <args>`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = marsad();
        cmd.arg("--data-dir").arg(&self.path).args(args);
        cmd
    }

    /// Ingest sample files of one feed; panics with the output if the command fails.
    pub fn ingest(&self, feed: &str, samples: &[&str]) -> String {
        let mut cmd = self.cmd(&["ingest", feed]);
        for s in samples {
            cmd.arg(sample(s));
        }
        let out = cmd.output().expect("marsad runs");
        assert_success(&out, &format!("ingest {feed} {samples:?}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run a query and return its CSV text (header line included).
    pub fn sql(&self, query: &str) -> String {
        let out = self
            .cmd(&["sql", "--format", "csv", query])
            .output()
            .expect("marsad runs");
        assert_success(&out, query);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run a query returning one number.
    pub fn number(&self, query: &str) -> f64 {
        let csv = self.sql(query);
        let value = csv
            .lines()
            .nth(1)
            .unwrap_or_else(|| panic!("no row for {query}: {csv}"));
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {value:?} for {query}"))
    }
}

pub fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A copy of a sample (or any bytes) under a temporary folder, with the given file name.
pub fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write a temporary file");
    path
}

/// Copy every file of `from` into `to` (created).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

/// A copy of the shipped catalogue in `dir`: DIR/indicators/catalog/*.toml and
/// DIR/sql/indicators/*.sql (the layout `--catalog` finds the SQL in). Returns the catalogue.
pub fn catalogue_copy(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = dir.join("indicators/catalog");
    copy_dir(&root.join("indicators/catalog"), &catalog);
    copy_dir(&root.join("sql/indicators"), &dir.join("sql/indicators"));
    catalog
}

/// `marsad indicators check --catalog <catalog>`.
pub fn check_catalogue(catalog: &Path) -> Output {
    marsad()
        .args([
            "indicators",
            "check",
            "--catalog",
            catalog.to_str().unwrap(),
        ])
        .output()
        .unwrap()
}

/// The python of the virtual environment `name` holding the PyPI packages `specs` (installed
/// the first time by tests/python-venv.sh, which fails at once with its reason).
pub fn venv_python(name: &str, specs: &str) -> PathBuf {
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python-venv.sh"))
        .args([name, specs])
        .output()
        .expect("tests/python-venv.sh runs");
    assert!(
        out.status.success(),
        "{specs} could not be installed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("bin/python")
}
