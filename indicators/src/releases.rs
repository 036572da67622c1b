//! Releases, vintages and revisions: what was published, when, and why a published figure
//! changed.
//!
//! A **release** is a named, immutable publication of one snapshot's public observations
//! ([`export::select`] with the public role: approved indicators, disclosure-controlled),
//! frozen at the moment it is made: the rows are copied to `indicators.released`, so neither a
//! recompute of the snapshot nor a later approval changes what a release published. Its row in
//! `service.releases` (storage: [`marsad_warehouse::service::releases`]) carries its embargo and
//! its release notes, generated here from the data in French, Arabic and English, the steward's
//! own notes appended.
//!
//! **Vintages.** A release is public from [`ReleaseRow::published_at`] (its creation or its
//! embargo's end). The figures "as published on a date" are the rows of the latest release
//! public by then ([`as_of`]); that one rule serves the public's latest release (at now) and
//! every `as_of` question, on the API and the command line.
//!
//! **Revisions.** Each release compares its rows with the previous release's (in creation
//! order): every value whose published figure or status changed is a row of
//! `indicators.revisions` (analysts `SELECT` it like any table), with the previous value and its
//! cause ([`Cause`]): a new or corrected source file (the raw files of the indicator's source
//! feeds differ between the two snapshots), a new definition (its hash differs), a new
//! disclosure outcome (CONF_STATUS or OBS_STATUS differ). Values published for the first time
//! are not revisions; every published value is in `indicators.released`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use chrono::{DateTime, NaiveDate, Utc};
use marsad_warehouse::service::releases::{self as store, ReleaseRow, RELEASED, RELEASE_COLUMN};
use marsad_warehouse::snapshots::{ints, scan, strings};
use marsad_warehouse::tables::{self, RAW_FILES};
use marsad_warehouse::Warehouse;

use crate::catalog::{Catalog, Dimension, Text};
use crate::engine;
use crate::error::{IndicatorError, Result};
use crate::export::{self, Role};
use crate::observations::{self, Observation};

pub use marsad_warehouse::service::releases::ReleaseRow as Release;

/// Every release, oldest first.
pub async fn list(wh: &Warehouse) -> Result<Vec<Release>> {
    Ok(store::read(wh.location()).await?.1)
}

/// The release whose figures were public at `at`: the latest (by publication time, then
/// creation) whose embargo had passed by then. `None`: nothing was public yet.
pub fn as_of(releases: &[Release], at: DateTime<Utc>) -> Option<&Release> {
    releases
        .iter()
        .filter(|r| r.is_public(at))
        .max_by_key(|r| (r.published_at(), r.created_at))
}

/// `as_of` as given by a person: a date (`2026-04-01`: as published by the end of that day,
/// UTC) or an RFC 3339 time.
pub fn parse_as_of(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return day
            .and_hms_micro_opt(23, 59, 59, 999_999)
            .map(|t| t.and_utc())
            .ok_or_else(|| format!("`{text}` is not a date"));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!("`{text}` is neither a date (2026-04-01) nor an RFC 3339 time (2026-04-01T09:00:00Z)")
        })
}

/// The observations release `name` published, in the order of the stored observations.
pub async fn observations(wh: &Warehouse, name: &str) -> Result<Vec<Observation>> {
    let batches = store::rows_of(wh.location(), RELEASED, name).await?;
    let mut obs = observations::from_batches(&batches)?;
    obs.sort_by_key(key);
    Ok(obs)
}

/// The schema of `indicators.released`: the observations' and the release name.
pub fn released_schema() -> SchemaRef {
    let mut fields: Vec<Field> = observations::schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.insert(0, Field::new(RELEASE_COLUMN, DataType::Utf8, false));
    Arc::new(Schema::new(fields))
}

/// The schema of `indicators.revisions`.
pub fn revisions_schema() -> SchemaRef {
    let text = |n: &str| Field::new(n, DataType::Utf8, false);
    let mut fields = vec![
        text(RELEASE_COLUMN),
        text("previous_release"),
        text("indicator_id"),
        Field::new("indicator_version", DataType::Int64, false),
        text("period"),
    ];
    fields.extend(observations::breakdown_fields());
    fields.extend([
        Field::new("value", DataType::Float64, true),
        Field::new("previous_value", DataType::Float64, true),
        text("obs_status"),
        text("previous_obs_status"),
        text("conf_status"),
        text("previous_conf_status"),
        text("definition_hash"),
        text("previous_definition_hash"),
        text("cause"),
        text("cause_detail"),
    ]);
    Arc::new(Schema::new(fields))
}

