//! Embeds the catalogue: every `indicators/catalog/<ID>.toml` with its `sql/indicators/<ID>.sql`,
//! so the binary carries the indicators it was built with (a `--catalog DIR` overrides at run
//! time). Adding an indicator is adding those two files; nothing to register by hand.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let catalog = manifest.join("catalog");
    let sql = manifest.join("../sql/indicators");
    println!("cargo:rerun-if-changed={}", catalog.display());
    println!("cargo:rerun-if-changed={}", sql.display());

    let mut ids: Vec<String> = std::fs::read_dir(&catalog)
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();

    let mut out = String::from("/// (id, catalogue TOML, SQL if the file exists), sorted by id.\n");
    out.push_str("pub const EMBEDDED: &[(&str, &str, Option<&str>)] = &[\n");
    for id in &ids {
        let toml = catalog.join(format!("{id}.toml"));
        let sql_file = sql.join(format!("{id}.sql"));
        println!("cargo:rerun-if-changed={}", toml.display());
        println!("cargo:rerun-if-changed={}", sql_file.display());
        let sql_expr = if sql_file.exists() {
            format!("Some(include_str!({:?}))", sql_file.display().to_string())
        } else {
            "None".to_string()
        };
        let _ = writeln!(
            out,
            "    ({id:?}, include_str!({:?}), {sql_expr}),",
            toml.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("catalog.rs");
    std::fs::write(dest, out).expect("write the embedded catalogue");
}
