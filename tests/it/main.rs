//! Roster's integration tests, as one test binary: each module below was its own file under
//! tests/ and keeps its own subject (its first lines say which). One binary is linked once
//! instead of once per file, and its tests share the test threads, so a long suite (the
//! SDK runs) overlaps the short ones; on a 2-core machine that is most of CI's time.
//!
//! Run one module with `cargo test --test it <module>::` (e.g. `cargo test --test it
//! workspace_http::`). Helpers (`TestDb`, `Server`, `Client`, the SDK runner) are in
//! `common`.

mod common;

mod acs_vectors;
mod chosen_ids;
mod cli;
mod cluster;
mod credentials;
mod directory;
mod exports;
mod iam_http;
mod iam_lists;
mod iam_nodes;
mod iam_sdk;
mod imports;
mod keystone_application_credentials;
mod keystone_catalog;
mod keystone_credentials;
mod keystone_domains;
mod keystone_projects;
mod membership_races;
mod outage;
mod quickbi_directory;
mod quickbi_http;
mod quickbi_sdk;
mod sdk_e2e;
mod sdk_hmac_vectors;
mod security_policies;
mod tempest;
mod text_rules;
mod token_revocation;
mod workspace_http;
