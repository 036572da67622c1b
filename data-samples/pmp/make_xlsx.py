"""Write pmp-aese-2021-2024.xlsx: PMP's yearly AESE case table (2021-2024) as a workbook the way
agencies circulate it: a title row, a blank row, the French header as published, the four years,
and a source note under the table.

Needs openpyxl (`pip install openpyxl`). Run: python3 make_xlsx.py (from this folder).
Timestamps inside the package are fixed, so the file is byte-for-byte reproducible.
"""

import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Font

from make_csv import FR, ROWS

OUT = "pmp-aese-2021-2024.xlsx"
FIXED = (2025, 1, 1, 0, 0, 0)

wb = Workbook()
ws = wb.active
ws.title = "AESE"
ws.append(["Affaires d'abus et d'exploitation sexuels des enfants en ligne (AESE), 2021-2024"])
ws["A1"].font = Font(bold=True)
ws.append([])
ws.append(FR)
for c in ws[3]:
    c.font = Font(bold=True)
for row in ROWS:
    ws.append(list(row))
ws.append([])
ws.append(["Source : Présidence du Ministère Public"])
for col, width in zip("ABCDEFG", (10, 16, 32, 20, 22, 26, 26)):
    ws.column_dimensions[col].width = width

buf = io.BytesIO()
wb.save(buf)

# Re-pack with fixed entry dates and fixed document dates, so re-running changes no byte.
src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
with zipfile.ZipFile(OUT, "w", zipfile.ZIP_DEFLATED) as dst:
    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "docProps/core.xml":
            data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-01-01T00:00:00Z", data)
        info = zipfile.ZipInfo(item.filename, date_time=FIXED)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        dst.writestr(info, data)
