//! Charts as SVG strings, drawn by plotters' SVG backend with no font backend (no system fonts:
//! the browser shapes the text, Arabic included).
//!
//! What every chart does, whatever plotters' defaults would do:
//! - a missing or suppressed year **breaks** a line (each run of consecutive years is its own
//!   `<polyline>`; nothing is interpolated), and a suppressed value is drawn as a hatched
//!   placeholder labelled suppressed, never as a zero; a missing one is labelled "no data";
//! - the title, the axis descriptions (with units) and the source line are drawn here, at
//!   positions computed from character counts: plotters estimates text width from UTF-8 bytes,
//!   twice too wide for Arabic;
//! - tick labels come from [`numbers::tick`] (`500.000` in French, never `350.0`), years are
//!   written plain (`2023`);
//! - the root `<svg>` gets `role="img"`, `aria-labelledby` and `style="direction:ltr"` (inside a
//!   `dir="rtl"` page an inline SVG would inherit right-to-left and its labels would collide with
//!   the axes), and `<title>`/`<desc>` right after it;
//! - readable in grayscale: series differ by marker shape and are labelled at their last point,
//!   values are written on bars, suppressions are hatched.
//!
//! The legend and the data table, the accessible alternative, are the page's (HTML).

mod bar;
mod line;

pub use bar::{bar, BarChart};
pub use line::{line, LineChart, Series};

use std::fmt::Display;

use std::ops::Range;

use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use marsad_indicators::observations::{Observation, SUPPRESSED};

use crate::error::{DashboardError, Result};
use crate::lang::Lang;
use crate::messages;

/// One value of a chart, as the reader's role sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Value(f64),
    /// Withheld by disclosure control or for low reliability: never drawn as a zero.
    Suppressed,
    /// No observation for this year or category.
    Missing,
}

impl Cell {
    /// An observation as charted: its published (rounded) value; `Suppressed` when a public
    /// output suppressed it (give [`Observation::public`] for the public role; an analyst's
    /// unsuppressed observation charts its value).
    pub fn of(obs: &Observation) -> Cell {
        match obs.rounded_value() {
            Some(v) => Cell::Value(v),
            None if obs.obs_status == SUPPRESSED => Cell::Suppressed,
            None => Cell::Missing,
        }
    }

    fn value(self) -> Option<f64> {
        match self {
            Cell::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// What every chart is labelled with.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    /// The SVG's id prefix (`<title id="{id}-title">`): letters, digits, `-` and `_`, unique on
    /// the page.
    pub id: &'a str,
    pub lang: Lang,
    pub title: &'a str,
    /// The x axis description (`Année`, or the breakdown's name).
    pub x_label: &'a str,
    /// The y axis description with its unit (`Signalements (nombre)`).
    pub y_label: &'a str,
    /// The source's name, written as the `common.source` message.
    pub source: &'a str,
}

/// Canvas size: the viewBox; pages scale it to their width (readable down to 360 px).
const WIDTH: u32 = 560;
const HEIGHT: u32 = 380;
const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 18;
const LABEL_PX: u32 = 15;
const SMALL_PX: u32 = 13;
const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
const AXIS: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
const HATCH: RGBColor = RGBColor(0x77, 0x77, 0x77);
/// Series colours, distinct in grayscale too (dark, middle, light), with a marker shape each.
const SERIES: [RGBColor; 3] = [
    RGBColor(0x08, 0x30, 0x6b),
    RGBColor(0xd9, 0x5f, 0x0e),
    RGBColor(0x6b, 0xae, 0xd6),
];

/// The width a text takes, estimated from its characters (not its bytes: an Arabic letter is
/// two bytes and about half an em), at `px` pixels.
fn text_width(text: &str, px: u32) -> u32 {
    (text.chars().count() as f64 * px as f64 * 0.6).ceil() as u32
}

/// `text` cut to the characters that fit in `width` pixels at `px`, with an ellipsis when cut:
/// the drawn title of a chart (its `<title>` and the page keep the whole text).
fn fit(text: &str, px: u32, width: u32) -> String {
    if text_width(text, px) <= width {
        return text.to_string();
    }
    let keep = (width as f64 / (px as f64 * 0.6)).floor() as usize;
    let cut: String = text.chars().take(keep.saturating_sub(1)).collect();
    // At the last word boundary, when there is one.
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > 0 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

/// A text style of `px` pixels. plotters writes `font-size` as the size given ÷ 1.24.
fn style(px: u32, pos: Pos) -> TextStyle<'static> {
    (FONT, px as f64 * 1.24).into_font().color(&TEXT).pos(pos)
}

fn chart_err<E: Display>(id: &str) -> impl Fn(E) -> DashboardError + '_ {
    move |e| DashboardError::Chart {
        id: id.to_string(),
        message: e.to_string(),
    }
}

/// What a chart or map id must be, as its errors say.
pub(crate) const ID_RULE: &str =
    "the id must be letters, digits, '-' and '_', starting with a letter";

/// An id usable as an XML id prefix (see [`ID_RULE`]).
pub(crate) fn valid_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_id(id: &str) -> Result<()> {
    if valid_id(id) {
        Ok(())
    } else {
        Err(DashboardError::Chart {
            id: id.to_string(),
            message: ID_RULE.to_string(),
        })
    }
}

/// A round upper bound of the y axis above `max` (with room for the labels over bars):
/// 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k.
fn nice_max(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let target = max * 1.12;
    let magnitude = 10f64.powf(target.log10().floor());
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&v| v >= target)
        .unwrap_or(10.0 * magnitude)
}

