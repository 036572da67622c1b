//! The one integration-test binary (linking datafusion, deltalake and the pipelines is slow, so
//! every end-to-end test lives here). Each module drives the real `marsad` binary on temporary
//! data directories loaded from data-samples/.

mod approval; // approved means fixed: check names what changed; per-indicator settings
mod bad_input; // refused files leave the warehouse unchanged; bad rows are quarantined
mod cli; // the README's commands: demo, feeds, sql, gen
mod corpus; // damaged files from data-samples: refused or flagged, never a panic or a runaway
mod dashboards; // the pages served in fr/ar/en (analyst banner) and the static site's links
mod fallbacks; // no silent fallbacks: unreadable log, missing warehouse, read-only reads, rounding
mod helpers; // temporary data directories, running the CLI, reading CSV answers
mod hostile_sql; // SQL that must be refused or stopped within its limit; safe terminal output
mod indicators; // catalogue → observations → public exports, disclosure, approval check
mod metadata; // caveats, Luxembourg Guidelines terms, complete fr/ar/en metadata, the ICCS crosswalk
mod open_data; // the open dataset: Data Package v2 (frictionless), DCAT-AP 3 (pyshacl SHACL), Delta tables in Python
mod pg; // the PostgreSQL protocol: psql and the extended protocol through the one query path
mod published; // every feed's sample → warehouse reproduces the published figures exactly
mod releases; // release create/list/notes: immutability, vintages (as_of), revisions, notes
mod resend; // records sent again: one version per key, new/changed/unchanged, key check, cut census
mod s3; // the same warehouse on an object store (local S3: moto)
mod server; // `marsad serve`: loads an empty data directory, answers, exits 0 on SIGTERM
mod slt; // sql/tests/**/*.slt: views, indicator queries and survey designs on small fixtures
mod snapshots; // idempotence, pinned snapshots, lineage, killed ingests
mod survey; // survey estimators in SQL: R's results, domains, the SDG 16.2.3 indicator
mod tokens; // marsad tokens create/list/revoke, each audited; who may read audit.events