/// Why a published value changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// A new or corrected source file: the raw files of a source feed differ.
    Source,
    /// A new definition version (the definition hash differs).
    Definition,
    /// A new disclosure outcome (CONF_STATUS or OBS_STATUS differ).
    Disclosure,
    /// None of the above (e.g. a new engine version).
    Other,
}

impl Cause {
    pub fn code(self) -> &'static str {
        match self {
            Cause::Source => "source",
            Cause::Definition => "definition",
            Cause::Disclosure => "disclosure",
            Cause::Other => "other",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Cause::Source, Lang::Fr) => "fichier source nouveau ou corrigé",
            (Cause::Source, Lang::Ar) => "ملف مصدر جديد أو مصحَّح",
            (Cause::Source, Lang::En) => "new or corrected source file",
            (Cause::Definition, Lang::Fr) => "nouvelle version de la définition",
            (Cause::Definition, Lang::Ar) => "إصدار جديد للتعريف",
            (Cause::Definition, Lang::En) => "new definition version",
            (Cause::Disclosure, Lang::Fr) => "nouvelle décision de confidentialité",
            (Cause::Disclosure, Lang::Ar) => "قرار جديد بشأن السرية",
            (Cause::Disclosure, Lang::En) => "new disclosure outcome",
            (Cause::Other, Lang::Fr) => "autre (moteur de calcul)",
            (Cause::Other, Lang::Ar) => "سبب آخر (محرك الحساب)",
            (Cause::Other, Lang::En) => "other (computation engine)",
        }
    }
}

/// One revised value: the new and the previous published observation, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub previous: Observation,
    pub current: Observation,
    pub causes: Vec<Cause>,
    /// What changed, in words shared by every language (file names, statuses, hashes).
    pub detail: String,
}

/// What `release create` asks for.
#[derive(Debug, Clone)]
pub struct NewRelease {
    pub name: String,
    pub snapshot_id: i64,
    pub embargo_until: Option<DateTime<Utc>>,
    pub steward_notes: Option<String>,
    pub created_by: String,
    pub now: DateTime<Utc>,
    /// The licence of its open dataset.
    pub licence: &'static crate::open_data::Licence,
}

/// A release made: its row (notes included) and what it holds.
#[derive(Debug)]
pub struct Created {
    pub release: Release,
    pub previous: Option<String>,
    pub observations: usize,
    pub revisions: Vec<Revision>,
}

