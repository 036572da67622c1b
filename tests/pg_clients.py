"""psycopg 3 and pandas against Marsad's PostgreSQL protocol (tests/it/pg.rs runs it).

Usage: pg_clients.py PORT TOKEN SURVEY_SQL. Prints one JSON object with what each client got;
the Rust test compares it with `marsad sql` and the query path's messages.
"""

import json
import sys

import pandas as pd
import psycopg

port, token, survey = sys.argv[1], sys.argv[2], sys.argv[3]
conninfo = f"host=127.0.0.1 port={port} user=analyst dbname=marsad connect_timeout=10"
out = {}

with psycopg.connect(conninfo, password=token, autocommit=True) as conn:
    # What a schema browser asks: the tables of the staging schema.
    rows = conn.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema = 'staging' order by table_name"
    ).fetchall()
    out["staging_tables"] = [f"{s}.{t}" for s, t in rows]
    # An indicator query through the extended protocol with a bound parameter.
    out["ncmec_ma_2023"] = conn.execute(
        "select reports from ncmec_reports where country_code = 'MA' and year = %s", (2023,)
    ).fetchone()[0]
    # The survey aggregate, read by pandas.
    frame = pd.read_sql(survey, conn)
    out["survey"] = [[repr(float(v)) for v in row] for row in frame.itertuples(index=False)]
    # DDL is refused with the query path's message, and the connection goes on.
    try:
        conn.execute("create table t(a int)")
        out["ddl"] = "accepted"
    except psycopg.Error as e:
        out["ddl"] = str(e).strip()
    out["after_ddl"] = conn.execute("select 'alive'").fetchone()[0]

try:
    psycopg.connect(conninfo, password="not-a-token").close()
    out["wrong_password"] = "accepted"
except psycopg.OperationalError as e:
    out["wrong_password"] = "refused"

print(json.dumps(out))
