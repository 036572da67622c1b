//! The Model National Response (WeProtect Global Alliance): its 6 sectors and 20 capacities,
//! numbered as the catalogue's `[mnr]` tables number them, with their names in the three
//! languages (`assets/mnr.toml`, embedded).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::{DashboardError, Result};
use crate::lang::Lang;

const ASSET: &str = include_str!("../../assets/mnr.toml");

/// A sector or a capacity: its number and names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub number: u8,
    /// The sector of a capacity (absent for a sector).
    #[serde(default)]
    pub sector: Option<u8>,
    fr: String,
    ar: String,
    en: String,
}

impl Entry {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::Ar => &self.ar,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mnr {
    #[serde(rename = "sector")]
    pub sectors: Vec<Entry>,
    #[serde(rename = "capacity")]
    pub capacities: Vec<Entry>,
}

/// The sectors and capacities (parsed once).
pub fn mnr() -> Result<&'static Mnr> {
    static MNR: OnceLock<std::result::Result<Mnr, String>> = OnceLock::new();
    MNR.get_or_init(|| toml::from_str(ASSET).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|message| DashboardError::Asset {
            file: "mnr.toml".to_string(),
            message: message.clone(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_sectors_and_twenty_capacities_numbered_in_order() {
        let m = mnr().unwrap();
        assert_eq!(m.sectors.len(), 6);
        assert_eq!(m.capacities.len(), 20);
        for (i, c) in m.capacities.iter().enumerate() {
            assert_eq!(c.number as usize, i + 1);
            assert!(m.sectors.iter().any(|s| Some(s.number) == c.sector));
        }
        assert_eq!(m.capacities[9].name(Lang::En), "Child helpline");
        assert_eq!(
            m.capacities[9].name(Lang::Fr),
            "Ligne d'assistance téléphonique pour enfants"
        );
        assert_eq!(m.sectors[1].name(Lang::Ar), "العدالة الجنائية");
    }
}
