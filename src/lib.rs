//! Roster: a directory of users and user groups for many tenants, served through the Huawei
//! Workspace face (and, as they land, IAM and Quick BI). See ARCHITECTURE.md for the map.

pub mod auth;
pub mod cli;
pub mod config;
pub mod core;
pub mod excel;
pub mod http;
pub mod iam;
pub mod jobs;
pub mod quickbi;
pub mod store;
pub mod workspace;
