//! A bounded, streaming reader of the cells of an .xlsx workbook's first sheet, over the
//! `zip` and `quick-xml` crates.
//!
//! Why not calamine (the well-kept reader Roster used before): a workbook is input from
//! anyone, and calamine cannot be bounded. `worksheet_range` allocates a dense grid from the
//! cells' extremes (two cells, `A1` and `XFD1048576`, asked for 512 GiB and aborted the
//! process); its cell stream still inflates every part without a limit, buffers a whole XML
//! event (a 1 GiB comment is one event) or element (`read_to_end_into`) in memory, loads
//! every shared string, and hides formula cells behind their cached values. Bounding it would
//! mean parsing every part ahead of it. What an import needs is small: the first sheet's
//! cells as text, numbers and dates, in row order, plus whether a cell holds a formula. This
//! module is that, with every quantity capped ([`Limits`]) and each cap named in the error.
//!
//! Memory: the shared-string table (at most [`Limits::shared_strings_bytes`] of text plus 4
//! bytes a string), one XML event (at most [`Limits::event_bytes`] plus one read buffer),
//! one row's cells, and the zip's central directory (at most [`Limits::entries`] entries).
//! Everything else streams.

use std::borrow::Cow;
use std::cell::Cell as StdCell;
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::rc::Rc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::core::text::quoted;

/// The caps of one read. Every one is named in the error that reports it.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Entries in the zip archive (Excel writes about 10).
    pub entries: usize,
    /// Inflated bytes of the package and workbook parts (relationships, workbook.xml).
    pub meta_part_bytes: u64,
    /// Inflated bytes of the shared-string part; also bounds the table held in memory.
    pub shared_strings_bytes: u64,
    /// Shared strings in the table.
    pub shared_strings: usize,
    /// Inflated bytes of the sheet read (it streams: this bounds time, not memory).
    pub sheet_bytes: u64,
    /// Bytes of one XML event (a tag, a text run, a comment): bounds the parser's buffer.
    pub event_bytes: u64,
    /// Characters of one cell's text: Excel's own limit is 32,767.
    pub cell_chars: usize,
    /// Cell elements in the sheet, empty ones included.
    pub cells: u64,
}

impl Limits {
    /// The import's caps (README, "Limits").
    pub const IMPORT: Limits = Limits {
        entries: 1_000,
        meta_part_bytes: 4 << 20,
        shared_strings_bytes: 64 << 20,
        shared_strings: 2_000_000,
        sheet_bytes: 512 << 20,
        event_bytes: 1 << 20,
        cell_chars: 32_767,
        cells: 4_000_000,
    };
}

/// Why a workbook was refused; the message names the part and the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn refused<T>(m: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(m.into()))
}

/// A cell's value as the sheet stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// An ISO 8601 date (`t="d"`), as written.
    Date(String),
    /// An error value such as `#N/A`.
    Error(String),
}

/// One non-empty cell: 0-based row and column, its value, and whether it holds a formula
/// (then `value` is the formula's cached result, and `formula` its text, cut to 256 chars).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub row: u32,
    pub col: u32,
    pub value: Value,
    pub formula: Option<String>,
}

/// Excel's last row and column (1,048,576 rows, XFD = 16,384 columns).
const MAX_ROW: u32 = 1_048_576;
const MAX_COL: u32 = 16_384;

/// The A1-style name of a 0-based cell position, for messages.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// Parses `B12` into 0-based (row, col); `None` for anything else, or past Excel's extremes.
fn parse_ref(r: &[u8]) -> Option<(u32, u32)> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 || letters == r.len() || r.len() - letters > 7 {
        return None;
    }
    let mut col: u32 = 0;
    for b in &r[..letters] {
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    let row: u32 = std::str::from_utf8(&r[letters..]).ok()?.parse().ok()?;
    if col == 0 || col > MAX_COL || row == 0 || row > MAX_ROW {
        return None;
    }
    Some((row - 1, col - 1))
}

/// Counters shared by a part's reader and its parser: the reader refuses to hand out more
/// bytes past a cap, and records which cap (quick-xml reports it only as an I/O error).
struct Meter {
    part: &'static str,
    part_max: u64,
    event_max: u64,
    read: StdCell<u64>,
    since_event: StdCell<u64>,
    hit: StdCell<Option<&'static str>>,
}