/// Make a release of `req.snapshot_id`'s public observations. Refused, with nothing written,
/// for a name already used (or not a plain name), a snapshot without computed observations,
/// or one with no public observation.
pub async fn create(wh: &Warehouse, catalog: &Catalog, req: NewRelease) -> Result<Created> {
    let refuse = |detail: String| IndicatorError::Release {
        name: req.name.clone(),
        detail,
    };
    check_name(&req.name).map_err(&refuse)?;
    let existing = list(wh).await?;
    if existing.iter().any(|r| r.name == req.name) {
        return Err(refuse(
            store::ReleaseRefused::Exists(req.name.clone()).to_string(),
        ));
    }
    let snapshot = wh.snapshot(Some(req.snapshot_id)).await?;
    let session = wh.session(Some(snapshot.id)).await?;
    let stored = engine::stored(&session).await?.ok_or_else(|| {
        refuse(format!(
            "snapshot {} has no computed observations: run `marsad indicators compute --snapshot {}` first",
            snapshot.id, snapshot.id
        ))
    })?;
    let mut public = export::select(catalog, &stored, Role::Public);
    if public.is_empty() {
        return Err(refuse(format!(
            "snapshot {} has no approved observation to publish",
            snapshot.id
        )));
    }
    public.sort_by_key(key);

    let previous = existing
        .iter()
        .max_by_key(|r| (r.created_at, r.name.clone()));
    let (previous_obs, revisions) = match previous {
        Some(prev) => {
            let prev_obs = observations(wh, &prev.name).await?;
            let files = source_files(wh).await?;
            let revs = revisions(
                catalog,
                &prev_obs,
                &public,
                &|feed, at| files.of(feed, at),
                prev.snapshot_id,
                snapshot.id,
            );
            (Some(prev_obs), revs)
        }
        None => (None, Vec::new()),
    };

    let notes = notes(
        catalog,
        &req.name,
        snapshot.id,
        previous.map(|p| (p.name.as_str(), p.snapshot_id)),
        previous_obs.as_deref(),
        &public,
        &revisions,
        req.steward_notes.as_deref(),
    );
    let release = ReleaseRow {
        name: req.name.clone(),
        snapshot_id: snapshot.id,
        embargo_until: req.embargo_until,
        steward_notes: req.steward_notes.clone(),
        notes_fr: notes.fr,
        notes_ar: notes.ar,
        notes_en: notes.en,
        // As stored (microseconds), so the row returned is the row read back.
        created_at: DateTime::from_timestamp_micros(req.now.timestamp_micros()).unwrap_or(req.now),
        created_by: req.created_by.clone(),
        licence: Some(req.licence.id.to_string()),
    };
    let released = released_batch(&req.name, &public)?;
    let revised = revisions_batch(
        &req.name,
        previous.map_or("", |p| p.name.as_str()),
        &revisions,
    )?;
    store::create(
        wh.location(),
        &release,
        (released_schema(), vec![released]),
        (revisions_schema(), vec![revised]),
    )
    .await?
    .map_err(|e| refuse(e.to_string()))?;
    Ok(Created {
        release,
        previous: previous.map(|p| p.name.clone()),
        observations: public.len(),
        revisions,
    })
}

/// A release name: letters, digits, `-`, `_`, `.`; it appears in URLs and file names.
fn check_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err("a release name is 1 to 64 letters, digits, `-`, `_` or `.` (e.g. 2026-Q1)".into())
    }
}

/// The key of an observation across releases: indicator, period, breakdown (not the version:
/// a new definition revises the same cell).
fn key(o: &Observation) -> (String, String, observations::Breakdown) {
    (
        o.indicator_id.clone(),
        o.period.clone(),
        o.breakdown.clone(),
    )
}

/// The raw files of the warehouse: feed → (snapshot that added it, name, sha256).
struct SourceFiles(HashMap<String, Vec<(i64, String, String)>>);

impl SourceFiles {
    /// The files of `feed` in snapshot `at` (those added by it or before), sorted by sha256.
    fn of(&self, feed: &str, at: i64) -> BTreeSet<(String, String)> {
        self.0
            .get(feed)
            .into_iter()
            .flatten()
            .filter(|(s, _, _)| *s <= at)
            .map(|(_, name, sha)| (sha.clone(), name.clone()))
            .collect()
    }
}

async fn source_files(wh: &Warehouse) -> Result<SourceFiles> {
    let mut out: HashMap<String, Vec<(i64, String, String)>> = HashMap::new();
    if !tables::exists(wh.location(), RAW_FILES).await? {
        return Ok(SourceFiles(out));
    }
    let table = tables::open(wh.location(), RAW_FILES).await?;
    for batch in scan(&table, RAW_FILES).await? {
        let (feed, name, sha, snap) = (
            strings(&batch, "feed")?,
            strings(&batch, "original_name")?,
            strings(&batch, "sha256")?,
            ints(&batch, "snapshot_id")?,
        );
        for i in 0..batch.num_rows() {
            if let (Some(f), Some(n), Some(h), Some(s)) = (&feed[i], &name[i], &sha[i], snap[i]) {
                out.entry(f.clone())
                    .or_default()
                    .push((s, n.clone(), h.clone()));
            }
        }
    }
    Ok(SourceFiles(out))
}

/// The files of a feed at a snapshot (sha256, name).
type FilesAt<'a> = &'a dyn Fn(&str, i64) -> BTreeSet<(String, String)>;

