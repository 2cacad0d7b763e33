//! SDK-HMAC-SHA256, the AK/SK request signature of Huawei Cloud's SDKs, verified on the
//! server side by rebuilding the canonical request from the raw request as received.
//!
//! CanonicalRequest = METHOD \n URI \n QUERY \n (name:value \n)* \n signed;headers \n payloadHash
//! StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
//! Signature        = hex(hmac_sha256(SK, StringToSign))

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// How far the signing clock may be from ours.
pub const CLOCK_WINDOW_SECS: i64 = 15 * 60;

/// RFC 3986: everything but `A-Za-z0-9-_.~` is percent-encoded (upper-case hex).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The parts of a request that the signature covers, as received.
pub struct RawRequest<'a> {
    pub method: &'a str,
    /// The path exactly as on the request line (still percent-encoded).
    pub path: &'a str,
    /// The query exactly as on the request line, without `?`; empty if none.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// The parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Why a signature was refused. The text is safe to show to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(msg.into()))
}

/// Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Result<Authorization, Refused> {
    let Some(rest) = value.strip_prefix(ALGORITHM) else {
        return refuse(format!("the Authorization header must use {ALGORITHM}"));
    };
    let (mut ak, mut sh, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        match part.split_once('=') {
            Some(("Access", v)) => ak = Some(v.trim()),
            Some(("SignedHeaders", v)) => sh = Some(v.trim()),
            Some(("Signature", v)) => sig = Some(v.trim()),
            _ => return refuse("the Authorization header is malformed"),
        }
    }
    let (Some(ak), Some(sh), Some(sig)) = (ak, sh, sig) else {
        return refuse("the Authorization header lacks Access, SignedHeaders or Signature");
    };
    if ak.is_empty()
        || sh.is_empty()
        || sig.len() != 64
        || !sig.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return refuse("the Authorization header is malformed");
    }
    let signed_headers: Vec<String> = sh.split(';').map(|h| h.to_ascii_lowercase()).collect();
    if signed_headers.iter().any(|h| h.is_empty()) {
        return refuse("SignedHeaders is malformed");
    }
    if !signed_headers.iter().any(|h| h == "x-sdk-date")
        || !signed_headers.iter().any(|h| h == "host")
    {
        return refuse("SignedHeaders must include host and x-sdk-date");
    }
    Ok(Authorization {
        access_key: ak.to_string(),
        signed_headers,
        signature: sig.to_ascii_lowercase(),
    })
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Decode the path, split on `/`, re-encode each segment, append `/` if absent.
pub fn canonical_uri(raw_path: &str) -> String {
    let decoded = decode(raw_path);
    let mut uri = decoded.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Pairs decoded, sorted by key then value, re-encoded, `k=v` joined with `&`. A key sent
/// without `=` stays without it, so `k` and `k=` sign differently.
pub fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, Option<String>)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), Some(decode(v))),
            None => (decode(p), None),
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{}={}", encode(k), encode(v)),
            None => encode(k),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn header_value(headers: &HeaderMap, name: &str) -> Result<Vec<u8>, Refused> {
    let values: Vec<&[u8]> = headers.get_all(name).iter().map(|v| v.as_bytes()).collect();
    if values.is_empty() {
        return refuse(format!("signed header {name} is missing"));
    }
    Ok(values
        .iter()
        .map(|v| v.trim_ascii())
        .collect::<Vec<_>>()
        .join(&b","[..]))
}

/// The canonical request, as bytes (header values are taken as sent, UTF-8 or not), as the
/// server checks it (a claimed payload hash must hold).
pub fn canonical_request(
    req: &RawRequest<'_>,
    signed_headers: &[String],
) -> Result<Vec<u8>, Refused> {
    canonical_request_as(req, signed_headers, Side::Server)
}

fn canonical_request_as(
    req: &RawRequest<'_>,
    signed_headers: &[String],
    side: Side,
) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(req.method.to_ascii_uppercase().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(req.path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(req.query).as_bytes());
    out.push(b'\n');
    for name in signed_headers {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(&header_value(req.headers, name)?);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash(req, signed_headers, side)?.as_bytes());
    Ok(out)
}

/// The `X-Sdk-Content-Sha256` value that leaves the body out of the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Whether the request is an upload whose body the signature leaves out: the official SDK
/// sends `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` (signed) on its `multipart/form-data`
/// uploads and nowhere else, so that is the one case accepted. Everything else (every JSON
/// body) is signed whole: a captured request's body cannot be swapped.
pub fn is_unsigned_upload(headers: &HeaderMap) -> bool {
    let unsigned = headers
        .get("x-sdk-content-sha256")
        .is_some_and(|v| v.as_bytes().trim_ascii() == UNSIGNED_PAYLOAD.as_bytes());
    unsigned && is_multipart(headers)
}

fn is_multipart(headers: &HeaderMap) -> bool {
    super::has_content_type(headers, "multipart/form-data")
}

