//! Morocco's twelve regions (2015 division) with their ISO 3166-2:MA codes and names in French,
//! Arabic and English: `dim_region`'s rows and the list the pipelines' region rule maps to.

/// One region of the 2015 division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// ISO 3166-2:MA code, `MA-01` … `MA-12`.
    pub code: &'static str,
    pub name_fr: &'static str,
    pub name_ar: &'static str,
    pub name_en: &'static str,
}

/// The twelve regions in ISO (and HCP) order.
pub const REGIONS: [Region; 12] = [
    Region {
        code: "MA-01",
        name_fr: "Tanger-Tétouan-Al Hoceïma",
        name_ar: "طنجة تطوان الحسيمة",
        name_en: "Tangier-Tetouan-Al Hoceima",
    },
    Region {
        code: "MA-02",
        name_fr: "L'Oriental",
        name_ar: "الشرق",
        name_en: "Oriental",
    },
    Region {
        code: "MA-03",
        name_fr: "Fès-Meknès",
        name_ar: "فاس مكناس",
        name_en: "Fez-Meknes",
    },
    Region {
        code: "MA-04",
        name_fr: "Rabat-Salé-Kénitra",
        name_ar: "الرباط سلا القنيطرة",
        name_en: "Rabat-Sale-Kenitra",
    },
    Region {
        code: "MA-05",
        name_fr: "Béni Mellal-Khénifra",
        name_ar: "بني ملال خنيفرة",
        name_en: "Beni Mellal-Khenifra",
    },
    Region {
        code: "MA-06",
        name_fr: "Casablanca-Settat",
        name_ar: "الدار البيضاء سطات",
        name_en: "Casablanca-Settat",
    },
    Region {
        code: "MA-07",
        name_fr: "Marrakech-Safi",
        name_ar: "مراكش آسفي",
        name_en: "Marrakesh-Safi",
    },
    Region {
        code: "MA-08",
        name_fr: "Drâa-Tafilalet",
        name_ar: "درعة تافيلالت",
        name_en: "Draa-Tafilalet",
    },
    Region {
        code: "MA-09",
        name_fr: "Souss-Massa",
        name_ar: "سوس ماسة",
        name_en: "Souss-Massa",
    },
    Region {
        code: "MA-10",
        name_fr: "Guelmim-Oued Noun",
        name_ar: "كلميم واد نون",
        name_en: "Guelmim-Oued Noun",
    },
    Region {
        code: "MA-11",
        name_fr: "Laâyoune-Sakia El Hamra",
        name_ar: "العيون الساقية الحمراء",
        name_en: "Laayoune-Sakia El Hamra",
    },
    Region {
        code: "MA-12",
        name_fr: "Dakhla-Oued Ed-Dahab",
        name_ar: "الداخلة وادي الذهب",
        name_en: "Dakhla-Oued Ed-Dahab",
    },
];
