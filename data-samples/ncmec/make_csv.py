"""Write the synthetic NCMEC "CyberTipline Reports by Country" tables for 2020 and 2022 as CSV,
each in a shape the table is saved in when it is retyped or exported from a spreadsheet.

SYNTHETIC: only Morocco's figure and the total row are NCMEC's published figures (see
shared/reference/published-figures.csv); every other count is invented, chosen so that the
country rows plus the no-country row add up exactly to the published total. The real tables list
about 230 countries; these list about 30.

- ncmec-by-country-2020.csv: UTF-8 with BOM (Excel's "CSV UTF-8"), `,`, no title row (the year
  comes from the file name), header `Country / Territory,Number of Reports`, counts with `,`
  thousands separators (quoted), `Null` then `Total:` at the end.
- ncmec-by-country-2022.csv: Windows-1256 (what Excel writes on an Arabic Windows), `;`, a title
  row `2022 CyberTipline Reports by Country;`, header `Country;Total Reports`, counts with a
  no-break space as thousands separator (French Excel), `No Country Listed` then `Total`.

Run: python3 make_csv.py (from this folder).
"""

import csv
import io

ROWS_2020 = [
    ("Algeria", 1201215),
    ("Bangladesh", 431039),
    ("Brazil", 920646),
    ("Colombia", 825486),
    ("Congo, The Democratic Republic of the", 9476),
    ("Cote d'Ivoire", 58988),
    ("Egypt", 520184),
    ("France", 167790),
    ("Germany", 93819),
    ("India", 4113464),
    ("Indonesia", 975564),
    ("Iraq", 949929),
    ("Jordan", 87899),
    ("Kenya", 36990),
    ("Korea, Republic of", 95263),
    ("Kosovo", 4339),
    ("Libya", 218492),
    ("Malaysia", 274898),
    ("Mexico", 358994),
    ("Morocco", 705863),
    ("Nigeria", 373298),
    ("Pakistan", 2242476),
    ("Palestinian Territory, Occupied", 70466),
    ("Philippines", 2031992),
    ("Russian Federation", 44755),
    ("Saudi Arabia", 377429),
    ("Senegal", 17932),
    ("Spain", 46116),
    ("Thailand", 602817),
    ("Tunisia", 331516),
    ("Turkey", 259697),
    ("United Arab Emirates", 471753),
    ("United Kingdom", 174315),
    ("United States", 553787),
    ("Viet Nam", 579664),
]
NO_COUNTRY_2020 = 1522734
TOTAL_2020 = 21751085

ROWS_2022 = [
    ("Algeria", 1288118),
    ("Bahrain/Bahrein", 66049),
    ("Bangladesh", 3003481),
    ("Brazil", 1373063),
    ("Burma/Myanmar", 382165),
    ("Colombia", 1007959),
    ("Côte d\u2019Ivoire", 29013),
    ("Curaçao", 1059),
    ("Egypt", 1228380),
    ("France", 511606),
    ("Germany", 331662),
    ("India", 4841126),
    ("Indonesia", 2484210),
    ("Iraq", 734525),
    ("Mauritania", 7505),
    ("Mexico", 329823),
    ("Morocco", 258172),
    ("Nigeria", 554783),
    ("Pakistan", 3383259),
    ("Philippines", 3574219),
    ("Réunion", 6519),
    ("Saudi Arabia", 760967),
    ("Spain", 64969),
    ("Thailand", 208139),
    ("Tunisia", 111126),
    ("Türkiye", 1158916),
    ("United Kingdom", 192773),
    ("United States", 1214365),
    ("Vietnam", 1027434),
]
NO_COUNTRY_2022 = 1923644
TOTAL_2022 = 32059029


def grouped(n, sep):
    return f"{n:,}".replace(",", sep)


def write_2020():
    assert sum(c for _, c in ROWS_2020) + NO_COUNTRY_2020 == TOTAL_2020
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["Country / Territory", "Number of Reports"])
    for name, count in ROWS_2020:
        w.writerow([name, grouped(count, ",")])
    w.writerow(["Null", grouped(NO_COUNTRY_2020, ",")])
    w.writerow(["Total:", grouped(TOTAL_2020, ",")])
    with open("ncmec-by-country-2020.csv", "wb") as f:
        f.write(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def write_2022():
    assert sum(c for _, c in ROWS_2022) + NO_COUNTRY_2022 == TOTAL_2022
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(["2022 CyberTipline Reports by Country", ""])
    w.writerow(["Country", "Total Reports"])
    for name, count in ROWS_2022:
        w.writerow([name, grouped(count, "\u00a0")])
    w.writerow(["No Country Listed", grouped(NO_COUNTRY_2022, "\u00a0")])
    w.writerow(["Total", grouped(TOTAL_2022, "\u00a0")])
    with open("ncmec-by-country-2022.csv", "wb") as f:
        f.write(buf.getvalue().encode("cp1256"))


if __name__ == "__main__":
    write_2020()
    write_2022()
