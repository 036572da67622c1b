//! A corpus of damaged feed files, generated from data-samples/ into a temporary directory each
//! run (no binaries are committed), read by every adapter. Each file must end in a refusal that
//! names the file and where, or in staged rows with the damage quarantined or reported — never a
//! panic, an abort, or time and memory that grow with what the file claims to hold.
//!
//! In-process, each file is read with a fresh peak-memory mark (`/proc/self/clear_refs`, then
//! `VmHWM`): the process may not pass [`PEAK_BOUND_MIB`] while reading it, nor take more than
//! [`TIME_BOUND`]. A few files that used to panic or abort are also ingested by the `marsad`
//! binary, whose stderr must hold the refusal and no panic text, and whose maximum resident set
//! (from `wait4`) must stay under the same bound.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use marsad_pipelines::feeds::FeedContext;
use marsad_pipelines::output::MemorySink;
use marsad_pipelines::{Feed, PseudonymKey, RawFile, ReadRaw};

use crate::helpers::{sample, TestWarehouse, TEST_KEY};

/// Peak resident memory while reading one file (the samples need about 100 MiB with the test
/// binary itself).
const PEAK_BOUND_MIB: u64 = 512;
/// Time to read one file in the dev profile.
const TIME_BOUND: Duration = Duration::from_secs(20);

/// What reading a damaged file must end in.
enum Expect {
    /// A refusal whose message holds every needle (the file name is always checked).
    Refused(&'static [&'static str]),
    /// Rows staged, with at least one quarantined row whose position and reason hold these.
    Quarantined {
        position: &'static str,
        reason: &'static str,
    },
    /// Rows staged as from the undamaged sample (junk ignored), nothing quarantined.
    Staged { rows: u64 },
    /// Random damage: a refusal naming the file, or rows staged; never a panic.
    Survives,
}

struct Case {
    feed: Feed,
    name: String,
    bytes: Vec<u8>,
    expect: Expect,
}

fn case(feed: Feed, name: &str, bytes: Vec<u8>, expect: Expect) -> Case {
    Case {
        feed,
        name: name.to_string(),
        bytes,
        expect,
    }
}

fn read_sample(rel: &str) -> Vec<u8> {
    std::fs::read(sample(rel)).expect("the sample exists")
}

/// `text` with the first `from` replaced by `to` (which must occur).
fn replace_once(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = text
        .windows(from.len())
        .position(|w| w == from)
        .expect("the pattern occurs in the sample");
    [&text[..at], to, &text[at + from.len()..]].concat()
}

/// `bytes` with `n` bytes (past the `%PDF` header) inverted at positions drawn from `seed`.
fn flipped(bytes: &[u8], n: usize, seed: u64) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut x = seed;
    for _ in 0..n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let at = 16 + (x >> 33) as usize % (out.len() - 16);
        out[at] ^= 0xFF;
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// One zip entry: name, method (0 stored, 8 deflated), data as stored, inflated size, CRC.
struct Entry {
    name: String,
    method: u16,
    data: Vec<u8>,
    size: u32,
    crc: u32,
}

fn stored(name: &str, text: &str) -> Entry {
    Entry {
        name: name.to_string(),
        method: 0,
        data: text.as_bytes().to_vec(),
        size: text.len() as u32,
        crc: crc32(text.as_bytes()),
    }
}

/// A zip archive, written by hand (local headers, central directory, end record).
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&e.method.to_le_bytes());
            v.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
            v.extend_from_slice(&e.crc.to_le_bytes());
            v.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            v.extend_from_slice(&e.size.to_le_bytes());
            v.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&e.data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        common(&mut central);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(e.name.as_bytes());
    }
    let at = out.len() as u32;
    let n = entries.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A minimal .xlsx whose one sheet holds `cells` (`<c>` elements of sheet XML).