/// A `BufRead` over an inflating zip entry that counts what it hands out.
struct Metered<R> {
    inner: BufReader<R>,
    meter: Rc<Meter>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Metered<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let m = &self.meter;
        let over = if m.read.get() > m.part_max {
            Some("part")
        } else if m.since_event.get() > m.event_max {
            Some("event")
        } else {
            None
        };
        if let Some(what) = over {
            m.hit.set(Some(what));
            return Err(io::Error::other("limit"));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.meter.read.set(self.meter.read.get() + n as u64);
        self.meter
            .since_event
            .set(self.meter.since_event.get() + n as u64);
        self.inner.consume(n);
    }
}

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// One XML part being parsed, with its meter.
struct Part<'z, 'b> {
    xml: Reader<Metered<zip::read::ZipFile<'z, Cursor<&'b [u8]>>>>,
    meter: Rc<Meter>,
    buf: Vec<u8>,
}

impl<'z, 'b> Part<'z, 'b> {
    fn open(
        zip: &'z mut Archive<'b>,
        name: &str,
        what: &'static str,
        max: u64,
        limits: &Limits,
    ) -> Result<Option<Part<'z, 'b>>, Refused> {
        let file = match zip.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return refused(format!("the workbook's part {name} cannot be read: {e}")),
        };
        if file.encrypted() {
            return refused("the workbook is encrypted: save it without a password");
        }
        let meter = Rc::new(Meter {
            part: what,
            part_max: max,
            event_max: limits.event_bytes,
            read: StdCell::new(0),
            since_event: StdCell::new(0),
            hit: StdCell::new(None),
        });
        let metered = Metered {
            inner: BufReader::with_capacity(16 * 1024, file),
            meter: meter.clone(),
        };
        let mut xml = Reader::from_reader(metered);
        xml.config_mut().trim_text(false);
        Ok(Some(Part {
            xml,
            meter,
            buf: Vec::with_capacity(4096),
        }))
    }

    /// The next event; a cap reached or malformed XML is a refusal naming the part.
    fn next(&mut self) -> Result<Event<'_>, Refused> {
        self.buf.clear();
        self.meter.since_event.set(0);
        let meter = self.meter.clone();
        match self.xml.read_event_into(&mut self.buf) {
            Ok(e) => Ok(e),
            Err(e) => Err(match meter.hit.get() {
                Some("part") => Refused(format!(
                    "the workbook's {} inflates to more than {} MiB (the limit)",
                    meter.part,
                    meter.part_max >> 20
                )),
                Some(_) => Refused(format!(
                    "the workbook's {} holds one XML element or text longer than {} KiB (the limit)",
                    meter.part,
                    meter.event_max >> 10
                )),
                None => Refused(format!(
                    "the workbook's {} is not well-formed XML: {e}",
                    meter.part
                )),
            }),
        }
    }
}

/// The value of attribute `name` (local name, any prefix) of `e`, unescaped.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == name).then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(Cow::into_owned)
                .unwrap_or_else(|_| a.value.to_string())
        })
    })
}

/// Like `attr`, but only an attribute whose prefixed name is exactly `name` (`r:id`).
fn attr_exact(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find_map(|a| (a.key.as_ref() == name).then(|| a.value.to_string()))
}

