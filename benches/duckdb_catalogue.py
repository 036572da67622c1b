"""DuckDB side of benches/indicators_recompute.sh: run the conformed views of sql/views/ and
every indicator's SQL of sql/indicators/ — the same files Marsad embeds — over the Parquet
files of a Marsad warehouse, and print per indicator the number of rows and the sum of `value`.
Indicators built on Marsad's survey aggregates (survey_mean…) are skipped: DuckDB has none.

    python benches/duckdb_catalogue.py DATA_DIR [QUERY]

Tables are read with read_parquet over each Delta table's folder: right for a warehouse built by
plain ingests (append-only, nothing rolled back), which is what the benchmark builds. With QUERY,
run that one query instead (the raw-scan comparison) and print its rows.
"""
import pathlib
import re
import sys

import duckdb

root = pathlib.Path(__file__).resolve().parent.parent
data = pathlib.Path(sys.argv[1])
con = duckdb.connect()
for schema in ("staging", "registry", "quarantine"):
    con.execute(f"create schema {schema}")
    for table in sorted((data / schema).glob("*/")):
        if any(table.glob("*.parquet")):
            con.execute(
                f"create view {schema}.{table.name} as "
                f"select * from read_parquet('{table}/*.parquet', union_by_name = true)"
            )

if len(sys.argv) > 2:
    for r in con.execute(sys.argv[2]).fetchall():
        print(",".join(str(x) for x in r))
    sys.exit(0)

# The views, in the order warehouse/src/views.rs registers them.
order = re.findall(r'sql/views/(\w+)\.sql', (root / "warehouse/src/views.rs").read_text())
for view in order:
    con.execute(f"create view {view} as " + (root / f"sql/views/{view}.sql").read_text())

for sql in sorted((root / "sql/indicators").glob("*.sql")):
    text = sql.read_text()
    if "survey_" in text:
        continue  # Marsad's survey aggregates have no DuckDB equivalent
    cur = con.execute(text)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    value = names.index("value")
    total = sum(r[value] for r in rows if r[value] is not None)
    print(f"{sql.stem},{len(rows)},{total:.6f}")
