//! The `Condition` element: operators over the global condition keys Roster knows at
//! request time (IAM user guide, "Condition" and "Global Condition Keys").
//!
//! `"Condition": {"<operator>": {"<key>": ["v1", "v2"]}}`. An operator's name may carry the
//! prefix `ForAnyValue:` or `ForAllValues:` and the suffix `IfExists`. Semantics, as the
//! guide gives them:
//! - every operator, and every key under one operator, must hold (AND);
//! - a positive operator holds when the request's value matches **any** listed value (OR);
//!   a negated one (`StringNotEquals`, `NotIpAddress`, ...) when it matches **none**;
//! - a key absent from the request makes the condition false, unless the operator ends in
//!   `IfExists` (then true) or is `Null` (which tests exactly that);
//! - every key here has one value per request, so `ForAnyValue:`/`ForAllValues:` reduce to
//!   the plain operator on it (accepted so that documents written for the cloud parse).

use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;
use wildmatch::WildMatch;

/// The global condition keys Roster can evaluate, by the cloud's names (case-insensitive).
pub const KEYS: &[&str] = &[
    "g:UserId",
    "g:UserName",
    "g:DomainId",
    "g:DomainName",
    "g:ProjectId",
    "g:PrincipalAccount",
    "g:PrincipalUrn",
    "g:PrincipalType",
    "g:PrincipalIsRootUser",
    "g:SourceIp",
    "g:SecureTransport",
    "g:MFAPresent",
    "g:CurrentTime",
    "g:EpochTime",
];

/// What a request offers to conditions: the values of [`KEYS`]. `None` is a key the
/// request does not have (no project in a domain-scoped request, say).
/// It borrows what the request and the caller's holdings already hold: building one per
/// request copies nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    pub user_id: &'a str,
    pub user_name: &'a str,
    /// The account.
    pub domain_id: &'a str,
    pub domain_name: &'a str,
    pub project_id: Option<&'a str>,
    /// `iam::{account_id}:user:{user_name}`.
    pub principal_urn: &'a str,
    pub is_root: bool,
    pub source_ip: Option<IpAddr>,
    pub secure_transport: bool,
    /// Unix ms.
    pub now_ms: i64,
}

impl<'a> Context<'a> {
    fn value(&self, key: Key) -> Option<Val<'a>> {
        Some(match key {
            Key::UserId => Val::Str(self.user_id),
            Key::UserName => Val::Str(self.user_name),
            Key::DomainId | Key::PrincipalAccount => Val::Str(self.domain_id),
            Key::DomainName => Val::Str(self.domain_name),
            Key::ProjectId => Val::Str(self.project_id?),
            Key::PrincipalUrn => Val::Str(self.principal_urn),
            Key::PrincipalType => Val::Str("User"),
            Key::PrincipalIsRootUser => Val::Bool(self.is_root),
            Key::SourceIp => Val::Ip(self.source_ip?),
            Key::SecureTransport => Val::Bool(self.secure_transport),
            // Roster has no multi-factor authentication: no request carries it
            Key::MfaPresent => Val::Bool(false),
            Key::CurrentTime | Key::EpochTime => Val::Time(self.now_ms),
        })
    }
}

