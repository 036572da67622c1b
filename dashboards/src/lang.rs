//! The three languages of the pages (French, Arabic, English): their codes, their writing
//! direction and the CLDR locale their numbers follow.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    Fr,
    Ar,
    En,
}

impl Lang {
    /// Every language, French first (the default page language).
    pub const ALL: [Lang; 3] = [Lang::Fr, Lang::Ar, Lang::En];

    /// The language code of URLs and `lang` attributes: `fr`, `ar`, `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }

    /// The CLDR locale whose number symbols the pages use: the Moroccan ones for French and
    /// Arabic (plain `fr` groups with a narrow space and plain `ar` with commas).
    pub fn locale(self) -> &'static str {
        match self {
            Lang::Fr => "fr-MA",
            Lang::Ar => "ar-MA",
            Lang::En => "en",
        }
    }

    /// The `dir` of a page in this language.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::Fr | Lang::En => "ltr",
        }
    }

    /// The language of a code (`fr`, `ar`, `en`); `None` for any other.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
