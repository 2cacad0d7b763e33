//! Authentication primitives, free of HTTP: request signatures, secret sealing and tokens.
//! The HTTP middleware that applies them lives in `http::auth` and in each face.

pub mod acs;
pub mod sdk_hmac;
pub mod sealing;
pub mod tokens;
