//! Writing sheets row by row in constant memory: each finished row goes to a temporary file,
//! so a million users never sit in memory; the workbook is zipped together on `save`.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::columns::{group_headers, user_headers, words, Words};
use super::MAX_SHEET_ROWS;
use crate::core::exports::{Language, UserRow};
use crate::core::model::{ActiveType, Group, Word};
use crate::core::Error;

fn fault(e: XlsxError) -> Error {
    Error::Internal(format!("writing the workbook: {e}"))
}

/// `yyyy-MM-dd HH:mm:ss` (UTC) of Unix milliseconds. By hand (days to civil date, H. Hinnant's
/// algorithm): it runs twice per exported row, and chrono's formatter costs ten times more.
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// True when a spreadsheet program could take the text for a formula or a command (`=`, `+`,
/// `-`, `@`, tab, carriage return first): such cells get Excel's quote prefix as well, so they
/// stay text even when a user edits them. Every cell is a string or number cell either way;
/// none is ever written as a formula.
fn formula_like(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Excel's limit on the text of one cell, in UTF-16 code units (rust_xlsxwriter refuses more).
pub const MAX_CELL_UTF16: usize = 32_767;

/// `s` cut to what one cell holds, ending in "…" when cut: a user in thousands of groups
/// gets a shortened groups cell instead of failing the whole export.
fn fit_cell(s: &str) -> std::borrow::Cow<'_, str> {
    // UTF-8 never takes fewer bytes than UTF-16 takes units: short text fits as it is
    if s.len() <= MAX_CELL_UTF16 || s.encode_utf16().count() <= MAX_CELL_UTF16 {
        return s.into();
    }
    // room for the ellipsis (one unit)
    let mut units = 0;
    let end = s
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > MAX_CELL_UTF16 - 1
        })
        .map_or(s.len(), |(i, _)| i);
    format!("{}…", &s[..end]).into()
}

/// A list cell (one item per line) cut to what one cell holds: whole lines are kept and a
/// last line says how many were left out. That line is longer than any group name may be
/// (64 characters), so reading the cell back can never take it for a group.
fn fit_lines(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= MAX_CELL_UTF16 || s.encode_utf16().count() <= MAX_CELL_UTF16 {
        return s.into();
    }
    let total = s.lines().count();
    // room for the note line, whatever the count
    let room = MAX_CELL_UTF16 - 200;
    let mut units = 0;
    let mut kept = 0;
    let mut end = 0;
    for line in s.split('\n') {
        let n = line.encode_utf16().count() + 1;
        if units + n > room {
            break;
        }
        units += n;
        kept += 1;
        end += line.len() + 1;
    }
    format!(
        "{}… and {} more, not shown: a cell holds at most {MAX_CELL_UTF16} characters (Excel's limit)",
        &s[..end],
        total - kept
    )
    .into()
}

/// Deflate level of the workbook's zip.
pub const ZIP_LEVEL: u8 = 1;

/// One logical table over as many sheets as it needs (a sheet holds 1,048,576 rows), each
/// starting with the bold header row.
pub struct SheetWriter {
    wb: Workbook,
    name: &'static str,
    headers: &'static [&'static str],
    widths: &'static [f64],
    sheets: u16,
    /// The row being written in the current sheet (0 = header).
    row: u32,
    rows: u64,
    bold: Format,
    quoted: Format,
    /// Columns formatted as text ("@"), so that what a person types there stays text
    /// (a phone number keeps its leading 0, a date stays as typed).
    text_columns: &'static [u16],
}

