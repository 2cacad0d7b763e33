//! The two request signatures of Alibaba Cloud's SDKs (`alibabacloud_tea_openapi`), verified
//! on the server side by rebuilding what was signed from the raw request as received.
//!
//! ACS3-HMAC-SHA256 (the default):
//!   CanonicalRequest = METHOD \n path \n CanonicalQuery \n (name:value \n)* \n signed;headers \n hex(sha256(body))
//!   StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
//!   Signature        = hex(hmac_sha256(secret, StringToSign))
//! RPC signature v1 (`signature_algorithm='v2'` in the SDK's Config):
//!   StringToSign = METHOD & %2F & pct(sorted pct(k)=pct(v) of query and form body, less Signature)
//!   Signature    = base64(hmac_sha1(secret + "&", StringToSign))
//!
//! The time (`x-acs-date` / `Timestamp`) must be within `WINDOW_SECS` of ours; the nonce
//! (`x-acs-signature-nonce` / `SignatureNonce`) is returned so the caller can make sure it is
//! used only once (that needs shared state, which this module has none of).

use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const ACS3: &str = "ACS3-HMAC-SHA256";
/// How far the signing clock may be from ours, either way.
pub const WINDOW_SECS: i64 = 15 * 60;

/// RFC 3986: everything but `A-Za-z0-9-_.~` is percent-encoded (upper-case hex).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// ACS3 headers that must be signed: the routing (action, version, host) and the replay
/// protection (date, nonce) would otherwise be open to change by anyone on the way.
const MUST_SIGN: [&str; 5] = [
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
];

/// The parts of a request that a signature covers, as received.
pub struct RawRequest<'a> {
    pub method: &'a str,
    /// The path exactly as on the request line.
    pub path: &'a str,
    /// The query exactly as on the request line, without `?`; empty if none.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Acs3,
    RpcV1,
}

/// What a request claims about its signing, read before any key is looked up.
#[derive(Debug, Clone)]
pub struct Claim {
    pub scheme: Scheme,
    pub access_key: String,
    pub nonce: String,
    pub time: DateTime<Utc>,
    signature: String,
    signed_headers: Vec<String>,
}

/// Why a request was refused, with the code Alibaba's gateway uses for it. The message is
/// safe to show to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Refused {
    pub code: &'static str,
    pub message: String,
}

fn refuse<T>(code: &'static str, message: impl Into<String>) -> Result<T, Refused> {
    Err(Refused {
        code,
        message: message.into(),
    })
}

pub fn pct(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// `application/x-www-form-urlencoded` pairs: `+` is a space, `%XX` an octet.
pub fn form_pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw).into_owned().collect()
}

fn is_form(headers: &HeaderMap) -> bool {
    super::has_content_type(headers, "application/x-www-form-urlencoded")
}

/// Every parameter of the request: the query's, then a form body's (the SDK puts AddUser's
/// `RoleIds` there).
pub fn params(req: &RawRequest) -> Vec<(String, String)> {
    let mut pairs = form_pairs(req.query.as_bytes());
    if is_form(req.headers) {
        pairs.extend(form_pairs(req.body));
    }
    pairs
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the format of both `x-acs-date` and `Timestamp`.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ")
        .ok()
        .map(|t| t.and_utc())
}

/// Reads the signing claims of a request: which scheme, which key, when, which nonce.
pub fn claim(req: &RawRequest) -> Result<Claim, Refused> {
    if let Some(auth) = req.headers.get(http::header::AUTHORIZATION) {
        let auth = auth.to_str().or_else(|_| {
            refuse(
                "IncompleteSignature",
                "the Authorization header is malformed",
            )
        })?;
        return claim_acs3(req, auth);
    }
    let pairs = form_pairs(req.query.as_bytes());
    if pairs.iter().any(|(k, _)| k == "Signature") {
        return claim_rpc(&pairs);
    }
    refuse(
        "IncompleteSignature",
        "the request is not signed: no ACS3-HMAC-SHA256 Authorization header and no Signature parameter",
    )
}

