"""Write the two CSV shapes of PMP's yearly AESE case table (2021-2024), as published.

- pmp-aese-2021-2024.csv     French headers, UTF-8 with BOM, `;` (Excel "CSV UTF-8", French locale)
- pmp-aese-2021-2024-ar.csv  Arabic headers, Windows-1256, `,` (older Arabic Excel "CSV")

The figures are the published ones (../../../shared/reference/published-figures.csv), including
2023, whose components add to 108 while the case count is 109: kept as published.
Run: python3 make_csv.py (from this folder). The output is byte-for-byte reproducible.
"""

ROWS = [
    # year, cases, prosecuted, investigation, instruction, closed, referred
    (2021, 19, 9, 2, 0, 8, 0),
    (2022, 43, 18, 4, 0, 21, 0),
    (2023, 109, 24, 27, 0, 57, 0),
    (2024, 84, 13, 39, 3, 19, 10),
]

FR = [
    "Année",
    "Nombre de cas",
    "Nombre de Personnes poursuivies",
    "En cours d'enquête",
    "En cours d'instruction",
    "Classées (affaires closes)",
    "Renvoyés pour incompétence",
]

AR = [
    "السنة",
    "عدد القضايا",
    "عدد الأشخاص المتابعين",
    "في طور البحث",
    "في طور التحقيق",
    "المحفوظة",
    "الإحالة لعدم الاختصاص",
]


def table(header, sep):
    lines = [sep.join(header)]
    lines += [sep.join(str(v) for v in row) for row in ROWS]
    return "\r\n".join(lines) + "\r\n"


with open("pmp-aese-2021-2024.csv", "wb") as f:
    f.write(b"\xef\xbb\xbf" + table(FR, ";").encode("utf-8"))

with open("pmp-aese-2021-2024-ar.csv", "wb") as f:
    f.write(table(AR, ",").encode("cp1256"))
