//! Input rules shared by the faces. A face may add its own, stricter rules on top.
//!
//! **Text on the way in.** Every text field a caller writes is put in Unicode Normalization
//! Form C first ([`nfc`]; UAX #15), so canonically equivalent spellings (`é` precomposed, or
//! `e` + U+0301) are stored alike, and the rules below count and check the normalized text.
//! Then each field is checked against one of three character classes (the reason for each:
//! what a stored value must survive is JSON, the workbook export — XML 1.0, which cannot
//! hold most C0 controls nor U+FFFE/U+FFFF — and the import that reads it back):
//!
//! - **names** (user and group names): no control character (`Cc`: C0, DEL, C1), no line or
//!   paragraph separator (U+2028, U+2029), no noncharacter, no invisible format character
//!   (`Cf`, such as U+200B, U+FEFF, bidirectional controls; U+200C/U+200D, which some
//!   scripts and emoji need, are allowed), and no white space (`char::is_whitespace`: also
//!   U+00A0, U+3000, ...) at either end. Inner spaces are allowed.
//! - **single-line text** (e-mail, phone, nick name, domain, ids, ...): no control character,
//!   separator or noncharacter; format characters are allowed.
//! - **multi-line text** (descriptions): as single-line text, but a line feed (U+000A) is
//!   allowed; it exports and imports back intact. Carriage returns and tabs are refused.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::Error;

pub const MAX_DESCRIPTION: usize = 255;
pub const MAX_GROUP_NAME: usize = 64;
pub const MAX_USER_NAME: usize = 64;
pub const MAX_KEYWORD: usize = 255;

/// `s` in Unicode Normalization Form C (borrowed when it already is, the common case).
pub fn nfc(s: &str) -> Cow<'_, str> {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.chars().nfc().collect()),
    }
}

/// Puts `s` in Normalization Form C in place (no allocation when it already is).
pub fn normalize(s: &mut String) {
    if let Cow::Owned(n) = nfc(s) {
        *s = n;
    }
}

/// Which characters a field may hold; see the module's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Name,
    Line,
    MultiLine,
}

fn is_noncharacter(c: char) -> bool {
    let u = c as u32;
    (0xFDD0..=0xFDEF).contains(&u) || u & 0xFFFE == 0xFFFE
}

/// Why `c` may not be in a field of `class`, or `None` when it may.
fn refused(c: char, class: Class) -> Option<&'static str> {
    match c {
        '\n' if class == Class::MultiLine => None,
        '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Some("a line break"),
        c if c.is_control() => Some("a control character"),
        c if is_noncharacter(c) => Some("a Unicode noncharacter"),
        '\u{200C}' | '\u{200D}' => None,
        c if class == Class::Name && c.general_category() == GeneralCategory::Format => {
            Some("an invisible format character")
        }
        _ => None,
    }
}

/// The first character of `value` that a field of `class` may not hold, as a message.
fn bad_char(field: &str, value: &str, class: Class) -> Option<String> {
    value.chars().find_map(|c| {
        refused(c, class).map(|why| format!("{field} must not contain U+{:04X} ({why})", c as u32))
    })
}

/// A name's characters and ends (names of users and groups).
fn name_chars(what: &str, name: &str) -> Result<(), Error> {
    if let Some(msg) = bad_char(what, name, Class::Name) {
        return Err(Error::InvalidName(msg));
    }
    if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        return Err(Error::InvalidName(format!(
            "{what} must not start or end with white space"
        )));
    }
    Ok(())
}

/// The directory-wide rule for user names (NFC): 1 to 64 characters, the name characters
/// of the module's documentation, no white space at either end, not starting with a digit.
pub fn user_name(name: &str) -> Result<(), Error> {
    let n = name.chars().count();
    if n == 0 || n > MAX_USER_NAME {
        return Err(Error::InvalidName(format!(
            "user name must have 1 to {MAX_USER_NAME} characters"
        )));
    }
    name_chars("user name", name)?;
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(Error::InvalidName(
            "user name must not start with a digit".into(),
        ));
    }
    Ok(())
}