fn claim_acs3(req: &RawRequest, auth: &str) -> Result<Claim, Refused> {
    let malformed = |m: &str| refuse::<Claim>("IncompleteSignature", m.to_string());
    let Some(rest) = auth.strip_prefix(ACS3).and_then(|r| r.strip_prefix(' ')) else {
        return malformed("the Authorization header must use ACS3-HMAC-SHA256");
    };
    let (mut ak, mut sh, mut sig) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => ak = Some(v),
            Some(("SignedHeaders", v)) => sh = Some(v),
            Some(("Signature", v)) => sig = Some(v),
            _ => return malformed("the Authorization header is malformed"),
        }
    }
    let (Some(ak), Some(sh), Some(sig)) = (ak, sh, sig) else {
        return malformed("the Authorization header lacks Credential, SignedHeaders or Signature");
    };
    if ak.is_empty() || sig.len() != 64 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return malformed("the Authorization header is malformed");
    }
    let signed_headers: Vec<String> = sh.split(';').map(|h| h.to_ascii_lowercase()).collect();
    for h in &signed_headers {
        if h.is_empty() || req.headers.get(h.as_str()).is_none() {
            return malformed(&format!("the signed header {h:?} is not in the request"));
        }
    }
    let mut must: Vec<&str> = MUST_SIGN.to_vec();
    if req.headers.contains_key(http::header::CONTENT_TYPE) {
        must.push("content-type");
    }
    if let Some(h) = must
        .iter()
        .find(|h| !signed_headers.iter().any(|s| s == *h))
    {
        return malformed(&format!("the header {h} must be signed"));
    }
    let date = header(req.headers, "x-acs-date").unwrap_or("");
    let Some(time) = parse_time(date) else {
        return refuse(
            "InvalidTimeStamp.Format",
            format!("x-acs-date {date:?} is not in the format yyyy-MM-ddTHH:mm:ssZ"),
        );
    };
    let nonce = header(req.headers, "x-acs-signature-nonce").unwrap_or("");
    if nonce.is_empty() {
        return refuse("MissingSignatureNonce", "x-acs-signature-nonce is empty");
    }
    Ok(Claim {
        scheme: Scheme::Acs3,
        access_key: ak.to_string(),
        nonce: nonce.to_string(),
        time,
        signature: sig.to_ascii_lowercase(),
        signed_headers,
    })
}

fn claim_rpc(pairs: &[(String, String)]) -> Result<Claim, Refused> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let missing = |k: &str| refuse::<Claim>("IncompleteSignature", format!("{k} is missing"));
    let Some(ak) = get("AccessKeyId") else {
        return missing("AccessKeyId");
    };
    let Some(sig) = get("Signature") else {
        return missing("Signature");
    };
    if get("SignatureMethod") != Some("HMAC-SHA1") {
        return refuse(
            "InvalidSignatureMethod",
            "SignatureMethod must be HMAC-SHA1",
        );
    }
    if get("SignatureVersion") != Some("1.0") {
        return refuse("InvalidSignatureVersion", "SignatureVersion must be 1.0");
    }
    let Some(ts) = get("Timestamp") else {
        return refuse("MissingTimestamp", "Timestamp is missing");
    };
    let Some(time) = parse_time(ts) else {
        return refuse(
            "InvalidTimeStamp.Format",
            format!("Timestamp {ts:?} is not in the format yyyy-MM-ddTHH:mm:ssZ"),
        );
    };
    let Some(nonce) = get("SignatureNonce") else {
        return refuse("MissingSignatureNonce", "SignatureNonce is missing");
    };
    Ok(Claim {
        scheme: Scheme::RpcV1,
        access_key: ak.to_string(),
        nonce: nonce.to_string(),
        time,
        signature: sig.to_string(),
        signed_headers: Vec::new(),
    })
}

