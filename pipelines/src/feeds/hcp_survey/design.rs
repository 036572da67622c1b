//! The design file of a survey (`<data file stem>.design.toml`): where it must be, what it may
//! say, how it is checked, and which of the data file's columns its names designate.

use super::*;

/// How fpc columns are expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FpcKind {
    /// Number of units in the population of the stratum (R survey's default reading).
    Population,
    /// Sampling fraction, 0 < f ≤ 1.
    Fraction,
}

impl FpcKind {
    pub(super) fn name(self) -> &'static str {
        match self {
            FpcKind::Population => "population",
            FpcKind::Fraction => "fraction",
        }
    }
}

/// A survey's design description (`<stem>.design.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    pub survey_id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub weight: String,
    #[serde(default)]
    pub strata: Option<String>,
    #[serde(default)]
    pub psu: Option<String>,
    #[serde(default)]
    pub ssu: Option<String>,
    #[serde(default)]
    pub fpc: Option<String>,
    #[serde(default)]
    pub fpc2: Option<String>,
    #[serde(default)]
    pub fpc_kind: Option<FpcKind>,
    /// The respondent id column: with the survey id, the key of a respondent's record, so that a
    /// second file of the same survey replaces its respondents instead of adding them again.
    #[serde(default)]
    pub respondent_id: Option<String>,
}

impl Design {
    pub(super) fn kind(&self) -> FpcKind {
        self.fpc_kind.unwrap_or(FpcKind::Population)
    }
    /// The staging table of this survey's microdata.
    pub fn table_name(&self) -> String {
        format!("{SURVEY_TABLE_PREFIX}{}", self.survey_id)
    }
}

/// Where the design description of a data file must be: beside it, `<stem>.design.toml`.
pub fn design_path(data: &Path) -> PathBuf {
    let stem = data
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    data.with_file_name(format!("{stem}.design.toml"))
}

/// Read and check a design description.
pub fn read_design(data_file: &str, path: &Path) -> Result<Design> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PipelineError::Config(format!(
                "{data_file}: survey microdata need their design description, expected at {} \
                 (survey_id, weight, and strata, psu, fpc … as present; see data-samples/README.md)",
                path.display()
            )))
        }
        Err(e) => {
            return Err(PipelineError::Io {
                file: path.display().to_string(),
                cause: e,
            })
        }
    };
    let design: Design = toml::from_str(&text).map_err(|e| {
        PipelineError::Config(format!(
            "{}: not a valid design description: {e}",
            path.display()
        ))
    })?;
    let id = &design.survey_id;
    let valid = id.len() <= 48
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(PipelineError::Config(format!(
            "{}: survey_id `{id}` must be lower-case ASCII letters, digits and _ (starting with a letter, at most 48): it names the table survey_<id>",
            path.display()
        )));
    }
    Ok(design)
}

/// The design's columns, as indexes into the file's columns.
#[derive(Debug, Clone, Copy)]
pub(super) struct Roles {
    pub(super) weight: usize,
    pub(super) strata: Option<usize>,
    pub(super) psu: Option<usize>,
    pub(super) ssu: Option<usize>,
    pub(super) fpc: Option<usize>,
    pub(super) fpc2: Option<usize>,
    pub(super) respondent: Option<usize>,
}

pub(super) fn resolve_roles(
    design: &Design,
    design_file: &Path,
    file: &str,
    headers: &[String],
    names: &[String],
) -> Result<Roles> {
    let find = |role: &str, given: &str| -> Result<usize> {
        let f = fold(given);
        headers
            .iter()
            .zip(names)
            .position(|(h, n)| h.trim() == given.trim() || fold(h) == f || n == given.trim())
            .ok_or_else(|| PipelineError::MissingColumn {
                file: file.to_string(),
                column: given.to_string(),
                aliases: format!("the `{role}` column named in {}", design_file.display()),
                found: headers
                    .iter()
                    .map(|h| format!("`{}`", h.trim()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let opt =
        |role: &str, given: &Option<String>| given.as_deref().map(|g| find(role, g)).transpose();
    Ok(Roles {
        weight: find("weight", &design.weight)?,
        strata: opt("strata", &design.strata)?,
        psu: opt("psu", &design.psu)?,
        ssu: opt("ssu", &design.ssu)?,
        fpc: opt("fpc", &design.fpc)?,
        fpc2: opt("fpc2", &design.fpc2)?,
        respondent: opt("respondent_id", &design.respondent_id)?,
    })
}
