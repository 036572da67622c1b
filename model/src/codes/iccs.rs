//! The International Classification of Crime for Statistical Purposes (ICCS, version 1.0,
//! UNODC 2015) and the crosswalk from every offence code Marsad holds to it: NCMEC incident
//! types, EMC report categories and the penal-code articles of the prosecution's case export
//! ([`crate::codes::offences::BY_SOURCE`]). `dim_offence` carries the ICCS code of each row, so
//! indicators can be reported by ICCS for international comparison.
//!
//! Each mapping gives its reason and says when it is **partial**: the source's code also covers
//! acts that ICCS classes elsewhere, or fits its ICCS class only in part. A mapping to a parent
//! class (e.g. `0301` sexual violence) is not partial when the source does not distinguish the
//! children (rape from sexual assault): it is exact at that level.
//!
//! The labels are ICCS's own (English edition). Some are terms the Luxembourg Guidelines
//! discourage (030221 "Child pornography", 030222 "Child prostitution"); they are quoted as
//! labels of the classification, never used as Marsad's own words (see
//! `marsad_indicators::terminology`).

/// The ICCS codes the crosswalk uses, with their official English labels.
pub const CODES: &[(&str, &str)] = &[
    ("0204", "Trafficking in persons"),
    ("02041", "Trafficking in persons for sexual exploitation"),
    ("0205", "Coercion"),
    ("02051", "Extortion"),
    ("0208", "Acts intended to induce fear or emotional distress"),
    ("02081", "Harassment"),
    ("0211", "Acts that trespass against the person"),
    ("02111", "Invasion of privacy"),
    ("03", "Injurious acts of a sexual nature"),
    ("0301", "Sexual violence"),
    ("03011", "Rape"),
    ("03012", "Sexual assault"),
    ("0302", "Sexual exploitation"),
    ("03022", "Sexual exploitation of children"),
    ("030221", "Child pornography"),
    ("030222", "Child prostitution"),
    ("030223", "Sexual grooming of children"),
    ("030229", "Other acts of sexual exploitation of children"),
    ("0309", "Other injurious acts of a sexual nature"),
    ("11", "Other criminal acts not elsewhere classified"),
];

/// The official English label of an ICCS code the crosswalk uses.
pub fn label(code: &str) -> Option<&'static str> {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// One offence code of a source, mapped to ICCS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// The feed that classifies it (`dim_offence.source`).
    pub source: &'static str,
    /// Its code there (`dim_offence.offence_code`).
    pub offence_code: &'static str,
    /// The ICCS code it maps to (one of [`CODES`]).
    pub iccs: &'static str,
    /// The source's code fits the ICCS class only in part (see the module documentation).
    pub partial: bool,
    /// Why this class.
    pub reason: &'static str,
}

const fn map(
    source: &'static str,
    offence_code: &'static str,
    iccs: &'static str,
    partial: bool,
    reason: &'static str,
) -> Mapping {
    Mapping {
        source,
        offence_code,
        iccs,
        partial,
        reason,
    }
}