/// Checks the signature of `req` against `secret`, and its time against `now`.
pub fn verify(
    req: &RawRequest,
    claim: &Claim,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), Refused> {
    let good = match claim.scheme {
        Scheme::Acs3 => {
            let expected = acs3_signature(req, &claim.signed_headers, secret)?;
            bool::from(expected.as_bytes().ct_eq(claim.signature.as_bytes()))
        }
        Scheme::RpcV1 => {
            if req.path != "/" {
                return refuse("SignatureDoesNotMatch", "RPC requests are made to /");
            }
            let expected = rpc_signature(req, secret);
            bool::from(expected.as_bytes().ct_eq(claim.signature.as_bytes()))
        }
    };
    if !good {
        return refuse(
            "SignatureDoesNotMatch",
            "the request signature does not match: check the AccessKey secret and the signing method",
        );
    }
    let skew = (now - claim.time).num_seconds().abs();
    if skew > WINDOW_SECS {
        return refuse(
            "InvalidTimeStamp.Expired",
            format!(
                "the request time {} is more than {} minutes from the server's {}",
                claim.time.format("%Y-%m-%dT%H:%M:%SZ"),
                WINDOW_SECS / 60,
                now.format("%Y-%m-%dT%H:%M:%SZ")
            ),
        );
    }
    Ok(())
}

fn hmac_sha256(key: &str, data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Sorted `pct(k)=pct(v)` pairs joined by `&`.
fn canonical_pairs(mut pairs: Vec<(String, String)>) -> String {
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The ACS3 canonical request over `signed_headers` (lower-case, in signing order).
pub fn acs3_canonical_request(
    req: &RawRequest,
    signed_headers: &[String],
) -> Result<String, Refused> {
    let query = canonical_pairs(form_pairs(req.query.as_bytes()));
    let mut headers = String::new();
    for name in signed_headers {
        let mut values = Vec::new();
        for v in req.headers.get_all(name.as_str()) {
            let v = v.to_str().or_else(|_| {
                refuse(
                    "IncompleteSignature",
                    format!("the signed header {name} is not text"),
                )
            })?;
            values.push(v.trim());
        }
        headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        req.path,
        query,
        headers,
        signed_headers.join(";"),
        hex::encode(Sha256::digest(req.body))
    ))
}

/// The hex ACS3 signature of `req` over `signed_headers` (also what a client sends).
pub fn acs3_signature(
    req: &RawRequest,
    signed_headers: &[String],
    secret: &str,
) -> Result<String, Refused> {
    let cr = acs3_canonical_request(req, signed_headers)?;
    let sts = format!("{ACS3}\n{}", hex::encode(Sha256::digest(cr.as_bytes())));
    Ok(hex::encode(hmac_sha256(secret, &sts)))
}

/// The RPC v1 string to sign, over every parameter but `Signature`.
pub fn rpc_string_to_sign(req: &RawRequest) -> String {
    let pairs: Vec<(String, String)> = params(req)
        .into_iter()
        .filter(|(k, _)| k != "Signature")
        .collect();
    format!("{}&%2F&{}", req.method, pct(&canonical_pairs(pairs)))
}

/// The base64 RPC v1 signature of `req` (also what a client sends).
pub fn rpc_signature(req: &RawRequest, secret: &str) -> String {
    let mut mac =
        Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("any key");
    mac.update(rpc_string_to_sign(req).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_is_rfc3986() {
        assert_eq!(pct("a b*c~d/é+"), "a%20b%2Ac~d%2F%C3%A9%2B");
        assert_eq!(
            form_pairs(b"k=a+b%2Bc&e"),
            [("k".into(), "a b+c".into()), ("e".into(), "".into())]
        );
    }

    #[test]
    fn times_are_utc_seconds() {
        assert_eq!(
            parse_time("2024-01-01T00:00:00Z").unwrap().timestamp(),
            1_704_067_200
        );
        assert!(parse_time("2024-01-01 00:00:00").is_none());
    }
}
