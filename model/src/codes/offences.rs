//! Offences and report categories as each source classifies them: `dim_offence`'s rows (the
//! first label is the name) and the lists the NCMEC referral and EMC report adapters map labels
//! to (compared exactly first, then after folding), and the penal-code articles the public
//! prosecution's case export cites. Each is mapped to ICCS in [`crate::codes::iccs`].

/// NCMEC's incident types: (code, the labels NCMEC has used for it, current label first).
pub const INCIDENT_TYPES: &[(&str, &[&str])] = &[
    (
        "csam",
        &[
            "Child Sexual Abuse Material",
            "Child Pornography (possession, manufacture, and distribution)",
            "Child Sexual Abuse Material (CSAM)",
            "Child Pornography",
            "Possession, Manufacture, and Distribution of Child Pornography",
            "Possession, Manufacture, and Distribution of Child Sexual Abuse Material",
            "Apparent Child Pornography",
            "CSAM",
            "CP",
        ],
    ),
    ("child_sex_trafficking", &["Child Sex Trafficking"]),
    ("child_sex_tourism", &["Child Sex Tourism"]),
    (
        "child_sexual_molestation",
        &[
            "Child Sexual Molestation",
            "Child Sexual Molestation (not by family member)",
            "Molestation",
        ],
    ),
    (
        "misleading_domain_name",
        &["Misleading Domain Name", "Misleading Domain Names"],
    ),
    (
        "misleading_words_or_images",
        &[
            "Misleading Words or Digital Images on the Internet",
            "Misleading Words or Digital Images",
            "Misleading Words or Images",
        ],
    ),
    (
        "online_enticement",
        &[
            "Online Enticement of Children for Sexual Acts",
            "Online Enticement",
            "Enticement",
        ],
    ),
    (
        "unsolicited_obscene_material",
        &[
            "Unsolicited Obscene Material Sent to a Child",
            "Unsolicited Obscene Material",
        ],
    ),
];

/// EMC report categories: (code, accepted labels).
pub const CATEGORIES: &[(&str, &[&str])] = &[
    (
        "cyberharassment",
        &[
            "cyberharassment",
            "Cyberharcèlement",
            "Cyber-harcèlement",
            "Harcèlement en ligne",
            "Cyberviolence",
            "التحرش الإلكتروني",
            "تحرش إلكتروني",
            "التنمر الإلكتروني",
            "Cyber harassment",
            "Online harassment",
        ],
    ),
    (
        "sextortion",
        &[
            "sextortion",
            "Sextorsion",
            "Chantage sexuel",
            "الابتزاز الجنسي",
            "ابتزاز جنسي",
            "Sexual extortion",
        ],
    ),
    (
        "non_consensual_sharing",
        &[
            "non_consensual_sharing",
            "Partage non consenti",
            "Diffusion non consentie",
            "Diffusion sans consentement",
            "Partage non consenti d'images intimes",
            "النشر دون موافقة",
            "نشر دون موافقة",
            "نشر صور دون موافقة",
            "Non-consensual sharing",
            "Non-consensual intimate image sharing",
            "NCII",
        ],
    ),
    (
        "csam_iwf",
        &[
            "csam_iwf",
            "Contenu pédosexuel (redirigé vers l'IWF)",
            "Contenu pédosexuel",
            "Contenu pédopornographique",
            "CASE (IWF)",
            "Redirigé vers l'IWF",
            "محتوى الاعتداء الجنسي على الأطفال",
            "محتوى استغلال جنسي للأطفال",
            "CSAM",
            "CSAM (IWF)",
            "CSAM (redirected to IWF portal)",
            "CSAM redirected to IWF",
            "Child sexual abuse material",
        ],
    ),
    (
        "other",
        &["other", "Autre", "Autres", "أخرى", "اخرى", "Others"],
    ),
];

/// Articles of the Moroccan penal code that AESE cases of the `pmp-cases` export cite, as the
/// adapter normalises them (`503-1`, `503-1-2`): (article, what it punishes, in French).
pub const PENAL_CODE_ARTICLES: &[(&str, &[&str])] = &[
    (
        "447-1",
        &["Captation, enregistrement ou diffusion de paroles ou d'images privées sans consentement"],
    ),
    ("484", &["Attentat à la pudeur sans violence sur un mineur"]),
    ("485", &["Attentat à la pudeur avec violence"]),
    (
        "497",
        &["Excitation, facilitation ou favorisation de la débauche ou de la corruption de mineurs"],
    ),
    ("498", &["Proxénétisme"]),
    ("503-1", &["Harcèlement sexuel par abus d'autorité"]),
    (
        "503-1-1",
        &["Harcèlement sexuel dans l'espace public ou par messages, y compris électroniques"],
    ),
    ("503-1-2", &["Harcèlement sexuel aggravé (auteur ayant autorité, victime mineure)"]),
    (
        "503-2",
        &["Provocation, incitation ou facilitation de l'exploitation d'enfants dans du matériel d'abus sexuel"],
    ),
];

/// A code list: (code, labels), the first label the name.
pub type Codes = &'static [(&'static str, &'static [&'static str])];

/// The offence lists by the feed (`dim_source`'s `feed`) that classifies them, as `dim_offence`
/// lists them.
pub const BY_SOURCE: [(&str, Codes); 3] = [
    ("ncmec-referrals", INCIDENT_TYPES),
    ("emc-reports", CATEGORIES),
    ("pmp-cases", PENAL_CODE_ARTICLES),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offence_source_is_a_feed() {
        for (feed, _) in BY_SOURCE {
            assert!(
                crate::codes::sources::SOURCES
                    .iter()
                    .any(|s| s.feed == feed),
                "{feed}"
            );
        }
    }
}
