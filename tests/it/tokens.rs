//! `marsad tokens`: create prints a token of the right shape once, list shows it (never a hash),
//! revoke marks it revoked, and each action leaves one row in `audit.events`, which a steward's
//! session reads through the one query path while an analyst's session has no such table and
//! no session has the token table.

use marsad_warehouse::query::{self, Budget};
use marsad_warehouse::{Location, Warehouse};

use crate::helpers::{assert_success, TestWarehouse};

fn stdout(wh: &TestWarehouse, args: &[&str]) -> String {
    let out = wh.cmd(args).output().expect("marsad runs");
    assert_success(&out, &args.join(" "));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The rows of `sql` through the one query path, as CSV-ish lines, or its error.
async fn run(
    session: &marsad_warehouse::session::WarehouseSession,
    sql: &str,
) -> Result<String, String> {
    let mut stream = query::run(session, sql, &Budget::default())
        .await
        .map_err(|e| e.to_string())?;
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await {
        batches.push(batch.map_err(|e| e.to_string())?);
    }
    Ok(arrow::util::pretty::pretty_format_batches(&batches)
        .map_err(|e| e.to_string())?
        .to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_revoke_each_audited() {
    let wh = TestWarehouse::with_pmp_case_table();
    let created = stdout(
        &wh,
        &["tokens", "create", "--role", "analyst", "--name", "alice"],
    );
    let token = created.trim_end();
    assert_eq!(
        created.lines().count(),
        1,
        "the token alone on stdout: {created:?}"
    );
    assert!(token.starts_with("marsad_"), "{token}");
    assert_eq!(token.len(), "marsad_".len() + 64);
    assert!(token["marsad_".len()..]
        .chars()
        .all(|c| c.is_ascii_hexdigit()));

    let refused = wh
        .cmd(&["tokens", "create", "--role", "steward", "--name", "alice"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("a token named `alice` already exists")
    );

    let listed = stdout(&wh, &["tokens", "list"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["name", "role", "created", "expires", "revoked"]
    );
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(lines[1].starts_with("alice  analyst  "), "{listed}");
    assert!(lines[1].trim_end().ends_with(" -"), "not revoked: {listed}");
    assert!(!listed.contains(&token["marsad_".len()..]), "{listed}");

    let revoked = stdout(&wh, &["tokens", "revoke", "alice"]);
    assert_eq!(
        revoked,
        "revoked token `alice`: it is refused from now on\n"
    );
    let listed = stdout(&wh, &["tokens", "list"]);
    let alice = listed.lines().nth(1).unwrap();
    assert!(
        alice.trim_end().ends_with("UTC"),
        "revoked at a time: {listed}"
    );
    assert_eq!(alice.matches("UTC").count(), 3, "{listed}");

    // The audit, read as a steward through the one query path.
    let loc = Location::parse(&wh.path).unwrap();
    let warehouse = Warehouse::open(loc.clone()).await.unwrap();
    let steward = warehouse
        .session(None)
        .await
        .unwrap()
        .with_audit(&loc)
        .await
        .unwrap();
    let audit = run(
        &steward,
        "select action, outcome, role, channel, token is null as no_token \
         from audit.events order by time",
    )
    .await
    .unwrap();
    let expected = "\
+--------------------+---------+---------+---------+----------+
| action             | outcome | role    | channel | no_token |
+--------------------+---------+---------+---------+----------+
| token.create:alice | ok      | steward | cli     | true     |
| token.create:alice | refused | steward | cli     | true     |
| token.list         | ok      | steward | cli     | true     |
| token.revoke:alice | ok      | steward | cli     | true     |
| token.list         | ok      | steward | cli     | true     |
+--------------------+---------+---------+---------+----------+";
    assert_eq!(audit, expected);
    let error = run(
        &steward,
        "select error from audit.events where outcome = 'refused'",
    )
    .await
    .unwrap();
    assert!(
        error.contains("a token named `alice` already exists"),
        "{error}"
    );
    // `marsad sql` (whoever holds the data directory) reads it too.
    assert_eq!(
        stdout(
            &wh,
            &[
                "sql",
                "--format",
                "csv",
                "select count(*) as events from audit.events"
            ]
        ),
        "events\n5\n"
    );

    // Nobody writes the audit through SQL; the token table is in no session; an analyst's
    // session has no audit table.
    let insert = run(&steward, "insert into audit.events (role) values ('x')").await;
    assert_eq!(
        insert.unwrap_err(),
        "refused: INSERT INTO is DML (it writes data); only read-only queries run here"
    );
    for session in [&steward, &warehouse.session(None).await.unwrap()] {
        let tokens = run(session, "select * from service.tokens")
            .await
            .unwrap_err();
        assert!(tokens.contains("service.tokens"), "{tokens}");
    }
    let analyst = warehouse.session(None).await.unwrap();
    let hidden = run(&analyst, "select count(*) from audit.events")
        .await
        .unwrap_err();
    assert_eq!(
        hidden,
        "SQL: Error during planning: table 'datafusion.audit.events' not found"
    );
}
