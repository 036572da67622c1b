//! The line chart: years on x, one or more series; a missing or suppressed year breaks the
//! line (never interpolated), a suppressed year is a hatched band labelled suppressed, and a
//! break in series (a year that does not compare with the one before) is not joined to it.

use std::collections::BTreeMap;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    accessible, axes, chart_err, check_id, draw_placeholder, style, text_width, y_axis_max, Cell,
    Frame, Layout, HEIGHT, SERIES, SMALL_PX, WIDTH,
};
use marsad_indicators::observations::Observation;

use crate::error::{DashboardError, Result};
use crate::messages;

/// One line: a name (written at its last point when there are several) and a cell per year.
/// A year absent from `points` is missing.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(i32, Cell)>,
}

impl Series {
    /// A series from the observations of one breakdown cell, one per year, as [`Cell::of`]
    /// charts them (give [`Observation::public`] ones for the public role). A period that is
    /// not a year (`2023-Q1`) is an error naming the indicator and the period.
    pub fn from_observations(name: &str, observations: &[Observation]) -> Result<Series> {
        let points = observations
            .iter()
            .map(|o| {
                let year = o
                    .period
                    .parse::<i32>()
                    .ok()
                    .filter(|y| (1900..=2999).contains(y))
                    .ok_or_else(|| DashboardError::Chart {
                        id: o.indicator_id.clone(),
                        message: format!("period '{}' is not a year", o.period),
                    })?;
                Ok((year, Cell::of(o)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Series {
            name: name.to_string(),
            points,
        })
    }
}

#[derive(Debug, Clone)]
pub struct LineChart<'a> {
    pub frame: Frame<'a>,
    pub series: Vec<Series>,
    /// Breaks in series: years whose figures do not compare with the year before (a caveat of
    /// kind `break`, or OBS_STATUS `B`). No line joins the year before to such a year.
    pub breaks: std::collections::BTreeSet<i32>,
}

/// The chart as an SVG document.
pub fn line(chart: &LineChart) -> Result<String> {
    let frame = &chart.frame;
    let id = frame.id;
    check_id(id)?;
    let err = chart_err(id);
    if chart.series.is_empty() || chart.series.len() > SERIES.len() {
        return Err(DashboardError::Chart {
            id: id.to_string(),
            message: format!(
                "{} series; a line chart draws 1 to {}",
                chart.series.len(),
                SERIES.len()
            ),
        });
    }
    // Every series' cells by year; a year given twice is an error, not a silent pick.
    let mut by_series = Vec::new();
    for s in &chart.series {
        let mut cells = BTreeMap::new();
        for &(year, cell) in &s.points {
            if cells.insert(year, cell).is_some() {
                return Err(DashboardError::Chart {
                    id: id.to_string(),
                    message: format!("series '{}' has the year {year} twice", s.name),
                });
            }
        }
        by_series.push(cells);
    }
    let years: Vec<i32> = by_series
        .iter()
        .flat_map(|c| c.keys().copied())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
        return Err(DashboardError::Chart {
            id: id.to_string(),
            message: "no year to chart".to_string(),
        });
    };
    let y_max = y_axis_max(id, by_series.iter().flat_map(|c| c.values().copied()))?;
    let lang = frame.lang;

    // Room on the right for the series names written at their last point.
    let right = if chart.series.len() > 1 {
        chart
            .series
            .iter()
            .map(|s| text_width(&s.name, SMALL_PX))
            .max()
            .unwrap_or(0)
            + 16
    } else {
        20
    };
    let layout = Layout::new(lang, y_max, right);
    // x is in tenths of a year (i32: plotters formats only integer ranges with key points
    // of our choosing), half a year of room on each side.
    let x_ticks: Vec<i32> = {
        // At most 12 year labels: every k-th year.
        let step = (last - first) as usize / 12 + 1;
        (first..=last).step_by(step).map(|y| y * 10).collect()
    };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        // Years plain: `2023`, never grouped; half a year of room on each side.
        let x_fmt = |v: &i32| format!("{}", v / 10);
        let (mut cc, plot) = axes(
            &root,
            frame,
            &layout,
            (first * 10 - 5..last * 10 + 5, x_ticks),
            y_max,
            &x_fmt,
        )?;

        // Suppressed years first (under the lines): a hatched band across the plot.
        let suppressed = messages::text(lang, "common.suppressed")?;
        let suppressed_years: std::collections::BTreeSet<i32> = by_series
            .iter()
            .flat_map(|c| {
                c.iter()
                    .filter(|(_, cell)| **cell == Cell::Suppressed)
                    .map(|(y, _)| *y)
            })
            .collect();
        for &year in &suppressed_years {
            let (x0, _) = cc.backend_coord(&(year * 10 - 3, 0.0));
            let (x1, _) = cc.backend_coord(&(year * 10 + 3, 0.0));
            draw_placeholder(&root, id, lang, (x0, plot.1, x1, plot.3), true, suppressed)?;
        }

        for (i, (s, cells)) in chart.series.iter().zip(&by_series).enumerate() {
            let colour = SERIES[i];
            // Runs of consecutive years with a value; anything else ends the run, and a
            // break in series starts a new one.
            let mut runs: Vec<Vec<(i32, f64)>> = Vec::new();
            let mut previous: Option<i32> = None;
            for (&year, cell) in cells {
                match cell.value() {
                    Some(v) => {
                        if previous != Some(year - 1)
                            || runs.is_empty()
                            || chart.breaks.contains(&year)
                        {
                            runs.push(Vec::new());
                        }
                        if let Some(run) = runs.last_mut() {
                            run.push((year * 10, v));
                        }
                        previous = Some(year);
                    }
                    None => previous = None,
                }
            }
            for run in &runs {
                if run.len() > 1 {
                    cc.draw_series(std::iter::once(PathElement::new(
                        run.clone(),
                        colour.stroke_width(3),
                    )))
                    .map_err(&err)?;
                }
                // A marker on every value: a lone year between two gaps still shows.
                for &(x, y) in run {
                    let (px, py) = cc.backend_coord(&(x, y));
                    draw_marker(&root, i, (px, py), colour).map_err(&err)?;
                }
            }
            // The name at the last value, for several series (the legend is the page's).
            if chart.series.len() > 1 {
                if let Some(&(x, y)) = runs.last().and_then(|r| r.last()) {
                    let (px, py) = cc.backend_coord(&(x, y));
                    root.draw(&Text::new(
                        super::bidi(lang, &s.name),
                        (px + 8, py),
                        style(SMALL_PX, Pos::new(HPos::Left, VPos::Center)).color(&colour),
                    ))
                    .map_err(&err)?;
                }
            }
        }
        root.present().map_err(&err)?;
    }
    let desc = messages::fill(
        lang,
        "chart.line_desc",
        &[
            ("title", frame.title),
            ("first", &first.to_string()),
            ("last", &last.to_string()),
        ],
    )?;
    accessible(&svg, id, frame.title, &desc)
}

