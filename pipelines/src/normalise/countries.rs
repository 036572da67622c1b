//! Country names → ISO 3166-1 alpha-2 codes, said once for every feed that names countries
//! (NCMEC's CyberTipline tables by country, referral exports).
//!
//! [`parse_country`] accepts the ISO 3166-1 English short names, their official and common
//! forms, the alpha-2 and alpha-3 codes written in capitals, and the spellings NCMEC publishes
//! (`Bahrain/Bahrein`, `Burma/Myanmar`, `Cote d'Ivoire (Ivory Coast)`, `Gambia, The`,
//! `Eretria`, `Sierre Leone`, `Turks and Calcos Islands`, `Saint BarthØlemy`, …). Names are
//! compared after [`fold`] (case, accents, punctuation), `&` reads as `and`, `St`/`St.` as
//! `Saint`, and a leading `The` is ignored. When a name is not known as written, these forms are
//! tried in turn: the inverted form of `A, B` or `A (B)` (`Korea, Republic of` → `Republic of
//! Korea`); each side of a `/` (all sides that are known must agree); the name without its
//! parenthesis and the parenthesis alone (again, they must agree). `Korea` alone is ambiguous and
//! is refused, never guessed.
//!
//! Markers of "no country" (`No Country Listed`, `Null`, `null*`, `Unknown`, …) give `Ok(None)`.
//!
//! Two codes outside ISO 3166-1 are accepted because NCMEC lists them: `XK` (Kosovo, the
//! user-assigned code used by the European Commission, the IMF and the UN's statistical work)
//! and `AN` (Netherlands Antilles, deleted from ISO 3166-1 in 2010 and transitionally reserved;
//! NCMEC's 2019 table still has a row for it). Western Sahara is `EH` as in ISO 3166-1: the
//! figures stay as published and are never added to another row.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::normalise::fold;

/// One ISO 3166-1 entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2.
    pub code: &'static str,
    /// ISO 3166-1 alpha-3.
    pub alpha3: &'static str,
    /// English short name (ISO 3166-1).
    pub name: &'static str,
    /// Official and common English names, when they differ from the short name.
    pub official: &'static [&'static str],
}

/// Codes outside ISO 3166-1 that NCMEC tables use (see the module documentation).
pub const EXTRA_CODES: &[Country] = &[
    Country {
        code: "XK",
        alpha3: "XKX",
        name: "Kosovo",
        official: &["Republic of Kosovo"],
    },
    Country {
        code: "AN",
        alpha3: "ANT",
        name: "Netherlands Antilles",
        official: &[],
    },
];

