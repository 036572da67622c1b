//! Pseudonymisation at the door: record-level identifiers (case references, report ids) are
//! replaced inside the adapter by HMAC-SHA256 under a key that comes from configuration or the
//! environment and is never stored. The same key maps the same identifier to the same token, so
//! records stay linkable across files without the identifier entering the warehouse.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{PipelineError, Result};

/// Environment variable that holds the key.
pub const KEY_ENV: &str = "MARSAD_PSEUDONYM_KEY";

/// A pseudonymisation key (at least 16 bytes). Its `Debug` never prints the key.
#[derive(Clone)]
pub struct PseudonymKey(Hmac<Sha256>);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(…)")
    }
}

impl PseudonymKey {
    pub fn new(secret: &[u8]) -> Result<Self> {
        if secret.len() < 16 {
            return Err(PipelineError::Config(format!(
                "the pseudonymisation key must be at least 16 bytes (got {}); set {KEY_ENV}",
                secret.len()
            )));
        }
        Hmac::<Sha256>::new_from_slice(secret)
            .map(PseudonymKey)
            .map_err(|e| PipelineError::Config(format!("invalid pseudonymisation key: {e}")))
    }

    /// A fresh random key for a throw-away data directory (`marsad demo`); never written anywhere.
    pub fn ephemeral() -> Self {
        use rand::RngCore;
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        // 32 random bytes always satisfy `new`.
        PseudonymKey(Hmac::<Sha256>::new_from_slice(&secret).unwrap_or_else(|_| unreachable!()))
    }

    /// The token for one identifier: 32 hex characters (128 bits of the HMAC).
    /// The identifier is trimmed first, so `" C-12 "` and `"C-12"` are the same record.
    pub fn token(&self, identifier: &str) -> String {
        let mut mac = self.0.clone();
        mac.update(identifier.trim().as_bytes());
        let out = mac.finalize().into_bytes();
        hex::encode(&out[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_token_other_key_other_token() {
        let a = PseudonymKey::new(b"0123456789abcdef-key-a").unwrap();
        let b = PseudonymKey::new(b"0123456789abcdef-key-b").unwrap();
        assert_eq!(a.token("PMP-2023-0001"), a.token(" PMP-2023-0001 "));
        assert_ne!(a.token("PMP-2023-0001"), b.token("PMP-2023-0001"));
        assert_eq!(a.token("x").len(), 32);
        assert!(!a.token("PMP-2023-0001").contains("PMP"));
    }

    #[test]
    fn short_keys_are_refused() {
        let err = PseudonymKey::new(b"short").unwrap_err().to_string();
        assert!(err.contains(KEY_ENV), "{err}");
    }
}
