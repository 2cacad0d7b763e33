//! Identifiers, secrets and clocks.

use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;

/// A new 32-character lower-case hex id, like the clouds' own: 48 bits of Unix milliseconds
/// then 80 random bits. Ids made later sort later, so new rows land at the right edge of
/// every index on them instead of all over it (the reason UUIDv7 exists).
pub fn new_id() -> String {
    let mut bytes = rand::thread_rng().gen::<[u8; 16]>();
    bytes[..6].copy_from_slice(&now_ms().to_be_bytes()[2..]);
    hex::encode(bytes)
}

/// A new access key: 20 upper-case letters and digits, like Huawei's AKs.
pub fn new_access_key() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// A new secret key: 40 letters and digits.
pub fn new_secret_key() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 40)
}

/// Whether `id` looks like one of ours: 32 lower-case hex characters.
pub fn is_hex_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `yyyy-MM-ddTHH:mm:ss.SSSZ`, the Workspace face's time format.
pub fn iso_ms(ms: i64) -> String {
    // chrono's RFC 3339 writer, not `format("%Y-..")`: the format string would be parsed
    // again for every timestamp of every listed row
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Parses an RFC 3339 / ISO 8601 time (with or without zone, `Z` assumed) into Unix ms.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), fmt) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    None
}

/// Whether `id` has the shape of the ids Roster makes (`ids::new_id`: 32 lower-case hex
/// digits). Clients may not choose ids of this shape (`core::validate::chosen_id`).
pub fn is_generated(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_cloud_shape() {
        let id = new_id();
        assert!(is_hex_id(&id), "{id}");
        assert_ne!(new_id(), id);
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(new_id() > id, "later ids sort later");
        assert!(!is_hex_id("0123456789ABCDEF0123456789abcdef"));
        let ak = new_access_key();
        assert_eq!(ak.len(), 20);
        assert!(ak
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_eq!(new_secret_key().len(), 40);
    }

    #[test]
    fn times_round_trip() {
        assert_eq!(iso_ms(1_676_428_025_000), "2023-02-15T02:27:05.000Z");
        // the RFC 3339 writer gives what the strftime pattern it replaced gave
        for ms in [
            0,
            -1,
            999,
            1_676_428_025_123,
            -62_135_596_800_000,
            253_402_300_799_999,
        ] {
            let t = chrono::DateTime::from_timestamp_millis(ms).unwrap();
            assert_eq!(iso_ms(ms), t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        }
        assert_eq!(
            parse_time_ms("2023-02-15T02:27:05.000Z"),
            Some(1_676_428_025_000)
        );
        assert_eq!(
            parse_time_ms("2023-02-15 02:27:05"),
            Some(1_676_428_025_000)
        );
        assert_eq!(parse_time_ms("yesterday"), None);
    }
}

/// Declares a domain id: a `String` that says what it names, so an account id cannot be
/// passed where a user id is wanted. It reads as the `str` it holds (`Deref`, `as_str`,
/// `Display`), compares with text, and is made from text (`From`): no check, since an id
/// is any text a store or a client gave (32 lower-case hex digits when Roster made it,
/// [`new_id`]; a Quick BI client may choose a group's). No serde: faces and stores go
/// through `as_str` and `From`.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(String);

        impl $name {
            /// A new id made by Roster ([`new_id`]).
            pub fn generate() -> Self {
                $name(new_id())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                $name(s.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

id_type!(
    /// An account's id (a Keystone domain id).
    AccountId
);
id_type!(
    /// A project's id (the `{project_id}` of Workspace paths; a Keystone project id).
    ProjectId
);
id_type!(
    /// A user's id, unique across accounts.
    UserId
);
id_type!(
    /// A group's public id: unique within its account only (a Quick BI client may choose
    /// one another account chose too); the store keys it per account (`store::groups::key`).
    GroupId
);

#[cfg(test)]
mod id_tests {
    use super::*;

    #[test]
    fn ids_read_and_compare_as_their_text() {
        let u = UserId::from("u1");
        assert_eq!(u, "u1");
        assert_eq!(u.as_str(), "u1");
        assert_eq!(&*u, "u1");
        assert_eq!(u.to_string(), "u1");
        assert_eq!(String::from(u.clone()), "u1");
        let text = String::from("u1");
        assert!("u1" == u && text == u);
        assert_eq!(u, text);
        let made = GroupId::generate();
        assert!(is_hex_id(&made));
        let mut set = std::collections::HashSet::new();
        set.insert(AccountId::from("a"));
        assert!(set.contains("a"));
    }
}