/// Other spellings, as NCMEC and other sources write them, with their alpha-2 code. Compared
/// after the same folding as the names.
pub const VARIANTS: &[(&str, &str)] = &[
    // NCMEC's own spellings (2019 and 2023 tables), typos included as published.
    ("Aland Islands", "AX"),
    ("Bahrein", "BH"),
    ("Brunei", "BN"),
    ("Burma", "MM"),
    ("Myanmar (Burma)", "MM"),
    ("Cape Verde", "CV"),
    ("Cape Verde Islands", "CV"),
    ("Caribbean Netherlands", "BQ"),
    ("Bonaire", "BQ"),
    ("Ivory Coast", "CI"),
    ("Cote d'Ivoire (Ivory Coast)", "CI"),
    ("Eretria", "ER"),
    ("Falkland Islands", "FK"),
    ("Malvinas", "FK"),
    ("Micronesia", "FM"),
    ("French Southern and Antarctic Lands", "TF"),
    ("French Southern and Antartic Lands", "TF"),
    ("Gambia, The", "GM"),
    ("Korea, South", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea, North", "KP"),
    ("Laos", "LA"),
    ("Lao PDR", "LA"),
    ("Macau", "MO"),
    ("Macedonia", "MK"),
    ("Macedonia, The Former Yugoslav Republic of", "MK"),
    ("The Former Yugoslav Republic of Macedonia", "MK"),
    ("FYROM", "MK"),
    ("Palestinian Territory", "PS"),
    ("Palestinian Territories", "PS"),
    ("Palestinian Territory, Occupied", "PS"),
    ("Occupied Palestinian Territory", "PS"),
    ("Palestine", "PS"),
    ("West Bank and Gaza", "PS"),
    ("Pitcairn Islands", "PN"),
    ("Pitcairn, Henderson, Ducie, and Oeno", "PN"),
    ("Pitcairn, Henderson, Ducie and Oeno Islands", "PN"),
    ("Rumania", "RO"),
    ("Russia", "RU"),
    ("Saint BarthØlemy", "BL"),
    ("Saint Bartelemey", "BL"),
    ("Saint Barthelemy", "BL"),
    ("Saint Barts", "BL"),
    ("Saint Helena", "SH"),
    ("Saint Martin", "MF"),
    ("Sint Maarten", "SX"),
    ("Sierre Leone", "SL"),
    ("Surinam", "SR"),
    ("Svalbard", "SJ"),
    ("Svalbard and Jan Mayen Islands", "SJ"),
    ("Swaziland", "SZ"),
    ("Turkey", "TR"),
    ("Turks and Calcos Islands", "TC"),
    ("US Virgin Islands", "VI"),
    ("U.S. Virgin Islands", "VI"),
    ("United States Virgin Islands", "VI"),
    ("Vatican", "VA"),
    ("Vatican City", "VA"),
    ("Vatican City State", "VA"),
    ("Holy See", "VA"),
    ("Vietnam", "VN"),
    ("Yemen Arab Republic", "YE"),
    ("Wallis and Futuna Islands", "WF"),
    ("Cocos Islands", "CC"),
    ("Keeling Islands", "CC"),
    ("Heard and McDonald Islands", "HM"),
    ("South Georgia and South Sandwich Islands", "GS"),
    ("United States Minor Outlying Islands", "UM"),
    ("US Minor Outlying Islands", "UM"),
    // Common English forms.
    ("Bosnia-Herzegovina", "BA"),
    ("Bosnia", "BA"),
    ("Czech Republic", "CZ"),
    ("Democratic Republic of the Congo", "CD"),
    ("Democratic Republic of Congo", "CD"),
    ("Congo, Democratic Republic of the", "CD"),
    ("Congo, Dem. Rep.", "CD"),
    ("Congo (Kinshasa)", "CD"),
    ("DR Congo", "CD"),
    ("DRC", "CD"),
    ("Zaire", "CD"),
    ("Republic of the Congo", "CG"),
    ("Congo, Republic of the", "CG"),
    ("Congo, Rep.", "CG"),
    ("Congo (Brazzaville)", "CG"),
    ("Congo-Brazzaville", "CG"),
    ("East Timor", "TL"),
    ("Timor Leste", "TL"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("UK", "GB"),
    ("U.K.", "GB"),
    ("Holland", "NL"),
    ("Republic of Ireland", "IE"),
    ("USA", "US"),
    ("U.S.", "US"),
    ("U.S.A.", "US"),
    ("United States of America", "US"),
    ("UAE", "AE"),
    ("U.A.E.", "AE"),
    ("Emirates", "AE"),
    ("Libyan Arab Jamahiriya", "LY"),
    ("Syrian Arab Republic", "SY"),
    ("Iran (Islamic Republic of)", "IR"),
    ("Venezuela (Bolivarian Republic of)", "VE"),
    ("Bolivia (Plurinational State of)", "BO"),
    ("Tanzania, United Republic of", "TZ"),
    ("Moldova, Republic of", "MD"),
    ("Republic of Moldova", "MD"),
    ("Vatican City State (Holy See)", "VA"),
    ("Sao Tome", "ST"),
    ("St Kitts", "KN"),
    ("Saint Kitts", "KN"),
    ("Saint Vincent", "VC"),
    ("Saint Vincent and Grenadines", "VC"),
    ("Antigua", "AG"),
    ("Trinidad", "TT"),
    ("Hong Kong SAR", "HK"),
    ("Hong Kong, China", "HK"),
    ("Macao SAR", "MO"),
    ("Macao, China", "MO"),
    ("Taiwan, Republic of China", "TW"),
    ("Republic of China (Taiwan)", "TW"),
    ("Chinese Taipei", "TW"),
    ("Mainland China", "CN"),
    ("Curacao", "CW"),
    ("Reunion", "RE"),
    ("Kyrgyz Republic", "KG"),
    ("Slovak Republic", "SK"),
    // French and Arabic names of Morocco, for tables a steward retyped.
    ("Maroc", "MA"),
    ("المغرب", "MA"),
    ("المملكة المغربية", "MA"),
];

/// Markers of a row whose reports have no country (compared after folding).
pub const NO_COUNTRY: &[&str] = &[
    "No Country Listed",
    "No Country",
    "No Country Specified",
    "No Country Provided",
    "Country Not Listed",
    "Country Unknown",
    "Unknown Country",
    "Unknown",
    "Null",
    "None",
    "N/A",
    "Not Available",
    "Not Specified",
    "Unspecified",
    "Undetermined",
    "Not Determined",
    "No Location",
    "No Location Listed",
];

/// ISO 3166-1: all 249 entries (alpha-2, alpha-3, English short name; official and common names
/// where they differ), from the ISO 3166 Maintenance Agency's list as Debian's iso-codes 4.15
/// publishes it. One entry a line.
#[rustfmt::skip]
pub const ISO_3166_1: &[Country] = &[
    Country { code: "AD", alpha3: "AND", name: "Andorra", official: &["Principality of Andorra"] },
    Country { code: "AE", alpha3: "ARE", name: "United Arab Emirates", official: &[] },
    Country { code: "AF", alpha3: "AFG", name: "Afghanistan", official: &["Islamic Republic of Afghanistan"] },
    Country { code: "AG", alpha3: "ATG", name: "Antigua and Barbuda", official: &[] },
    Country { code: "AI", alpha3: "AIA", name: "Anguilla", official: &[] },
    Country { code: "AL", alpha3: "ALB", name: "Albania", official: &["Republic of Albania"] },
    Country { code: "AM", alpha3: "ARM", name: "Armenia", official: &["Republic of Armenia"] },
    Country { code: "AO", alpha3: "AGO", name: "Angola", official: &["Republic of Angola"] },
    Country { code: "AQ", alpha3: "ATA", name: "Antarctica", official: &[] },
    Country { code: "AR", alpha3: "ARG", name: "Argentina", official: &["Argentine Republic"] },
    Country { code: "AS", alpha3: "ASM", name: "American Samoa", official: &[] },
    Country { code: "AT", alpha3: "AUT", name: "Austria", official: &["Republic of Austria"] },
    Country { code: "AU", alpha3: "AUS", name: "Australia", official: &[] },
    Country { code: "AW", alpha3: "ABW", name: "Aruba", official: &[] },
    Country { code: "AX", alpha3: "ALA", name: "Åland Islands", official: &[] },
    Country { code: "AZ", alpha3: "AZE", name: "Azerbaijan", official: &["Republic of Azerbaijan"] },
    Country { code: "BA", alpha3: "BIH", name: "Bosnia and Herzegovina", official: &["Republic of Bosnia and Herzegovina"] },
    Country { code: "BB", alpha3: "BRB", name: "Barbados", official: &[] },
    Country { code: "BD", alpha3: "BGD", name: "Bangladesh", official: &["People's Republic of Bangladesh"] },
    Country { code: "BE", alpha3: "BEL", name: "Belgium", official: &["Kingdom of Belgium"] },
    Country { code: "BF", alpha3: "BFA", name: "Burkina Faso", official: &[] },
    Country { code: "BG", alpha3: "BGR", name: "Bulgaria", official: &["Republic of Bulgaria"] },
    Country { code: "BH", alpha3: "BHR", name: "Bahrain", official: &["Kingdom of Bahrain"] },
    Country { code: "BI", alpha3: "BDI", name: "Burundi", official: &["Republic of Burundi"] },
    Country { code: "BJ", alpha3: "BEN", name: "Benin", official: &["Republic of Benin"] },
    Country { code: "BL", alpha3: "BLM", name: "Saint Barthélemy", official: &[] },
    Country { code: "BM", alpha3: "BMU", name: "Bermuda", official: &[] },
    Country { code: "BN", alpha3: "BRN", name: "Brunei Darussalam", official: &[] },
    Country { code: "BO", alpha3: "BOL", name: "Bolivia, Plurinational State of", official: &["Plurinational State of Bolivia", "Bolivia"] },
    Country { code: "BQ", alpha3: "BES", name: "Bonaire, Sint Eustatius and Saba", official: &[] },
    Country { code: "BR", alpha3: "BRA", name: "Brazil", official: &["Federative Republic of Brazil"] },
    Country { code: "BS", alpha3: "BHS", name: "Bahamas", official: &["Commonwealth of the Bahamas"] },
    Country { code: "BT", alpha3: "BTN", name: "Bhutan", official: &["Kingdom of Bhutan"] },
    Country { code: "BV", alpha3: "BVT", name: "Bouvet Island", official: &[] },
    Country { code: "BW", alpha3: "BWA", name: "Botswana", official: &["Republic of Botswana"] },
    Country { code: "BY", alpha3: "BLR", name: "Belarus", official: &["Republic of Belarus"] },
    Country { code: "BZ", alpha3: "BLZ", name: "Belize", official: &[] },
    Country { code: "CA", alpha3: "CAN", name: "Canada", official: &[] },
    Country { code: "CC", alpha3: "CCK", name: "Cocos (Keeling) Islands", official: &[] },
    Country { code: "CD", alpha3: "COD", name: "Congo, The Democratic Republic of the", official: &[] },
    Country { code: "CF", alpha3: "CAF", name: "Central African Republic", official: &[] },
    Country { code: "CG", alpha3: "COG", name: "Congo", official: &["Republic of the Congo"] },
    Country { code: "CH", alpha3: "CHE", name: "Switzerland", official: &["Swiss Confederation"] },
    Country { code: "CI", alpha3: "CIV", name: "Côte d'Ivoire", official: &["Republic of Côte d'Ivoire"] },
    Country { code: "CK", alpha3: "COK", name: "Cook Islands", official: &[] },
    Country { code: "CL", alpha3: "CHL", name: "Chile", official: &["Republic of Chile"] },
    Country { code: "CM", alpha3: "CMR", name: "Cameroon", official: &["Republic of Cameroon"] },
    Country { code: "CN", alpha3: "CHN", name: "China", official: &["People's Republic of China"] },
    Country { code: "CO", alpha3: "COL", name: "Colombia", official: &["Republic of Colombia"] },
    Country { code: "CR", alpha3: "CRI", name: "Costa Rica", official: &["Republic of Costa Rica"] },
    Country { code: "CU", alpha3: "CUB", name: "Cuba", official: &["Republic of Cuba"] },
    Country { code: "CV", alpha3: "CPV", name: "Cabo Verde", official: &["Republic of Cabo Verde"] },
    Country { code: "CW", alpha3: "CUW", name: "Curaçao", official: &[] },
    Country { code: "CX", alpha3: "CXR", name: "Christmas Island", official: &[] },
    Country { code: "CY", alpha3: "CYP", name: "Cyprus", official: &["Republic of Cyprus"] },
    Country { code: "CZ", alpha3: "CZE", name: "Czechia", official: &["Czech Republic"] },
    Country { code: "DE", alpha3: "DEU", name: "Germany", official: &["Federal Republic of Germany"] },
    Country { code: "DJ", alpha3: "DJI", name: "Djibouti", official: &["Republic of Djibouti"] },
    Country { code: "DK", alpha3: "DNK", name: "Denmark", official: &["Kingdom of Denmark"] },
    Country { code: "DM", alpha3: "DMA", name: "Dominica", official: &["Commonwealth of Dominica"] },
    Country { code: "DO", alpha3: "DOM", name: "Dominican Republic", official: &[] },
    Country { code: "DZ", alpha3: "DZA", name: "Algeria", official: &["People's Democratic Republic of Algeria"] },
    Country { code: "EC", alpha3: "ECU", name: "Ecuador", official: &["Republic of Ecuador"] },
    Country { code: "EE", alpha3: "EST", name: "Estonia", official: &["Republic of Estonia"] },
    Country { code: "EG", alpha3: "EGY", name: "Egypt", official: &["Arab Republic of Egypt"] },
    Country { code: "EH", alpha3: "ESH", name: "Western Sahara", official: &[] },
    Country { code: "ER", alpha3: "ERI", name: "Eritrea", official: &["the State of Eritrea"] },
    Country { code: "ES", alpha3: "ESP", name: "Spain", official: &["Kingdom of Spain"] },
    Country { code: "ET", alpha3: "ETH", name: "Ethiopia", official: &["Federal Democratic Republic of Ethiopia"] },
    Country { code: "FI", alpha3: "FIN", name: "Finland", official: &["Republic of Finland"] },
    Country { code: "FJ", alpha3: "FJI", name: "Fiji", official: &["Republic of Fiji"] },
    Country { code: "FK", alpha3: "FLK", name: "Falkland Islands (Malvinas)", official: &[] },
    Country { code: "FM", alpha3: "FSM", name: "Micronesia, Federated States of", official: &["Federated States of Micronesia"] },
    Country { code: "FO", alpha3: "FRO", name: "Faroe Islands", official: &[] },
    Country { code: "FR", alpha3: "FRA", name: "France", official: &["French Republic"] },
    Country { code: "GA", alpha3: "GAB", name: "Gabon", official: &["Gabonese Republic"] },
    Country { code: "GB", alpha3: "GBR", name: "United Kingdom", official: &["United Kingdom of Great Britain and Northern Ireland"] },
    Country { code: "GD", alpha3: "GRD", name: "Grenada", official: &[] },
    Country { code: "GE", alpha3: "GEO", name: "Georgia", official: &[] },
    Country { code: "GF", alpha3: "GUF", name: "French Guiana", official: &[] },
    Country { code: "GG", alpha3: "GGY", name: "Guernsey", official: &[] },
    Country { code: "GH", alpha3: "GHA", name: "Ghana", official: &["Republic of Ghana"] },
    Country { code: "GI", alpha3: "GIB", name: "Gibraltar", official: &[] },
    Country { code: "GL", alpha3: "GRL", name: "Greenland", official: &[] },
    Country { code: "GM", alpha3: "GMB", name: "Gambia", official: &["Republic of the Gambia"] },
    Country { code: "GN", alpha3: "GIN", name: "Guinea", official: &["Republic of Guinea"] },
    Country { code: "GP", alpha3: "GLP", name: "Guadeloupe", official: &[] },
    Country { code: "GQ", alpha3: "GNQ", name: "Equatorial Guinea", official: &["Republic of Equatorial Guinea"] },
    Country { code: "GR", alpha3: "GRC", name: "Greece", official: &["Hellenic Republic"] },
    Country { code: "GS", alpha3: "SGS", name: "South Georgia and the South Sandwich Islands", official: &[] },
    Country { code: "GT", alpha3: "GTM", name: "Guatemala", official: &["Republic of Guatemala"] },
    Country { code: "GU", alpha3: "GUM", name: "Guam", official: &[] },
    Country { code: "GW", alpha3: "GNB", name: "Guinea-Bissau", official: &["Republic of Guinea-Bissau"] },
    Country { code: "GY", alpha3: "GUY", name: "Guyana", official: &["Republic of Guyana"] },
    Country { code: "HK", alpha3: "HKG", name: "Hong Kong", official: &["Hong Kong Special Administrative Region of China"] },
    Country { code: "HM", alpha3: "HMD", name: "Heard Island and McDonald Islands", official: &[] },
    Country { code: "HN", alpha3: "HND", name: "Honduras", official: &["Republic of Honduras"] },
    Country { code: "HR", alpha3: "HRV", name: "Croatia", official: &["Republic of Croatia"] },
    Country { code: "HT", alpha3: "HTI", name: "Haiti", official: &["Republic of Haiti"] },
    Country { code: "HU", alpha3: "HUN", name: "Hungary", official: &[] },
    Country { code: "ID", alpha3: "IDN", name: "Indonesia", official: &["Republic of Indonesia"] },
    Country { code: "IE", alpha3: "IRL", name: "Ireland", official: &[] },
    Country { code: "IL", alpha3: "ISR", name: "Israel", official: &["State of Israel"] },
    Country { code: "IM", alpha3: "IMN", name: "Isle of Man", official: &[] },
    Country { code: "IN", alpha3: "IND", name: "India", official: &["Republic of India"] },
    Country { code: "IO", alpha3: "IOT", name: "British Indian Ocean Territory", official: &[] },
    Country { code: "IQ", alpha3: "IRQ", name: "Iraq", official: &["Republic of Iraq"] },
    Country { code: "IR", alpha3: "IRN", name: "Iran, Islamic Republic of", official: &["Islamic Republic of Iran", "Iran"] },
    Country { code: "IS", alpha3: "ISL", name: "Iceland", official: &["Republic of Iceland"] },
    Country { code: "IT", alpha3: "ITA", name: "Italy", official: &["Italian Republic"] },
    Country { code: "JE", alpha3: "JEY", name: "Jersey", official: &[] },
    Country { code: "JM", alpha3: "JAM", name: "Jamaica", official: &[] },
    Country { code: "JO", alpha3: "JOR", name: "Jordan", official: &["Hashemite Kingdom of Jordan"] },
    Country { code: "JP", alpha3: "JPN", name: "Japan", official: &[] },
    Country { code: "KE", alpha3: "KEN", name: "Kenya", official: &["Republic of Kenya"] },
    Country { code: "KG", alpha3: "KGZ", name: "Kyrgyzstan", official: &["Kyrgyz Republic"] },
    Country { code: "KH", alpha3: "KHM", name: "Cambodia", official: &["Kingdom of Cambodia"] },
    Country { code: "KI", alpha3: "KIR", name: "Kiribati", official: &["Republic of Kiribati"] },
    Country { code: "KM", alpha3: "COM", name: "Comoros", official: &["Union of the Comoros"] },
    Country { code: "KN", alpha3: "KNA", name: "Saint Kitts and Nevis", official: &[] },
    Country { code: "KP", alpha3: "PRK", name: "Korea, Democratic People's Republic of", official: &["Democratic People's Republic of Korea", "North Korea"] },
    Country { code: "KR", alpha3: "KOR", name: "Korea, Republic of", official: &["South Korea"] },
    Country { code: "KW", alpha3: "KWT", name: "Kuwait", official: &["State of Kuwait"] },
    Country { code: "KY", alpha3: "CYM", name: "Cayman Islands", official: &[] },
    Country { code: "KZ", alpha3: "KAZ", name: "Kazakhstan", official: &["Republic of Kazakhstan"] },
    Country { code: "LA", alpha3: "LAO", name: "Lao People's Democratic Republic", official: &["Laos"] },
    Country { code: "LB", alpha3: "LBN", name: "Lebanon", official: &["Lebanese Republic"] },
    Country { code: "LC", alpha3: "LCA", name: "Saint Lucia", official: &[] },
    Country { code: "LI", alpha3: "LIE", name: "Liechtenstein", official: &["Principality of Liechtenstein"] },
    Country { code: "LK", alpha3: "LKA", name: "Sri Lanka", official: &["Democratic Socialist Republic of Sri Lanka"] },
    Country { code: "LR", alpha3: "LBR", name: "Liberia", official: &["Republic of Liberia"] },
    Country { code: "LS", alpha3: "LSO", name: "Lesotho", official: &["Kingdom of Lesotho"] },
    Country { code: "LT", alpha3: "LTU", name: "Lithuania", official: &["Republic of Lithuania"] },
    Country { code: "LU", alpha3: "LUX", name: "Luxembourg", official: &["Grand Duchy of Luxembourg"] },
    Country { code: "LV", alpha3: "LVA", name: "Latvia", official: &["Republic of Latvia"] },
    Country { code: "LY", alpha3: "LBY", name: "Libya", official: &[] },
    Country { code: "MA", alpha3: "MAR", name: "Morocco", official: &["Kingdom of Morocco"] },
    Country { code: "MC", alpha3: "MCO", name: "Monaco", official: &["Principality of Monaco"] },
    Country { code: "MD", alpha3: "MDA", name: "Moldova, Republic of", official: &["Republic of Moldova", "Moldova"] },
    Country { code: "ME", alpha3: "MNE", name: "Montenegro", official: &[] },
    Country { code: "MF", alpha3: "MAF", name: "Saint Martin (French part)", official: &[] },
    Country { code: "MG", alpha3: "MDG", name: "Madagascar", official: &["Republic of Madagascar"] },
    Country { code: "MH", alpha3: "MHL", name: "Marshall Islands", official: &["Republic of the Marshall Islands"] },
    Country { code: "MK", alpha3: "MKD", name: "North Macedonia", official: &["Republic of North Macedonia"] },
    Country { code: "ML", alpha3: "MLI", name: "Mali", official: &["Republic of Mali"] },
    Country { code: "MM", alpha3: "MMR", name: "Myanmar", official: &["Republic of Myanmar"] },
    Country { code: "MN", alpha3: "MNG", name: "Mongolia", official: &[] },
    Country { code: "MO", alpha3: "MAC", name: "Macao", official: &["Macao Special Administrative Region of China"] },
    Country { code: "MP", alpha3: "MNP", name: "Northern Mariana Islands", official: &["Commonwealth of the Northern Mariana Islands"] },
    Country { code: "MQ", alpha3: "MTQ", name: "Martinique", official: &[] },
    Country { code: "MR", alpha3: "MRT", name: "Mauritania", official: &["Islamic Republic of Mauritania"] },
    Country { code: "MS", alpha3: "MSR", name: "Montserrat", official: &[] },
    Country { code: "MT", alpha3: "MLT", name: "Malta", official: &["Republic of Malta"] },
    Country { code: "MU", alpha3: "MUS", name: "Mauritius", official: &["Republic of Mauritius"] },
    Country { code: "MV", alpha3: "MDV", name: "Maldives", official: &["Republic of Maldives"] },
    Country { code: "MW", alpha3: "MWI", name: "Malawi", official: &["Republic of Malawi"] },
    Country { code: "MX", alpha3: "MEX", name: "Mexico", official: &["United Mexican States"] },
    Country { code: "MY", alpha3: "MYS", name: "Malaysia", official: &[] },
    Country { code: "MZ", alpha3: "MOZ", name: "Mozambique", official: &["Republic of Mozambique"] },
    Country { code: "NA", alpha3: "NAM", name: "Namibia", official: &["Republic of Namibia"] },
    Country { code: "NC", alpha3: "NCL", name: "New Caledonia", official: &[] },
    Country { code: "NE", alpha3: "NER", name: "Niger", official: &["Republic of the Niger"] },
    Country { code: "NF", alpha3: "NFK", name: "Norfolk Island", official: &[] },
    Country { code: "NG", alpha3: "NGA", name: "Nigeria", official: &["Federal Republic of Nigeria"] },
    Country { code: "NI", alpha3: "NIC", name: "Nicaragua", official: &["Republic of Nicaragua"] },
    Country { code: "NL", alpha3: "NLD", name: "Netherlands", official: &["Kingdom of the Netherlands"] },
    Country { code: "NO", alpha3: "NOR", name: "Norway", official: &["Kingdom of Norway"] },
    Country { code: "NP", alpha3: "NPL", name: "Nepal", official: &["Federal Democratic Republic of Nepal"] },
    Country { code: "NR", alpha3: "NRU", name: "Nauru", official: &["Republic of Nauru"] },
    Country { code: "NU", alpha3: "NIU", name: "Niue", official: &[] },
    Country { code: "NZ", alpha3: "NZL", name: "New Zealand", official: &[] },
    Country { code: "OM", alpha3: "OMN", name: "Oman", official: &["Sultanate of Oman"] },
    Country { code: "PA", alpha3: "PAN", name: "Panama", official: &["Republic of Panama"] },
    Country { code: "PE", alpha3: "PER", name: "Peru", official: &["Republic of Peru"] },
    Country { code: "PF", alpha3: "PYF", name: "French Polynesia", official: &[] },
    Country { code: "PG", alpha3: "PNG", name: "Papua New Guinea", official: &["Independent State of Papua New Guinea"] },
    Country { code: "PH", alpha3: "PHL", name: "Philippines", official: &["Republic of the Philippines"] },
    Country { code: "PK", alpha3: "PAK", name: "Pakistan", official: &["Islamic Republic of Pakistan"] },
    Country { code: "PL", alpha3: "POL", name: "Poland", official: &["Republic of Poland"] },
    Country { code: "PM", alpha3: "SPM", name: "Saint Pierre and Miquelon", official: &[] },
    Country { code: "PN", alpha3: "PCN", name: "Pitcairn", official: &[] },
    Country { code: "PR", alpha3: "PRI", name: "Puerto Rico", official: &[] },
    Country { code: "PS", alpha3: "PSE", name: "Palestine, State of", official: &["the State of Palestine"] },
    Country { code: "PT", alpha3: "PRT", name: "Portugal", official: &["Portuguese Republic"] },
    Country { code: "PW", alpha3: "PLW", name: "Palau", official: &["Republic of Palau"] },
    Country { code: "PY", alpha3: "PRY", name: "Paraguay", official: &["Republic of Paraguay"] },
    Country { code: "QA", alpha3: "QAT", name: "Qatar", official: &["State of Qatar"] },
    Country { code: "RE", alpha3: "REU", name: "Réunion", official: &[] },
    Country { code: "RO", alpha3: "ROU", name: "Romania", official: &[] },
    Country { code: "RS", alpha3: "SRB", name: "Serbia", official: &["Republic of Serbia"] },
    Country { code: "RU", alpha3: "RUS", name: "Russian Federation", official: &[] },
    Country { code: "RW", alpha3: "RWA", name: "Rwanda", official: &["Rwandese Republic"] },
    Country { code: "SA", alpha3: "SAU", name: "Saudi Arabia", official: &["Kingdom of Saudi Arabia"] },
    Country { code: "SB", alpha3: "SLB", name: "Solomon Islands", official: &[] },
    Country { code: "SC", alpha3: "SYC", name: "Seychelles", official: &["Republic of Seychelles"] },
    Country { code: "SD", alpha3: "SDN", name: "Sudan", official: &["Republic of the Sudan"] },
    Country { code: "SE", alpha3: "SWE", name: "Sweden", official: &["Kingdom of Sweden"] },
    Country { code: "SG", alpha3: "SGP", name: "Singapore", official: &["Republic of Singapore"] },
    Country { code: "SH", alpha3: "SHN", name: "Saint Helena, Ascension and Tristan da Cunha", official: &[] },
    Country { code: "SI", alpha3: "SVN", name: "Slovenia", official: &["Republic of Slovenia"] },
    Country { code: "SJ", alpha3: "SJM", name: "Svalbard and Jan Mayen", official: &[] },
    Country { code: "SK", alpha3: "SVK", name: "Slovakia", official: &["Slovak Republic"] },
    Country { code: "SL", alpha3: "SLE", name: "Sierra Leone", official: &["Republic of Sierra Leone"] },
    Country { code: "SM", alpha3: "SMR", name: "San Marino", official: &["Republic of San Marino"] },
    Country { code: "SN", alpha3: "SEN", name: "Senegal", official: &["Republic of Senegal"] },
    Country { code: "SO", alpha3: "SOM", name: "Somalia", official: &["Federal Republic of Somalia"] },
    Country { code: "SR", alpha3: "SUR", name: "Suriname", official: &["Republic of Suriname"] },
    Country { code: "SS", alpha3: "SSD", name: "South Sudan", official: &["Republic of South Sudan"] },
    Country { code: "ST", alpha3: "STP", name: "Sao Tome and Principe", official: &["Democratic Republic of Sao Tome and Principe"] },
    Country { code: "SV", alpha3: "SLV", name: "El Salvador", official: &["Republic of El Salvador"] },
    Country { code: "SX", alpha3: "SXM", name: "Sint Maarten (Dutch part)", official: &[] },
    Country { code: "SY", alpha3: "SYR", name: "Syrian Arab Republic", official: &["Syria"] },
    Country { code: "SZ", alpha3: "SWZ", name: "Eswatini", official: &["Kingdom of Eswatini"] },
    Country { code: "TC", alpha3: "TCA", name: "Turks and Caicos Islands", official: &[] },
    Country { code: "TD", alpha3: "TCD", name: "Chad", official: &["Republic of Chad"] },
    Country { code: "TF", alpha3: "ATF", name: "French Southern Territories", official: &[] },
    Country { code: "TG", alpha3: "TGO", name: "Togo", official: &["Togolese Republic"] },
    Country { code: "TH", alpha3: "THA", name: "Thailand", official: &["Kingdom of Thailand"] },
    Country { code: "TJ", alpha3: "TJK", name: "Tajikistan", official: &["Republic of Tajikistan"] },
    Country { code: "TK", alpha3: "TKL", name: "Tokelau", official: &[] },
    Country { code: "TL", alpha3: "TLS", name: "Timor-Leste", official: &["Democratic Republic of Timor-Leste"] },
    Country { code: "TM", alpha3: "TKM", name: "Turkmenistan", official: &[] },
    Country { code: "TN", alpha3: "TUN", name: "Tunisia", official: &["Republic of Tunisia"] },
    Country { code: "TO", alpha3: "TON", name: "Tonga", official: &["Kingdom of Tonga"] },
    Country { code: "TR", alpha3: "TUR", name: "Türkiye", official: &["Republic of Türkiye"] },
    Country { code: "TT", alpha3: "TTO", name: "Trinidad and Tobago", official: &["Republic of Trinidad and Tobago"] },
    Country { code: "TV", alpha3: "TUV", name: "Tuvalu", official: &[] },
    Country { code: "TW", alpha3: "TWN", name: "Taiwan, Province of China", official: &["Taiwan"] },
    Country { code: "TZ", alpha3: "TZA", name: "Tanzania, United Republic of", official: &["United Republic of Tanzania", "Tanzania"] },
    Country { code: "UA", alpha3: "UKR", name: "Ukraine", official: &[] },
    Country { code: "UG", alpha3: "UGA", name: "Uganda", official: &["Republic of Uganda"] },
    Country { code: "UM", alpha3: "UMI", name: "United States Minor Outlying Islands", official: &[] },
    Country { code: "US", alpha3: "USA", name: "United States", official: &["United States of America"] },
    Country { code: "UY", alpha3: "URY", name: "Uruguay", official: &["Eastern Republic of Uruguay"] },
    Country { code: "UZ", alpha3: "UZB", name: "Uzbekistan", official: &["Republic of Uzbekistan"] },
    Country { code: "VA", alpha3: "VAT", name: "Holy See (Vatican City State)", official: &[] },
    Country { code: "VC", alpha3: "VCT", name: "Saint Vincent and the Grenadines", official: &[] },
    Country { code: "VE", alpha3: "VEN", name: "Venezuela, Bolivarian Republic of", official: &["Bolivarian Republic of Venezuela", "Venezuela"] },
    Country { code: "VG", alpha3: "VGB", name: "Virgin Islands, British", official: &["British Virgin Islands"] },
    Country { code: "VI", alpha3: "VIR", name: "Virgin Islands, U.S.", official: &["Virgin Islands of the United States"] },
    Country { code: "VN", alpha3: "VNM", name: "Viet Nam", official: &["Socialist Republic of Viet Nam", "Vietnam"] },
    Country { code: "VU", alpha3: "VUT", name: "Vanuatu", official: &["Republic of Vanuatu"] },
    Country { code: "WF", alpha3: "WLF", name: "Wallis and Futuna", official: &[] },
    Country { code: "WS", alpha3: "WSM", name: "Samoa", official: &["Independent State of Samoa"] },
    Country { code: "YE", alpha3: "YEM", name: "Yemen", official: &["Republic of Yemen"] },
    Country { code: "YT", alpha3: "MYT", name: "Mayotte", official: &[] },
    Country { code: "ZA", alpha3: "ZAF", name: "South Africa", official: &["Republic of South Africa"] },
    Country { code: "ZM", alpha3: "ZMB", name: "Zambia", official: &["Republic of Zambia"] },
    Country { code: "ZW", alpha3: "ZWE", name: "Zimbabwe", official: &["Republic of Zimbabwe"] },
];

/// Map a country name (or a no-country marker) to its ISO 3166-1 alpha-2 code.
///
/// `Ok(Some(code))` for a country, `Ok(None)` for a "no country" marker (`No Country Listed`,
/// `Null`, `null*`, …), `Err(reason)` for an empty, unknown or ambiguous name; the reason is
/// what a quarantine row says.
pub fn parse_country(s: &str) -> Result<Option<&'static str>, String> {
    let raw = s.trim();
    if raw.is_empty() {
        return Err("empty country name".into());
    }
    // Codes written as codes: `MA`, `MAR`.
    if (raw.len() == 2 || raw.len() == 3) && raw.bytes().all(|b| b.is_ascii_uppercase()) {
        if let Some(c) = by_code(raw) {
            return Ok(Some(c.code));
        }
    }
    let folded = key(raw);
    if folded.is_empty() {
        return Err(format!("`{raw}` is not a country name"));
    }
    if no_country().contains(&folded) {
        return Ok(None);
    }
    if let Some(code) = names().get(&folded) {
        return Ok(Some(code));
    }
    // `A, B` or `A (B)` read as `B A`.
    for candidate in inversions(raw) {
        if let Some(code) = names().get(&key(&candidate)) {
            return Ok(Some(code));
        }
    }
    // `A/B`: every side that is known must name the same country.
    if raw.contains('/') {
        if let Some(found) = agreeing(raw.split('/').map(str::to_string), raw)? {
            return Ok(Some(found));
        }
    }
    // `A (B)`: the name without its parenthesis, and the parenthesis alone, must agree.
    if let (Some(open), Some(close)) = (raw.find('('), raw.rfind(')')) {
        if open < close {
            let outside = format!("{} {}", &raw[..open], &raw[close + 1..]);
            let inside = raw[open + 1..close].to_string();
            if let Some(found) = agreeing([outside, inside].into_iter(), raw)? {
                return Ok(Some(found));
            }
        }
    }
    Err(format!(
        "unknown country name `{raw}` (not an ISO 3166-1 name or a known variant)"
    ))
}

/// The ISO 3166-1 entry (or one of [`EXTRA_CODES`]) of an alpha-2 or alpha-3 code.
pub fn by_code(code: &str) -> Option<&'static Country> {
    let code = code.trim().to_ascii_uppercase();
    ISO_3166_1
        .iter()
        .chain(EXTRA_CODES)
        .find(|c| c.code == code || c.alpha3 == code)
}

