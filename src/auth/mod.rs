//! Authentication primitives, free of HTTP: request signatures, secret sealing and tokens.
//! The HTTP middleware that applies them lives in `http::auth` and in each face.

pub mod acs;
pub mod authz;
pub mod sdk_hmac;
pub mod sealing;
pub mod tokens;

/// Whether the request's Content-Type is `media_type` (lower case; parameters such as
/// `boundary=` and the case of the header value ignored).
pub(crate) fn has_content_type(headers: &http::HeaderMap, media_type: &str) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with(media_type))
}
