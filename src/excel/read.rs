//! Reading a filled import template: the first sheet, a header row naming the columns (in
//! either language, or the API's field names), one user per row after it.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::columns::{template_headers, words};
use crate::core::exports::{ImportRow, Language};
use crate::core::Error;

#[derive(Clone, Copy, PartialEq, Eq)]
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

/// A cell as text: numbers typed into Excel (phone numbers) come back without a `.0`.
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string().trim().to_string(),
    }
}

/// Unix ms of an expiry cell: empty or "Never" is 0.
fn expiry(cell: &Data) -> Result<i64, String> {
    let never = |s: &str| {
        s.is_empty()
            || s.eq_ignore_ascii_case(words(Language::English).never)
            || s == words(Language::Chinese).never
    };
    match cell {
        Data::DateTime(d) => Ok(((d.as_f64() - 25569.0) * 86_400_000.0).round() as i64),
        Data::Float(f) => Ok(((f - 25569.0) * 86_400_000.0).round() as i64),
        Data::Int(i) => Ok((*i - 25569) * 86_400_000),
        other => {
            let s = text(other);
            if never(&s) {
                return Ok(0);
            }
            let s = s.replace('T', " ");
            let s = s.trim_end_matches('Z');
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).unwrap())
                })
                .map(|t| t.and_utc().timestamp_millis())
                .map_err(|_| {
                    format!(
                        "account expires {s:?} is not a date (yyyy-MM-dd or yyyy-MM-dd HH:mm:ss)"
                    )
                })
        }
    }
}

/// A row that could not even be read as a user, with the reason.
pub type BadRow = (ImportRow, String);

/// Parses a workbook. A file that is not an .xlsx workbook, or whose first sheet has no user
/// name column, is an error as a whole; rows are returned as read (rows whose cells cannot be
/// read come back in the second list with their reason). Blank rows are skipped.
pub fn import_rows(bytes: &[u8]) -> Result<(Vec<ImportRow>, Vec<BadRow>), Error> {
    let not_xlsx = |e: calamine::XlsxError| {
        Error::invalid(format!("the file is not a readable .xlsx workbook: {e}"))
    };
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| Error::invalid("the workbook has no sheet"))?
        .map_err(not_xlsx)?;
    let mut rows = range.rows();
    let header = rows
        .next()
        .ok_or_else(|| Error::invalid("the first sheet is empty: it needs a header row"))?;
    let columns: Vec<Option<Field>> = header.iter().map(|c| field_of(&text(c))).collect();
    if !columns.contains(&Some(Field::Name)) {
        return Err(Error::invalid(
            "the first row of the first sheet must name the columns, with a \"User name\" (用户名) column: download the template",
        ));
    }
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0) + 1;
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, cells) in rows.enumerate() {
        if cells.iter().all(|c| text(c).is_empty()) {
            continue;
        }
        let mut row = ImportRow {
            row: first_row + i + 1,
            ..ImportRow::default()
        };
        let mut problem = None;
        for (cell, field) in cells.iter().zip(&columns) {
            match field {
                Some(Field::Name) => row.name = text(cell),
                Some(Field::Email) => row.email = text(cell),
                Some(Field::Phone) => row.phone = text(cell),
                Some(Field::Description) => row.description = text(cell),
                Some(Field::Groups) => {
                    row.groups = text(cell)
                        .split([',', ';', '，', '；', '\n'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                }
                Some(Field::Expires) => match expiry(cell) {
                    Ok(ms) => row.account_expires = ms,
                    Err(e) => problem = Some(e),
                },
                None => {}
            }
        }
        match problem {
            Some(e) => bad.push((row, e)),
            None => good.push(row),
        }
    }
    if good.is_empty() && bad.is_empty() {
        return Err(Error::invalid("the workbook has no user rows"));
    }
    Ok((good, bad))
}