/// English short name of an alpha-2 code.
pub fn name_of(code: &str) -> Option<&'static str> {
    by_code(code).map(|c| c.name)
}

/// Folded lookup key: `&` reads as `and`, a leading `the` is dropped, `st` → `saint`.
fn key(s: &str) -> String {
    let folded = fold(&s.replace('&', " and "));
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    if words.len() > 1 && words[0] == "st" {
        words[0] = "saint";
    }
    words.join(" ")
}

/// `A, B` → `B A`; `A (B)` → `B A`.
fn inversions(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((a, b)) = raw.split_once(',') {
        out.push(format!("{} {}", b.trim(), a.trim()));
    }
    if let (Some(open), Some(close)) = (raw.find('('), raw.rfind(')')) {
        if open < close && raw[close + 1..].trim().is_empty() {
            out.push(format!(
                "{} {}",
                raw[open + 1..close].trim(),
                raw[..open].trim()
            ));
        }
    }
    out
}

/// The one code that the known parts name; `Ok(None)` if no part is known; an error if the
/// known parts name different countries.
fn agreeing(
    parts: impl Iterator<Item = String>,
    raw: &str,
) -> Result<Option<&'static str>, String> {
    let mut found: Option<&'static str> = None;
    for part in parts {
        let k = key(&part);
        if k.is_empty() {
            continue;
        }
        if let Some(code) = names().get(&k) {
            match found {
                Some(prev) if prev != *code => {
                    return Err(format!(
                        "ambiguous country name `{raw}`: its parts name {prev} and {code}"
                    ))
                }
                _ => found = Some(code),
            }
        }
    }
    Ok(found)
}