/// Appends the text of events up to the end of the element named `end` (its local name),
/// skipping phonetic runs (`rPh`); refuses text longer than the cell limit.
fn read_text(
    part: &mut Part<'_, '_>,
    end: &str,
    out: &mut String,
    limits: &Limits,
    at: &dyn Fn() -> String,
) -> Result<(), Refused> {
    let mut skip = 0u32; // depth inside rPh / phoneticPr
    let what = part.meter.part;
    let mut chars = out.chars().count();
    loop {
        let piece: Cow<'_, str> = match part.next()? {
            Event::End(e) if e.local_name().as_ref() == end && skip == 0 => return Ok(()),
            Event::Start(e) if e.local_name().as_ref() == "rPh" => {
                skip += 1;
                continue;
            }
            Event::End(e) if e.local_name().as_ref() == "rPh" => {
                skip = skip.saturating_sub(1);
                continue;
            }
            Event::Eof => return refused(format!("the workbook's {what} ends early")),
            _ if skip > 0 => continue,
            Event::Text(t) => Cow::Owned(t.xml10_content().into_owned()),
            Event::CData(t) => Cow::Owned(t.xml10_content().into_owned()),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => Cow::Owned(c.to_string()),
                _ => match r.as_ref() {
                    "amp" => Cow::Borrowed("&"),
                    "lt" => Cow::Borrowed("<"),
                    "gt" => Cow::Borrowed(">"),
                    "quot" => Cow::Borrowed("\""),
                    "apos" => Cow::Borrowed("'"),
                    other => {
                        return refused(format!(
                            "the workbook's {what} uses an unknown entity &{};",
                            other
                        ))
                    }
                },
            },
            _ => continue,
        };
        chars += piece.chars().count();
        if chars > limits.cell_chars {
            return refused(format!(
                "{} holds more than {} characters (Excel's limit for a cell)",
                at(),
                limits.cell_chars
            ));
        }
        out.push_str(&piece);
    }
}

/// Skips to the end of the element named `end`.
fn skip_to_end(part: &mut Part<'_, '_>, end: &str) -> Result<(), Refused> {
    let mut depth = 0u32;
    loop {
        match part.next()? {
            Event::Start(e) if e.local_name().as_ref() == end => depth += 1,
            Event::End(e) if e.local_name().as_ref() == end => {
                if depth == 0 {
                    return Ok(());
                }
                depth -= 1;
            }
            Event::Eof => return refused(format!("the workbook's {} ends early", part.meter.part)),
            _ => {}
        }
    }
}

