//! The bounds a reader keeps to, whatever a file claims to hold. Agency files are small tables
//! (a few KiB to a few MiB) or long streams of short records (referrals, survey microdata), so
//! nothing legitimate comes near these limits; a file that does is refused with its name and the
//! place where the limit was crossed, instead of making the reader allocate or work without end.
//! Each limit is said once here; data-samples/README.md ("Limits") lists them for stewards.

/// Bytes a workbook's zip entries may inflate to, all entries together (64 MiB). The samples
/// inflate to about 20 KiB; an 8.8 MB "zip bomb" workbook inflating to 1 GB is refused after
/// reading at most this much.
pub const MAX_WORKBOOK_INFLATED_BYTES: u64 = 64 << 20;

/// Cells in the bounding range of a worksheet's cells (rows × columns from the first to the last
/// cell): 4 million (≈ 100 MiB of text cells at most). Calamine allocates the whole range, so a
/// sheet with two cells at A1 and XFD1048576 would ask for 17 billion cells (512 GiB); it is
/// refused before anything is allocated.
pub const MAX_SHEET_CELLS: u64 = 4_000_000;

/// Bytes the Flate streams of a PDF may inflate to, all streams together (64 MiB). The 2023
/// NCMEC table inflates to 2.5 MB.
pub const MAX_PDF_INFLATED_BYTES: u64 = 64 << 20;

/// Depth of nested arrays and dictionaries in a PDF's objects and content streams (100). Real
/// PDFs nest a handful of levels; the PDF library recurses on nesting.
pub const MAX_PDF_NESTING: usize = 100;

/// Bytes of one record of a CSV or JSON Lines file (1 MiB). The longest legitimate record in
/// the samples is under 1 KiB; a longer one is a damaged file (a missing line end, an unclosed
/// quote) and would otherwise be read into memory whole, however large.
pub const MAX_RECORD_BYTES: usize = 1 << 20;
