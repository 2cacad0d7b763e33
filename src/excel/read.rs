//! Reading a filled import template: the first sheet, a header row naming the columns (in
//! either language, or the API's field names), one user per row after it.
//!
//! The sheet is streamed cell by cell ([`super::xlsx`]) and only the cells of known columns
//! are kept, so memory is bounded by the limits of [`ImportLimits`] whatever the file holds.

use super::columns::{template_headers, words};
use super::xlsx::{cell_name, Cell, Limits, Refused, Value, Workbook};
use crate::core::exports::{ImportRow, Language};
use crate::core::text::quoted;
use crate::core::Error;

/// The caps of one import beyond the workbook reader's (README, "Limits").
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    /// The workbook reader's caps.
    pub workbook: Limits,
    /// User rows (non-blank rows after the header).
    pub rows: usize,
    /// Bytes of text kept from all rows together (the rows an import holds in memory).
    pub kept_bytes: usize,
}

impl ImportLimits {
    pub const DEFAULT: ImportLimits = ImportLimits {
        workbook: Limits::IMPORT,
        rows: 100_000,
        kept_bytes: 64 << 20,
    };
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Field {
    Name,
    Email,
    Phone,
    Description,
    Groups,
    Expires,
}

const FIELDS: [Field; 6] = [
    Field::Name,
    Field::Email,
    Field::Phone,
    Field::Description,
    Field::Groups,
    Field::Expires,
];

/// Which field a header cell names: the template's header in either language (a trailing `*`
/// and spaces ignored, any case) or the API's field name.
fn field_of(header: &str) -> Option<Field> {
    let h = header.trim().trim_end_matches('*').trim().to_lowercase();
    for lang in [Language::English, Language::Chinese] {
        for (i, name) in template_headers(lang).iter().enumerate() {
            if name.to_lowercase() == h {
                return Some(FIELDS[i]);
            }
        }
    }
    match h.as_str() {
        "user_name" => Some(Field::Name),
        "user_email" => Some(Field::Email),
        "user_phone" => Some(Field::Phone),
        "description" => Some(Field::Description),
        "group_names" => Some(Field::Groups),
        "account_expires" => Some(Field::Expires),
        _ => None,
    }
}

/// The header's name of a field, for messages.
fn header_of(f: Field) -> &'static str {
    let i = FIELDS.iter().position(|x| *x == f).unwrap_or(0);
    template_headers(Language::English)[i]
}

