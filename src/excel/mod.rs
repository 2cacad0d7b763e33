//! Workbooks: the export sheets (written row by row in rust_xlsxwriter's constant-memory
//! mode), the import template, and reading a filled template back (a bounded stream: xlsx.rs). No HTTP here.

mod columns;
pub mod read;
pub mod write;
pub mod xlsx;

pub use columns::{group_headers, template_headers, user_headers, words, Words};
pub use write::{template, GroupSheet, SheetWriter, UserSheet};

/// The media type of .xlsx files.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Excel's last row: a sheet holds this many rows (header included).
pub const MAX_SHEET_ROWS: u32 = 1_048_576;
