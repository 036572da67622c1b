//! Sex as SDMX codes it (`M`, `F`, `_U`), with names in French, Arabic and English: `dim_sex`'s
//! rows and the codes the pipelines' sex rule maps to.

/// SDMX code for male.
pub const MALE: &str = "M";
/// SDMX code for female.
pub const FEMALE: &str = "F";
/// SDMX code for unknown.
pub const UNKNOWN: &str = "_U";

/// Every sex code with its names: (code, French, Arabic, English).
pub const SEXES: [(&str, &str, &str, &str); 3] = [
    (MALE, "Masculin", "ذكور", "Male"),
    (FEMALE, "Féminin", "إناث", "Female"),
    (UNKNOWN, "Non précisé", "غير محدد", "Unknown"),
];