/// A cell as text: numbers typed into Excel come back without a `.0`. `Err` for an error
/// value (`#N/A`).
fn text(value: &Value) -> Result<String, String> {
    Ok(match value {
        Value::Empty => String::new(),
        Value::Text(s) => s.trim().to_string(),
        Value::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Value::Number(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Date(s) => s.trim().to_string(),
        Value::Error(e) => return Err(format!("holds the error value {}", e.trim())),
    })
}

/// Unix ms of an expiry cell: empty or "Never" is 0. Numbers are Excel date serials.
fn expiry(value: &Value) -> Result<i64, String> {
    let never = |s: &str| {
        s.is_empty()
            || s.eq_ignore_ascii_case(words(Language::English).never)
            || s == words(Language::Chinese).never
    };
    if let Value::Number(f) = value {
        return Ok(((f - 25569.0) * 86_400_000.0).round() as i64);
    }
    let s = text(value)?;
    if never(&s) {
        return Ok(0);
    }
    let t = s.replace('T', " ");
    let t = t.trim_end_matches('Z');
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f"))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
        .map(|t| t.and_utc().timestamp_millis())
        .map_err(|_| {
            format!(
                "is {}, which is not a date (write yyyy-MM-dd or yyyy-MM-dd HH:mm:ss, or Never)",
                quoted(&s)
            )
        })
}

/// The group names of a groups cell: one name per line. A group name can hold any
/// character but a line break or surrounding white space (`core::validate::group_name`), so
/// this cannot split one name in two or join two; the export writes the same form.
pub fn split_groups(cell: &str) -> Vec<String> {
    cell.split('\n')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// A row that could not even be read as a user, with the reason.
pub type BadRow = (ImportRow, String);

/// Builds rows from the stream of cells.
struct Rows {
    limits: ImportLimits,
    /// The header's row and the fields its cells name, until the header is closed.
    header_row: Option<u32>,
    header: Vec<(u32, Field)>,
    /// Column -> field, once the header row is complete.
    columns: Option<Vec<(u32, Field)>>,
    /// The row being read and the problems found in it so far.
    current: Option<(ImportRow, Vec<String>)>,
    kept: usize,
    good: Vec<ImportRow>,
    bad: Vec<BadRow>,
}

impl Rows {
    fn cell(&mut self, cell: Cell) -> Result<(), Refused> {
        let Some(columns) = &self.columns else {
            // the first row with a cell names the columns
            match self.header_row {
                None => self.header_row = Some(cell.row),
                Some(r) if r != cell.row => {
                    self.close_header()?;
                    return self.cell(cell);
                }
                Some(_) => {}
            }
            if let Some(f) = text(&cell.value).ok().as_deref().and_then(field_of) {
                if !self.header.iter().any(|(_, g)| *g == f) {
                    self.header.push((cell.col, f));
                }
            }
            return Ok(());
        };
        let Some(&(_, field)) = columns.iter().find(|(c, _)| *c == cell.col) else {
            return Ok(()); // a column the import does not read
        };
        let row_no = cell.row as usize + 1;
        if self.current.as_ref().is_some_and(|(r, _)| r.row != row_no) {
            self.finish_row()?;
        }
        let (row, problems) = self.current.get_or_insert_with(|| {
            (
                ImportRow {
                    row: row_no,
                    ..ImportRow::default()
                },
                Vec::new(),
            )
        });
        let at = format!("{} ({})", header_of(field), cell_name(cell.row, cell.col));
        if let Some(f) = &cell.formula {
            problems.push(format!(
                "{at} holds a formula ({}); formulas are not imported: type the value itself",
                quoted(f)
            ));
            return Ok(());
        }
        let value = match field {
            Field::Expires => {
                match expiry(&cell.value) {
                    Ok(ms) => row.account_expires = ms,
                    Err(e) => problems.push(format!("{at} {e}")),
                }
                return Ok(());
            }
            _ => match text(&cell.value) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{at} {e}"));
                    return Ok(());
                }
            },
        };
        self.kept += value.len();
        if self.kept > self.limits.kept_bytes {
            return Err(Refused(format!(
                "the rows hold more than {} MiB of text (the limit): split the file",
                self.limits.kept_bytes >> 20
            )));
        }
        match field {
            Field::Name => row.name = value,
            Field::Email => row.email = value,
            Field::Phone => row.phone = value,
            Field::Description => row.description = value,
            Field::Groups => row.groups = split_groups(&value),
            Field::Expires => {}
        }
        Ok(())
    }

    fn close_header(&mut self) -> Result<(), Refused> {
        if !self.header.iter().any(|(_, f)| *f == Field::Name) {
            return Err(Refused(
                "the first row of the first sheet must name the columns, with a \"User name\" (用户名) column: download the template".into(),
            ));
        }
        self.columns = Some(std::mem::take(&mut self.header));
        Ok(())
    }

    fn finish_row(&mut self) -> Result<(), Refused> {
        let Some((row, problems)) = self.current.take() else {
            return Ok(());
        };
        let blank = row.name.is_empty()
            && row.email.is_empty()
            && row.phone.is_empty()
            && row.description.is_empty()
            && row.groups.is_empty()
            && row.account_expires == 0
            && problems.is_empty();
        if blank {
            return Ok(());
        }
        if self.good.len() + self.bad.len() >= self.limits.rows {
            return Err(Refused(format!(
                "the sheet has more than {} user rows (the limit): split the file",
                self.limits.rows
            )));
        }
        if problems.is_empty() {
            self.good.push(row);
        } else {
            self.bad.push((row, problems.join("; ")));
        }
        Ok(())
    }
}