/// The Workspace rule for user names: 1 to 20 characters, letters (any script), digits, `_`
/// and `-` only, not starting with a digit. Checked on the NFC form (a letter typed as base
/// letter + combining accent is one letter).
pub fn workspace_user_name(name: &str) -> Result<(), Error> {
    let name = nfc(name);
    let name = name.as_ref();
    let n = name.chars().count();
    if n == 0 || n > 20 {
        return Err(Error::InvalidName(
            "user_name must have 1 to 20 characters".into(),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(Error::InvalidName(format!(
            "user_name must not contain special characters such as {}",
            super::text::quoted(&c.to_string())
        )));
    }
    if name.starts_with(|c: char| c.is_numeric()) {
        return Err(Error::InvalidName(
            "user_name must not start with a digit".into(),
        ));
    }
    Ok(())
}

/// Group names (NFC): 1 to 64 characters, the name characters of the module's
/// documentation, no white space at either end (`OpsX ` and `OpsX\u{3000}` are refused, not
/// trimmed: a caller learns that its name was not taken as sent).
pub fn group_name(name: &str) -> Result<(), Error> {
    let n = name.chars().count();
    if n == 0 || n > MAX_GROUP_NAME || name.trim().is_empty() {
        return Err(Error::InvalidName(format!(
            "group name must have 1 to {MAX_GROUP_NAME} characters and not be blank"
        )));
    }
    name_chars("group name", name)
}

/// A caller-chosen group id: 1 to 64 of `A-Za-z0-9-_`, not a negative number (Quick BI's root
/// is `-1`) and not 32 lower-case hex digits (the ids Roster makes).
pub fn chosen_id(id: &str) -> Result<(), Error> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::invalid(
            "a chosen id must have 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'",
        ));
    }
    // Quick BI's root is "-1" (aliyun-quickbi.md): negative numbers are its markers, never
    // a group. 32 lower-case hex digits is the shape of the ids Roster makes, which are
    // unique across accounts (see store::common::key): a client may not take one.
    if id
        .strip_prefix('-')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::invalid(format!(
            "{id} is reserved (-1 is the root of the group tree)"
        )));
    }
    if id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(Error::invalid(
            "a chosen id must not be 32 lower-case hex digits (the shape of the ids Roster makes)",
        ));
    }
    Ok(())
}

/// Single-line text (NFC): at most `max` characters of the single-line class of the
/// module's documentation. Errors name `field`.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.chars().count() > max {
        return Err(Error::invalid(format!(
            "{field} must have at most {max} characters"
        )));
    }
    match bad_char(field, value, Class::Line) {
        Some(msg) => Err(Error::invalid(msg)),
        None => Ok(()),
    }
}

/// A description (NFC): at most `MAX_DESCRIPTION` characters of the multi-line class (line
/// feeds allowed, no other control character).
pub fn description(value: &str) -> Result<(), Error> {
    description_of_at_most(value, MAX_DESCRIPTION)
}

/// A description of at most `max` characters, of the multi-line class (where a face's
/// reference allows more than `MAX_DESCRIPTION`: Keystone's application credentials).
pub fn description_of_at_most(value: &str, max: usize) -> Result<(), Error> {
    if value.chars().count() > max {
        return Err(Error::invalid(format!(
            "description must have at most {max} characters"
        )));
    }
    match bad_char("description", value, Class::MultiLine) {
        Some(msg) => Err(Error::invalid(msg)),
        None => Ok(()),
    }
}

/// An e-mail address, or empty: at most 64 bytes, single-line characters, no white
/// space, one `@` with something before it and a dotted domain after it.
pub fn email(value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Ok(());
    }
    if let Some(msg) = bad_char("user_email", value, Class::Line) {
        return Err(Error::invalid(msg));
    }
    let ok = value.len() <= 64
        && !value.contains(char::is_whitespace)
        && matches!(value.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.') && !d.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "user_email {} is not an e-mail address",
            super::text::quoted(value)
        )))
    }
}

/// A phone number, or empty: at most 32 bytes of ASCII digits (3 or more), `+`, `-`,
/// space and parentheses.
pub fn phone(value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Ok(());
    }
    let digits = value.chars().filter(|c| c.is_ascii_digit()).count();
    let ok = value.len() <= 32
        && digits >= 3
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "user_phone {} is not a phone number",
            super::text::quoted(value)
        )))
    }
}

/// The default password policy (`core::policy::PasswordPolicy::default`): 8 to 32
/// characters, at least three of: lower case, upper case, digits, other characters; must not
/// contain the user name or its reverse. An account's own policy may say otherwise.
pub fn password(password: &str, user_name: &str) -> Result<(), Error> {
    super::policy::PasswordPolicy::default().check(password, user_name)
}

pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(not_one_of(field, allowed))
    }
}