impl SheetWriter {
    /// A workbook in constant-memory mode with temporary files in `tmpdir` (the system's if
    /// None).
    pub fn new(
        name: &'static str,
        headers: &'static [&'static str],
        widths: &'static [f64],
        tmpdir: Option<&Path>,
    ) -> Result<SheetWriter, Error> {
        let mut wb = Workbook::new();
        // deflate's fastest level: zipping is the one step that cannot overlap reading (it
        // runs after the last row); for 1M users level 1 zips in 1.7 s instead of 6.8 s,
        // for a file of 132 MB instead of 88 MB (BENCHMARKS.md)
        wb.set_zip_compression_level(ZIP_LEVEL);
        if let Some(dir) = tmpdir {
            wb.set_tempdir(dir).map_err(fault)?;
        }
        let mut w = SheetWriter {
            wb,
            name,
            headers,
            widths,
            sheets: 0,
            row: 0,
            rows: 0,
            bold: Format::new().set_bold(),
            quoted: Format::new().set_quote_prefix(),
            text_columns: &[],
        };
        w.add_sheet()?;
        Ok(w)
    }

    fn add_sheet(&mut self) -> Result<(), Error> {
        self.sheets += 1;
        let name = if self.sheets == 1 {
            self.name.to_string()
        } else {
            format!("{} {}", self.name, self.sheets)
        };
        let ws = self
            .wb
            .add_worksheet_with_constant_memory()
            .map_err(fault)?;
        ws.set_name(name).map_err(fault)?;
        for (col, width) in self.widths.iter().enumerate() {
            ws.set_column_width(col as u16, *width).map_err(fault)?;
        }
        ws.set_freeze_panes(1, 0).map_err(fault)?;
        let text = Format::new().set_num_format_index(49);
        for col in self.text_columns {
            ws.set_column_format(*col, &text).map_err(fault)?;
        }
        for (col, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(0, col as u16, *h, &self.bold)
                .map_err(fault)?;
        }
        self.row = 0;
        Ok(())
    }

    /// Formats `cols` as text on this sheet and the ones after it.
    pub fn with_text_columns(mut self, cols: &'static [u16]) -> Result<Self, Error> {
        self.text_columns = cols;
        let text = Format::new().set_num_format_index(49);
        let ws = self.sheet()?;
        for col in cols {
            ws.set_column_format(*col, &text).map_err(fault)?;
        }
        Ok(self)
    }

    /// Starts the next data row (on a new sheet when this one is full).
    pub fn next_row(&mut self) -> Result<(), Error> {
        if self.row + 1 >= MAX_SHEET_ROWS {
            self.add_sheet()?;
        }
        self.row += 1;
        self.rows += 1;
        Ok(())
    }

    fn sheet(&mut self) -> Result<&mut rust_xlsxwriter::Worksheet, Error> {
        self.wb
            .worksheet_from_index(self.sheets as usize - 1)
            .map_err(fault)
    }

    /// A text cell (left empty for empty text).
    pub fn text(&mut self, col: u16, s: &str) -> Result<(), Error> {
        self.write_text(col, &fit_cell(s))
    }

    /// A cell of lines (a list, one item per line), cut at a line if it does not fit.
    pub fn lines(&mut self, col: u16, s: &str) -> Result<(), Error> {
        self.write_text(col, &fit_lines(s))
    }

    fn write_text(&mut self, col: u16, s: &str) -> Result<(), Error> {
        if s.is_empty() {
            return Ok(());
        }
        let row = self.row;
        if formula_like(s) {
            let quoted = self.quoted.clone();
            self.sheet()?
                .write_string_with_format(row, col, s, &quoted)
                .map_err(fault)?;
        } else {
            self.sheet()?.write_string(row, col, s).map_err(fault)?;
        }
        Ok(())
    }

    pub fn number(&mut self, col: u16, n: f64) -> Result<(), Error> {
        let row = self.row;
        self.sheet()?.write_number(row, col, n).map_err(fault)?;
        Ok(())
    }

    /// Data rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Adds a plain sheet of text lines (instructions) after the table.
    pub fn add_notes(&mut self, name: &str, lines: &[&str]) -> Result<(), Error> {
        let ws = self.wb.add_worksheet();
        ws.set_name(name).map_err(fault)?;
        ws.set_column_width(0, 100).map_err(fault)?;
        for (i, line) in lines.iter().enumerate() {
            ws.write_string(i as u32, 0, *line).map_err(fault)?;
        }
        Ok(())
    }

    /// Zips the workbook into `path`.
    pub fn save(mut self, path: &Path) -> Result<u64, Error> {
        self.wb.save(path).map_err(fault)?;
        Ok(self.rows)
    }

    /// The workbook's bytes (for small workbooks: templates).
    pub fn into_bytes(mut self) -> Result<Vec<u8>, Error> {
        self.wb.save_to_buffer().map_err(fault)
    }
}

/// The users sheet (also the layout the import reads back).
pub struct UserSheet {
    out: SheetWriter,
    words: &'static Words,
}

const USER_WIDTHS: &[f64] = &[
    20.0, 28.0, 16.0, 30.0, 30.0, 20.0, 24.0, 8.0, 8.0, 20.0, 34.0,
];
/// The user columns a person fills in as text: name, e-mail, phone, description, groups.
const TEXT_COLUMNS: &[u16] = &[0, 1, 2, 3, 4];
const GROUP_WIDTHS: &[f64] = &[28.0, 30.0, 28.0, 8.0, 8.0, 20.0, 34.0];

impl UserSheet {
    pub fn new(lang: Language, tmpdir: Option<&Path>) -> Result<UserSheet, Error> {
        let words = words(lang);
        Ok(UserSheet {
            out: SheetWriter::new(words.sheet_users, user_headers(lang), USER_WIDTHS, tmpdir)?
                .with_text_columns(TEXT_COLUMNS)?,
            words,
        })
    }