/// The top of the y axis for these cells (which start at 0): an error for a negative or
/// infinite value, which the axis would clip without a word.
fn y_axis_max(id: &str, cells: impl Iterator<Item = Cell>) -> Result<f64> {
    let mut max = 0.0f64;
    for v in cells.filter_map(Cell::value) {
        if !(v.is_finite() && v >= 0.0) {
            return Err(DashboardError::Chart {
                id: id.to_string(),
                message: format!("the value {v} is not a count or rate (negative or not finite)"),
            });
        }
        max = max.max(v);
    }
    Ok(nice_max(max))
}

/// The margins around the plot: the title band, the source band, and the label areas sized
/// from the tick labels' characters.
struct Layout {
    top: u32,
    bottom: u32,
    left: u32,
    right: u32,
}

impl Layout {
    fn new(lang: Lang, y_max: f64, right: u32) -> Layout {
        // plotters' default y key points are at most ~6 round values up to y_max; the widest
        // label is that of the largest (or a 1-decimal step of it).
        let widest = [y_max, y_max / 2.0 + y_max / 20.0, y_max * 0.9]
            .iter()
            .map(|v| text_width(&crate::numbers::tick(lang, *v), LABEL_PX))
            .max()
            .unwrap_or(0);
        Layout {
            top: TITLE_PX * 2 + 16,
            bottom: SMALL_PX * 2 + 8,
            left: 8 + LABEL_PX + 10 + widest + 10,
            right,
        }
    }
}

/// A chart's coordinates: x in tenths of a slot (a year, a bar), as integers because plotters
/// formats only integer ranges with key points of our choosing; y from 0.
type Plot<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<WithKeyPoints<RangedCoordi32>, RangedCoordf64>>;

