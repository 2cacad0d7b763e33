//! Sealing of stored secrets (access-key secrets) with a master key kept outside the
//! database: a leaked database file alone does not let anyone sign requests.
//!
//! AES-256-GCM, a random 96-bit nonce per secret, the access key as associated data (a sealed
//! secret copied to another key's row does not open). Stored as base64(nonce || ciphertext).

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rand::RngCore;

use crate::core::Error;

pub struct MasterKey {
    cipher: Aes256Gcm,
}

impl MasterKey {
    pub fn from_bytes(key: &[u8; 32]) -> Self {
        MasterKey {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// Reads the key (64 hex characters) from `path`, creating it with mode 0600 if missing.
    pub fn load_or_create(path: &Path) -> Result<Self, Error> {
        let io = |e: std::io::Error| Error::Internal(format!("master key {}: {e}", path.display()));
        if !path.exists() {
            if let Some(dir) = path.parent() {
                crate::store::private_dir(dir).map_err(io)?;
            }
            let mut key = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut key);
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            match opts.open(path) {
                Ok(mut f) => f.write_all(hex::encode(key).as_bytes()).map_err(io)?,
                // another process created it first: use theirs
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                Error::Internal(format!(
                    "master key {} must hold 64 hex characters",
                    path.display()
                ))
            })?;
        Ok(Self::from_bytes(&bytes))
    }

    pub fn seal(&self, secret: &str, bound_to: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: bound_to.as_bytes(),
                },
            )
            .expect("AES-GCM encryption does not fail for small inputs");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        B64.encode(out)
    }

    pub fn open(&self, sealed: &str, bound_to: &str) -> Result<String, Error> {
        let bad = || Error::Internal("a sealed secret does not open with this master key".into());
        let raw = B64.decode(sealed).map_err(|_| bad())?;
        if raw.len() < 12 {
            return Err(bad());
        }
        let (nonce, ct) = raw.split_at(12);
        let pt = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: bound_to.as_bytes(),
                },
            )
            .map_err(|_| bad())?;
        String::from_utf8(pt).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let k = MasterKey::from_bytes(&[7u8; 32]);
        let s = k.seal("secret", "AK1");
        assert!(!s.contains("secret"));
        assert_eq!(k.open(&s, "AK1").unwrap(), "secret");
        assert!(k.open(&s, "AK2").is_err(), "bound to its access key");
        assert!(MasterKey::from_bytes(&[8u8; 32]).open(&s, "AK1").is_err());
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("master.key");
        let a = MasterKey::load_or_create(&p).unwrap();
        let b = MasterKey::load_or_create(&p).unwrap();
        assert_eq!(b.open(&a.seal("x", "k"), "k").unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