/// Joins a relationship target to the folder of the part that names it.
fn resolve(base_dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        base_dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The relationships of a part: (id, type, target resolved against `base_dir`).
fn relationships(
    zip: &mut Archive<'_>,
    rels: &str,
    base_dir: &str,
    limits: &Limits,
) -> Result<Vec<(String, String, String)>, Refused> {
    let Some(mut part) = Part::open(zip, rels, "relationships", limits.meta_part_bytes, limits)?
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    loop {
        match part.next()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if out.len() >= limits.entries {
                    return refused("the workbook's relationships name more parts than it has");
                }
                let (Some(id), Some(ty), Some(target)) =
                    (attr(&e, "Id"), attr(&e, "Type"), attr(&e, "Target"))
                else {
                    continue;
                };
                out.push((id, ty, resolve(base_dir, &target)));
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// Refuses an archive whose end-of-central-directory record announces more entries than
/// the limit, before the zip crate reads that directory into memory (each entry costs it a
/// few hundred bytes). Every candidate record in the archive's tail is checked, so a forged
/// one in the archive comment cannot hide the real one.
fn check_entry_count(bytes: &[u8], limits: &Limits) -> Result<(), Refused> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    let tail_start = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[tail_start..];
    for i in 0..tail.len().saturating_sub(21) {
        if tail[i..i + 4] == EOCD {
            let total = u16::from_le_bytes([tail[i + 10], tail[i + 11]]);
            if total == u16::MAX || usize::from(total) > limits.entries {
                return refused(format!(
                    "the workbook has more than {} parts (the limit)",
                    limits.entries
                ));
            }
        }
    }
    Ok(())
}

/// Decodes Excel's `_xHHHH_` escapes (ECMA-376 ST_Xstring: how a workbook stores a
/// character XML cannot hold, such as U+001F; a literal `_x0041_` is itself written
/// `_x005F_x0041_`), left to right as Excel reads them.
pub fn unescape_ooxml(s: String) -> String {
    if !s.contains("_x") {
        return s;
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut plain = 0;
    while i + 7 <= b.len() {
        if b[i] == b'_'
            && b[i + 1] == b'x'
            && b[i + 6] == b'_'
            && b[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit)
        {
            let code = u32::from_str_radix(&s[i + 2..i + 6], 16).unwrap_or(0xFFFD);
            if let Some(c) = char::from_u32(code) {
                out.push_str(&s[plain..i]);
                out.push(c);
                i += 7;
                plain = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[plain..]);
    out
}

/// The shared strings, in one buffer with end offsets: no allocation per string.
#[derive(Default)]
struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }

    fn read(zip: &mut Archive<'_>, name: &str, limits: &Limits) -> Result<Self, Refused> {
        let mut out = SharedStrings::default();
        let Some(mut part) = Part::open(
            zip,
            name,
            "shared-string table",
            limits.shared_strings_bytes,
            limits,
        )?
        else {
            return Ok(out);
        };
        loop {
            match part.next()? {
                Event::Start(e) if e.local_name().as_ref() == "si" => {
                    if out.ends.len() >= limits.shared_strings {
                        return refused(format!(
                            "the workbook's shared-string table holds more than {} strings (the limit)",
                            limits.shared_strings
                        ));
                    }
                    let n = out.ends.len();
                    let mut s = String::new();
                    read_text(&mut part, "si", &mut s, limits, &|| {
                        format!("shared string {}", n + 1)
                    })?;
                    out.text.push_str(&unescape_ooxml(s));
                    out.ends.push(out.text.len() as u32);
                }
                Event::Empty(e) if e.local_name().as_ref() == "si" => {
                    out.ends.push(out.text.len() as u32);
                }
                Event::Eof => return Ok(out),
                _ => {}
            }
        }
    }
}

/// The first sheet of a workbook, opened: call [`Sheet::for_each_cell`] to stream its cells.
pub struct Workbook<'a> {
    zip: Archive<'a>,
    sheet: String,
    strings: SharedStrings,
    limits: Limits,
}

impl<'a> Workbook<'a> {
    /// Opens `bytes` as an .xlsx package and finds its first sheet (through the package's and
    /// the workbook's relationships, as Excel does) and its shared strings.
    pub fn open(bytes: &'a [u8], limits: Limits) -> Result<Self, Refused> {
        check_entry_count(bytes, &limits)?;
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| Refused(format!("the file is not a readable .xlsx workbook: {e}")))?;
        if zip.len() > limits.entries {
            return refused(format!(
                "the workbook has more than {} parts (the limit)",
                limits.entries
            ));
        }
        let root = relationships(&mut zip, "_rels/.rels", "", &limits)?;
        let workbook = root
            .iter()
            .find(|(_, ty, _)| ty.ends_with("/officeDocument"))
            .map(|(_, _, t)| t.clone())
            .unwrap_or_else(|| "xl/workbook.xml".to_string());
        let (dir, file) = workbook.rsplit_once('/').unwrap_or(("", &workbook));
        let rels = relationships(&mut zip, &format!("{dir}/_rels/{file}.rels"), dir, &limits)?;
        let first_sheet_rid = {
            let Some(mut part) = Part::open(
                &mut zip,
                &workbook,
                "workbook part",
                limits.meta_part_bytes,
                &limits,
            )?
            else {
                return refused("the file is not an .xlsx workbook: it has no workbook part");
            };
            loop {
                match part.next()? {
                    Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                        break attr_exact(&e, "r:id").or_else(|| attr(&e, "id"));
                    }
                    Event::Eof => return refused("the workbook has no sheet"),
                    _ => {}
                }
            }
        };
        let by_id: HashMap<&str, &str> = rels
            .iter()
            .map(|(id, _, t)| (id.as_str(), t.as_str()))
            .collect();
        let sheet = first_sheet_rid
            .as_deref()
            .and_then(|id| by_id.get(id))
            .map(|t| t.to_string())
            .unwrap_or_else(|| format!("{dir}/worksheets/sheet1.xml"));
        let strings_part = rels
            .iter()
            .find(|(_, ty, _)| ty.ends_with("/sharedStrings"))
            .map(|(_, _, t)| t.clone());
        let strings = match strings_part {
            Some(p) => SharedStrings::read(&mut zip, &p, &limits)?,
            None => SharedStrings::default(),
        };
        Ok(Workbook {
            zip,
            sheet,
            strings,
            limits,
        })
    }

    /// Streams the first sheet's non-empty cells, in document order (Excel writes rows in
    /// ascending order, cells left to right), to `each`. `each` may stop the read with an
    /// error of its own. A row element that goes back to an earlier row is refused.
    pub fn for_each_cell(
        &mut self,
        each: &mut dyn FnMut(Cell) -> Result<(), Refused>,
    ) -> Result<(), Refused> {
        let limits = self.limits;
        let strings = &self.strings;
        let Some(mut part) = Part::open(
            &mut self.zip,
            &self.sheet,
            "sheet",
            limits.sheet_bytes,
            &limits,
        )?
        else {
            return refused("the workbook's first sheet is missing from the file");
        };
        let mut row: u32 = 0;
        let mut next_row: u32 = 0;
        let mut col: u32 = 0;
        let mut cells: u64 = 0;
        loop {
            let (start, empty) = match part.next()? {
                Event::Start(e) => (e.into_owned(), false),
                Event::Empty(e) => (e.into_owned(), true),
                Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(()),
                Event::Eof => return Ok(()),
                _ => continue,
            };
            match start.local_name().as_ref() {
                "row" => {
                    row = match attr(&start, "r") {
                        Some(r) => match r.parse::<u32>() {
                            Ok(n) if (1..=MAX_ROW).contains(&n) && n > next_row => n - 1,
                            _ => {
                                return refused(format!(
                                    "the sheet's row number {} is out of order or past Excel's last row",
                                    quoted(&r)
                                ))
                            }
                        },
                        None => next_row,
                    };
                    if row >= MAX_ROW {
                        return refused("the sheet has rows past Excel's last row (1,048,576)");
                    }
                    next_row = row + 1;
                    col = 0;
                }
                "c" => {
                    cells += 1;
                    if cells > limits.cells {
                        return refused(format!(
                            "the sheet has more than {} cells (the limit)",
                            limits.cells
                        ));
                    }
                    let (r, c) = match attr(&start, "r") {
                        Some(a) => match parse_ref(a.as_bytes()) {
                            Some(rc) if rc.0 == row => rc,
                            Some(_) | None => {
                                return refused(format!(
                                    "the sheet has a cell reference {} that is not in its row or past Excel's last row or column",
                                    quoted(&a)
                                ))
                            }
                        },
                        None if col < MAX_COL => (row, col),
                        None => return refused("the sheet has a row past Excel's last column (XFD)"),
                    };
                    col = c + 1;
                    if empty {
                        continue;
                    }
                    let ty = attr(&start, "t");
                    let cell = read_cell(&mut part, strings, ty.as_deref(), r, c, &limits)?;
                    if cell.value != Value::Empty || cell.formula.is_some() {
                        each(cell)?;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Reads one `<c>` element's content (after its start tag) to its end tag.
fn read_cell(
    part: &mut Part<'_, '_>,
    strings: &SharedStrings,
    ty: Option<&str>,
    row: u32,
    col: u32,
    limits: &Limits,
) -> Result<Cell, Refused> {
    let at = || format!("cell {}", cell_name(row, col));
    let mut value = Value::Empty;
    let mut formula = None;
    loop {
        let (name, empty) = match part.next()? {
            Event::Start(e) => (e.local_name().as_ref().to_string(), false),
            Event::Empty(e) => (e.local_name().as_ref().to_string(), true),
            Event::End(e) if e.local_name().as_ref() == "c" => break,
            Event::Eof => return refused("the workbook's sheet ends early"),
            _ => continue,
        };
        match name.as_str() {
            "f" => {
                let mut text = String::new();
                if !empty {
                    read_text(part, "f", &mut text, limits, &at)?;
                }
                let cut: String = text.chars().take(256).collect();
                formula = Some(format!("={cut}"));
            }
            "v" if !empty => {
                let mut text = String::new();
                read_text(part, "v", &mut text, limits, &at)?;
                value = match ty {
                    Some("s") => {
                        let i: usize = text.trim().parse().map_err(|_| {
                            Refused(format!(
                                "{} refers to a shared string {}",
                                at(),
                                quoted(&text)
                            ))
                        })?;
                        let s = strings.get(i).ok_or_else(|| {
                            Refused(format!(
                                "{} refers to shared string {i}, which the workbook does not have",
                                at()
                            ))
                        })?;
                        Value::Text(s.to_string())
                    }
                    Some("str") | Some("inlineStr") => Value::Text(unescape_ooxml(text)),
                    Some("b") => Value::Bool(text.trim() == "1"),
                    Some("e") => Value::Error(text),
                    Some("d") => Value::Date(text),
                    _ => match text.trim().parse::<f64>() {
                        Ok(n) if n.is_finite() => Value::Number(n),
                        _ => {
                            return refused(format!(
                                "{} holds {}, which is not a number",
                                at(),
                                quoted(&text)
                            ))
                        }
                    },
                };
            }
            "is" if !empty => {
                let mut text = String::new();
                read_text(part, "is", &mut text, limits, &at)?;
                value = Value::Text(unescape_ooxml(text));
            }
            _ if !empty => {
                let n = name.clone();
                skip_to_end(part, &n)?;
            }
            _ => {}
        }
    }
    Ok(Cell {
        row,
        col,
        value,
        formula,
    })
}

/// Test workbooks built part by part (for the reader's own tests and the import's).
#[cfg(test)]
pub(crate) mod testing {
    use std::io::{Cursor, Write};

    /// A package whose first sheet is `sheet` (its sheetData content) and whose shared
    /// strings are `strings` (the `<si>` elements), plus `extra` one-byte entries.
    pub fn package(sheet: &str, strings: &str, extra: usize) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut part = |name: &str, text: &str| {
            zip.start_file(name, opts).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        };
        part(
            "_rels/.rels",
            r#"<Relationships><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/workbook.xml"/></Relationships>"#,
        );
        part(
            "xl/workbook.xml",
            r#"<workbook xmlns:r="x"><sheets><sheet name="Z" sheetId="2" r:id="rB"/><sheet name="A" sheetId="1" r:id="rA"/></sheets></workbook>"#,
        );
        part(
            "xl/_rels/workbook.xml.rels",
            r#"<Relationships><Relationship Id="rA" Type="t/worksheet" Target="worksheets/a.xml"/><Relationship Id="rB" Type="t/worksheet" Target="worksheets/b.xml"/><Relationship Id="rS" Type="t/sharedStrings" Target="strings.xml"/></Relationships>"#,
        );
        part(
            "xl/worksheets/a.xml",
            "<worksheet><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>",
        );
        part("xl/worksheets/b.xml", &format!("<worksheet><dimension ref=\"A1:XFD1048576\"/><sheetData>{sheet}</sheetData></worksheet>"));
        part("xl/strings.xml", &format!("<sst>{strings}</sst>"));
        for i in 0..extra {
            part(&format!("x/{i}"), "x");
        }
        zip.finish().unwrap().into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::package;
    use super::*;

    fn cells(bytes: &[u8], limits: Limits) -> Result<Vec<Cell>, Refused> {
        let mut wb = Workbook::open(bytes, limits)?;
        let mut out = Vec::new();
        wb.for_each_cell(&mut |c| {
            out.push(c);
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_the_first_sheet_by_relationships_with_every_kind_of_cell() {
        let sheet = r#"<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="inlineStr"><is><r><t>in</t></r><r><t>line &amp; &#x4E2D;</t></r><rPh><t>skip</t></rPh></is></c><c r="C2"><v>12.5</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="e"><v>#N/A</v></c><c r="F2" t="str"><f>A1&amp;"x"</f><v>vx</v></c><c r="G2" t="d"><v>2030-01-02T00:00:00</v></c><c r="H2" s="3"/></row><row><c><v>7</v></c><c t="s"><v>0</v></c></row>"#;
        let strings = "<si><t>zero_x000A_</t></si><si><r><t>o</t></r><r><t>ne</t></r></si>";
        let got = cells(&package(sheet, strings, 0), Limits::IMPORT).unwrap();
        let v: Vec<(String, Value, Option<String>)> = got
            .into_iter()
            .map(|c| (cell_name(c.row, c.col), c.value, c.formula))
            .collect();
        assert_eq!(
            v,
            vec![
                ("A2".into(), Value::Text("one".into()), None),
                ("B2".into(), Value::Text("inline & 中".into()), None),
                ("C2".into(), Value::Number(12.5), None),
                ("D2".into(), Value::Bool(true), None),
                ("E2".into(), Value::Error("#N/A".into()), None),
                (
                    "F2".into(),
                    Value::Text("vx".into()),
                    Some("=A1&\"x\"".into())
                ),
                ("G2".into(), Value::Date("2030-01-02T00:00:00".into()), None),
                ("A3".into(), Value::Number(7.0), None),
                ("B3".into(), Value::Text("zero\n".into()), None),
            ]
        );
    }

    #[test]
    fn every_limit_is_enforced_and_named() {
        let row = |r: u32| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#);
        let rows: String = (1..=50).map(row).collect();
        let small = Limits {
            entries: 10,
            meta_part_bytes: 4096,
            shared_strings_bytes: 4096,
            shared_strings: 3,
            sheet_bytes: 4096,
            event_bytes: 512,
            cell_chars: 20,
            cells: 40,
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (package("", "", 20), "more than 10 parts"),
            (package(&rows, "", 0), "more than 40 cells"),
            (
                package(&"<x/>".repeat(1200), "", 0),
                "sheet inflates to more than",
            ),
            (
                package(&format!("<!--{}-->", "a".repeat(40_000)), "", 0),
                "longer than 0 KiB",
            ),
            (
                package("", &"<si><t>s</t></si>".repeat(4), 0),
                "more than 3 strings",
            ),
            (
                package("", &format!("<si><t>{}</t></si>", "s".repeat(21)), 0),
                "more than 20 characters",
            ),
            (
                package(
                    &format!(
                        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>{}</t></is></c></row>"#,
                        "s".repeat(21)
                    ),
                    "",
                    0,
                ),
                "cell A1 holds more than 20",
            ),
            (
                package("", &"<x/>".repeat(1200), 0),
                "shared-string table inflates to more than",
            ),
            (
                package(r#"<row r="3"/><row r="2"/>"#, "", 0),
                "out of order",
            ),
            (
                package(r#"<row r="1"><c r="A2"><v>1</v></c></row>"#, "", 0),
                "not in its row",
            ),
            (
                package(r#"<row r="1"><c r="XFE1"><v>1</v></c></row>"#, "", 0),
                "past Excel's last row or column",
            ),
            (
                package(r#"<row r="1"><c r="A1" t="s"><v>9</v></c></row>"#, "", 0),
                "shared string 9",
            ),
            (
                package(r#"<row r="1"><c r="A1"><v>x</v></c></row>"#, "", 0),
                "not a number",
            ),
            (package("<row><c>", "", 0), "well-formed"),
            (b"not a zip".to_vec(), "not a readable .xlsx"),
        ];
        for (bytes, want) in cases {
            // the event cap is checked when the parser asks for more input: a long event
            // must pass one read buffer (16 KiB) before the sheet's own cap stops it
            let limits = if want.contains("KiB") {
                Limits {
                    sheet_bytes: 1 << 20,
                    ..small
                }
            } else {
                small
            };
            let got = match cells(&bytes, limits) {
                Ok(_) => panic!("accepted, wanted {want:?}"),
                Err(e) => e.0,
            };
            assert!(got.contains(want), "want {want:?}, got {got:?}");
        }
    }

    #[test]
    fn cell_references() {
        assert_eq!(parse_ref(b"A1"), Some((0, 0)));
        assert_eq!(parse_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_ref(b"XFE1"), None);
        assert_eq!(parse_ref(b"A1048577"), None);
        assert_eq!(parse_ref(b"A0"), None);
        assert_eq!(parse_ref(b"1"), None);
        assert_eq!(parse_ref(b"AB"), None);
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(6, 27), "AB7");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn relationship_targets() {
        assert_eq!(
            resolve("xl", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl", "/xl/sharedStrings.xml"),
            "xl/sharedStrings.xml"
        );
        assert_eq!(resolve("xl", "../xl/./a.xml"), "xl/a.xml");
        assert_eq!(resolve("", "xl/workbook.xml"), "xl/workbook.xml");
    }

    #[test]
    fn excel_escapes() {
        assert_eq!(unescape_ooxml("a_x001F_b".into()), "a\u{1f}b");
        assert_eq!(unescape_ooxml("_x005F_x0041_".into()), "_x0041_");
        assert_eq!(unescape_ooxml("_x00zz_ _x12_".into()), "_x00zz_ _x12_");
        assert_eq!(unescape_ooxml("研_x000A_发".into()), "研\n发");
    }
}