    pub fn push(&mut self, u: &UserRow<'_>) -> Result<(), Error> {
        let w = self.words;
        let o = &mut self.out;
        o.next_row()?;
        o.text(0, u.name)?;
        o.text(1, u.email)?;
        o.text(2, u.phone)?;
        o.text(3, u.description)?;
        o.lines(4, u.groups)?;
        let expires: std::borrow::Cow<str> = match u.account_expires {
            0 => w.never.into(),
            ms => format_time(ms).into(),
        };
        o.text(5, &expires)?;
        let activation = if u.active_type == ActiveType::Admin {
            w.by_admin
        } else {
            w.by_user
        };
        o.text(6, activation)?;
        o.text(7, if u.locked { w.yes } else { w.no })?;
        o.text(8, if u.disabled { w.yes } else { w.no })?;
        o.text(9, &format_time(u.created_at))?;
        o.text(10, u.id)
    }

    pub fn save(self, path: &Path) -> Result<u64, Error> {
        self.out.save(path)
    }
}

/// The user groups sheet.
pub struct GroupSheet {
    out: SheetWriter,
}

impl GroupSheet {
    pub fn new(lang: Language, tmpdir: Option<&Path>) -> Result<GroupSheet, Error> {
        let words = words(lang);
        Ok(GroupSheet {
            out: SheetWriter::new(
                words.sheet_groups,
                group_headers(lang),
                GROUP_WIDTHS,
                tmpdir,
            )?,
        })
    }

    pub fn push(&mut self, g: &Group) -> Result<(), Error> {
        let o = &mut self.out;
        o.next_row()?;
        o.text(0, &g.name)?;
        o.text(1, &g.description)?;
        o.text(2, g.parent.as_ref().map(|p| p.name.as_str()).unwrap_or(""))?;
        o.number(3, g.user_quantity as f64)?;
        o.text(4, g.platform_type.as_str())?;
        o.text(5, &format_time(g.created_at))?;
        o.text(6, &g.id)
    }

    pub fn save(self, path: &Path) -> Result<u64, Error> {
        self.out.save(path)
    }
}

/// The import template: the header row and an instructions sheet.
pub fn template(lang: Language) -> Result<Vec<u8>, Error> {
    let words = words(lang);
    let mut out = SheetWriter::new(
        words.sheet_users,
        super::template_headers(lang),
        &USER_WIDTHS[..6],
        None,
    )?
    .with_text_columns(TEXT_COLUMNS)?;
    out.add_notes(words.sheet_help, words.help)?;
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::{fit_cell, format_time, SheetWriter, MAX_CELL_UTF16};
    use calamine::{Reader, Xlsx};

    #[test]
    fn text_longer_than_a_cell_is_cut_not_refused() {
        assert_eq!(fit_cell("short"), "short");
        let exact = "a".repeat(MAX_CELL_UTF16);
        assert!(fit_cell(&exact) == exact.as_str());
        // 3-byte characters: at the limit in units though over it in bytes
        let wide = "组".repeat(MAX_CELL_UTF16);
        assert!(
            fit_cell(&wide) == wide.as_str(),
            "a full cell is kept whole"
        );
        let over = format!("{wide}a");
        let cut = fit_cell(&over);
        assert!(cut.encode_utf16().count() == MAX_CELL_UTF16 && cut.ends_with("组…"));
        // a character outside the BMP takes two units
        let long = format!("{}😀", "组".repeat(40_000));
        let mut w = SheetWriter::new("S", &["groups"], &[10.0], None).unwrap();
        w.next_row().unwrap();
        w.text(0, &long).unwrap();
        w.next_row().unwrap();
        w.text(0, &"😀".repeat(20_000)).unwrap();
        let bytes = w.into_bytes().unwrap();
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("S").unwrap();
        let cell = range.get((1, 0)).unwrap().to_string();
        assert!(cell.encode_utf16().count() == MAX_CELL_UTF16);
        assert!(cell.starts_with("组组") && cell.ends_with('…'));
        let cell = range.get((2, 0)).unwrap().to_string();
        assert!(cell.encode_utf16().count() <= MAX_CELL_UTF16);
        assert!(
            cell.ends_with("😀…"),
            "cut between characters, not inside one"
        );
    }

    #[test]
    fn format_time_matches_chrono() {
        for ms in [
            0,
            951_782_400_000,   // 2000-02-29
            1_709_164_799_999, // 2024-02-28 23:59:59.999
            4_102_444_800_000, // 2100-01-01
            -86_400_000,       // 1969-12-31
            1_763_881_234_567,
        ] {
            let want = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            assert_eq!(format_time(ms), want, "{ms}");
        }
    }
}