fn xlsx(cells: &str) -> Vec<u8> {
    zip(&[
        stored(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        stored(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        stored(
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="AESE" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        stored(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        stored(
            "xl/worksheets/sheet1.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#
            ),
        ),
    ])
}

/// One BIFF8 record: type, length, data.
fn biff(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

/// A Number cell record (row and column 0-based).
fn biff_number(row: u16, col: u16, value: f64) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes()); // XF index
    d.extend_from_slice(&value.to_le_bytes());
    biff(0x0203, &d)
}

/// A BIFF8 DIMENSIONS record: rows `first..end`, columns `first..end` (ends exclusive).
fn biff_dimensions(rows: (u32, u32), cols: (u16, u16)) -> Vec<u8> {
    let mut d = rows.0.to_le_bytes().to_vec();
    d.extend_from_slice(&rows.1.to_le_bytes());
    d.extend_from_slice(&cols.0.to_le_bytes());
    d.extend_from_slice(&cols.1.to_le_bytes());
    d.extend_from_slice(&[0, 0]);
    biff(0x0200, &d)
}

/// An .xls workbook (a compound file holding a BIFF8 Workbook stream) whose one worksheet,
/// "AESE", holds `sheet` (records between its BOF and EOF).
fn xls(sheet: &[u8]) -> Vec<u8> {
    let bof = |dt: u16| {
        let mut d = 0x0600u16.to_le_bytes().to_vec();
        d.extend_from_slice(&dt.to_le_bytes());
        d.extend_from_slice(&[0; 12]);
        biff(0x0809, &d)
    };
    let eof = biff(0x000A, &[]);
    let bound_sheet = |pos: u32| {
        let mut d = pos.to_le_bytes().to_vec();
        d.extend_from_slice(&[0, 0, 4, 0]); // visible, worksheet, 4 characters, one byte each
        d.extend_from_slice(b"AESE");
        biff(0x0085, &d)
    };
    let globals_len = bof(5).len() + bound_sheet(0).len() + eof.len();
    let mut stream = [
        bof(5),
        bound_sheet(globals_len as u32),
        eof.clone(),
        bof(0x10),
    ]
    .concat();
    stream.extend_from_slice(sheet);
    stream.extend_from_slice(&eof);
    cfb(&stream)
}

/// The smallest compound file (MS-CFB, 512-byte sectors) holding `stream` as "Workbook":
/// sector 0 the allocation table, 1 the directory, 2… the stream, padded to 4096 bytes so it
/// lives in regular sectors (zero bytes read as empty records).
fn cfb(stream: &[u8]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    let mut data = stream.to_vec();
    data.resize(data.len().max(4096).div_ceil(512) * 512, 0);
    let n = data.len() / 512;
    assert!(n + 2 <= 128, "one allocation sector");
    let mut out = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    out.extend_from_slice(&[0; 16]); // class id
    for v in [0x003Eu16, 3, 0xFFFE, 9, 6, 0, 0, 0] {
        out.extend_from_slice(&v.to_le_bytes()); // versions, byte order, shifts, reserved
    }
    for v in [0u32, 1, 1, 0, 4096, END, 0, END, 0, 0] {
        out.extend_from_slice(&v.to_le_bytes()); // counts, directory start, cutoff, mini, DIFAT
    }
    out.resize(512, 0xFF);
    let mut fat = vec![0xFFFF_FFFDu32, END];
    fat.extend((3..n as u32 + 2).chain([END]));
    fat.resize(128, 0xFFFF_FFFF);
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    let entry = |name: &str, typ: u8, child: u32, start: u32, size: u32| {
        let mut e: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let name_len = e.len() as u16;
        e.resize(64, 0);
        e.extend_from_slice(&name_len.to_le_bytes());
        e.extend_from_slice(&[typ, 1]); // type, black
        for v in [0xFFFF_FFFFu32, 0xFFFF_FFFF, child] {
            e.extend_from_slice(&v.to_le_bytes()); // left, right, child
        }
        e.resize(116, 0);
        e.extend_from_slice(&start.to_le_bytes());
        e.extend_from_slice(&size.to_le_bytes());
        e.resize(128, 0);
        e
    };
    out.extend(entry("Root Entry", 5, 1, END, 0));
    out.extend(entry("Workbook", 2, 0xFFFF_FFFF, 2, data.len() as u32));
    out.resize(1024 + 512, 0);
    out.extend_from_slice(&data);
    out
}

/// A minimal .ods whose one table, "AESE", holds `rows` (`<table:table-row>` elements).
fn ods(rows: &str) -> Vec<u8> {
    zip(&[
        stored("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        stored(
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        ),
        stored(
            "content.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="AESE">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
            ),
        ),
    ])
}

/// Raw deflate data that inflates to `n` zero bytes (fixed Huffman codes: one literal 0, then
/// copies of 258 bytes at distance 1), built without compressing anything.
fn deflate_zeros(n: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        used: u32,
    }
    impl Bits {
        fn put(&mut self, value: u32, len: u32) {
            self.acc |= value << self.used;
            self.used += len;
            while self.used >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.used -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            let reversed = (0..len).fold(0, |r, i| r | ((code >> (len - 1 - i)) & 1) << i);
            self.put(reversed, len);
        }
    }
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        used: 0,
    };
    bits.put(1, 1); // last block
    bits.put(1, 2); // fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    let mut left = n - 1;
    while left >= 258 {
        bits.code(0b1100_0101, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block
    bits.put(0, 7);
    bits.out
}

/// A zlib stream inflating to `n` zero bytes (header, deflate data, Adler-32).
fn zlib_zeros(n: usize) -> Vec<u8> {
    let adler = (((n % 65_521) as u32) << 16) | 1;
    [&[0x78, 0x01][..], &deflate_zeros(n), &adler.to_be_bytes()].concat()
}

/// A one-page PDF whose page content is `content` under `filter` (e.g. `/Filter /FlateDecode`).
fn pdf(content: &[u8], filter: &str) -> Vec<u8> {
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>"
            .to_vec(),
        [
            format!("<< /Length {} {filter} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Every damaged file of the corpus, with what reading it must end in.
fn corpus() -> Vec<Case> {
    use Expect::*;
    let mut cases = Vec::new();

    // Workbooks: a range of 17 billion cells from two cells, a zip bomb, a truncated file.
    let huge = xlsx(
        r#"<row r="1"><c r="A1"><v>2021</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    );
    for feed in [Feed::PmpCaseTable, Feed::NcmecCountryTable] {
        cases.push(case(
            feed,
            "huge-range-2021.xlsx",
            huge.clone(),
            Refused(&["sheet 'AESE'", "A1:XFD1048576", "limit"]),
        ));
    }
    // .xls and .ods: calamine lays out every sheet when it opens the workbook. A DIMENSIONS
    // record claiming a billion rows × 256 columns (calamine reserves 10 TB: an abort), two
    // cells at A1 and IV65536 (1.5 GB), an .ods row of 16384 filled cells repeated 6000 times
    // (98 million cells, 11 GB): each refused by sheet name.
    let one = biff_number(0, 0, 2021.0);
    let far = [biff_number(0, 0, 2021.0), biff_number(65_535, 255, 1.0)].concat();
    let claims = [biff_dimensions((0, 1_000_000_000), (0, 256)), one.clone()].concat();
    let repeated = r#"<table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>"#;
    for feed in [Feed::PmpCaseTable, Feed::NcmecCountryTable] {
        cases.push(case(
            feed,
            "dimensions-2021.xls",
            xls(&claims),
            Refused(&[
                "sheet 'AESE'",
                "DIMENSIONS",
                "1000000000 rows × 256 columns",
                "limit",
            ]),
        ));
        cases.push(case(
            feed,
            "far-cells-2021.xls",
            xls(&far),
            Refused(&["sheet 'AESE'", "A1:IV65536", "limit"]),
        ));
        cases.push(case(
            feed,
            "repeated-2021.ods",
            ods(repeated),
            Refused(&["sheet 'AESE'", "A1:XFD6000", "limit"]),
        ));
    }
    let mut bomb = vec![stored("[Content_Types].xml", "<Types/>")];
    bomb.push(Entry {
        name: "xl/sharedStrings.xml".into(),
        method: 8,
        data: deflate_zeros(80 << 20),
        size: 80 << 20,
        crc: 0,
    });
    cases.push(case(
        Feed::PmpCaseTable,
        "bomb.xlsx",
        zip(&bomb),
        Refused(&["zip entry 'xl/sharedStrings.xml'", "64 MiB"]),
    ));
    let aese = read_sample("pmp/pmp-aese-2021-2024.xlsx");
    cases.push(case(
        Feed::PmpCaseTable,
        "cut.xlsx",
        aese[..aese.len() * 2 / 3].to_vec(),
        Refused(&["the workbook"]),
    ));
    for seed in 1..=3 {
        cases.push(case(
            Feed::PmpCaseTable,
            &format!("flipped-{seed}.xlsx"),
            flipped(&aese, 5, seed),
            Survives,
        ));
    }

    // PDFs: flipped bytes, deep nesting, a Flate bomb, junk after %%EOF.
    let pdf2019 = read_sample("ncmec/ncmec-by-country-2019.pdf");
    let pdf2023 = read_sample("ncmec/ncmec-by-country-2023.pdf");
    for (n, seed) in [(5, 1), (5, 2), (5, 3), (50, 1), (50, 2)] {
        cases.push(case(
            Feed::NcmecCountryTable,
            &format!("ncmec-2019-{n}-flipped-{seed}.pdf"),
            flipped(&pdf2019, n, seed),
            Survives,
        ));
    }
    cases.push(case(
        Feed::NcmecCountryTable,
        "ncmec-2023-50-flipped.pdf",
        flipped(&pdf2023, 50, 7),
        Survives,
    ));
    let deep: Vec<u8> = std::iter::repeat_n(b'[', 200_000).collect();
    cases.push(case(
        Feed::NcmecCountryTable,
        "nested-2019.pdf",
        pdf(&deep, ""),
        Refused(&[
            "byte ",
            "nests arrays or dictionaries 101 deep (the limit is 100)",
        ]),
    ));
    cases.push(case(
        Feed::NcmecCountryTable,
        "bomb-2019.pdf",
        pdf(&zlib_zeros(80 << 20), "/Filter /FlateDecode"),
        Refused(&["byte ", "inflate to more than 64 MiB"]),
    ));
    let mut junk = pdf2019.clone();
    junk.extend(std::iter::repeat_n(b"GARBAGE AFTER THE END ".as_slice(), 200).flatten());
    cases.push(case(
        Feed::NcmecCountryTable,
        "ncmec-junk-after-eof-2019.pdf",
        junk,
        Staged { rows: 0 },
    ));

    // Delimited text.
    let aese_csv = read_sample("pmp/pmp-aese-2021-2024.csv");
    cases.push(case(
        Feed::PmpCaseTable,
        "extra-cells.csv",
        replace_once(
            &aese_csv,
            b"2022;43;18;4;0;21;0",
            b"2022;43;18;4;0;21;0;1;2;3;4;5;6",
        ),
        Quarantined {
            position: "line 3",
            reason: "the row has 13 cells where the header has 7",
        },
    ));
    let mut long = aese_csv.clone();
    long.extend(std::iter::repeat_n(b'9', 2 << 20));
    long.extend_from_slice(b";1\n");
    cases.push(case(
        Feed::PmpCaseTable,
        "long-line.csv",
        long,
        Refused(&["line 6", "a record longer than 1024 KiB"]),
    ));
    cases.push(case(
        Feed::PmpCaseTable,
        "cr-only.csv",
        aese_csv
            .iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect(),
        Refused(&["line 1", "lines end with CR only"]),
    ));
    cases.push(case(
        Feed::PmpCaseTable,
        "nul.csv",
        replace_once(&aese_csv, b"2023", b"20\x0023"),
        Refused(&["byte ", "NUL"]),
    ));
    let victims = read_sample("pmp/pmp-child-victims-judged-2020-2023.csv");
    cases.push(case(
        Feed::PmpVictimsJudged,
        "victims-cut.csv",
        victims[..victims.len() - 6].to_vec(),
        Quarantined {
            position: "line 5",
            reason: "the row has 1 cells where the header has 2: it is the last line and has no line end",
        },
    ));
    let cases_csv = read_sample("pmp/pmp-cases-2021-2024.csv");
    cases.push(case(
        Feed::PmpCases,
        "cases-extra-cells.csv",
        replace_once(
            &cases_csv,
            b";Dossier joint\r\n",
            b";Dossier; joint;et; autre\r\n",
        ),
        Quarantined {
            position: "line 2",
            reason: "the row has 12 cells where the header has 9",
        },
    ));
    let emc = read_sample("emc/emc-reports-2021-2022.csv");
    let cut = emc.len() - "pchat;50;Homme;Archivé;Non\n".len();
    cases.push(case(
        Feed::EmcReports,
        "emc-cut.csv",
        emc[..cut].to_vec(),
        Quarantined {
            position: "line 602",
            reason: "the row has 4 cells where the header has 8: it is the last line and has no line end",
        },
    ));
    let ncmec2020 = read_sample("ncmec/ncmec-by-country-2020.csv");
    cases.push(case(
        Feed::NcmecCountryTable,
        "ncmec-doubled-quote-2020.csv",
        replace_once(&ncmec2020, b"Mexico,\"358,994\"", b"Mexico,\"\"358,994\""),
        Quarantined {
            position: "line 20",
            reason: "the row has 3 cells where the header has 2",
        },
    ));
    let referrals = read_sample("ncmec/ncmec-referrals-2023.csv");
    let middle = referrals.len() / 2;
    let at = middle
        + referrals[middle..]
            .windows(11)
            .position(|w| w == b"Souss-Massa")
            .expect("a Souss-Massa row")
        + 3;
    let mut bad_byte = referrals.clone();
    bad_byte[at] = 0xFF;
    let line = 1 + bad_byte[..at].iter().filter(|&&b| b == b'\n').count();
    let referral_line = leak(format!("line {line}"));
    cases.push(case(
        Feed::NcmecReferrals,
        "referrals-bad-byte.csv",
        bad_byte,
        Quarantined {
            position: referral_line,
            reason: "bytes that are not UTF-8",
        },
    ));
    let regions = read_sample("hcp/rgph2024-regions.csv");
    cases.push(case(
        Feed::HcpPopulation,
        "rgph2024-extra-cells.csv",
        replace_once(&regions, b"MA-01,", b"MA-01,Tanger,"),
        Quarantined {
            position: "line 2",
            reason: "the row has 4 cells where the header has 3",
        },
    ));
    let survey = read_sample("hcp/enquete-violence-2025.csv");
    cases.push(case(
        Feed::HcpSurvey,
        "survey-unclosed.csv",
        replace_once(&survey, b"\n99;MA-01;urbain;", b"\n99;MA-01;\"urbain;"),
        Refused(&["line 100", "never closed (an unclosed quote)"]),
    ));

    // Parquet survey microdata: cut and flipped.
    let parquet = survey_parquet(&survey);
    cases.push(case(
        Feed::HcpSurvey,
        "survey-cut.parquet",
        parquet[..parquet.len() / 2].to_vec(),
        Survives,
    ));
    for seed in 1..=3 {
        cases.push(case(
            Feed::HcpSurvey,
            &format!("survey-flipped-{seed}.parquet"),
            flipped(&parquet, 20, seed),
            Survives,
        ));
    }

    // JSON Lines.
    let jsonl = read_sample("emc/emc-reports-2023-2024.jsonl");
    let first_lines: Vec<u8> = jsonl
        .split_inclusive(|&b| b == b'\n')
        .take(3)
        .flatten()
        .copied()
        .collect();
    let mut long = first_lines.clone();
    long.extend_from_slice(b"{\"report_id\":\"");
    long.extend(std::iter::repeat_n(b'x', 2 << 20));
    long.extend_from_slice(b"\"}\n");
    cases.push(case(
        Feed::EmcReports,
        "emc-long.jsonl",
        long,
        Refused(&["line 4", "a line longer than 1024 KiB"]),
    ));
    let mut deep = first_lines.clone();
    deep.extend_from_slice(b"{\"report_id\":");
    deep.extend(std::iter::repeat_n(b'[', 100_000));
    deep.push(b'\n');
    cases.push(case(
        Feed::EmcReports,
        "emc-deep.jsonl",
        deep,
        Refused(&["line 4", "recursion limit"]),
    ));
    let last_line = jsonl.iter().filter(|&&b| b == b'\n').count();
    cases.push(case(
        Feed::EmcReports,
        "emc-cut.jsonl",
        jsonl[..jsonl.len() - 40].to_vec(),
        Refused(leak(vec![
            leak(format!("line {last_line}")),
            "EOF while parsing",
        ])),
    ));
    cases
}

/// The first 200 respondents of the survey sample as Parquet (integers, text, the weight as a
/// float).
fn survey_parquet(csv_bytes: &[u8]) -> Vec<u8> {
    use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
    let text = String::from_utf8(csv_bytes.to_vec()).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let rows: Vec<Vec<&str>> = lines.take(200).map(|l| l.split(';').collect()).collect();
    let columns: Vec<(&str, ArrayRef)> = header
        .iter()
        .enumerate()
        .map(|(i, &name)| {
            let cells = rows.iter().map(|r| r[i]);
            let array: ArrayRef = match name {
                "region" | "milieu" => std::sync::Arc::new(StringArray::from_iter_values(cells)),
                "poids" => std::sync::Arc::new(Float64Array::from_iter_values(
                    cells.map(|c| c.replace(',', ".").parse::<f64>().unwrap()),
                )),
                _ => std::sync::Arc::new(Int64Array::from_iter_values(
                    cells.map(|c| c.parse::<i64>().unwrap()),
                )),
            };
            (name, array)
        })
        .collect();
    let batch = arrow::record_batch::RecordBatch::try_from_iter(columns).unwrap();
    let mut out = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    out
}

/// A string made for one case, kept for the test's life (cases hold `&'static str`s).
fn leak<T: ?Sized, B: Into<Box<T>>>(value: B) -> &'static T {
    Box::leak(value.into())
}

/// Peak resident memory of this process since the last reset, in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn reset_peak() {
    // "5" resets the peak resident set size (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn write(dir: &Path, c: &Case) -> PathBuf {
    let path = dir.join(&c.name);
    std::fs::write(&path, &c.bytes).expect("write the damaged file");
    if c.feed == Feed::HcpSurvey {
        let design = std::fs::read(sample("hcp/enquete-violence-2025.design.toml")).unwrap();
        std::fs::write(path.with_extension("design.toml"), design).unwrap();
    }
    path
}

/// Every damaged file read by its adapter: the outcome expected, within time and memory.
#[test]
fn every_damaged_file_is_refused_or_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = FeedContext {
        key: Some(PseudonymKey::new(TEST_KEY.as_bytes()).unwrap()),
        // A fixed "today" for the referral feed's future-date rule: the outcomes stay the same.
        reference_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1),
    };
    let mut failures = Vec::new();
    let corpus = corpus();
    for c in &corpus {
        let path = write(dir.path(), c);
        let raw = RawFile::open(&path).unwrap();
        let mut sink = MemorySink::default();
        reset_peak();
        let started = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            c.feed.read(&raw, &ctx, &mut sink)
        }));
        let took = started.elapsed();
        let peak = peak_kib() >> 10;
        let what = format!("{} ({}, {} bytes)", c.name, c.feed, c.bytes.len());
        if took > TIME_BOUND {
            failures.push(format!("{what}: took {took:?}"));
        }
        if peak > PEAK_BOUND_MIB {
            failures.push(format!("{what}: peak memory {peak} MiB"));
        }
        let result = match result {
            Ok(r) => r,
            Err(_) => {
                failures.push(format!("{what}: panicked"));
                continue;
            }
        };
        match (&c.expect, &result) {
            (Expect::Refused(needles), Err(e)) => {
                let e = e.to_string();
                if !e.contains(&c.name) || needles.iter().any(|n| !e.contains(n)) {
                    failures.push(format!("{what}: refused as `{e}`, expected {needles:?}"));
                }
            }
            (Expect::Quarantined { position, reason }, Ok(report)) => {
                let found = report
                    .quarantine_sample
                    .iter()
                    .any(|q| q.position == *position && q.reason.contains(reason));
                if !found {
                    failures.push(format!(
                        "{what}: expected a quarantined row at {position} for `{reason}`, got {:?}",
                        report.quarantine_sample
                    ));
                }
            }
            (Expect::Staged { rows }, Ok(report)) => {
                if report.rows_staged <= *rows || report.rows_quarantined > 0 {
                    failures.push(format!("{what}: staged {report:?}"));
                }
            }
            (Expect::Survives, Err(e)) => {
                let e = e.to_string();
                if !e.contains(&c.name) || !e.contains(" at ") {
                    failures.push(format!("{what}: refused without file and place: `{e}`"));
                }
            }
            (Expect::Survives, Ok(_)) => {}
            (_, Err(e)) => failures.push(format!("{what}: refused as `{e}`")),
            (_, Ok(report)) => failures.push(format!("{what}: staged {report:?}")),
        }
        let outcome = match &result {
            Ok(r) => format!(
                "staged {}, quarantined {}",
                r.rows_staged, r.rows_quarantined
            ),
            Err(e) => format!("refused: {e}"),
        };
        eprintln!("{what}: {took:?}, peak {peak} MiB; {outcome}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(corpus.len() >= 30, "{} files", corpus.len());
}

