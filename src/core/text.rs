//! Text shown to people in messages.

/// `s` in double quotes, as a person can read it: characters that cannot be seen or that
/// would garble a message (control and format characters, private-use and other
/// non-characters, line and paragraph separators, white space other than the plain space)
/// are written as `U+XXXX`; everything else, any script, as itself. For error messages
/// (Rust's `{:?}` escapes far more, e.g. `\u{f18d}`, which means nothing to a user).
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if unseen(c) {
            out.push_str(&format!("U+{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// A character a reader cannot see or that is not text.
fn unseen(c: char) -> bool {
    let u = c as u32;
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(u,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF
            | 0xE0000..=0xE0FFF)
        || (u & 0xFFFE) == 0xFFFE
        || (0xFDD0..=0xFDEF).contains(&u)
}

/// The one folding of searched and compared text: Unicode full default case folding
/// (CaseFolding.txt, statuses C and F; `caseless`) of the canonical decomposition, then
/// recomposed to NFC, i.e. the NFC form of the Unicode "canonical caseless" form
/// (Unicode 16, §3.13, D145). Folded, `ΚΑΣΑ`, `κασα` and `κας` agree (no context-dependent
/// final-sigma rule), `Straße` becomes `strasse` (lengths may change, which substring
/// matching on folded text on both sides does not mind), and canonically equivalent
/// spellings (`é` or `e` + U+0301) fold alike. Stored `*_fold` columns, unique names and
/// keywords all go through here; changing it needs a data step (`store::refold`).
pub fn fold(s: &str) -> String {
    use caseless::Caseless;
    use unicode_normalization::UnicodeNormalization;
    s.chars().nfd().default_case_fold().nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn quoted_shows_what_cannot_be_seen() {
        assert_eq!(quoted("Sales, East"), "\"Sales, East\"");
        assert_eq!(quoted("研发组 ΚΑΣΑ"), "\"研发组 ΚΑΣΑ\"");
        assert_eq!(quoted("a\u{f18d}b"), "\"aU+F18Db\"");
        assert_eq!(quoted("x\u{1f}y\n"), "\"xU+001FyU+000A\"");
        assert_eq!(quoted("a\u{200b}\u{3000}"), "\"aU+200BU+3000\"");
    }
}