enum Val<'a> {
    Str(&'a str),
    Bool(bool),
    Ip(IpAddr),
    Time(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    UserId,
    UserName,
    DomainId,
    DomainName,
    ProjectId,
    PrincipalAccount,
    PrincipalUrn,
    PrincipalType,
    PrincipalIsRootUser,
    SourceIp,
    SecureTransport,
    MfaPresent,
    CurrentTime,
    EpochTime,
}

impl Key {
    fn parse(s: &str) -> Option<Key> {
        const ALL: [Key; 14] = [
            Key::UserId,
            Key::UserName,
            Key::DomainId,
            Key::DomainName,
            Key::ProjectId,
            Key::PrincipalAccount,
            Key::PrincipalUrn,
            Key::PrincipalType,
            Key::PrincipalIsRootUser,
            Key::SourceIp,
            Key::SecureTransport,
            Key::MfaPresent,
            Key::CurrentTime,
            Key::EpochTime,
        ];
        KEYS.iter()
            .position(|k| k.eq_ignore_ascii_case(s))
            .map(|i| ALL[i])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    StringEquals,
    StringEqualsIgnoreCase,
    StringMatch,
    StringStartWith,
    StringEndWith,
    NumberEquals,
    NumberLessThan,
    NumberLessThanEquals,
    NumberGreaterThan,
    NumberGreaterThanEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    IpAddress,
    Null,
}

/// Operator names and what they are: (name, op, negated).
const OPS: &[(&str, Op, bool)] = &[
    ("StringEquals", Op::StringEquals, false),
    ("StringNotEquals", Op::StringEquals, true),
    ("StringEqualsIgnoreCase", Op::StringEqualsIgnoreCase, false),
    (
        "StringNotEqualsIgnoreCase",
        Op::StringEqualsIgnoreCase,
        true,
    ),
    ("StringMatch", Op::StringMatch, false),
    ("StringNotMatch", Op::StringMatch, true),
    ("StringStartWith", Op::StringStartWith, false),
    ("StringNotStartWith", Op::StringStartWith, true),
    ("StringEndWith", Op::StringEndWith, false),
    ("StringNotEndWith", Op::StringEndWith, true),
    ("NumberEquals", Op::NumberEquals, false),
    ("NumberNotEquals", Op::NumberEquals, true),
    ("NumberLessThan", Op::NumberLessThan, false),
    ("NumberLessThanEquals", Op::NumberLessThanEquals, false),
    ("NumberGreaterThan", Op::NumberGreaterThan, false),
    (
        "NumberGreaterThanEquals",
        Op::NumberGreaterThanEquals,
        false,
    ),
    ("DateLessThan", Op::DateLessThan, false),
    ("DateLessThanEquals", Op::DateLessThanEquals, false),
    ("DateGreaterThan", Op::DateGreaterThan, false),
    ("DateGreaterThanEquals", Op::DateGreaterThanEquals, false),
    ("Bool", Op::Bool, false),
    ("IpAddress", Op::IpAddress, false),
    ("NotIpAddress", Op::IpAddress, true),
    ("Null", Op::Null, false),
];

/// One operator applied to one key, with the values it compares against, checked and
/// converted when the document was parsed.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The operator as written (for explanations).
    pub operator: String,
    /// The key as written.
    pub key: String,
    op: Op,
    negated: bool,
    if_exists: bool,
    key_id: Key,
    values: Vec<Operand>,
}

#[derive(Debug, Clone)]
enum Operand {
    Str(String),
    Pattern(WildMatch),
    Number(f64),
    Time(i64),
    Bool(bool),
    Net(IpNet),
}

/// Parses a statement's `Condition` object. The error is the message's tail (the document
/// module adds its prefix).
pub fn parse(v: &Value) -> Result<Vec<Condition>, String> {
    let ops = v
        .as_object()
        .ok_or("Condition must be an object of operators")?;
    let mut out = vec![];
    for (name, keys) in ops {
        let (quantified, rest) = match name.split_once(':') {
            Some(("ForAnyValue" | "ForAllValues", rest)) => (true, rest),
            Some(_) => return Err(format!("condition operator {name:?} is not supported")),
            None => (false, name.as_str()),
        };
        let _ = quantified;
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let &(_, op, negated) = OPS
            .iter()
            .find(|(n, ..)| *n == base)
            .ok_or_else(|| format!("condition operator {name:?} is not supported"))?;
        if op == Op::Null && if_exists {
            return Err(format!("condition operator {name:?} is not supported"));
        }
        let keys = keys
            .as_object()
            .ok_or_else(|| format!("condition operator {name:?} must hold an object of keys"))?;
        if keys.is_empty() {
            return Err(format!("condition operator {name:?} has no keys"));
        }
        for (key, values) in keys {
            let key_id = Key::parse(key)
                .ok_or_else(|| format!("condition key {key:?} is not one Roster can evaluate"))?;
            let list: Vec<&Value> = match values {
                Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            if list.is_empty() || list.len() > 100 {
                return Err(format!(
                    "condition {name:?} on {key:?} must have 1 to 100 values"
                ));
            }
            let values = list
                .into_iter()
                .map(|v| operand(op, key_id, v))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    format!("condition {name:?} on {key:?} has a value it cannot compare")
                })?;
            out.push(Condition {
                operator: name.clone(),
                key: key.clone(),
                op,
                negated,
                if_exists,
                key_id,
                values,
            });
        }
    }
    Ok(out)
}

