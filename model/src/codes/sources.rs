//! The sources: every feed Marsad accepts, its name (on the command line, in `registry.raw_files`
//! and `source_feed`), its agency, what it holds and its accepted formats. `dim_source`'s rows;
//! the pipelines' feed registry (`Feed`) reads its names and descriptions from here. A source
//! also carries its **caveats**: what its figures count and do not count, in fr, ar and en, which
//! every indicator reading it shows beside its own (`marsad_indicators::catalog::Caveat`).

use serde::{Deserialize, Serialize};

/// What a caveat warns about: the unit counted (`unit`), what the figures cover (`coverage`), a
/// break in the series (`break`), or what they can be compared with (`comparability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaveatKind {
    Unit,
    Coverage,
    Break,
    Comparability,
}

impl CaveatKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaveatKind::Unit => "unit",
            CaveatKind::Coverage => "coverage",
            CaveatKind::Break => "break",
            CaveatKind::Comparability => "comparability",
        }
    }
}

/// A caveat of a source, in the three languages; `periods` empty: every period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceCaveat {
    pub kind: CaveatKind,
    pub periods: &'static [&'static str],
    pub fr: &'static str,
    pub ar: &'static str,
    pub en: &'static str,
}

/// A CyberTipline report is what NCMEC counts, whichever table or record carries it.
const NCMEC_REPORTS_ARE_NOT_VICTIMS: SourceCaveat = SourceCaveat {
    kind: CaveatKind::Unit,
    periods: &[],
    fr: "Un signalement CyberTipline est fait au NCMEC, pour l'essentiel par des fournisseurs de services en ligne : ce n'est ni une victime, ni un auteur, ni un incident. Un même incident peut donner plusieurs signalements, et un signalement peut concerner plusieurs enfants.",
    ar: "تبليغ CyberTipline يُقدَّم إلى المركز الوطني الأمريكي للأطفال المفقودين والمستغلين، في الغالب من طرف مزودي الخدمات عبر الإنترنت: ليس ضحية ولا جانيا ولا حادثة. قد تنتج عن حادثة واحدة عدة تبليغات، وقد يخص تبليغ واحد عدة أطفال.",
    en: "A CyberTipline report is made to NCMEC, mostly by online service providers: it is neither a victim, nor an offender, nor an incident. One incident may give several reports, and one report may concern several children.",
};

/// NCMEC's counts follow how much the platforms look for and report.
const NCMEC_DETECTION_PRACTICE: SourceCaveat = SourceCaveat {
    kind: CaveatKind::Comparability,
    periods: &[],
    fr: "Le nombre de signalements suit les pratiques de détection et de signalement des fournisseurs (détection automatique, regroupement de signalements, chiffrement) : une variation d'une année à l'autre ne mesure pas à elle seule une variation des abus.",
    ar: "يتبع عدد التبليغات ممارسات الكشف والتبليغ لدى مزودي الخدمات (الكشف الآلي، تجميع التبليغات، التشفير): لا يقيس التغير من سنة إلى أخرى وحده تغيرا في حجم الاعتداءات.",
    en: "The number of reports moves with the providers' detection and reporting practice (automated detection, bundling of reports, encryption): a change from one year to the next does not by itself measure a change in abuse.",
};

/// One feed, as `dim_source` and `marsad feeds` describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The feed's name: `pmp-case-table`, `emc-reports`, …
    pub feed: &'static str,
    pub agency: &'static str,
    pub description: &'static str,
    pub formats: &'static str,
    /// What its figures count and do not count (shown with every indicator reading it).
    pub caveats: &'static [SourceCaveat],
}

