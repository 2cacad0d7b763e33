//! The one error type of the directory. Faces render it in their own wire format; the kind
//! decides the HTTP status, the face decides the code and the envelope.

use std::fmt;

/// What a `NotFound` or `Conflict` is about, so faces can pick precise codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Account,
    Project,
    User,
    Group,
    AccessKey,
    Task,
    Token,
    Role,
    Grant,
    Policy,
    Region,
    Service,
    Endpoint,
    PolicyBlob,
    Credential,
    ApplicationCredential,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::Account => "account",
            Entity::Project => "project",
            Entity::Task => "export task",
            Entity::User => "user",
            Entity::Group => "user group",
            Entity::AccessKey => "access key",
            Entity::Token => "token",
            Entity::Role => "role",
            Entity::Grant => "role assignment",
            Entity::Policy => "policy",
            Entity::Region => "region",
            Entity::Service => "service",
            Entity::Endpoint => "endpoint",
            Entity::PolicyBlob => "policy",
            Entity::Credential => "credential",
            Entity::ApplicationCredential => "application credential",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is missing, malformed or out of range (400).
    #[error("{0}")]
    Invalid(String),
    /// A user or group name breaks the naming rules (400).
    #[error("{0}")]
    InvalidName(String),
    /// A password breaks the password policy (400).
    #[error("{0}")]
    InvalidPassword(String),
    /// The request body is larger than allowed (413).
    #[error("{0}")]
    TooLarge(String),
    /// A hierarchy change would make a cycle or exceed the depth limit (400).
    #[error("{0}")]
    Hierarchy(String),
    /// A quota is used up, such as the two access keys a user may have (400, as the
    /// clouds answer it).
    #[error("{0}")]
    Limit(String),
    /// The thing does not exist in the caller's account (404).
    #[error("{what} {name} does not exist", what = .0, name = crate::core::text::quoted(.1))]
    NotFound(Entity, String),
    /// A name is already taken in the account (409).
    #[error("{what} name {name} is already in use", what = .0, name = crate::core::text::quoted(.1))]
    Duplicate(Entity, String),
    /// The request conflicts with the state of the directory (409).
    #[error("{0}")]
    Conflict(String),
    /// No valid credentials (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Valid credentials, but not for this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The caller's policies do not allow the action (403): `message` is for the caller,
    /// `encoded` the sealed explanation only STS's decode-authorization-message opens.
    #[error("{message}")]
    Denied { message: String, encoded: String },
    /// The database cannot be reached (503).
    #[error("the directory database is unavailable")]
    Unavailable(String),
    /// The transaction lost a conflict with another one and was rolled back whole
    /// (PostgreSQL 40001 serialization failure, 40P01 deadlock, 23503 a referenced row
    /// deleted by a concurrent transaction): safe to run again (503 if it keeps losing).
    #[error("the request conflicted with a concurrent change; try again")]
    Contention(String),
    /// A write broke a unique constraint (a name or id taken by a concurrent write): the
    /// core turns it into the precise `Duplicate` where it knows the name (409).
    #[error("{0}")]
    Unique(String),
    /// A fault of ours (500). The text is logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    pub fn http_status(&self) -> u16 {
        match self {
            Error::Invalid(_)
            | Error::InvalidName(_)
            | Error::InvalidPassword(_)
            | Error::Hierarchy(_)
            | Error::Limit(_) => 400,
            Error::TooLarge(_) => 413,
            Error::Unauthenticated(_) => 401,
            Error::Forbidden(_) | Error::Denied { .. } => 403,
            Error::NotFound(..) => 404,
            Error::Duplicate(..) | Error::Conflict(_) | Error::Unique(_) => 409,
            Error::Internal(_) => 500,
            Error::Unavailable(_) | Error::Contention(_) => 503,
        }
    }
}
