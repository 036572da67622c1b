"""Validate a Marsad open dataset and read the warehouse's Delta tables with researchers' tools.

Usage: tests/python-venv.sh tests/open_data.py [--catalog FILE --shapes TTL] [--package FILE]
       [--delta DATA_DIR]

- --catalog: a DCAT-AP catalogue (JSON-LD) against the DCAT-AP 3.0 SHACL shapes (pyshacl);
- --package: a datapackage.json with frictionless (every resource: bytes, sha256, Table Schema),
  and its observations.parquet with Polars;
- --delta: a staging table and indicators.observations of the warehouse at DATA_DIR with the
  deltalake package and Polars.

Prints one JSON object with what it found (the Rust test, tests/it/open_data.rs, asserts its
exact values); any failure raises, with the reason.
"""

import argparse
import json
from pathlib import Path

import deltalake
import frictionless
import polars as pl
import pyshacl
import rdflib


def shacl(catalog: Path, shapes: Path) -> dict:
    data = rdflib.Graph()
    data.parse(catalog, format="json-ld")
    conforms, _graph, text = pyshacl.validate(
        data,
        shacl_graph=str(shapes),
        shacl_graph_format="turtle",
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
    )
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    dct = rdflib.Namespace("http://purl.org/dc/terms/")
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    datasets = sorted(str(o) for o in data.objects(None, dct.identifier))
    # Each distribution's download file and checksum, for the Rust side to compare with the files.
    checksums = {}
    for dist in data.subjects(rdflib.RDF.type, dcat.Distribution):
        url = data.value(dist, dcat.downloadURL)
        checksum = data.value(dist, spdx.checksum)
        if url is not None and checksum is not None:
            checksums[Path(str(url)).name] = str(data.value(checksum, spdx.checksumValue))
    return {
        "conforms": bool(conforms),
        "report": text if not conforms else "",
        "triples": len(data),
        "catalogs": len(set(data.subjects(rdflib.RDF.type, dcat.Catalog))),
        "datasets": datasets,
        "distributions": len(set(data.subjects(rdflib.RDF.type, dcat.Distribution))),
        "checksums": checksums,
        "spatial": sorted({str(o) for o in data.objects(None, dct.spatial)}),
        "licenses": sorted({str(o) for o in data.objects(None, dct.license)}),
    }


def package(path: Path) -> dict:
    descriptor = json.loads(path.read_text())
    # frictionless reads Parquet through pandas and cannot count its bytes (a `byte-count`
    # error on any Parquet file): it checks the Parquet file as a file (size, sha256), and
    # parquet() below reads its contents with Polars.
    for resource in descriptor["resources"]:
        if resource["format"] == "parquet":
            resource["type"] = "file"
    report = frictionless.Package(descriptor, basepath=str(path.parent)).validate()
    errors = [
        f"{task.name}: {e.type}: {e.message}" for task in report.tasks for e in task.errors
    ] + [f"package: {e.type}: {e.message}" for e in report.errors]
    return {
        "valid": bool(report.valid),
        "errors": errors,
        "resources": sorted(task.name for task in report.tasks),
        "rows": {task.name: task.stats.get("rows") for task in report.tasks},
    }


def parquet(path: Path) -> dict:
    frame = pl.read_parquet(path)
    ma_2023 = frame.filter(
        (pl.col("indicator_id") == "NCMEC_MA_REPORTS")
        & (pl.col("period") == "2023")
        & (pl.col("ref_area") == "MA")
    )
    return {"rows": frame.height, "ncmec_ma_2023": ma_2023["value"].to_list()}


def delta(data_dir: Path) -> dict:
    warehouse = data_dir
    path = str(warehouse / "staging" / "ncmec_country_reports")
    staging = deltalake.DeltaTable(path)
    ncmec = pl.read_delta(path)
    observations = pl.read_delta(str(warehouse / "indicators" / "observations"))
    morocco_2023 = observations.filter(
        (pl.col("indicator_id") == "NCMEC_MA_REPORTS")
        & (pl.col("period") == "2023")
        & (pl.col("ref_area") == "MA")
    )
    return {
        "staging_columns": ncmec.columns,
        "staging_schema": [f.name for f in staging.schema().fields],
        "staging_ma_2023": ncmec.filter(
            (pl.col("year") == 2023) & (pl.col("country_name") == "Morocco")
        )["reports"].to_list(),
        "staging_rows": ncmec.height,
        "staging_version": staging.version(),
        "observations_rows": observations.height,
        "ncmec_ma_2023": morocco_2023["value"].to_list(),
    }


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--catalog", type=Path)
    args.add_argument("--shapes", type=Path)
    args.add_argument("--package", type=Path)
    args.add_argument("--delta", type=Path)
    a = args.parse_args()
    out = {
        "versions": {
            "pyshacl": pyshacl.__version__,
            "frictionless": frictionless.__version__,
            "deltalake": deltalake.__version__,
            "polars": pl.__version__,
        },
    }
    if a.catalog:
        out["shacl"] = shacl(a.catalog, a.shapes)
    if a.package:
        out["package"] = package(a.package)
        out["parquet"] = parquet(a.package.parent / "observations.parquet")
    if a.delta:
        out["delta"] = delta(a.delta)
    print(json.dumps(out, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