/// The files that used to abort, panic or run away, ingested by the binary: a refusal naming
/// the file on stderr, no panic text or backtrace, and a bounded maximum resident set.
#[test]
fn the_binary_refuses_damaged_files_quietly() {
    let wh = TestWarehouse::new();
    let dir = tempfile::tempdir().unwrap();
    let picked = [
        "huge-range-2021.xlsx",
        "dimensions-2021.xls",
        "repeated-2021.ods",
        "bomb-2019.pdf",
        "nested-2019.pdf",
        "ncmec-2019-50-flipped-1.pdf",
        "ncmec-2019-5-flipped-2.pdf",
    ];
    for c in corpus()
        .iter()
        .filter(|c| picked.contains(&c.name.as_str()))
    {
        if c.feed != Feed::NcmecCountryTable {
            continue;
        }
        let path = write(dir.path(), c);
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("marsad"))
            .env("MARSAD_PSEUDONYM_KEY", TEST_KEY)
            .env_remove("MARSAD_FAILPOINT")
            .env_remove("MARSAD_DATA_DIR")
            .args(["--data-dir", &wh.path, "ingest", c.feed.name()])
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("marsad runs");
        let (status, max_rss_kib, stderr) = wait_with_rusage(child);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", c.name);
        assert!(!stderr.contains("backtrace"), "{}: {stderr}", c.name);
        assert!(
            max_rss_kib >> 10 < PEAK_BOUND_MIB,
            "{}: {max_rss_kib} KiB",
            c.name
        );
        if !status.success() {
            assert!(stderr.contains(&c.name), "{}: {stderr}", c.name);
            assert!(stderr.contains("nothing was written"), "{stderr}");
        }
    }
}

