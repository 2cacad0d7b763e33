//! Input rules shared by the faces. A face may add its own, stricter rules on top.

use super::Error;

pub const MAX_DESCRIPTION: usize = 255;
pub const MAX_GROUP_NAME: usize = 64;
pub const MAX_USER_NAME: usize = 64;
pub const MAX_KEYWORD: usize = 255;

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}

/// The directory-wide rule for user names: 1 to 64 characters, no control characters, no
/// surrounding blanks, not starting with a digit.
pub fn user_name(name: &str) -> Result<(), Error> {
    let n = name.chars().count();
    if n == 0 || n > MAX_USER_NAME {
        return Err(Error::InvalidName(format!(
            "user name must have 1 to {MAX_USER_NAME} characters"
        )));
    }
    if has_control(name) || name.trim() != name {
        return Err(Error::InvalidName(
            "user name must not contain control characters or surrounding blanks".into(),
        ));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(Error::InvalidName(
            "user name must not start with a digit".into(),
        ));
    }
    Ok(())
}

/// The Workspace rule for user names: 1 to 20 characters, letters (any script), digits, `_`
/// and `-` only, not starting with a digit.
pub fn workspace_user_name(name: &str) -> Result<(), Error> {
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
            "user_name must not contain special characters such as {c:?}"
        )));
    }
    if name.starts_with(|c: char| c.is_numeric()) {
        return Err(Error::InvalidName(
            "user_name must not start with a digit".into(),
        ));
    }
    Ok(())
}

/// Group names: 1 to 64 characters, not blank, no control characters.
pub fn group_name(name: &str) -> Result<(), Error> {
    let n = name.chars().count();
    if n == 0 || n > MAX_GROUP_NAME || name.trim().is_empty() {
        return Err(Error::InvalidName(format!(
            "group name must have 1 to {MAX_GROUP_NAME} characters and not be blank"
        )));
    }
    if has_control(name) {
        return Err(Error::InvalidName(
            "group name must not contain control characters".into(),
        ));
    }
    Ok(())
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
    // unique across accounts (see store::groups::key): a client may not take one.
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

pub fn text(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.chars().count() > max {
        return Err(Error::invalid(format!(
            "{field} must have at most {max} characters"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(())
}

pub fn email(value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Ok(());
    }
    let ok = value.len() <= 64
        && !value.contains(char::is_whitespace)
        && matches!(value.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.') && !d.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "user_email {value:?} is not an e-mail address"
        )))
    }
}

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
            "user_phone {value:?} is not a phone number"
        )))
    }
}

/// 8 to 32 characters, at least three of: lower case, upper case, digits, other
/// characters; must not contain the user name or its reverse.
pub fn password(password: &str, user_name: &str) -> Result<(), Error> {
    let n = password.chars().count();
    if !(8..=32).contains(&n) {
        return Err(Error::InvalidPassword(
            "password must have 8 to 32 characters".into(),
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace()),
    ];
    if classes.iter().filter(|b| **b).count() < 3 {
        return Err(Error::InvalidPassword(
            "password must contain at least three of: lower-case letters, upper-case letters, digits, special characters".into(),
        ));
    }
    let lower = password.to_lowercase();
    let name = user_name.to_lowercase();
    let reversed: String = name.chars().rev().collect();
    if !name.is_empty() && (lower.contains(&name) || lower.contains(&reversed)) {
        return Err(Error::InvalidPassword(
            "password must not contain the user name or its reverse".into(),
        ));
    }
    Ok(())
}

pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{field} must be one of {}",
            allowed.join(", ")
        )))
    }
}

/// A search keyword: at most 255 characters, no control characters.
pub fn keyword(kw: &str) -> Result<(), Error> {
    text("keyword", kw, MAX_KEYWORD)?;
    if kw.chars().any(|c| c.is_control()) {
        return Err(Error::invalid(
            "keyword must not contain control characters",
        ));
    }
    Ok(())
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
}
