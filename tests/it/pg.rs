//! The PostgreSQL protocol end to end: `marsad_server::pg::serve` on a port-0 listener over a
//! warehouse loaded from data-samples, driven by Debian's psql (simple protocol) and by a small
//! raw client here (extended protocol: Parse/Bind/Execute, which psql 15 cannot send).
//! Tokens come from a fixed table (the token store is another part of the server).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use marsad_server::access::{AuthError, Channel, Identity, Role};
use marsad_server::audit::AuditEvent;
use marsad_server::pg::{self, PgAudit, PgAuth, PgConfig, PgState, Sessions, Tls};
use marsad_warehouse::query::{Budget, QueryError, Refusal};
use marsad_warehouse::{Location, Warehouse};

use crate::helpers::TestWarehouse;

const ANALYST: &str = "marsad_analyst_token";
const PUBLIC: &str = "marsad_public_token";
const STEWARD: &str = "marsad_steward_token";

struct FixedTokens;

#[async_trait::async_trait]
impl PgAuth for FixedTokens {
    async fn check(&self, _user: &str, password: &str) -> Result<Identity, AuthError> {
        let role = match password {
            ANALYST => Role::Analyst,
            PUBLIC => Role::Public,
            STEWARD => Role::Steward,
            _ => return Err(AuthError::Refused),
        };
        Ok(Identity {
            token: Some(format!("{}-token", role.as_str())),
            role,
        })
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<AuditEvent>>);

#[async_trait::async_trait]
impl PgAudit for Events {
    async fn record(&self, event: AuditEvent) {
        self.0.lock().unwrap().push(event);
    }
}

/// A PG server on its own thread and runtime; stopped (and joined) on drop.
struct Server {
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), pg::PgError>>>,
    events: Arc<Events>,
}

impl Server {
    fn start(wh: &TestWarehouse, tls: Option<Tls>, config: PgConfig) -> Server {
        Server::start_with(wh, tls, config, Budget::default())
    }

    fn start_with(
        wh: &TestWarehouse,
        tls: Option<Tls>,
        config: PgConfig,
        budget: Budget,
    ) -> Server {
        let events = Arc::new(Events::default());
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let path = wh.path.clone();
        let audit = events.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("a runtime");
            runtime.block_on(async move {
                let location = Location::parse(&path).expect("the data directory");
                let warehouse = Warehouse::open(location).await.expect("the warehouse");
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                port_tx
                    .send(listener.local_addr()?.port())
                    .expect("the test waits");
                let state = PgState {
                    sessions: Sessions::new(warehouse),
                    budget,
                    auth: Arc::new(FixedTokens),
                    audit,
                    tls,
                    config,
                };
                pg::serve(listener, state, async {
                    let _ = stopped.await;
                })
                .await
            })
        });
        let port = port_rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server starts");
        Server {
            port,
            stop: Some(stop),
            thread: Some(thread),
            events,
        }
    }

    /// psql as `analyst` with `password`, one session running each command in turn.
    fn psql(&self, password: &str, commands: &[&str]) -> Output {
        self.psql_with(password, "", commands)
    }

    fn psql_with(&self, password: &str, options: &str, commands: &[&str]) -> Output {
        let conn = format!(
            "host=127.0.0.1 port={} user=analyst dbname=marsad connect_timeout=10 {options}",
            self.port
        );
        let mut cmd = Command::new(psql_binary());
        cmd.env("PGPASSWORD", password).args([
            "-X",
            "-w",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=0",
            "-d",
            &conn,
        ]);
        for c in commands {
            cmd.arg("-c").arg(c);
        }
        cmd.output().expect("psql runs")
    }

    fn events(&self) -> Vec<AuditEvent> {
        // Audit records are written by spawned tasks: give them a moment.
        std::thread::sleep(Duration::from_millis(200));
        self.events.0.lock().unwrap().clone()
    }

    fn stop(&mut self) -> Result<(), pg::PgError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(t) => t.join().expect("the server thread ends"),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// psql from Debian's postgresql-client; a clear failure when it is missing.
fn psql_binary() -> &'static str {
    let found = Command::new("psql").arg("--version").output().is_ok();
    assert!(
        found,
        "psql is not installed: run .ci/install-test-tools (apt-get install -y postgresql-client)"
    );
    "psql"
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The warehouse the PG tests read: the NCMEC country tables and the HCP survey.
fn warehouse() -> TestWarehouse {
    let wh = TestWarehouse::new();
    wh.ingest("ncmec-country-table", &["ncmec/ncmec-by-country-2023.pdf"]);
    wh.ingest("hcp-survey", &["hcp/enquete-violence-2025.csv"]);
    wh
}