/// The refusal of a value of `field` that is none of `allowed` (`one_of`'s message).
pub fn not_one_of(field: &str, allowed: &[&str]) -> Error {
    Error::invalid(format!("{field} must be one of {}", allowed.join(", ")))
}

/// A name given to look something up by (an exact-name filter, a login name, a group named
/// in an import row): at most 255 characters of the single-line class. No stored name can
/// hold anything else, and PostgreSQL cannot even take a NUL as a parameter: refusing here
/// makes such input a 400, not a fault. `field` names it in the message.
pub fn lookup_name(field: &str, name: &str) -> Result<(), Error> {
    text(field, name, MAX_KEYWORD)
}

/// A search keyword: at most 255 characters, no control character, separator or
/// noncharacter (no stored text can contain them, so such a keyword is a caller's mistake).
pub fn keyword(kw: &str) -> Result<(), Error> {
    text("keyword", kw, MAX_KEYWORD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_user_names() {
        for ok in ["alice", "张伟", "a_b-c", "Zoë2", "x"] {
            assert!(workspace_user_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1alice",
            "a b",
            "a@b",
            "abcdefghijklmnopqrstu",
            "a.b",
            "a%b",
            "\u{1}",
        ] {
            assert!(workspace_user_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords() {
        assert!(password("Secret#2024", "alice").is_ok());
        assert!(password("short1A", "alice").is_err());
        assert!(password("alllowercase", "alice").is_err());
        assert!(password("Alice#2024xx", "alice").is_err());
        assert!(password("ecila#2024XX", "alice").is_err());
    }

    #[test]
    fn emails_and_phones() {
        assert!(email("a@b.cn").is_ok());
        assert!(email("").is_ok());
        for bad in ["a", "a@b", "@b.cn", "a b@c.cn", "a@.cn"] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(phone("+86 138-0000-0000").is_ok());
        assert!(phone("call me").is_err());
    }

    /// Every control character (C0, DEL, C1), the separators and the noncharacters are
    /// refused in every kind of field; a line feed only in descriptions.
    #[test]
    fn control_characters_are_refused_everywhere() {
        let specials = (0u32..0x20)
            .chain(0x7F..0xA0)
            .chain([0x2028, 0x2029, 0xFFFE, 0xFFFF, 0xFDD0, 0x1FFFF])
            .map(|u| char::from_u32(u).unwrap());
        for c in specials {
            let s = format!("first{c}last");
            let mail = format!("first{c}last@example.com");
            assert!(user_name(&s).is_err(), "{c:?}");
            assert!(group_name(&s).is_err(), "{c:?}");
            assert!(email(&mail).is_err(), "{c:?}");
            assert!(phone(&format!("138{c}0000")).is_err(), "{c:?}");
            assert!(text("alias_name", &s, 64).is_err(), "{c:?}");
            assert!(keyword(&s).is_err(), "{c:?}");
            assert_eq!(description(&s).is_ok(), c == '\n', "{c:?}");
        }
        assert!(description("line one\nline two").is_ok());
    }

    #[test]
    fn names_refuse_surrounding_white_space_and_invisible_characters() {
        for bad in [
            "OpsX ",
            " OpsX",
            "OpsX\u{3000}",
            "\u{a0}OpsX",
            "OpsX\u{2003}",
            "Ops\u{200b}X",
            "\u{feff}OpsX",
            "Ops\u{202e}X",
            "Ops\u{2028}X",
        ] {
            assert!(group_name(bad).is_err(), "{bad:?}");
            assert!(user_name(bad).is_err(), "{bad:?}");
        }
        for ok in [
            "OpsX",
            "Ops X",
            "研发　一部",
            "ΚΑΣΑ-x",
            "Café",
            "\u{644}\u{200c}\u{627}",
        ] {
            assert!(group_name(ok).is_ok(), "{ok:?}");
        }
        // format characters are fine outside names
        assert!(text("alias_name", "Ops\u{200b}X", 64).is_ok());
    }

    #[test]
    fn nfc_is_canonical() {
        assert_eq!(nfc("Cafe\u{301}"), "Caf\u{e9}");
        assert!(matches!(nfc("Caf\u{e9}"), Cow::Borrowed(_)));
        let mut s = String::from("Cafe\u{301}");
        normalize(&mut s);
        assert_eq!(s, "Caf\u{e9}");
        assert!(workspace_user_name("Jose\u{301}").is_ok());
    }
}
