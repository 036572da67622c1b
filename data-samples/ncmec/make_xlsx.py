"""Write ncmec-by-country-2021.xlsx: a SYNTHETIC NCMEC "2021 CyberTipline Reports by Country"
table as a workbook, the way it circulates once someone has pasted the PDF into Excel: a title
row, a blank row, the header `Country / Territory | Reports`, one row per country, then `null*`
and `TOTAL`, and NCMEC's footnote under the table.

Only Morocco's figure (347,443) and the total (29,397,681) are NCMEC's published figures; every
other count is invented, chosen so that the country rows plus the no-country row add up exactly to
the published total. Counts are numbers formatted `#,##0` (one is text with separators, as
pasted text often is).

Needs openpyxl (`pip install openpyxl`). Run: python3 make_xlsx.py (from this folder).
Timestamps inside the package are fixed, so the file is byte-for-byte reproducible.
"""

import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Font

OUT = "ncmec-by-country-2021.xlsx"
FIXED = (2025, 1, 1, 0, 0, 0)

ROWS = [
    ("Algeria", 946311),
    ("Bangladesh", 657721),
    ("Brazil", 440532),
    ("Colombia", 1068205),
    ("Ecuador", 105160),
    ("Egypt", 350154),
    ("France", 464949),
    ("Germany", 349660),
    ("Holy See (Vatican City State)", 80),
    ("India", 5038568),
    ("Indonesia", 3260009),
    ("Iraq", 758638),
    ("Libya", 273632),
    ("Mauritania", 23752),
    ("Mexico", 1533614),
    ("Micronesia, Federated States of", 353),
    ("Morocco", 347443),
    ("Nigeria", 453205),
    ("Pakistan", 2028310),
    ("Peru", 246181),
    ("Philippines", 4234830),
    ("Russian Federation", 137480),
    ("Saudi Arabia", 340616),
    ("Senegal", 9493),
    ("Spain", 149537),
    ("Thailand", 744237),
    ("Tunisia", 255675),
    ("Turkey", 523901),
    ("United States", 798447),
    ("Venezuela", 358280),
    ("Vietnam", 1587207),
    ("Virgin Islands, British", 545),
]
NO_COUNTRY = 1910956
TOTAL = 29397681
assert sum(c for _, c in ROWS) + NO_COUNTRY == TOTAL

wb = Workbook()
ws = wb.active
ws.title = "Reports by Country"
ws.append(["2021 CyberTipline Reports by Country"])
ws["A1"].font = Font(bold=True, size=14)
ws.append([])
ws.append(["Country / Territory", "Reports"])
for c in ws[3]:
    c.font = Font(bold=True)
for name, count in ROWS:
    # Spain's count is text with separators, as a value pasted from the PDF arrives.
    ws.append([name, f"{count:,}" if name == "Spain" else count])
ws.append(["null*", NO_COUNTRY])
ws.append(["TOTAL", TOTAL])
for row in ws.iter_rows(min_row=4, min_col=2, max_col=2):
    for c in row:
        c.number_format = "#,##0"
ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
ws.append([])
ws.append(["*Reasons include no IP address included in the report, proxy IPs, etc."])
ws.column_dimensions["A"].width = 40
ws.column_dimensions["B"].width = 14

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
