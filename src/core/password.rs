//! Password hashing with argon2id. Hashing is slow on purpose: run it off the async threads.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::seq::SliceRandom;
use rand::Rng;

use super::Error;

pub async fn hash(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

pub async fn verify(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Spends the time of one check of `secret` against an argon2id hash no one has (made once
/// per process), so that a refusal for a user or credential that does not exist takes as
/// long as one for a wrong secret: timing does not tell which exist.
pub async fn verify_nothing(secret: &str) -> Result<(), Error> {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let hash = HASH.get_or_try_init(|| hash(generate())).await?.clone();
    verify(secret.to_string(), hash).await;
    Ok(())
}

/// A random password that the default password policy takes: 16 characters with all four
/// kinds.
pub fn generate() -> String {
    generate_len(16)
}

/// A random password that `policy` takes for the user `user_name`: as long as the policy's
/// minimum (16 at least), all four kinds, drawn again until every rule holds.
pub fn generate_for(policy: &super::policy::PasswordPolicy, user_name: &str) -> String {
    let len = policy.minimum_password_length.max(16) as usize;
    loop {
        let p = generate_len(len);
        if policy.check(&p, user_name).is_ok() {
            return p;
        }
    }
}

/// `len` (4 at least) random characters with all four kinds.
fn generate_len(len: usize) -> String {
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const OTHER: &[u8] = b"#%+-=@^_~!";
    let mut rng = rand::thread_rng();
    let all: Vec<u8> = [LOWER, UPPER, DIGIT, OTHER].concat();
    let mut chars: Vec<u8> = [LOWER, UPPER, DIGIT, OTHER]
        .iter()
        .map(|set| set[rng.gen_range(0..set.len())])
        .collect();
    while chars.len() < len {
        chars.push(all[rng.gen_range(0..all.len())]);
    }
    chars.shuffle(&mut rng);
    String::from_utf8(chars).expect("ascii")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("Secret#2024".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Secret#2024".into(), h.clone()).await);
        assert!(!verify("Secret#2025".into(), h).await);
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        for _ in 0..50 {
            let p = generate();
            crate::core::validate::password(&p, "someone").unwrap();
        }
    }
}