/// The values of `current` whose published figure or status differ from `previous`'s, with
/// their causes. `files(feed, snapshot)` gives a feed's raw files at a snapshot.
pub fn revisions(
    catalog: &Catalog,
    previous: &[Observation],
    current: &[Observation],
    files: FilesAt<'_>,
    previous_snapshot: i64,
    current_snapshot: i64,
) -> Vec<Revision> {
    let before: HashMap<_, &Observation> = previous.iter().map(|o| (key(o), o)).collect();
    let mut out = Vec::new();
    for now in current {
        let Some(was) = before.get(&key(now)) else {
            continue;
        };
        let status_changed = was.obs_status != now.obs_status || was.conf_status != now.conf_status;
        if was.rounded_value() == now.rounded_value() && !status_changed {
            continue;
        }
        let mut causes = Vec::new();
        let mut detail = Vec::new();
        let feeds: Vec<String> = catalog
            .get(&now.indicator_id)
            .map(|i| i.def.sources.clone())
            .unwrap_or_default();
        for feed in &feeds {
            let (old, new) = (
                files(feed, previous_snapshot),
                files(feed, current_snapshot),
            );
            if old != new {
                let added: Vec<String> = new
                    .difference(&old)
                    .map(|(sha, name)| format!("{name} (sha256 {})", &sha[..sha.len().min(12)]))
                    .collect();
                detail.push(format!("{feed}: {}", added.join(", ")));
                if !causes.contains(&Cause::Source) {
                    causes.push(Cause::Source);
                }
            }
        }
        if was.definition_hash != now.definition_hash {
            causes.push(Cause::Definition);
            detail.push(format!(
                "v{} → v{}",
                was.indicator_version, now.indicator_version
            ));
        }
        if status_changed {
            causes.push(Cause::Disclosure);
            detail.push(format!(
                "OBS_STATUS {} → {}, CONF_STATUS {} → {}",
                was.obs_status, now.obs_status, was.conf_status, now.conf_status
            ));
        }
        if causes.is_empty() {
            causes.push(Cause::Other);
            detail.push(format!(
                "engine {} → {}",
                was.engine_version.as_deref().unwrap_or("?"),
                now.engine_version.as_deref().unwrap_or("?")
            ));
        }
        out.push(Revision {
            previous: (*was).clone(),
            current: now.clone(),
            causes,
            detail: detail.join("; "),
        });
    }
    out
}

fn released_batch(name: &str, obs: &[Observation]) -> Result<RecordBatch> {
    let batch = observations::to_batch(obs)?;
    let mut columns: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec![name; obs.len()]))];
    columns.extend(batch.columns().iter().cloned());
    Ok(RecordBatch::try_new(released_schema(), columns)?)
}

fn revisions_batch(name: &str, previous: &str, revs: &[Revision]) -> Result<RecordBatch> {
    let text = |f: &dyn Fn(&Revision) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(revs.iter().map(f)))
    };
    let mut columns: Vec<ArrayRef> = vec![
        text(&|_| name.to_string()),
        text(&|_| previous.to_string()),
        text(&|r| r.current.indicator_id.clone()),
        Arc::new(Int64Array::from_iter_values(
            revs.iter().map(|r| r.current.indicator_version),
        )),
        text(&|r| r.current.period.clone()),
    ];
    for i in 0..Dimension::BREAKDOWNS.len() {
        columns.push(text(&|r| r.current.breakdown[i].clone()));
    }
    columns.extend([
        Arc::new(Float64Array::from_iter(
            revs.iter().map(|r| r.current.rounded_value()),
        )) as ArrayRef,
        Arc::new(Float64Array::from_iter(
            revs.iter().map(|r| r.previous.rounded_value()),
        )),
        text(&|r| r.current.obs_status.clone()),
        text(&|r| r.previous.obs_status.clone()),
        text(&|r| r.current.conf_status.clone()),
        text(&|r| r.previous.conf_status.clone()),
        text(&|r| r.current.definition_hash.clone()),
        text(&|r| r.previous.definition_hash.clone()),
        text(&|r| {
            r.causes
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(",")
        }),
        text(&|r| r.detail.clone()),
    ]);
    Ok(RecordBatch::try_new(revisions_schema(), columns)?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Fr,
    Ar,
    En,
}

