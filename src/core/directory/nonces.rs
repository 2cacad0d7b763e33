//! Nonces of signed requests: each may be used once while its request is in the clock window.

use std::sync::atomic::{AtomicI64, Ordering};

use super::Directory;
use crate::core::{ids, Error};

/// How often a node forgets expired nonces (each node does; the delete is idempotent).
pub const NONCE_PURGE_INTERVAL_MS: i64 = 60_000;

/// Longest nonce accepted (the SDK sends 32 hex characters).
pub const MAX_NONCE: usize = 128;

static LAST_PURGE: AtomicI64 = AtomicI64::new(0);

impl Directory {
    /// Records the use of `nonce` with `access_key`, remembered until `expires_at` (Unix ms);
    /// false if it was used before (a replay), on this node or any other.
    pub async fn claim_nonce(
        &self,
        access_key: &str,
        nonce: &str,
        expires_at: i64,
    ) -> Result<bool, Error> {
        if nonce.is_empty() || nonce.len() > MAX_NONCE {
            return Err(Error::invalid(format!(
                "the signature nonce must have 1 to {MAX_NONCE} characters"
            )));
        }
        let (access_key, nonce) = (access_key.to_string(), nonce.to_string());
        let fresh = self
            .writing(move |tx| tx.claim_nonce(&access_key, &nonce, expires_at))
            .await?;
        let now = ids::now_ms();
        let last = LAST_PURGE.load(Ordering::Relaxed);
        if now - last >= NONCE_PURGE_INTERVAL_MS
            && LAST_PURGE
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            // the request itself is fine: a failed clean-up is only logged, the next one
            // (here or on another node) catches up
            match self.purge_nonces(now).await {
                Ok(purged) => tracing::debug!(purged, "expired signature nonces forgotten"),
                Err(e) => tracing::warn!(error = %e, "forgetting expired nonces failed"),
            }
        }
        Ok(fresh)
    }

    /// Forgets the nonces that expired before `now` (Unix ms); returns how many.
    pub async fn purge_nonces(&self, now: i64) -> Result<u64, Error> {
        self.writing(move |tx| tx.purge_nonces(now)).await
    }
}