/// Every offence code of [`crate::codes::offences::BY_SOURCE`], mapped (a test holds it so).
pub const CROSSWALK: &[Mapping] = &[
    // NCMEC CyberTipline incident types (U.S. federal offences).
    map("ncmec-referrals", "csam", "030221", false,
        "Possession, manufacture and distribution of child sexual abuse material: the acts ICCS 030221 covers (creating, possessing, sharing, downloading such material)."),
    map("ncmec-referrals", "child_sex_trafficking", "02041", true,
        "18 U.S.C. 1591: recruiting, harbouring or transporting a child for commercial sex acts is trafficking for sexual exploitation (02041); benefiting from those acts without trafficking is ICCS 030222."),
    map("ncmec-referrals", "child_sex_tourism", "030229", true,
        "Sexual exploitation of children by travellers: ICCS has no class for the travel context; the acts are other sexual exploitation of children (030229), or 030222 when they involve payment for sexual acts."),
    map("ncmec-referrals", "child_sexual_molestation", "0301", false,
        "Sexual contact with a child (not by a family member): the type does not distinguish rape (03011) from sexual assault (03012), so the parent class, sexual violence."),
    map("ncmec-referrals", "misleading_domain_name", "0309", true,
        "18 U.S.C. 2252B: a domain name that deceives a person, or a minor, into viewing obscene material; ICCS has no class for it and its harm is of a sexual nature: the residual class 0309."),
    map("ncmec-referrals", "misleading_words_or_images", "0309", true,
        "18 U.S.C. 2252C: words or digital images embedded in a website to deceive a minor into viewing harmful material; as misleading domain names, the residual class 0309."),
    map("ncmec-referrals", "online_enticement", "030223", true,
        "Communicating with a child online to commit a sexual offence is sexual grooming (030223); NCMEC also counts sextortion of children under this type, which ICCS classes elsewhere (030221, 030229)."),
    map("ncmec-referrals", "unsolicited_obscene_material", "0309", false,
        "Sending obscene material to a child: an injurious act of a sexual nature that is neither sexual violence nor exploitation, the residual class 0309."),
    // EMC helpline report categories.
    map("emc-reports", "cyberharassment", "02081", true,
        "Online harassment is harassment (02081); the category also takes cyberviolence and bullying, and harassment of a sexual nature, which ICCS classes as sexual assault (03012)."),
    map("emc-reports", "sextortion", "02051", true,
        "Threatening to share sexual images unless the victim pays or complies is extortion (02051); when the victim is a child and the threat obtains sexual images of them, ICCS classes it as 030221."),
    map("emc-reports", "non_consensual_sharing", "02111", true,
        "Sharing intimate images without consent invades the person's privacy (02111); when the person shown is a child, the image is child sexual abuse material (030221)."),
    map("emc-reports", "csam_iwf", "030221", false,
        "Reports of child sexual abuse material, redirected to the IWF portal: ICCS 030221."),
    map("emc-reports", "other", "11", true,
        "EMC's residual category: its reports may belong to any section; ICCS's own residual section until EMC gives its content."),
    // Moroccan penal code articles cited in the prosecution's case export.
    map("pmp-cases", "447-1", "02111", false,
        "Capturing, recording or broadcasting private words or images of a person without consent: invasion of privacy."),
    map("pmp-cases", "484", "03012", false,
        "Indecent assault without violence on a minor, who cannot give valid consent: a sexual act not amounting to rape, sexual assault."),
    map("pmp-cases", "485", "03012", false,
        "Indecent assault with violence: sexual assault (aggravated when the victim is a child)."),
    map("pmp-cases", "497", "03022", false,
        "Inciting, favouring or facilitating the debauchery or corruption of minors: sexual exploitation of children; it spans 030222 and 030229, so their parent class."),
    map("pmp-cases", "498", "0302", false,
        "Procuring: sexual exploitation of a person of any age (of a child: 03022, aggravated by article 499), so the parent class."),
    map("pmp-cases", "503-1", "03012", true,
        "Sexual harassment by abuse of authority: ICCS places unwanted sexual attention without valid consent under sexual assault (03012); the harassment element also fits 02081."),
    map("pmp-cases", "503-1-1", "03012", true,
        "Sexual harassment in public spaces or by messages (electronic ones included): as 503-1, sexual assault, with a harassment element (02081)."),
    map("pmp-cases", "503-1-2", "03012", true,
        "Aggravated sexual harassment (by a person in authority, or of a minor): as 503-1."),
    map("pmp-cases", "503-2", "030221", false,
        "Provoking, inciting or facilitating the exploitation of children under 18 in any representation of sexual acts or of their sexual organs: ICCS 030221."),
];

/// The mapping of `offence_code` of `source`.
pub fn mapping(source: &str, offence_code: &str) -> Option<&'static Mapping> {
    CROSSWALK
        .iter()
        .find(|m| m.source == source && m.offence_code == offence_code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::offences::BY_SOURCE;

    #[test]
    fn every_offence_code_is_mapped_once_to_a_known_iccs_code() {
        let mut covered = 0;
        for (source, codes) in BY_SOURCE {
            for (code, _) in codes {
                let found: Vec<_> = CROSSWALK
                    .iter()
                    .filter(|m| m.source == source && m.offence_code == *code)
                    .collect();
                assert_eq!(found.len(), 1, "{source} {code}: {found:?}");
                assert!(label(found[0].iccs).is_some(), "{source} {code}");
                assert!(!found[0].reason.is_empty(), "{source} {code}");
                covered += 1;
            }
        }
        // No mapping of a code that no list holds.
        assert_eq!(covered, CROSSWALK.len());
        assert_eq!(covered, 8 + 5 + 9);
        assert_eq!(mapping("ncmec-referrals", "csam").unwrap().iccs, "030221");
        assert_eq!(
            mapping("ncmec-referrals", "online_enticement")
                .unwrap()
                .iccs,
            "030223"
        );
        assert_eq!(mapping("pmp-cases", "503-2").unwrap().iccs, "030221");
        assert!(mapping("emc-reports", "sextortion").unwrap().partial);
        assert_eq!(label("030221"), Some("Child pornography"));
    }

    #[test]
    fn codes_are_listed_once_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for (code, label) in CODES {
            assert!(seen.insert(*code), "{code} twice");
            // ICCS codes: a two-digit section, then two digits, then one, then one.
            assert!(
                matches!(code.len(), 2 | 4 | 5 | 6) && code.bytes().all(|b| b.is_ascii_digit()),
                "{code}"
            );
            assert!(!label.is_empty());
        }
        // Every code used is listed.
        for m in CROSSWALK {
            assert!(label(m.iccs).is_some(), "{}", m.iccs);
        }
    }
}