/// Parses a workbook. A file that is not an .xlsx workbook, that breaks a limit, or whose
/// first sheet has no user name column is an error as a whole (a 400 naming the reason);
/// rows are returned as read (rows whose cells cannot be taken as a user come back in the
/// second list with their reason: a formula, an error value, a bad date). Blank rows are
/// skipped.
pub fn import_rows(bytes: &[u8]) -> Result<(Vec<ImportRow>, Vec<BadRow>), Error> {
    import_rows_with(bytes, ImportLimits::DEFAULT)
}

/// [`import_rows`] with other limits (tests use small ones).
pub fn import_rows_with(
    bytes: &[u8],
    limits: ImportLimits,
) -> Result<(Vec<ImportRow>, Vec<BadRow>), Error> {
    let refused = |e: Refused| Error::invalid(e.0);
    let mut wb = Workbook::open(bytes, limits.workbook).map_err(refused)?;
    let mut rows = Rows {
        limits,
        header_row: None,
        header: Vec::new(),
        columns: None,
        current: None,
        kept: 0,
        good: Vec::new(),
        bad: Vec::new(),
    };
    wb.for_each_cell(&mut |c| rows.cell(c)).map_err(refused)?;
    if rows.columns.is_none() {
        if rows.header_row.is_none() {
            return Err(Error::invalid(
                "the first sheet is empty: it needs a header row",
            ));
        }
        rows.close_header().map_err(refused)?;
    } else {
        rows.finish_row().map_err(refused)?;
    }
    if rows.good.is_empty() && rows.bad.is_empty() {
        return Err(Error::invalid("the workbook has no user rows"));
    }
    Ok((rows.good, rows.bad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::excel::xlsx::testing::package;

    fn inline(r: u32, col: &str, t: &str) -> String {
        format!(r#"<c r="{col}{r}" t="inlineStr"><is><t>{t}</t></is></c>"#)
    }

    #[test]
    fn rows_come_from_the_header_columns_and_limits_hold() {
        let header = format!(
            r#"<row r="3">{}{}{}</row>"#,
            inline(3, "B", "用户名"),
            inline(3, "D", "User groups"),
            inline(3, "F", "Account expires")
        );
        let row = |r: u32| {
            format!(
                r#"<row r="{r}">{}{}{}<c r="F{r}"><v>47484</v></c></row>"#,
                inline(r, "B", &format!("u{r}")),
                inline(r, "C", "ignored"),
                inline(r, "D", " Sales, East \n\n研发部 ")
            )
        };
        let rows: String = (4..9).map(row).collect();
        let file = package(&format!("{header}{rows}"), "", 0);
        let (good, bad) = import_rows(&file).unwrap();
        assert!(bad.is_empty());
        assert_eq!(good.len(), 5);
        assert_eq!((good[0].row, good[0].name.as_str()), (4, "u4"));
        assert_eq!(good[0].groups, ["Sales, East", "研发部"]);
        assert_eq!(good[0].account_expires, 1_893_456_000_000); // 2030-01-01
        let small = |rows, kept_bytes| ImportLimits {
            workbook: Limits::IMPORT,
            rows,
            kept_bytes,
        };
        let e = import_rows_with(&file, small(4, 1 << 20)).unwrap_err();
        assert!(e.to_string().contains("more than 4 user rows"), "{e}");
        let e = import_rows_with(&file, small(10, 40)).unwrap_err();
        assert!(e.to_string().contains("more than 0 MiB of text"), "{e}");
        let no_name = package(
            &format!(r#"<row r="1">{}</row>"#, inline(1, "A", "Email")),
            "",
            0,
        );
        let e = import_rows(&no_name).unwrap_err();
        assert!(e.to_string().contains("User name"), "{e}");
    }
}
