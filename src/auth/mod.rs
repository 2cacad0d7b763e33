//! Authentication primitives, free of HTTP: request signatures and secret sealing. The HTTP
//! middleware that applies them lives in `http::auth`.

pub mod acs;
pub mod sdk_hmac;
pub mod sealing;