/// The generated workbooks are real ones: within the limit, the workbook reader reads them to
/// the cell, so the refusals above are the limit's and not a damaged container's. The .ods is
/// padded as LibreOffice pads (empty repeats to XFD1048576), which is not laid out.
#[test]
fn generated_xls_and_ods_within_the_limit_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let xls_bytes = xls(&[
        biff_dimensions((0, 3), (0, 2)),
        biff_number(0, 0, 2021.0),
        biff_number(2, 1, 7.5),
    ]
    .concat());
    let ods_bytes = ods(concat!(
        r#"<table:table-row><table:table-cell office:value-type="float" office:value="2021"><text:p>2021</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row>"#,
        r#"<table:table-row><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
        r#"<table:table-row><table:table-cell/><table:table-cell office:value-type="float" office:value="7.5"><text:p>7.5</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16382"/></table:table-row>"#,
        r#"<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
    ));
    for (name, bytes) in [("small.xls", xls_bytes), ("small.ods", ods_bytes)] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let raw = RawFile::open(&path).unwrap();
        let rows = marsad_pipelines::formats::xlsx::rows(&raw).unwrap();
        let got: Vec<(String, Vec<String>)> = rows
            .iter()
            .map(|r| (r.position.to_string(), r.cells.clone()))
            .collect();
        let row = |n: u64, cells: &[&str]| {
            let position = marsad_pipelines::formats::Position::Sheet {
                sheet: "AESE".into(),
                row: n,
            };
            (
                position.to_string(),
                cells.iter().map(|c| c.to_string()).collect(),
            )
        };
        assert_eq!(
            got,
            vec![row(1, &["2021"]), row(2, &[]), row(3, &["", "7.5"])],
            "{name}"
        );
    }
}

/// Wait for `child`, returning its exit status, its maximum resident set (KiB) and its stderr.
fn wait_with_rusage(mut child: std::process::Child) -> (std::process::ExitStatus, u64, String) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for this child's pid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: `status` and `usage` are valid for writes; the pid is our own child.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    (
        std::process::ExitStatus::from_raw(status),
        usage.ru_maxrss as u64,
        stderr,
    )
}