fn operand(op: Op, key: Key, v: &Value) -> Option<Operand> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let is_time = matches!(key, Key::CurrentTime | Key::EpochTime);
    Some(match op {
        Op::StringEquals | Op::StringStartWith | Op::StringEndWith if !is_time => Operand::Str(s),
        Op::StringEqualsIgnoreCase if !is_time => Operand::Str(s.to_lowercase()),
        Op::StringMatch if !is_time => Operand::Pattern(WildMatch::new(&s)),
        Op::NumberEquals
        | Op::NumberLessThan
        | Op::NumberLessThanEquals
        | Op::NumberGreaterThan
        | Op::NumberGreaterThanEquals => {
            if key != Key::EpochTime {
                return None;
            }
            Operand::Number(s.parse().ok().filter(|n: &f64| n.is_finite())?)
        }
        Op::DateLessThan
        | Op::DateLessThanEquals
        | Op::DateGreaterThan
        | Op::DateGreaterThanEquals => {
            if !is_time {
                return None;
            }
            Operand::Time(
                chrono::DateTime::parse_from_rfc3339(&s)
                    .ok()?
                    .timestamp_millis(),
            )
        }
        Op::Bool | Op::Null => Operand::Bool(match s.as_str() {
            "true" => true,
            "false" => false,
            _ => return None,
        }),
        Op::IpAddress if key == Key::SourceIp => Operand::Net(
            s.parse::<IpNet>()
                .ok()
                .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))?,
        ),
        _ => return None,
    })
}

impl Condition {
    /// Whether the condition holds for `ctx`.
    pub fn holds(&self, ctx: &Context<'_>) -> bool {
        let value = ctx.value(self.key_id);
        if self.op == Op::Null {
            let absent = value.is_none();
            return self
                .values
                .iter()
                .any(|v| matches!(v, Operand::Bool(b) if *b == absent));
        }
        let Some(value) = value else {
            return self.if_exists;
        };
        let any = self.values.iter().any(|o| matches_one(self.op, &value, o));
        any != self.negated
    }
}