/// Folded name → code, built once from the ISO names, the extra codes and the variants.
fn names() -> &'static HashMap<String, &'static str> {
    static NAMES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut map = HashMap::new();
        for c in ISO_3166_1.iter().chain(EXTRA_CODES) {
            map.insert(key(c.name), c.code);
            for o in c.official {
                map.insert(key(o), c.code);
            }
        }
        for (variant, code) in VARIANTS {
            map.insert(key(variant), *code);
        }
        map
    })
}

fn no_country() -> &'static Vec<String> {
    static MARKERS: OnceLock<Vec<String>> = OnceLock::new();
    MARKERS.get_or_init(|| NO_COUNTRY.iter().map(|m| key(m)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_table_is_complete_and_unique() {
        assert_eq!(ISO_3166_1.len(), 249);
        let mut codes: Vec<&str> = ISO_3166_1.iter().map(|c| c.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 249);
        assert!(EXTRA_CODES.iter().all(|e| by_code(e.code) == Some(e)));
        assert!(ISO_3166_1
            .iter()
            .all(|c| c.code.len() == 2 && c.alpha3.len() == 3));
    }

    #[test]
    fn every_iso_name_maps_to_its_code() {
        for c in ISO_3166_1.iter().chain(EXTRA_CODES) {
            assert_eq!(parse_country(c.name), Ok(Some(c.code)), "{}", c.name);
            for o in c.official {
                assert_eq!(parse_country(o), Ok(Some(c.code)), "{o}");
            }
        }
    }

    #[test]
    fn no_two_spellings_collide() {
        // A folded key must never name two countries: rebuild the map and watch for conflicts.
        let mut seen: HashMap<String, &str> = HashMap::new();
        let all = ISO_3166_1
            .iter()
            .chain(EXTRA_CODES)
            .flat_map(|c| {
                std::iter::once((c.name, c.code)).chain(c.official.iter().map(|o| (*o, c.code)))
            })
            .chain(VARIANTS.iter().copied());
        for (name, code) in all {
            assert!(
                by_code(code).is_some(),
                "variant `{name}` names unknown code {code}"
            );
            if let Some(prev) = seen.insert(key(name), code) {
                assert_eq!(prev, code, "`{name}` folds to a key of {prev}");
            }
        }
        for m in NO_COUNTRY {
            assert!(
                !seen.contains_key(&key(m)),
                "no-country marker `{m}` is also a country"
            );
        }
    }

    #[test]
    fn ncmec_spellings() {
        let cases = [
            ("Morocco", "MA"),
            ("MOROCCO", "MA"),
            ("Korea, Republic of", "KR"),
            ("South Korea", "KR"),
            ("North Korea", "KP"),
            ("Korea, Democratic People's Republic of", "KP"),
            ("Congo, The Democratic Republic of the", "CD"),
            ("Congo", "CG"),
            ("Russian Federation", "RU"),
            ("Viet Nam", "VN"),
            ("Vietnam", "VN"),
            ("Turkey", "TR"),
            ("Türkiye", "TR"),
            ("Cote d'Ivoire", "CI"),
            ("Côte d’Ivoire", "CI"),
            ("Cote d’Ivoire (Ivory Coast)", "CI"),
            ("Palestinian Territory, Occupied", "PS"),
            ("Palestinian Territory", "PS"),
            ("Micronesia, Federated States of", "FM"),
            ("Federated States of Micronesia", "FM"),
            ("Holy See (Vatican City State)", "VA"),
            ("Virgin Islands, British", "VG"),
            ("British Virgin Islands", "VG"),
            ("US Virgin Islands", "VI"),
            ("Virgin Islands, U.S.", "VI"),
            ("Kosovo", "XK"),
            ("Netherlands Antilles", "AN"),
            ("Bahrain/Bahrein", "BH"),
            ("Burma/Myanmar", "MM"),
            ("Romania/Rumania", "RO"),
            ("Gambia, The", "GM"),
            ("The Bahamas", "BS"),
            ("Bahamas, The", "BS"),
            ("Lao People’s Democratic Republic", "LA"),
            ("People’s Republic of China", "CN"),
            ("Saint BarthØlemy", "BL"),
            ("Saint Bartelemey", "BL"),
            ("St. Lucia", "LC"),
            ("St Kitts & Nevis", "KN"),
            ("Saint Helena, Ascension and Tristan da Cunha", "SH"),
            ("Saint Vincent and the Grenadines", "VC"),
            ("Eretria", "ER"),
            ("Sierre Leone", "SL"),
            ("Turks and Calcos Islands", "TC"),
            ("French Southern and Antartic Lands", "TF"),
            ("Pitcairn, Henderson, Ducie, and Oeno", "PN"),
            ("Cocos (Keeling) Islands", "CC"),
            ("Svalbard", "SJ"),
            ("Swaziland", "SZ"),
            ("Surinam", "SR"),
            ("Yemen Arab Republic", "YE"),
            ("Western Sahara", "EH"),
            ("Caribbean Netherlands", "BQ"),
            ("Sint Maarten", "SX"),
            ("Saint Martin", "MF"),
            ("Cape Verde Islands", "CV"),
            ("Macedonia", "MK"),
            ("Taiwan", "TW"),
            ("Hong Kong", "HK"),
            ("Macao", "MO"),
            ("United States", "US"),
            ("United States Minor Outlying Islands", "UM"),
            ("MA", "MA"),
            ("MAR", "MA"),
            ("Maroc", "MA"),
        ];
        for (name, code) in cases {
            assert_eq!(parse_country(name), Ok(Some(code)), "{name}");
        }
    }

    #[test]
    fn no_country_markers() {
        for m in [
            "No Country Listed",
            "No Country Listed*",
            "Null",
            "null*",
            "NULL",
            "Unknown",
        ] {
            assert_eq!(parse_country(m), Ok(None), "{m}");
        }
    }

    #[test]
    fn unknown_empty_and_ambiguous_names_are_refused() {
        assert!(parse_country("").unwrap_err().contains("empty"));
        assert!(parse_country("Atlantis").unwrap_err().contains("Atlantis"));
        assert!(parse_country("Korea").is_err());
        assert!(parse_country("Total").is_err());
        assert!(parse_country("Congo/Gabon")
            .unwrap_err()
            .contains("ambiguous"));
        assert!(parse_country("***").is_err());
    }

    #[test]
    fn names_of_codes() {
        assert_eq!(name_of("MA"), Some("Morocco"));
        assert_eq!(name_of("xk"), Some("Kosovo"));
        assert_eq!(name_of("ZZ"), None);
    }
}
