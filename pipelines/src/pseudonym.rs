//! Pseudonymisation at the door: record-level identifiers (case references, report ids) are
//! replaced inside the adapter by HMAC-SHA256 under a key that comes from configuration or the
//! environment and is never stored. The same key maps the same identifier to the same token, so
//! records stay linkable across files without the identifier entering the warehouse.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{PipelineError, Result};

/// Environment variable that holds the key (named in the model: the warehouse says it too).
pub use marsad_model::KEY_ENV;

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
        let mut hex = [0u8; 32];
        self.token_into(identifier, &mut hex).to_string()
    }

    /// [`Self::token`] written into `out`, without allocating (adapters of millions of rows).
    pub fn token_into<'o>(&self, identifier: &str, out: &'o mut [u8; 32]) -> &'o str {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut mac = self.0.clone();
        mac.update(crate::formats::trim(identifier).as_bytes());
        let digest = mac.finalize().into_bytes();
        for (pair, byte) in out.chunks_exact_mut(2).zip(&digest[..16]) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 0xf)];
        }
        // Hex digits are ASCII: this never fails.
        std::str::from_utf8(out).unwrap_or_default()
    }
}

/// Tokenises a file's record identifiers and remembers them, so that a second row with the same
/// identifier is rejected (shown by its token: the raw identifier never leaves the adapter).
pub struct UniqueTokens<'k> {
    key: &'k PseudonymKey,
    column: &'static str,
    label: &'static str,
    seen: std::collections::HashMap<String, crate::formats::Position>,
}

impl<'k> UniqueTokens<'k> {
    /// `column` names the identifier in quarantine rows, `label` in reasons ("case reference").
    pub fn new(key: &'k PseudonymKey, column: &'static str, label: &'static str) -> Self {
        UniqueTokens {
            key,
            column,
            label,
            seen: Default::default(),
        }
    }

    /// The token of `identifier` at `at`; an empty or repeated identifier adds its rejection to
    /// `bad` (the token is still returned for a repeat, `None` for an empty one).
    pub fn token(
        &mut self,
        at: &crate::formats::Position,
        identifier: &str,
        bad: &mut Vec<crate::report::QuarantineRow>,
    ) -> Option<String> {
        use crate::output::rejected;
        if identifier.trim().is_empty() {
            bad.push(rejected(
                at,
                self.column,
                None,
                format!("no {}", self.label),
            ));
            return None;
        }
        let token = self.key.token(identifier);
        match self.seen.get(&token) {
            Some(first) => bad.push(rejected(
                at,
                self.column,
                Some(&token),
                format!(
                    "duplicate {} (first at {first}); shown pseudonymised",
                    self.label
                ),
            )),
            None => {
                self.seen.insert(token.clone(), at.clone());
            }
        }
        Some(token)
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
    fn repeated_and_empty_identifiers_are_rejected() {
        use crate::formats::Position;
        let key = PseudonymKey::new(b"0123456789abcdef-key-a").unwrap();
        let mut ids = UniqueTokens::new(&key, "report_id", "report id");
        let mut bad = Vec::new();
        let a = ids.token(&Position::Line(2), "E-1", &mut bad);
        assert_eq!(a, Some(key.token("E-1")));
        assert!(bad.is_empty());
        ids.token(&Position::Line(3), "E-1", &mut bad);
        assert_eq!(ids.token(&Position::Line(4), " ", &mut bad), None);
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0].position, "line 3");
        assert!(
            bad[0].reason.contains("first at line 2"),
            "{}",
            bad[0].reason
        );
        assert_eq!(bad[0].value.as_deref(), a.as_deref());
        assert_eq!(bad[1].reason, "no report id");
    }

    #[test]
    fn short_keys_are_refused() {
        let err = PseudonymKey::new(b"short").unwrap_err().to_string();
        assert!(err.contains(KEY_ENV), "{err}");
    }
}