fn matches_one(op: Op, v: &Val<'_>, o: &Operand) -> bool {
    match (op, v, o) {
        (Op::StringEquals, Val::Str(s), Operand::Str(x)) => s == x,
        (Op::StringEqualsIgnoreCase, Val::Str(s), Operand::Str(x)) => s.to_lowercase() == *x,
        (Op::StringMatch, Val::Str(s), Operand::Pattern(p)) => p.matches(s),
        (Op::StringStartWith, Val::Str(s), Operand::Str(x)) => s.starts_with(x.as_str()),
        (Op::StringEndWith, Val::Str(s), Operand::Str(x)) => s.ends_with(x.as_str()),
        // a flag compared as a string, as the cloud's documents write them ("true")
        (Op::StringEquals, Val::Bool(b), Operand::Str(x)) => b.to_string() == *x,
        (Op::Bool, Val::Bool(b), Operand::Bool(x)) => b == x,
        (Op::IpAddress, Val::Ip(ip), Operand::Net(n)) => n.contains(ip),
        (Op::NumberEquals, Val::Time(t), Operand::Number(n)) => (*t / 1000) as f64 == *n,
        (Op::NumberLessThan, Val::Time(t), Operand::Number(n)) => ((*t / 1000) as f64) < *n,
        (Op::NumberLessThanEquals, Val::Time(t), Operand::Number(n)) => ((*t / 1000) as f64) <= *n,
        (Op::NumberGreaterThan, Val::Time(t), Operand::Number(n)) => ((*t / 1000) as f64) > *n,
        (Op::NumberGreaterThanEquals, Val::Time(t), Operand::Number(n)) => {
            ((*t / 1000) as f64) >= *n
        }
        (Op::DateLessThan, Val::Time(t), Operand::Time(x)) => t < x,
        (Op::DateLessThanEquals, Val::Time(t), Operand::Time(x)) => t <= x,
        (Op::DateGreaterThan, Val::Time(t), Operand::Time(x)) => t > x,
        (Op::DateGreaterThanEquals, Val::Time(t), Operand::Time(x)) => t >= x,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context<'static> {
        Context {
            user_id: "u1",
            user_name: "Alice",
            domain_id: "d1",
            domain_name: "acme",
            project_id: None,
            principal_urn: "iam::d1:user:Alice",
            is_root: false,
            source_ip: Some("10.1.2.3".parse().unwrap()),
            secure_transport: false,
            now_ms: 1_700_000_000_000,
        }
    }

    fn holds(c: Value) -> bool {
        parse(&c).unwrap().iter().all(|c| c.holds(&ctx()))
    }

    #[test]
    fn operators_hold_as_the_guide_says() {
        assert!(holds(
            json!({"StringEquals": {"g:UserName": ["Bob", "Alice"]}})
        ));
        assert!(!holds(json!({"StringEquals": {"g:UserName": ["alice"]}})));
        assert!(holds(
            json!({"StringEqualsIgnoreCase": {"g:username": ["ALICE"]}})
        ));
        assert!(holds(json!({"StringNotEquals": {"g:UserName": ["Bob"]}})));
        assert!(!holds(
            json!({"StringNotEquals": {"g:UserName": ["Bob", "Alice"]}})
        ));
        assert!(holds(
            json!({"StringMatch": {"g:PrincipalUrn": ["iam::*:user:A*"]}})
        ));
        assert!(holds(json!({"StringStartWith": {"g:UserName": "Al"}})));
        assert!(holds(json!({"StringEndWith": {"g:UserName": "ice"}})));
        assert!(holds(json!({"IpAddress": {"g:SourceIp": ["10.0.0.0/8"]}})));
        assert!(!holds(
            json!({"NotIpAddress": {"g:SourceIp": ["10.1.2.3"]}})
        ));
        assert!(holds(json!({"Bool": {"g:MFAPresent": ["false"]}})));
        assert!(holds(
            json!({"DateLessThan": {"g:CurrentTime": "2030-01-01T00:00:00Z"}})
        ));
        assert!(!holds(
            json!({"DateGreaterThan": {"g:CurrentTime": "2030-01-01T00:00:00Z"}})
        ));
        assert!(holds(
            json!({"NumberGreaterThan": {"g:EpochTime": 1_600_000_000}})
        ));
        // an absent key: false, unless IfExists; Null tests it
        assert!(!holds(json!({"StringEquals": {"g:ProjectId": ["p"]}})));
        assert!(!holds(json!({"StringNotEquals": {"g:ProjectId": ["p"]}})));
        assert!(holds(
            json!({"StringEqualsIfExists": {"g:ProjectId": ["p"]}})
        ));
        assert!(holds(json!({"Null": {"g:ProjectId": ["true"]}})));
        assert!(!holds(json!({"Null": {"g:UserId": ["true"]}})));
        // every operator and key must hold
        assert!(!holds(
            json!({"StringEquals": {"g:UserName": "Alice", "g:UserId": "u2"}})
        ));
        assert!(holds(
            json!({"ForAnyValue:StringEquals": {"g:UserId": ["u1"]}})
        ));
    }

    #[test]
    fn refuses_what_it_cannot_compare() {
        for c in [
            json!({"StringLike": {"g:UserName": ["x"]}}),
            json!({"StringEquals": {"obs:prefix": ["x"]}}),
            json!({"IpAddress": {"g:SourceIp": ["not an address"]}}),
            json!({"IpAddress": {"g:UserName": ["10.0.0.0/8"]}}),
            json!({"DateLessThan": {"g:CurrentTime": ["yesterday"]}}),
            json!({"Bool": {"g:MFAPresent": ["maybe"]}}),
            json!({"NullIfExists": {"g:UserId": ["true"]}}),
            json!({"StringEquals": {"g:UserName": []}}),
            json!({"StringEquals": {}}),
            json!({"Sometimes:StringEquals": {"g:UserName": ["x"]}}),
            json!(["x"]),
        ] {
            assert!(parse(&c).is_err(), "{c} should be refused");
        }
    }
}