/// The payload hash of the canonical request: hex SHA-256 of the body. A signed
/// `X-Sdk-Content-Sha256` header (the header must be signed) takes its place only if it
/// is that very hash, or `UNSIGNED-PAYLOAD` on a multipart upload ([`is_unsigned_upload`]);
/// any other claim is refused, so a signature never covers a body it did not hash.
/// Who builds a canonical request: the server checks a claimed payload hash, a client
/// (Roster's tests, an attacker's replay in them) signs whatever it claims.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Server,
    Client,
}

fn payload_hash(
    req: &RawRequest<'_>,
    signed_headers: &[String],
    side: Side,
) -> Result<String, Refused> {
    let actual = || {
        if req.body.is_empty() {
            EMPTY_HASH.to_string()
        } else {
            hex::encode(Sha256::digest(req.body))
        }
    };
    let Some(v) = req.headers.get("x-sdk-content-sha256") else {
        return Ok(actual());
    };
    if !signed_headers.iter().any(|h| h == "x-sdk-content-sha256") {
        return refuse("X-Sdk-Content-Sha256 must be signed");
    }
    let claimed = String::from_utf8_lossy(v.as_bytes()).trim().to_string();
    if side == Side::Client {
        return Ok(claimed);
    }
    if claimed == UNSIGNED_PAYLOAD {
        if !is_multipart(req.headers) {
            return refuse(
                "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is accepted only on multipart/form-data uploads; sign the body",
            );
        }
        return Ok(claimed);
    }
    if !claimed.eq_ignore_ascii_case(&actual()) {
        return refuse("X-Sdk-Content-Sha256 is not the SHA-256 of the body");
    }
    Ok(claimed)
}

pub fn string_to_sign(sdk_date: &str, canonical_request: &[u8]) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex::encode(Sha256::digest(canonical_request))
    )
}

pub fn sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The client side, as the SDK does it: signs `headers` (which must hold `host` and
/// `x-sdk-date`, and every header to sign) and returns the `Authorization` value. For
/// Roster's own tests and benchmarks.
pub fn authorization_for(
    req: &RawRequest<'_>,
    access_key: &str,
    secret: &str,
) -> Result<String, Refused> {
    let mut names: Vec<String> = req
        .headers
        .keys()
        .map(|k| k.as_str().to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    let date = req
        .headers
        .get("x-sdk-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Refused("x-sdk-date is required".into()))?;
    let canonical = canonical_request_as(req, &names, Side::Client)?;
    let signature = sign(secret, &string_to_sign(date, &canonical));
    Ok(format!(
        "{ALGORITHM} Access={access_key}, SignedHeaders={}, Signature={signature}",
        names.join(";")
    ))
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_sdk_date(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

/// Verifies the signature of `req` made with `secret`, at time `now`.
pub fn verify(
    req: &RawRequest<'_>,
    auth: &Authorization,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), Refused> {
    let date = match req.headers.get("x-sdk-date").map(|v| v.to_str()) {
        Some(Ok(d)) => d.trim(),
        _ => return refuse("the X-Sdk-Date header is missing"),
    };
    let Some(t) = parse_sdk_date(date) else {
        return refuse("X-Sdk-Date must be in the form YYYYMMDDTHHMMSSZ");
    };
    if (now - t).num_seconds().abs() > CLOCK_WINDOW_SECS {
        return refuse(
            "the request time X-Sdk-Date is more than 15 minutes from the server's clock",
        );
    }
    let canonical = canonical_request(req, &auth.signed_headers)?;
    let sts = string_to_sign(date, &canonical);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(sts.as_bytes());
    let given =
        hex::decode(&auth.signature).map_err(|_| Refused("the signature is not hex".into()))?;
    // verify_slice compares in constant time
    mac.verify_slice(&given)
        .map_err(|_| Refused("the request signature does not match".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical_uri("/v2/p/groups"), "/v2/p/groups/");
        assert_eq!(canonical_uri("/v2/p/a%20b/"), "/v2/p/a%20b/");
        assert_eq!(canonical_uri("/v2/%E7%BB%84"), "/v2/%E7%BB%84/");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("keyword="), "keyword=");
        assert_eq!(canonical_query("keyword"), "keyword");
        assert_eq!(canonical_query("k=a%2ab~c"), "k=a%2Ab~c");
        assert_eq!(canonical_query(""), "");
        // the signature covers the bytes as sent: a literal `+` is the byte `+` (`%2B`),
        // not the space the handlers read it as (`http::params`); the SDK sends `%20` and
        // `%2B`, which sign as they are
        assert_eq!(canonical_query("n=qa+team"), "n=qa%2Bteam");
        assert_eq!(
            canonical_query("n=qa%20team&m=c%2B%2B"),
            "m=c%2B%2B&n=qa%20team"
        );
    }

    #[test]
    fn authorization_header() {
        let a = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature="
                .to_string()
                .as_str(),
        );
        assert!(a.is_err());
        let sig = "ab".repeat(32);
        let a = parse_authorization(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-sdk-date, Signature={sig}"
        ))
        .unwrap();
        assert_eq!(a.access_key, "AK");
        assert_eq!(a.signed_headers, ["content-type", "host", "x-sdk-date"]);
        assert!(parse_authorization("Bearer x").is_err());
    }
}