/// The words of the release notes, per language.
struct Words {
    release: &'static str,
    snapshot: &'static str,
    previous: &'static str,
    first: &'static str,
    new_indicators: &'static str,
    retired_indicators: &'static str,
    new_periods: &'static str,
    revised: &'static str,
    breaks: &'static str,
    new_version: &'static str,
    steward: &'static str,
    none: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Fr => Words {
            release: "Publication",
            snapshot: "instantané",
            previous: "publication précédente",
            first: "première publication",
            new_indicators: "Nouveaux indicateurs",
            retired_indicators: "Indicateurs retirés",
            new_periods: "Nouvelles périodes",
            revised: "Valeurs révisées",
            breaks: "Ruptures de série",
            new_version: "nouvelle définition",
            steward: "Notes du responsable",
            none: "aucun",
        },
        Lang::Ar => Words {
            release: "الإصدار",
            snapshot: "اللقطة",
            previous: "الإصدار السابق",
            first: "الإصدار الأول",
            new_indicators: "مؤشرات جديدة",
            retired_indicators: "مؤشرات متوقفة",
            new_periods: "فترات جديدة",
            revised: "قيم منقحة",
            breaks: "انقطاعات في السلاسل",
            new_version: "تعريف جديد",
            steward: "ملاحظات المسؤول",
            none: "لا شيء",
        },
        Lang::En => Words {
            release: "Release",
            snapshot: "snapshot",
            previous: "previous release",
            first: "first release",
            new_indicators: "New indicators",
            retired_indicators: "Retired indicators",
            new_periods: "New periods",
            revised: "Revised values",
            breaks: "Breaks in series",
            new_version: "new definition",
            steward: "Steward's notes",
            none: "none",
        },
    }
}

/// A cell as the notes name it: indicator, period, and the breakdown values that are not
/// totals or not-applicable.
fn cell(o: &Observation) -> String {
    let mut parts = vec![o.indicator_id.clone(), o.period.clone()];
    for (i, d) in Dimension::BREAKDOWNS.iter().enumerate() {
        let v = &o.breakdown[i];
        if v != d.total() && v != d.not_applicable() {
            parts.push(format!("{}={v}", d.column()));
        }
    }
    parts.join(" ")
}