/// Series `i`'s marker: circle, square, triangle.
fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    i: usize,
    (x, y): (i32, i32),
    colour: RGBColor,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    match i {
        0 => root.draw(&Circle::new((x, y), 4, colour.filled())),
        1 => root.draw(&Rectangle::new(
            [(x - 4, y - 4), (x + 4, y + 4)],
            colour.filled(),
        )),
        _ => root.draw(&Polygon::new(
            vec![(x, y - 5), (x + 5, y + 4), (x - 5, y + 4)],
            colour.filled(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    fn frame(lang: Lang, title: &'static str) -> Frame<'static> {
        Frame {
            id: "pmp-cases",
            lang,
            title,
            x_label: "Année",
            y_label: "Affaires (nombre)",
            source: "Présidence du Ministère Public",
        }
    }

    fn series(name: &str, points: &[(i32, Cell)]) -> Series {
        Series {
            name: name.to_string(),
            points: points.to_vec(),
        }
    }

    /// The `<polyline>`s drawn in a colour (the grid and axes are `<line>`s, hatching is
    /// grey).
    fn polylines<'s>(svg: &'s str, colour: &str) -> Vec<&'s str> {
        svg.lines()
            .filter(|l| l.starts_with("<polyline") && l.contains(&format!("stroke=\"{colour}\"")))
            .collect()
    }

    #[test]
    fn a_suppressed_year_breaks_the_line_into_two_segments() {
        use Cell::*;
        let chart = LineChart {
            breaks: Default::default(),
            frame: frame(Lang::Fr, "Affaires traitées"),
            series: vec![series(
                "PMP",
                &[
                    (2019, Value(120_000.0)),
                    (2020, Value(180_000.0)),
                    (2021, Suppressed),
                    (2022, Value(240_000.0)),
                    (2023, Value(350_000.0)),
                ],
            )],
        };
        let svg = line(&chart).unwrap();
        let lines = polylines(&svg, "#08306B");
        assert_eq!(lines.len(), 2, "{svg}");
        // Each segment joins two years; none crosses 2021.
        for l in &lines {
            assert_eq!(l.matches(',').count(), 2, "{l}");
        }
        // The gap is a hatched band labelled suppressed; every value has its marker.
        assert!(svg.contains(">\nmasqué\n</text>"), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 4);
        assert!(polylines(&svg, "#777777").len() > 5, "hatching");
        // Tick labels from the French formatter: `100.000`, no `.0`, years ungrouped.
        assert!(svg.contains(">\n100.000\n</text>"), "{svg}");
        assert!(svg.contains(">\n400.000\n</text>"), "{svg}");
        assert!(!svg.contains(".0\n</text>"), "{svg}");
        assert!(svg.contains(">\n2023\n</text>"));
        assert!(svg.contains("Source\u{a0}: Présidence du Ministère Public"));
    }

    #[test]
    fn a_break_in_series_is_not_joined_to_the_year_before() {
        use Cell::*;
        let chart = LineChart {
            breaks: [2022].into(),
            frame: frame(Lang::Fr, "Signalements"),
            series: vec![series(
                "EMC",
                &[
                    (2020, Value(10.0)),
                    (2021, Value(12.0)),
                    (2022, Value(30.0)),
                    (2023, Value(35.0)),
                ],
            )],
        };
        let svg = line(&chart).unwrap();
        // 2020-2021 and 2022-2023: two segments, none from 2021 to 2022; every value marked.
        let lines = polylines(&svg, "#08306B");
        assert_eq!(lines.len(), 2, "{svg}");
        for l in &lines {
            assert_eq!(l.matches(',').count(), 2, "{l}");
        }
        assert_eq!(svg.matches("<circle").count(), 4);
        // Without the break, one line through the four years.
        let joined = line(&LineChart {
            breaks: Default::default(),
            ..chart
        })
        .unwrap();
        assert_eq!(polylines(&joined, "#08306B").len(), 1);
    }

    #[test]
    fn a_missing_year_breaks_the_line_and_a_lone_year_keeps_its_marker() {
        use Cell::*;
        let chart = LineChart {
            breaks: Default::default(),
            frame: frame(Lang::En, "Reports"),
            // 2020 absent, 2022 missing: 2019 | 2021 alone | 2023-2024.
            series: vec![series(
                "NCMEC",
                &[
                    (2019, Value(410_000.0)),
                    (2021, Value(450_000.0)),
                    (2022, Missing),
                    (2023, Value(480_000.0)),
                    (2024, Value(500_000.0)),
                ],
            )],
        };
        let svg = line(&chart).unwrap();
        assert_eq!(polylines(&svg, "#08306B").len(), 1, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 4);
        // No hatching for a missing year: only suppressions are hatched.
        assert!(polylines(&svg, "#777777").is_empty());
        assert!(svg.contains(">\n600,000\n</text>"), "{svg}");
    }

    #[test]
    fn the_arabic_chart_is_left_to_right_with_arabic_text_and_accessible() {
        use Cell::*;
        let chart = LineChart {
            breaks: Default::default(),
            frame: Frame {
                id: "ncmec-ma",
                lang: Lang::Ar,
                title: "بلاغات المركز الوطني للأطفال المفقودين والمستغلين",
                x_label: "السنة",
                y_label: "بلاغات (عدد)",
                source: "NCMEC",
            },
            series: vec![series(
                "NCMEC",
                &[(2022, Value(350_000.0)), (2023, Value(500_000.0))],
            )],
        };
        let svg = line(&chart).unwrap();
        let root = svg.lines().next().unwrap();
        assert!(root.starts_with("<svg "), "{root}");
        assert!(root.contains(r#"role="img""#));
        assert!(root.contains(r#"aria-labelledby="ncmec-ma-title ncmec-ma-desc""#));
        assert!(root.contains(r#"style="direction:ltr""#));
        let mut lines = svg.lines().skip(1);
        assert_eq!(
            lines.next().unwrap(),
            "<title id=\"ncmec-ma-title\">بلاغات المركز الوطني للأطفال المفقودين والمستغلين</title>"
        );
        assert_eq!(
            lines.next().unwrap(),
            "<desc id=\"ncmec-ma-desc\">رسم بياني خطي: بلاغات المركز الوطني للأطفال المفقودين والمستغلين، من 2022 إلى 2023. القيم في الجدول أسفل الرسم.</desc>"
        );
        // Drawn title, axis description and source in Arabic, embedded right to left (the
        // colon of the source on the right of the Arabic word); ticks with ar-MA grouping.
        let rtl = |t: &str| format!(">\n\u{202b}{t}\u{202c}\n</text>");
        assert!(svg.contains(&rtl("بلاغات المركز الوطني للأطفال المفقودين والمستغلين")));
        assert!(svg.contains(&rtl("بلاغات (عدد)")));
        assert!(svg.contains(&rtl("المصدر: NCMEC")));
        assert!(svg.contains(">\n600.000\n</text>"), "{svg}");
        // The label area is sized from characters: the y description stays inside the canvas.
        assert!(svg.contains("rotate(270, 15,"), "{svg}");
    }

    #[test]
    fn several_series_are_labelled_at_their_last_point_with_their_own_marker() {
        use Cell::*;
        let chart = LineChart {
            breaks: Default::default(),
            frame: frame(Lang::Fr, "Parcours judiciaire"),
            series: vec![
                series("Affaires", &[(2022, Value(10.0)), (2023, Value(20.0))]),
                series("Personnes", &[(2022, Value(15.0)), (2023, Value(12.0))]),
            ],
        };
        let svg = line(&chart).unwrap();
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(polylines(&svg, "#08306B").len(), 1);
        assert_eq!(polylines(&svg, "#D95F0E").len(), 1);
        assert!(svg.contains(">\nAffaires\n</text>"));
        assert!(svg.contains(">\nPersonnes\n</text>"));
    }

    #[test]
    fn series_from_observations_keep_suppressions() {
        use crate::charts::tests::observation as obs;
        let public: Vec<Observation> = [obs("2022", Some(7.4), "F"), obs("2023", Some(3.0), "C")]
            .iter()
            .map(Observation::public)
            .collect();
        let s = Series::from_observations("PMP", &public).unwrap();
        assert_eq!(
            s.points,
            [(2022, Cell::Value(7.0)), (2023, Cell::Suppressed)]
        );
        assert_eq!(
            Series::from_observations("PMP", &[obs("2023-Q1", None, "F")])
                .unwrap_err()
                .to_string(),
            "chart 'PMP_CASES': period '2023-Q1' is not a year"
        );
    }

    #[test]
    fn wrong_input_is_an_error_naming_the_chart() {
        let mut chart = LineChart {
            breaks: Default::default(),
            frame: frame(Lang::Fr, "x"),
            series: vec![series(
                "PMP",
                &[(2020, Cell::Value(1.0)), (2020, Cell::Value(2.0))],
            )],
        };
        assert_eq!(
            line(&chart).unwrap_err().to_string(),
            "chart 'pmp-cases': series 'PMP' has the year 2020 twice"
        );
        chart.series[0].points = vec![(2020, Cell::Value(-1.0))];
        assert_eq!(
            line(&chart).unwrap_err().to_string(),
            "chart 'pmp-cases': the value -1 is not a count or rate (negative or not finite)"
        );
        chart.frame.id = "1 bad";
        assert_eq!(
            line(&chart).unwrap_err().to_string(),
            "chart '1 bad': the id must be letters, digits, '-' and '_', starting with a letter"
        );
    }
}