/// The axes, grid and frame of a chart on `root`: x over `x` with labels at `x_ticks` written
/// by `x_fmt`, y from 0 to `y_max` with the locale's tick labels. Returns the chart and its
/// plotting area in pixels (left, top, right, bottom).
fn axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    frame: &Frame,
    layout: &Layout,
    (x, x_ticks): (Range<i32>, Vec<i32>),
    y_max: f64,
    x_fmt: &dyn Fn(&i32) -> String,
) -> Result<(Plot<'a, 'b>, (i32, i32, i32, i32))> {
    let err = chart_err(frame.id);
    root.fill(&WHITE).map_err(&err)?;
    let mut cc = ChartBuilder::on(root)
        .margin_top(layout.top)
        .margin_bottom(layout.bottom)
        .margin_right(layout.right)
        .x_label_area_size(LABEL_PX * 3 + 14)
        .y_label_area_size(layout.left)
        .build_cartesian_2d(x.with_key_points(x_ticks), 0f64..y_max)
        .map_err(&err)?;
    let lang = frame.lang;
    let y_fmt = |v: &f64| crate::numbers::tick(lang, *v);
    cc.configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(AXIS)
        .y_labels(6)
        .label_style(style(LABEL_PX, Pos::new(HPos::Center, VPos::Center)))
        .x_label_formatter(x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()
        .map_err(&err)?;
    let plot = {
        let (xr, yr) = cc.plotting_area().get_pixel_range();
        (xr.start, yr.start, xr.end, yr.end)
    };
    draw_frame(root, frame, plot)?;
    Ok((cc, plot))
}

/// Title, axis descriptions and source line, drawn on the root at computed positions;
/// `plot` is the plotting area in pixels (left, top, right, bottom).
fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
    plot: (i32, i32, i32, i32),
) -> Result<()> {
    let err = chart_err(frame.id);
    let (left, top, right, bottom) = plot;
    let w = WIDTH as i32;
    let centre = Pos::new(HPos::Center, VPos::Center);
    root.draw(&Text::new(
        bidi(frame.lang, &fit(frame.title, TITLE_PX, WIDTH - 16)),
        (w / 2, (TITLE_PX + 4) as i32),
        (FONT, TITLE_PX as f64 * 1.24, FontStyle::Bold)
            .into_font()
            .color(&TEXT)
            .pos(centre),
    ))
    .map_err(&err)?;
    // y description: rotated, left of the tick labels.
    root.draw(&Text::new(
        bidi(frame.lang, frame.y_label),
        (8 + LABEL_PX as i32 / 2, (top + bottom) / 2),
        style(LABEL_PX, centre).transform(FontTransform::Rotate270),
    ))
    .map_err(&err)?;
    // x description: under the tick labels.
    root.draw(&Text::new(
        bidi(frame.lang, frame.x_label),
        ((left + right) / 2, bottom + LABEL_PX as i32 * 2 + 10),
        style(LABEL_PX, centre),
    ))
    .map_err(&err)?;
    let source = messages::fill(frame.lang, "common.source", &[("source", frame.source)])?;
    // The source reads from the reading side: right-aligned in Arabic.
    let (x, h) = match frame.lang {
        Lang::Ar => (w - 8, HPos::Right),
        _ => (8, HPos::Left),
    };
    root.draw(&Text::new(
        bidi(frame.lang, &source),
        (x, HEIGHT as i32 - SMALL_PX as i32),
        style(SMALL_PX, Pos::new(h, VPos::Center)).color(&AXIS),
    ))
    .map_err(&err)?;
    Ok(())
}

/// A hatched placeholder over the pixel rectangle (x0, y0)–(x1, y1), outlined, labelled
/// `label` (vertically, in its middle): the mark of a suppressed value.
fn draw_placeholder<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    id: &str,
    lang: Lang,
    (x0, y0, x1, y1): (i32, i32, i32, i32),
    hatched: bool,
    label: &str,
) -> Result<()> {
    let err = chart_err(id);
    if hatched {
        root.draw(&Rectangle::new([(x0, y0), (x1, y1)], HATCH.stroke_width(1)))
            .map_err(&err)?;
        for segment in hatch_lines((x0, y0, x1, y1), 7) {
            root.draw(&PathElement::new(segment.to_vec(), HATCH.stroke_width(1)))
                .map_err(&err)?;
        }
    }
    // Rotated to fit a narrow bar; on a white box so it reads over the hatching.
    let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
    let half = text_width(label, SMALL_PX) as i32 / 2 + 3;
    let thick = SMALL_PX as i32 / 2 + 3;
    root.draw(&Rectangle::new(
        [(cx - thick, cy - half), (cx + thick, cy + half)],
        WHITE.filled(),
    ))
    .map_err(&err)?;
    root.draw(&Text::new(
        bidi(lang, label),
        (cx, cy),
        style(SMALL_PX, Pos::new(HPos::Center, VPos::Center)).transform(FontTransform::Rotate270),
    ))
    .map_err(&err)?;
    Ok(())
}

/// A label as drawn: in Arabic, embedded right-to-left (U+202B … U+202C). The SVG is
/// `direction:ltr` so that the axes keep time left to right; without the embedding a mixed
/// label (`المصدر: NCMEC`) would be ordered left to right, its colon on the wrong side.
pub(crate) fn bidi(lang: Lang, text: &str) -> String {
    match lang {
        Lang::Ar => format!("\u{202b}{text}\u{202c}"),
        Lang::Fr | Lang::En => text.to_string(),
    }
}

