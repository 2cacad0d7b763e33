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