/// The query path's own message for a refusal, as psql prints it.
fn refused(r: Refusal) -> String {
    format!("ERROR:  {}", QueryError::Refused(r))
}

const SURVEY: &str = "select round(e['estimate'], 9) as p, round(e['se'], 9) as se from \
    (select sexe, survey_proportion(violence_sexuelle_avant_18 = 1, _weight, _stratum, _psu, _fpc, _stratum_psus) as e \
     from survey.evs2025 group by sexe) where sexe = 2";

#[test]
fn psql_reads_the_warehouse_and_every_hostile_statement_is_refused() {
    let wh = warehouse();
    let server = Server::start(&wh, None, PgConfig::default());

    // \dt (pg_catalog through the simple protocol), an indicator query, a survey aggregate.
    let out = server.psql(
        ANALYST,
        &[
            "\\dt",
            "select reports from ncmec_reports where country_code='MA' and year=2023",
            SURVEY,
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    let lines: Vec<&str> = stdout.lines().collect();
    for table in [
        "public|dim_region|table|postgres",
        "staging|survey_evs2025|table|postgres",
    ] {
        assert!(lines.contains(&table), "\\dt lists {table}: {stdout}");
    }
    assert!(lines.contains(&"543638"), "{stdout}");
    // The same survey figures as `marsad sql`.
    let csv = wh.sql(SURVEY);
    let expected = csv.lines().nth(1).expect("one row").replace(',', "|");
    assert!(lines.contains(&expected.as_str()), "{expected} in {stdout}");

    // Hostile statements: each refused with the query path's message, the connection usable.
    let hostile = [
        ("create table t(a int)", refused(Refusal::Ddl { statement: "CREATE TABLE".into() })),
        ("copy (select 1) to '/tmp/marsad-pg-copy.csv'", refused(Refusal::Copy)),
        // DataFusion's parser reads COPY itself and wants a file name: refused as unreadable.
        (
            "copy ncmec_reports to stdout",
            "ERROR:  SQL: SQL error: ParserError(\"Expected: literal string, found: STDOUT at Line: 1, Column: 23\")".into(),
        ),
        (
            "set datafusion.runtime.memory_limit = '1M'",
            refused(Refusal::Set { statement: "SET".into() }),
        ),
        (
            "select * from read_csv('/etc/passwd')",
            refused(Refusal::FileTable { what: "read_csv()".into() }),
        ),
        ("select 1; select 2", refused(Refusal::Several { count: 2 })),
        (
            "prepare p as select 1",
            refused(Refusal::Prepare { statement: "PREPARE".into() }),
        ),
        (
            "insert into ncmec_reports select * from ncmec_reports",
            refused(Refusal::Dml { statement: "INSERT INTO".into() }),
        ),
        (
            "create external table x stored as csv location '/etc/passwd'",
            refused(Refusal::FileTable { what: "CREATE EXTERNAL TABLE x".into() }),
        ),
    ];
    let mut commands = Vec::new();
    for (sql, _) in &hostile {
        commands.push(*sql);
        commands.push("select 'alive'");
    }
    let out = server.psql(ANALYST, &commands);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(
        stdout.lines().filter(|l| *l == "alive").count(),
        hostile.len(),
        "{stdout}\n{stderr}"
    );
    let messages: Vec<&str> = hostile.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(stderr.lines().collect::<Vec<_>>(), messages, "{stdout}");
    assert!(!std::path::Path::new("/tmp/marsad-pg-copy.csv").exists());

    // The limit SET above changed nothing: a query still runs under the budget.
    let out = server.psql(
        ANALYST,
        &["select count(*) from ncmec_reports where year = 2023"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Session statements stay on their connection.
    let out = server.psql(
        ANALYST,
        &[
            "SET TIME ZONE 'Africa/Casablanca'",
            "SHOW TIME ZONE",
            "SET application_name = 'marsad-test'",
            "SHOW application_name",
            "BEGIN",
            "select 1",
            "COMMIT",
        ],
    );
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines.contains(&"Africa/Casablanca")
            && lines.contains(&"marsad-test")
            && lines.contains(&"1"),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let out = server.psql(ANALYST, &["SHOW TIME ZONE", "SHOW application_name"]);
    assert_eq!(text(&out.stdout), "Etc/UTC\npsql\n");

    // What clients ask on connect and for their schema browsers.
    let out = server.psql(
        ANALYST,
        &[
            "select version()",
            "select nspname from pg_catalog.pg_namespace where nspname in ('staging', 'survey') order by 1",
            "\\d staging.survey_evs2025",
            "\\dv",
            "SHOW transaction_isolation",
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(text(&out.stderr), "", "{stdout}");
    assert!(stdout.starts_with("Apache DataFusion 55.2.0"), "{stdout}");
    for line in [
        "staging",
        "survey",
        "poids|double precision|||",
        "_source_sha256|text||not null|",
        "public|ncmec_reports|view|postgres",
        "survey|evs2025|view|postgres",
        "read committed",
    ] {
        assert!(stdout.lines().any(|l| l == line), "{line} in {stdout}");
    }

    // statement_timeout lowers the time limit of this connection's queries (streaming included).
    let out = server.psql(
        ANALYST,
        &[
            "SET statement_timeout = '300ms'",
            "select sum(value) from generate_series(1, 10000000000)",
            "select 'alive'",
        ],
    );
    assert_eq!(
        text(&out.stderr),
        format!(
            "ERROR:  {}\n",
            QueryError::Timeout(Duration::from_millis(300))
        )
    );
    assert!(
        text(&out.stdout).ends_with("alive\n"),
        "{}",
        text(&out.stdout)
    );

    // Wrong and public tokens are refused at login.
    let out = server.psql("not-a-token", &["select 1"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("password authentication failed for user \"analyst\": the password must be a Marsad analyst or steward token"),
        "{}",
        text(&out.stderr)
    );
    let out = server.psql(PUBLIC, &["select 1"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr)
            .contains("the public role cannot send SQL; connect with an analyst or steward token"),
        "{}",
        text(&out.stderr)
    );

    // Every statement that reached the query path is audited, refused or not.
    let events = server.events();
    let sql: Vec<&AuditEvent> = events.iter().filter(|e| e.action == "sql").collect();
    assert!(sql.iter().all(|e| e.channel == Channel::Pg));
    let ddl = sql
        .iter()
        .find(|e| e.sql.as_deref() == Some("create table t(a int)"))
        .expect("the DDL is audited");
    assert_eq!(ddl.outcome, "refused");
    assert_eq!(ddl.identity.token.as_deref(), Some("analyst-token"));
    let reports = sql
        .iter()
        .find(|e| {
            e.sql.as_deref()
                == Some("select reports from ncmec_reports where country_code='MA' and year=2023")
        })
        .expect("the query is audited");
    assert_eq!((reports.outcome.as_str(), reports.rows), ("ok", Some(1)));
    let logins: Vec<&str> = events
        .iter()
        .filter(|e| e.action == "login")
        .map(|e| e.outcome.as_str())
        .collect();
    assert_eq!(logins.iter().filter(|o| **o == "refused").count(), 2);
}

/// A minimal PostgreSQL client for the extended protocol.
#[derive(Debug)]
struct Raw {
    socket: TcpStream,
}

/// What the server answered up to ReadyForQuery.
#[derive(Debug, Default)]
struct Answer {
    rows: Vec<Vec<Option<String>>>,
    errors: Vec<String>,
    notices: Vec<String>,
}

impl Raw {
    fn connect(port: u16, user: &str, password: &str) -> Result<Raw, String> {
        let socket = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        socket
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        let mut raw = Raw { socket };
        let mut body = 196608i32.to_be_bytes().to_vec();
        for s in ["user", user, "database", "marsad"] {
            body.extend_from_slice(s.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut startup = ((body.len() + 4) as i32).to_be_bytes().to_vec();
        startup.extend_from_slice(&body);
        raw.socket.write_all(&startup).map_err(|e| e.to_string())?;
        let (kind, _) = raw.read()?;
        if kind == b'E' {
            return Err("refused before the password".into());
        }
        raw.send(b'p', &cstr(password));
        let answer = raw.until_ready()?;
        match answer.errors.first() {
            Some(e) => Err(e.clone()),
            None => Ok(raw),
        }
    }

    fn send(&mut self, kind: u8, body: &[u8]) {
        let mut m = vec![kind];
        m.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        m.extend_from_slice(body);
        self.socket.write_all(&m).expect("the server reads");
    }

    fn read(&mut self) -> Result<(u8, Vec<u8>), String> {
        let mut head = [0u8; 5];
        self.socket
            .read_exact(&mut head)
            .map_err(|e| format!("the server closed the connection: {e}"))?;
        let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len - 4];
        self.socket
            .read_exact(&mut body)
            .map_err(|e| e.to_string())?;
        Ok((head[0], body))
    }

    /// Messages up to ReadyForQuery (or the end of the connection after a FATAL error).
    fn until_ready(&mut self) -> Result<Answer, String> {
        let mut answer = Answer::default();
        loop {
            let (kind, body) = match self.read() {
                Ok(m) => m,
                Err(_) if !answer.errors.is_empty() => return Ok(answer),
                Err(e) => return Err(e),
            };
            match kind {
                b'Z' => return Ok(answer),
                b'E' => answer.errors.push(error_message(&body)),
                b'D' => answer.rows.push(data_row(&body)),
                b'N' => answer.notices.push(error_message(&body)),
                _ => {}
            }
        }
    }

    /// A simple-protocol query.
    fn simple(&mut self, sql: &str) -> Result<Answer, String> {
        self.send(b'Q', &cstr(sql));
        self.until_ready()
    }

    /// Parse, Bind (text parameters), Describe, Execute, Sync.
    fn extended(&mut self, sql: &str, params: &[&str]) -> Result<Answer, String> {
        let mut parse = cstr("");
        parse.extend(cstr(sql));
        parse.extend_from_slice(&0i16.to_be_bytes());
        self.send(b'P', &parse);
        let mut bind = cstr("");
        bind.extend(cstr(""));
        bind.extend_from_slice(&0i16.to_be_bytes());
        bind.extend_from_slice(&(params.len() as i16).to_be_bytes());
        for p in params {
            bind.extend_from_slice(&(p.len() as i32).to_be_bytes());
            bind.extend_from_slice(p.as_bytes());
        }
        bind.extend_from_slice(&0i16.to_be_bytes());
        self.send(b'B', &bind);
        let mut describe = vec![b'P'];
        describe.extend(cstr(""));
        self.send(b'D', &describe);
        let mut execute = cstr("");
        execute.extend_from_slice(&0i32.to_be_bytes());
        self.send(b'E', &execute);
        self.send(b'S', &[]);
        self.until_ready()
    }
}

fn cstr(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

fn error_message(body: &[u8]) -> String {
    let mut fields = HashMap::new();
    for field in body.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        fields.insert(field[0], text(&field[1..]));
    }
    fields.get(&b'M').cloned().unwrap_or_default()
}

fn data_row(body: &[u8]) -> Vec<Option<String>> {
    let n = i16::from_be_bytes([body[0], body[1]]) as usize;
    let mut at = 2;
    let mut row = Vec::with_capacity(n);
    for _ in 0..n {
        let len = i32::from_be_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
        at += 4;
        if len < 0 {
            row.push(None);
        } else {
            row.push(Some(text(&body[at..at + len as usize])));
            at += len as usize;
        }
    }
    row
}

#[test]
fn a_cut_answer_is_announced_on_both_protocols() {
    let wh = warehouse();
    let limits = marsad_warehouse::query::Limits {
        max_rows: 3,
        ..Default::default()
    };
    let mut server = Server::start_with(&wh, None, PgConfig::default(), Budget::new(limits));
    let why = "truncated: the answer has more than 3 rows (--max-rows to raise the limit)";
    let sql = "select region_code from dim_region order by region_code";

    // psql prints the notice after the rows it got.
    let out = server.psql(ANALYST, &[sql]);
    assert_eq!(text(&out.stdout), "MA-01\nMA-02\nMA-03\n");
    assert_eq!(text(&out.stderr), format!("WARNING:  {why}\n"));

    let mut raw = Raw::connect(server.port, "analyst", ANALYST).expect("logs in");
    for answer in [raw.simple(sql), raw.extended(sql, &[])] {
        let answer = answer.expect("answers");
        assert_eq!(answer.rows.len(), 3);
        assert_eq!(answer.notices, vec![why.to_string()]);
    }
    // An answer that fits says nothing, and the warning of the last one is not repeated.
    let answer = raw.simple("select 1").expect("answers");
    assert_eq!((answer.rows.len(), answer.notices.len()), (1, 0));
    server.stop().expect("stops");
}

#[test]
fn the_extended_protocol_runs_through_the_same_query_path() {
    let wh = warehouse();
    let mut server = Server::start(&wh, None, PgConfig::default());
    let mut c = Raw::connect(server.port, "analyst", ANALYST).expect("login");

    let answer = c
        .extended(
            "select reports from ncmec_reports where country_code = $1 and year = $2",
            &["MA", "2023"],
        )
        .unwrap();
    assert_eq!(answer.errors, Vec::<String>::new());
    assert_eq!(answer.rows, vec![vec![Some("543638".to_string())]]);

    for (sql, refusal) in [
        (
            "create table t(a int)",
            Refusal::Ddl {
                statement: "CREATE TABLE".into(),
            },
        ),
        (
            "copy (select 1) to '/tmp/marsad-pg-copy2.csv'",
            Refusal::Copy,
        ),
        (
            "set datafusion.runtime.memory_limit = '1M'",
            Refusal::Set {
                statement: "SET".into(),
            },
        ),
        (
            "select * from read_csv('/etc/passwd')",
            Refusal::FileTable {
                what: "read_csv()".into(),
            },
        ),
        (
            "insert into ncmec_reports select * from ncmec_reports where year = $1",
            Refusal::Dml {
                statement: "INSERT INTO".into(),
            },
        ),
    ] {
        let answer = c.extended(sql, &[]).unwrap();
        assert_eq!(
            answer.errors,
            vec![QueryError::Refused(refusal).to_string()],
            "{sql}"
        );
        assert!(answer.rows.is_empty());
        // Still usable.
        let answer = c.extended("select 'alive'", &[]).unwrap();
        assert_eq!(
            answer.rows,
            vec![vec![Some("alive".to_string())]],
            "after {sql}"
        );
    }
    assert!(!std::path::Path::new("/tmp/marsad-pg-copy2.csv").exists());

    // Text over the size limit (psql cannot pass 1 MiB as an argument) and expressions nested
    // past the depth limit: refused before planning, on both protocols.
    let limits = Budget::default().limits;
    let long = format!("select 1 {}", " ".repeat(limits.max_sql));
    let too_long = QueryError::Refused(Refusal::TooLong {
        bytes: long.len(),
        limit: limits.max_sql,
    })
    .to_string();
    assert_eq!(c.simple(&long).unwrap().errors, vec![too_long.clone()]);
    assert_eq!(c.extended(&long, &[]).unwrap().errors, vec![too_long]);
    let deep = format!(
        "select {}",
        (1..=2000)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("+")
    );
    let too_deep = QueryError::Refused(Refusal::TooDeep {
        limit: limits.max_depth,
    })
    .to_string();
    assert_eq!(c.simple(&deep).unwrap().errors, vec![too_deep.clone()]);
    assert_eq!(c.extended(&deep, &[]).unwrap().errors, vec![too_deep]);
    assert_eq!(
        c.simple("select 'alive'").unwrap().rows,
        vec![vec![Some("alive".to_string())]]
    );

    // No `postgres` user with an empty password; no wrong token.
    assert!(Raw::connect(server.port, "postgres", "")
        .unwrap_err()
        .contains("password authentication failed for user \"postgres\""));
    assert!(Raw::connect(server.port, "analyst", "marsad_wrong")
        .unwrap_err()
        .contains("password authentication failed for user \"analyst\""));
    drop(c);
    server.stop().expect("a clean stop");
}

#[test]
fn connections_are_limited_and_shutdown_is_bounded() {
    let wh = warehouse();
    let mut server = Server::start(
        &wh,
        None,
        PgConfig {
            max_connections: 1,
            shutdown_grace: Duration::from_millis(500),
        },
    );
    let mut first = Raw::connect(server.port, "analyst", ANALYST).expect("login");
    let out = server.psql(ANALYST, &["select 1"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr)
            .contains("too many connections: the server serves 1 at once; try again later"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        first.extended("select 1", &[]).unwrap().rows,
        vec![vec![Some("1".to_string())]]
    );
    // An idle connection does not hold the server open past its grace period.
    let started = std::time::Instant::now();
    server.stop().expect("a clean stop");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        TcpStream::connect(("127.0.0.1", server.port)).is_err()
            || Raw::connect(server.port, "analyst", ANALYST).is_err()
    );
}

#[test]
fn tls_when_a_certificate_is_given() {
    let wh = warehouse();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is not installed: run .ci/install-test-tools");
    assert!(made.status.success(), "{}", text(&made.stderr));
    // A key that does not belong to the certificate: refused at start.
    let other = dir.path().join("other.pem");
    let made = Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-out"])
        .arg(&other)
        .output()
        .unwrap();
    assert!(made.status.success());
    let err = Tls::load(&cert, &other).unwrap_err().to_string();
    assert!(err.contains("cannot be used together"), "{err}");

    let tls = Tls::load(&cert, &key).expect("the certificate loads");
    let server = Server::start(&wh, Some(tls), PgConfig::default());
    let out = server.psql_with(
        ANALYST,
        "sslmode=require",
        &[
            "\\conninfo",
            "select reports from ncmec_reports where country_code='MA' and year=2023",
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("SSL connection (protocol: TLSv1.3"),
        "{stdout}"
    );
    assert!(stdout.ends_with("\n543638\n"), "{stdout}");
}

#[test]
fn a_new_snapshot_is_seen_by_the_next_query() {
    let wh = warehouse();
    let server = Server::start(&wh, None, PgConfig::default());
    let count = "select count(*) from staging.pmp_case_table";
    let out = server.psql(ANALYST, &[count]);
    assert_eq!(text(&out.stdout), "0\n", "{}", text(&out.stderr));
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    let expected = format!("{}\n", wh.number(count));
    // The snapshot log is read again at most once a second.
    std::thread::sleep(Duration::from_millis(1100));
    let out = server.psql(ANALYST, &[count]);
    assert_eq!(text(&out.stdout), expected, "{}", text(&out.stderr));
    assert_ne!(expected, "0\n");
}

#[test]
fn each_role_reads_what_its_sql_session_holds() {
    let wh = warehouse();
    let server = Server::start(&wh, None, PgConfig::default());
    let audit = "select count(*) >= 0 from audit.events";
    // A steward reads the audit trail; an analyst's session has no such table.
    let out = server.psql(STEWARD, &[audit]);
    assert_eq!(text(&out.stdout), "t\n", "{}", text(&out.stderr));
    let out = server.psql(ANALYST, &[audit]);
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("audit.events"),
        "{}",
        text(&out.stderr)
    );
    // The token table is in no session.
    let out = server.psql(STEWARD, &["select count(*) from service.tokens"]);
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("service.tokens"),
        "{}",
        text(&out.stderr)
    );
}

/// psycopg 3 and pandas (PyPI, installed by tests/python-venv.sh the first time).
#[test]
fn psycopg_and_pandas_read_the_warehouse() {
    let wh = warehouse();
    let server = Server::start(&wh, None, PgConfig::default());
    let root = env!("CARGO_MANIFEST_DIR");
    let python = crate::helpers::venv_python("pg-clients", "psycopg[binary]==3.2.* pandas==2.*");
    let out = Command::new(python)
        .arg(format!("{root}/tests/pg_clients.py"))
        .args([&server.port.to_string(), ANALYST, SURVEY])
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");

    // The same survey figures as `marsad sql` (its CSV row: p,se).
    let csv = wh.sql(SURVEY);
    let expected: Vec<String> = csv
        .lines()
        .nth(1)
        .expect("one row")
        .split(',')
        .map(|v| format!("{:?}", v.parse::<f64>().expect("a number")))
        .collect();
    assert_eq!(
        got,
        serde_json::json!({
            // Every staging table exists (empty until its feed is ingested).
            "staging_tables": [
                "staging.emc_reports",
                "staging.hcp_population",
                "staging.hcp_survey_designs",
                "staging.ncmec_country_reports",
                "staging.ncmec_referral_counts",
                "staging.ncmec_referrals",
                "staging.pmp_case_table",
                "staging.pmp_cases",
                "staging.pmp_victims_judged",
                "staging.survey_evs2025",
            ],
            "ncmec_ma_2023": 543638,
            "survey": [expected],
            "ddl": refused(Refusal::Ddl { statement: "CREATE TABLE".into() })
                .trim_start_matches("ERROR:  "),
            "after_ddl": "alive",
            "wrong_password": "refused",
        })
    );
}
