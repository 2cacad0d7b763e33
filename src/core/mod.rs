//! The directory core: model, rules and operations. Knows nothing of HTTP or of any face.

pub mod application_credentials;
pub mod authz;
pub mod catalog;
pub mod directory;
pub mod error;
pub mod exports;
pub mod ids;
pub mod keystone;
pub mod keystone_credentials;
pub mod model;
pub mod password;
pub mod policy;
pub mod storage;
pub mod text;
pub mod validate;

pub use directory::Directory;
pub use error::{Entity, Error};