/// Diagonal lines (`/`, `spacing` pixels apart) clipped to a rectangle.
fn hatch_lines((x0, y0, x1, y1): (i32, i32, i32, i32), spacing: i32) -> Vec<[(i32, i32); 2]> {
    let mut out = Vec::new();
    // The lines x + y = c crossing the rectangle.
    let mut c = x0 + y0 + spacing;
    while c < x1 + y1 {
        let xa = x0.max(c - y1);
        let xb = x1.min(c - y0);
        if xa < xb {
            out.push([(xa, c - xa), (xb, c - xb)]);
        }
        c += spacing;
    }
    out
}

/// The root `<svg>` with `role="img"`, `aria-labelledby`, `style="direction:ltr"`, then
/// `<title>` and `<desc>` as its first children.
pub(crate) fn accessible(svg: &str, id: &str, title: &str, desc: &str) -> Result<String> {
    let open = svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|end| start + end))
        .ok_or_else(|| DashboardError::Chart {
            id: id.to_string(),
            message: "plotters wrote no <svg> root".to_string(),
        })?;
    let mut out = String::with_capacity(svg.len() + title.len() + desc.len() + 200);
    out.push_str(&svg[..open]);
    out.push_str(&format!(
        r#" role="img" aria-labelledby="{id}-title {id}-desc" style="direction:ltr">"#
    ));
    out.push_str(&format!(
        "\n<title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    ));
    out.push_str(&svg[open + 1..]);
    Ok(out)
}

/// Text escaped for XML content and attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn nice_axis_maxima() {
        assert_eq!(nice_max(350.0), 400.0);
        assert_eq!(nice_max(412_000.0), 500_000.0);
        assert_eq!(nice_max(500_000.0), 600_000.0);
        assert_eq!(nice_max(90.0), 150.0);
        assert_eq!(nice_max(2.1), 2.5);
        assert_eq!(nice_max(0.0), 1.0);
    }

    #[test]
    fn a_long_title_is_cut_to_the_chart_width() {
        assert_eq!(fit("Signalements", TITLE_PX, WIDTH - 16), "Signalements");
        let long = "Young women and men aged 18–29 who experienced sexual violence by age 18";
        let cut = fit(long, TITLE_PX, WIDTH - 16);
        assert_eq!(cut, "Young women and men aged 18–29 who experienced…");
        assert!(text_width(&cut, TITLE_PX) <= WIDTH - 16);
    }

    #[test]
    fn hatching_stays_inside_its_box() {
        let lines = hatch_lines((10, 20, 40, 120), 7);
        assert!(!lines.is_empty());
        for [(xa, ya), (xb, yb)] in lines {
            for (x, y) in [(xa, ya), (xb, yb)] {
                assert!((10..=40).contains(&x) && (20..=120).contains(&y), "{x},{y}");
            }
        }
    }

    /// A count observation of `PMP_CASES` for a period, with its value and CONF_STATUS.
    pub(crate) fn observation(period: &str, value: Option<f64>, conf: &str) -> Observation {
        Observation {
            indicator_id: "PMP_CASES".into(),
            indicator_version: 1,
            indicator_status: "approved".into(),
            period: period.into(),
            breakdown: Default::default(),
            value,
            numerator: None,
            denominator: None,
            unit: "NUMBER".into(),
            unit_mult: 0,
            decimals: 0,
            obs_status: "A".into(),
            conf_status: conf.into(),
            lower_bound: None,
            upper_bound: None,
            obs_comment: None,
            snapshot_id: 1,
            definition_hash: String::new(),
            engine_version: None,
            computed_at_micros: 0,
        }
    }

    #[test]
    fn cells_of_observations() {
        let obs = observation("2023", Some(12.0), "C");
        // The public role sees a suppressed cell, never a zero; an analyst sees the value.
        assert_eq!(Cell::of(&obs.public()), Cell::Suppressed);
        assert_eq!(Cell::of(&obs), Cell::Value(12.0));
        assert_eq!(Cell::of(&observation("2023", None, "F")), Cell::Missing);
    }
}
