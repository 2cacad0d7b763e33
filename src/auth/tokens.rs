//! Self-contained tokens in the manner of Keystone's Fernet tokens: any node holding the key
//! set checks a token without a database lookup.
//!
//! token = key id (8 hex) || base64url(nonce(12) || AES-256-GCM(payload JSON)), no padding.
//! The key id is the associated data, so a token cannot be re-labelled to another key.
//! The payload names the user, account, scope, methods, issue and expiry times and a random
//! token id (what revocation records), and the application credential it was made with.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::core::directory::TokenKey;

/// What a token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "u")]
    Unscoped,
    #[serde(rename = "d")]
    Domain,
    #[serde(rename = "p")]
    Project(String),
    /// Keystone's system scope (`{"system": {"all": true}}`): the operator's.
    #[serde(rename = "s")]
    System,
}

/// The sealed contents of a token. Short field names: every byte travels in a header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    #[serde(rename = "u")]
    pub user_id: String,
    #[serde(rename = "a")]
    pub account_id: String,
    #[serde(rename = "s")]
    pub scope: Scope,
    #[serde(rename = "m")]
    pub methods: Vec<String>,
    /// Unix ms.
    #[serde(rename = "i")]
    pub issued_at: i64,
    /// Unix ms.
    #[serde(rename = "e")]
    pub expires_at: i64,
    #[serde(rename = "t")]
    pub token_id: String,
    /// The id of the application credential the token was made with (Keystone's
    /// `application_credential` method): it counts only that credential's roles, and is
    /// refused once the credential is gone or expired (`core::directory::application_credentials`).
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub application_credential: Option<String>,
}

/// Why a token was refused: safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("the token is malformed")]
    Malformed,
    /// The key id is not in the key set (yet, or any more): the caller may reload keys.
    #[error("the token was sealed with an unknown key")]
    UnknownKey(String),
    #[error("the token does not authenticate")]
    Forged,
}

const KEY_ID_LEN: usize = 8;

pub fn new_token_id() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    B64URL.encode(b)
}

/// Seals `claims` with `key` (the primary).
pub fn seal(claims: &Claims, key: &TokenKey) -> String {
    let cipher = Aes256Gcm::new((&key.secret).into());
    let mut nonce = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut nonce);
    let msg = serde_json::to_vec(claims).expect("claims serialise");
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &msg,
                aad: key.id.as_bytes(),
            },
        )
        .expect("AES-GCM encryption does not fail for small inputs");
    let mut raw = nonce.to_vec();
    raw.extend_from_slice(&ct);
    format!("{}{}", key.id, B64URL.encode(raw))
}

/// The key id a token names, if it is shaped like one of ours.
pub fn key_id(token: &str) -> Result<&str, Invalid> {
    let id = token.get(..KEY_ID_LEN).ok_or(Invalid::Malformed)?;
    if !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Invalid::Malformed);
    }
    Ok(id)
}

/// Opens a token with whichever key of `keys` it names. Expiry and revocation are the
/// caller's to check.
pub fn open(token: &str, keys: &[TokenKey]) -> Result<Claims, Invalid> {
    let id = key_id(token)?;
    let key = keys
        .iter()
        .find(|k| k.id == id)
        .ok_or_else(|| Invalid::UnknownKey(id.to_string()))?;
    let raw = B64URL
        .decode(&token[KEY_ID_LEN..])
        .map_err(|_| Invalid::Malformed)?;
    if raw.len() < 12 + 16 {
        return Err(Invalid::Malformed);
    }
    let (nonce, ct) = raw.split_at(12);
    let cipher = Aes256Gcm::new((&key.secret).into());
    let pt = cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: id.as_bytes(),
            },
        )
        .map_err(|_| Invalid::Forged)?;
    serde_json::from_slice(&pt).map_err(|_| Invalid::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, b: u8) -> TokenKey {
        TokenKey {
            id: id.into(),
            secret: [b; 32],
            created_at: 0,
        }
    }

    fn claims() -> Claims {
        Claims {
            user_id: "u1".into(),
            account_id: "a1".into(),
            scope: Scope::Project("p1".into()),
            methods: vec!["password".into()],
            issued_at: 1,
            expires_at: 2,
            token_id: new_token_id(),
            application_credential: None,
        }
    }

    #[test]
    fn an_application_credential_travels_in_the_token() {
        let k = key("0000cccc", 3);
        let c = Claims {
            application_credential: Some("0123456789abcdef0123456789abcdef".into()),
            ..claims()
        };
        assert_eq!(open(&seal(&c, &k), std::slice::from_ref(&k)).unwrap(), c);
        // a token of before (no such field) opens as one made without
        assert_eq!(
            open(&seal(&claims(), &k), &[k])
                .unwrap()
                .application_credential,
            None
        );
    }

    #[test]
    fn round_trip_with_any_key_of_the_set() {
        let (old, new) = (key("0000aaaa", 1), key("0000bbbb", 2));
        // a user id long enough that random ciphertext cannot contain it by chance ("u1"
        // turned up in about one token in 40)
        let c = Claims {
            user_id: "plaintext-user-id".into(),
            ..claims()
        };
        let t = seal(&c, &old);
        assert!(t.starts_with("0000aaaa"));
        assert!(!t.contains("plaintext-user-id"), "the payload is encrypted");
        assert_eq!(open(&t, &[new.clone(), old.clone()]).unwrap(), c);
        assert_eq!(
            open(&t, std::slice::from_ref(&new)),
            Err(Invalid::UnknownKey("0000aaaa".into()))
        );
    }

    #[test]
    fn tampering_is_detected() {
        let k = key("0000aaaa", 1);
        let t = seal(&claims(), &k);
        // another key under the same id
        assert_eq!(open(&t, &[key("0000aaaa", 9)]), Err(Invalid::Forged));
        // relabelled to another key id holding the same secret
        let relabelled = format!("0000cccc{}", &t[8..]);
        assert_eq!(
            open(&relabelled, &[key("0000cccc", 1)]),
            Err(Invalid::Forged)
        );
        // one character of the body changed
        let mut b = t.into_bytes();
        let i = b.len() - 5;
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(b).unwrap();
        assert!(open(&changed, std::slice::from_ref(&k)).is_err());
        assert_eq!(
            open("short", std::slice::from_ref(&k)),
            Err(Invalid::Malformed)
        );
        assert_eq!(open("zzzzzzzzAAAA", &[k]), Err(Invalid::Malformed));
    }
}