/// The by-country table places a report by the location of the upload, not of the child.
const NCMEC_ATTRIBUTION: SourceCaveat = SourceCaveat {
    kind: CaveatKind::Coverage,
    periods: &[],
    fr: "Un signalement est attribué au Maroc d'après la localisation que le NCMEC déduit pour la personne qui a téléversé le contenu (par exemple son adresse IP) ; il ne dit rien du lieu où vit l'enfant.",
    ar: "يُنسب التبليغ إلى المغرب حسب الموقع الذي يستنتجه المركز للشخص الذي رفع المحتوى (مثلا عنوان IP)؛ ولا يدل على مكان عيش الطفل.",
    en: "A report is attributed to Morocco by the location NCMEC derives for the person who uploaded the content (e.g. an IP address); it says nothing of where the child lives.",
};

/// The national reporting portal opened in 2021 (published-figures.csv: "national reporting
/// portal launched 2021").
const EMC_FIRST_YEAR: SourceCaveat = SourceCaveat {
    kind: CaveatKind::Break,
    periods: &["2021"],
    fr: "2021 est la première année du portail national de signalement : ses chiffres ne se comparent pas à ceux des années suivantes.",
    ar: "سنة 2021 هي السنة الأولى لبوابة التبليغ الوطنية: لا تقارن أرقامها بأرقام السنوات اللاحقة.",
    en: "2021 is the first year of the national reporting portal: its figures do not compare with those of later years.",
};

/// Every feed, in the order of the pipelines' `Feed::ALL`.
pub const SOURCES: [Source; 8] = [
    Source {
        feed: "pmp-case-table",
        agency: "PMP",
        description: "yearly AESE case table (cases, persons prosecuted, outcomes)",
        formats: "csv, xlsx",
        caveats: &[],
    },
    Source {
        feed: "pmp-cases",
        agency: "PMP",
        description: "case-level export, one row per case",
        formats: "csv, xlsx",
        caveats: &[],
    },
    Source {
        feed: "pmp-victims-judged",
        agency: "PMP",
        description: "child victims whose case was judged, per year",
        formats: "csv, xlsx",
        caveats: &[],
    },
    Source {
        feed: "emc-reports",
        agency: "EMC",
        description: "helpline reports, one row per report",
        formats: "csv, jsonl",
        caveats: &[EMC_FIRST_YEAR],
    },
    Source {
        feed: "ncmec-country-table",
        agency: "NCMEC",
        description: "CyberTipline reports by country, one table per year",
        formats: "pdf, csv, xlsx",
        caveats: &[
            NCMEC_REPORTS_ARE_NOT_VICTIMS,
            NCMEC_DETECTION_PRACTICE,
            NCMEC_ATTRIBUTION,
        ],
    },
    Source {
        feed: "ncmec-referrals",
        agency: "NCMEC",
        description: "CyberTipline referrals made available to Moroccan law enforcement",
        formats: "csv",
        caveats: &[NCMEC_REPORTS_ARE_NOT_VICTIMS, NCMEC_DETECTION_PRACTICE],
    },
    Source {
        feed: "hcp-population",
        agency: "HCP",
        description: "population by region (and by sex and age group where given)",
        formats: "csv, xlsx",
        caveats: &[],
    },
    Source {
        feed: "hcp-survey",
        agency: "HCP",
        description: "survey microdata with its design description",
        formats: "csv, parquet (+ <name>.design.toml beside it)",
        caveats: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_caveats_are_complete_and_the_ncmec_ones_say_what_a_report_is() {
        for source in SOURCES {
            for c in source.caveats {
                for (lang, text) in [("fr", c.fr), ("ar", c.ar), ("en", c.en)] {
                    assert!(!text.trim().is_empty(), "{} {lang}", source.feed);
                }
            }
        }
        let ncmec = SOURCES
            .iter()
            .find(|s| s.feed == "ncmec-country-table")
            .unwrap();
        let kinds: Vec<&str> = ncmec.caveats.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["unit", "comparability", "coverage"]);
        assert!(ncmec.caveats[0]
            .en
            .contains("it is neither a victim, nor an offender, nor an incident"));
    }
}
