//! The one integration-test binary (linking datafusion, deltalake and the pipelines is slow, so
//! every end-to-end test lives here). Each module drives the real `marsad` binary on temporary
//! data directories loaded from data-samples/.

mod bad_input; // refused files leave the warehouse unchanged; bad rows are quarantined
mod cli;
mod corpus; // damaged files from data-samples: refused or flagged, never a panic or a runaway
mod helpers; // temporary data directories, running the CLI, reading CSV answers
mod indicators; // catalogue → observations → public exports, disclosure, approval check
mod published; // every feed's sample → warehouse reproduces the published figures exactly
mod s3; // the same warehouse on an object store (local S3: moto)
mod snapshots;
mod survey; // survey estimators in SQL: R's results, domains, the SDG 16.2.3 indicator // idempotence, pinned snapshots, lineage, killed ingests // the README's commands: demo, feeds, sql, gen
