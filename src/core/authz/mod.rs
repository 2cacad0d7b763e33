//! Authorization as Huawei Cloud IAM defines it, with no HTTP and no storage in it: policy
//! documents (`document`, `condition`), the decision over what a caller holds (`eval`),
//! the action names of every face (`actions`) and the system roles (`system`).
//!
//! Who holds what is the storage's (grants of roles to groups, identity policies attached
//! to users and groups); the faces ask `crate::auth::authz` for a decision per request.

pub mod actions;
pub mod condition;
pub mod document;
pub mod eval;
pub mod store;
pub mod system;

pub use condition::Context;
pub use document::{Document, Effect, Version};
pub use eval::{decide, decide_allowing, Ask, Decision, Held, Source};
pub use system::{RoleType, SystemRole, SYSTEM_ROLES};
