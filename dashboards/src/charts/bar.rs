//! The bar chart: one bar per category (years or a breakdown's values), its value written on
//! it; a suppressed bar is a hatched placeholder labelled suppressed (never a zero), a missing
//! one is labelled "no data".

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    accessible, axes, chart_err, check_id, draw_placeholder, style, y_axis_max, Cell, Frame,
    Layout, HEIGHT, SERIES, SMALL_PX, WIDTH,
};
use crate::error::{DashboardError, Result};
use crate::messages;
use crate::numbers;

#[derive(Debug, Clone)]
pub struct BarChart<'a> {
    pub frame: Frame<'a>,
    /// The categories in order, each with its label (a year, an age band…) and cell.
    pub bars: Vec<(String, Cell)>,
    /// Decimals of the values written on the bars (the indicator's).
    pub decimals: u32,
}

/// The chart as an SVG document.
pub fn bar(chart: &BarChart) -> Result<String> {
    let frame = &chart.frame;
    let id = frame.id;
    check_id(id)?;
    let err = chart_err(id);
    let n = chart.bars.len();
    if n == 0 {
        return Err(DashboardError::Chart {
            id: id.to_string(),
            message: "no bar to chart".to_string(),
        });
    }
    let lang = frame.lang;
    let y_max = y_axis_max(id, chart.bars.iter().map(|(_, c)| *c))?;
    let layout = Layout::new(lang, y_max, 20);
    let labels: Vec<String> = chart.bars.iter().map(|(l, _)| l.clone()).collect();

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let x_fmt = |v: &i32| {
            labels
                .get((v / 10).max(0) as usize)
                .cloned()
                .unwrap_or_default()
        };
        let slots = n as i32;
        let (mut cc, plot) = axes(
            &root,
            frame,
            &layout,
            (0..slots * 10, (0..slots).map(|i| i * 10 + 5).collect()),
            y_max,
            &x_fmt,
        )?;

        let suppressed = messages::text(lang, "common.suppressed")?;
        let no_data = messages::text(lang, "common.no_data")?;
        for (i, (label, cell)) in chart.bars.iter().enumerate() {
            let (x0, x1) = (i as i32 * 10 + 2, i as i32 * 10 + 8);
            match cell {
                Cell::Value(v) => {
                    cc.draw_series(std::iter::once(Rectangle::new(
                        [(x0, 0.0), (x1, *v)],
                        SERIES[0].filled(),
                    )))
                    .map_err(&err)?;
                    let text = numbers::number(lang, *v, chart.decimals).ok_or_else(|| {
                        DashboardError::Chart {
                            id: id.to_string(),
                            message: format!("bar '{label}': the value {v} is not a number"),
                        }
                    })?;
                    let (px, py) = cc.backend_coord(&(i as i32 * 10 + 5, *v));
                    root.draw(&Text::new(
                        text,
                        (px, py - 4),
                        style(SMALL_PX, Pos::new(HPos::Center, VPos::Bottom)),
                    ))
                    .map_err(&err)?;
                }
                Cell::Suppressed | Cell::Missing => {
                    let (px0, _) = cc.backend_coord(&(x0, 0.0));
                    let (px1, _) = cc.backend_coord(&(x1, 0.0));
                    let (hatched, text) = match cell {
                        Cell::Suppressed => (true, suppressed),
                        _ => (false, no_data),
                    };
                    draw_placeholder(&root, id, lang, (px0, plot.1, px1, plot.3), hatched, text)?;
                }
            }
        }
        root.present().map_err(&err)?;
    }
    let desc = messages::fill(lang, "chart.bar_desc", &[("title", frame.title)])?;
    accessible(&svg, id, frame.title, &desc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    fn chart(lang: Lang, bars: Vec<(String, Cell)>) -> BarChart<'static> {
        BarChart {
            frame: Frame {
                id: "emc-age",
                lang,
                title: "EMC reports by victim age band",
                x_label: "Age band",
                y_label: "Reports (number)",
                source: "EMC helpline",
            },
            bars,
            decimals: 0,
        }
    }

    #[test]
    fn a_suppressed_bar_is_a_hatched_placeholder_never_a_zero() {
        let bars = vec![
            ("0–5".to_string(), Cell::Value(1234.0)),
            ("6–11".to_string(), Cell::Suppressed),
            ("12–14".to_string(), Cell::Value(2500.0)),
            ("15–17".to_string(), Cell::Missing),
        ];
        let svg = bar(&chart(Lang::En, bars)).unwrap();
        // Two bars (the series colour), each with its value written on it.
        assert_eq!(svg.matches(r##"fill="#08306B""##).count(), 2, "{svg}");
        assert!(svg.contains(">\n1,234\n</text>"));
        assert!(svg.contains(">\n2,500\n</text>"));
        // The suppressed one: outlined, hatched, labelled; no bar and no `0` written for it.
        assert!(svg.contains(">\nsuppressed\n</text>"));
        assert!(svg.contains(r##"fill="none" stroke="#777777""##), "{svg}");
        assert!(svg.matches(r##"stroke="#777777""##).count() > 5);
        assert!(svg.contains(">\nno data\n</text>"));
        // The only `0` is the y axis's origin tick.
        assert_eq!(svg.matches(">\n0\n</text>").count(), 1);
        assert!(svg.contains(">\n6–11\n</text>"));
    }

    #[test]
    fn french_bars_use_french_numbers_and_messages() {
        let bars = vec![
            ("2022".to_string(), Cell::Value(412_000.0)),
            ("2023".to_string(), Cell::Suppressed),
        ];
        let mut c = chart(Lang::Fr, bars);
        c.frame.source = "NCMEC";
        let svg = bar(&c).unwrap();
        assert!(svg.contains(">\n412.000\n</text>"));
        assert!(svg.contains(">\n500.000\n</text>"), "{svg}");
        assert!(svg.contains(">\nmasqué\n</text>"));
        assert!(svg.contains(">\nSource\u{a0}: NCMEC\n</text>"));
        assert!(svg.contains(
            "<desc id=\"emc-age-desc\">Graphique en barres\u{a0}: EMC reports by victim age band."
        ));
        assert!(bar(&chart(Lang::Fr, vec![])).is_err());
    }
}