/// The release notes, generated from the data, the steward's appended.
#[allow(clippy::too_many_arguments)]
pub fn notes(
    catalog: &Catalog,
    name: &str,
    snapshot_id: i64,
    previous: Option<(&str, i64)>,
    previous_obs: Option<&[Observation]>,
    current: &[Observation],
    revisions: &[Revision],
    steward: Option<&str>,
) -> Text {
    let prev_obs = previous_obs.unwrap_or(&[]);
    let ids = |obs: &[Observation]| -> BTreeMap<String, i64> {
        obs.iter()
            .map(|o| (o.indicator_id.clone(), o.indicator_version))
            .collect()
    };
    let (before, after) = (ids(prev_obs), ids(current));
    let new_ids: Vec<&String> = after.keys().filter(|i| !before.contains_key(*i)).collect();
    let retired: Vec<&String> = before.keys().filter(|i| !after.contains_key(*i)).collect();
    // Periods new to an indicator that the previous release already had.
    let old_periods: BTreeSet<(&str, &str)> = prev_obs
        .iter()
        .map(|o| (o.indicator_id.as_str(), o.period.as_str()))
        .collect();
    let new_periods: BTreeSet<(&str, &str)> = current
        .iter()
        .filter(|o| before.contains_key(&o.indicator_id))
        .map(|o| (o.indicator_id.as_str(), o.period.as_str()))
        .filter(|p| !old_periods.contains(p))
        .collect();
    // Breaks: a new definition version of a series already published, and observations
    // flagged as a break (OBS_STATUS B).
    let mut breaks: Vec<(String, Option<(i64, i64)>)> = after
        .iter()
        .filter_map(|(id, v)| {
            before
                .get(id)
                .filter(|old| *old != v)
                .map(|old| (id.clone(), Some((*old, *v))))
        })
        .collect();
    breaks.extend(
        current
            .iter()
            .filter(|o| o.obs_status == "B")
            .map(|o| (cell(o), None)),
    );

    let render = |lang: Lang| -> String {
        let w = words(lang);
        let name_of = |id: &str| -> String {
            catalog
                .get(id)
                .map(|i| {
                    let t = &i.def.name;
                    match lang {
                        Lang::Fr => t.fr.clone(),
                        Lang::Ar => t.ar.clone(),
                        Lang::En => t.en.clone(),
                    }
                })
                .unwrap_or_default()
        };
        let mut out = format!("{} {name} ({} {snapshot_id})", w.release, w.snapshot);
        match previous {
            Some((p, s)) => out.push_str(&format!(", {} {p} ({} {s})\n", w.previous, w.snapshot)),
            None => out.push_str(&format!(", {}\n", w.first)),
        }
        let section = |out: &mut String, title: &str, lines: Vec<String>| {
            out.push_str(&format!("\n{title} ({}):\n", lines.len()));
            if lines.is_empty() {
                out.push_str(&format!("- {}\n", w.none));
            }
            for l in lines {
                out.push_str(&format!("- {l}\n"));
            }
        };
        section(
            &mut out,
            w.new_indicators,
            new_ids
                .iter()
                .map(|id| format!("{id}: {}", name_of(id)))
                .collect(),
        );
        section(
            &mut out,
            w.retired_indicators,
            retired
                .iter()
                .map(|id| format!("{id}: {}", name_of(id)))
                .collect(),
        );
        section(
            &mut out,
            w.new_periods,
            new_periods
                .iter()
                .map(|(id, p)| format!("{id} {p}"))
                .collect(),
        );
        section(
            &mut out,
            w.revised,
            revisions
                .iter()
                .map(|r| {
                    let why: Vec<&str> = r.causes.iter().map(|c| c.label(lang)).collect();
                    format!(
                        "{}: {} → {} ({}: {})",
                        cell(&r.current),
                        r.previous.display_value(),
                        r.current.display_value(),
                        why.join(", "),
                        r.detail
                    )
                })
                .collect(),
        );
        section(
            &mut out,
            w.breaks,
            breaks
                .iter()
                .map(|(what, versions)| match versions {
                    Some((a, b)) => format!("{what}: {} (v{a} → v{b})", w.new_version),
                    None => what.clone(),
                })
                .collect(),
        );
        if let Some(text) = steward.map(str::trim).filter(|t| !t.is_empty()) {
            out.push_str(&format!("\n{}:\n{text}\n", w.steward));
        }
        out
    };
    Text {
        fr: render(Lang::Fr),
        ar: render(Lang::Ar),
        en: render(Lang::En),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn release(name: &str, created: i64, embargo: Option<i64>) -> Release {
        Release {
            name: name.into(),
            snapshot_id: 1,
            embargo_until: embargo.map(|e| Utc.timestamp_opt(e, 0).unwrap()),
            steward_notes: None,
            notes_fr: String::new(),
            notes_ar: String::new(),
            notes_en: String::new(),
            created_at: Utc.timestamp_opt(created, 0).unwrap(),
            created_by: "t".into(),
            licence: None,
        }
    }

    /// The latest release public at a time; an embargoed one only from its end.
    #[test]
    fn as_of_takes_the_latest_public_release() {
        let all = [
            release("a", 100, None),
            release("b", 200, Some(500)),
            release("c", 300, None),
        ];
        let at = |t: i64| as_of(&all, Utc.timestamp_opt(t, 0).unwrap()).map(|r| r.name.as_str());
        assert_eq!(at(99), None);
        assert_eq!(at(100), Some("a"));
        assert_eq!(at(299), Some("a"));
        assert_eq!(at(300), Some("c"));
        assert_eq!(at(500), Some("b"), "b is published at 500, after c");
    }

    #[test]
    fn as_of_reads_dates_and_times() {
        assert_eq!(
            parse_as_of("2026-04-01").unwrap(),
            Utc.with_ymd_and_hms(2026, 4, 1, 23, 59, 59).unwrap()
                + chrono::Duration::microseconds(999_999)
        );
        assert_eq!(
            parse_as_of("2026-04-01T09:00:00+01:00").unwrap(),
            Utc.with_ymd_and_hms(2026, 4, 1, 8, 0, 0).unwrap()
        );
        assert_eq!(
            parse_as_of("April").unwrap_err(),
            "`April` is neither a date (2026-04-01) nor an RFC 3339 time (2026-04-01T09:00:00Z)"
        );
    }

    fn obs(id: &str, version: i64, period: &str, value: f64, conf: &str) -> Observation {
        Observation {
            indicator_version: version,
            numerator: None,
            conf_status: conf.into(),
            definition_hash: format!("hash-v{version}"),
            engine_version: Some("0.1.0".into()),
            ..crate::export::tests::observation(id, period, value)
        }
    }

    /// Each cause is found from what differs: files of a source feed, the definition hash, the
    /// disclosure statuses; unchanged values are no revision. The notes list new and retired
    /// indicators, new periods, revised values with their causes, and breaks.
    #[test]
    fn revisions_have_their_cause_and_the_notes_say_what_changed() {
        let catalog = Catalog::embedded().unwrap();
        let previous = vec![
            obs("PMP_AESE_CASES", 1, "2023", 109.0, "F"),
            obs("PMP_AESE_CASES", 1, "2024", 84.0, "F"),
            obs("EMC_REPORTS", 1, "2024", 574.0, "F"),
            obs("PMP_VICTIMS_JUDGED", 1, "2023", 9357.0, "F"),
        ];
        let mut suppressed = obs("EMC_REPORTS", 1, "2024", 574.0, "C").public();
        suppressed.snapshot_id = 2;
        let current = vec![
            obs("PMP_AESE_CASES", 2, "2023", 109.0, "F"),
            obs("PMP_AESE_CASES", 2, "2024", 85.0, "F"),
            obs("PMP_AESE_CASES", 2, "2025", 90.0, "F"),
            suppressed,
            obs("NCMEC_MA_REPORTS", 1, "2023", 543638.0, "F"),
        ];
        // No source file changed between the two snapshots.
        let files = |_: &str, _: i64| BTreeSet::new();
        let revs = revisions(&catalog, &previous, &current, &files, 1, 2);
        let got: Vec<(String, Vec<Cause>, String)> = revs
            .iter()
            .map(|r| (cell(&r.current), r.causes.clone(), r.detail.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "PMP_AESE_CASES 2024".to_string(),
                    vec![Cause::Definition],
                    "v1 → v2".to_string()
                ),
                (
                    "EMC_REPORTS 2024".to_string(),
                    vec![Cause::Disclosure],
                    "OBS_STATUS A → Q, CONF_STATUS F → C".to_string()
                ),
            ]
        );
        // 2023 kept its figure under the new definition: not a revision.
        let text = notes(
            &catalog,
            "R2",
            2,
            Some(("R1", 1)),
            Some(&previous),
            &current,
            &revs,
            Some("  Steward text.  "),
        );
        let names = |id: &str| catalog.get(id).unwrap().def.name.en.clone();
        assert_eq!(
            text.en,
            format!(
                "Release R2 (snapshot 2), previous release R1 (snapshot 1)

New indicators (1):
- NCMEC_MA_REPORTS: {}

Retired indicators (1):
- PMP_VICTIMS_JUDGED: {}

New periods (1):
- PMP_AESE_CASES 2025

Revised values (2):
- PMP_AESE_CASES 2024: 84 → 85 (new definition version: v1 → v2)
- EMC_REPORTS 2024: 574 → suppressed (new disclosure outcome: OBS_STATUS A → Q, CONF_STATUS F → C)

Breaks in series (1):
- PMP_AESE_CASES: new definition (v1 → v2)

Steward's notes:
Steward text.
",
                names("NCMEC_MA_REPORTS"),
                names("PMP_VICTIMS_JUDGED")
            )
        );
        assert!(text.fr.contains(
            "- PMP_AESE_CASES 2024: 84 → 85 (nouvelle version de la définition: v1 → v2)\n"
        ));
        assert!(text.ar.contains("- EMC_REPORTS 2024: 574 → suppressed (قرار جديد بشأن السرية: OBS_STATUS A → Q, CONF_STATUS F → C)\n"));
    }

    #[test]
    fn release_names_are_plain() {
        assert!(check_name("2026-Q1").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a/b").is_err());
    }
}
