//! Policy documents as Huawei Cloud IAM defines them, parsed and checked once (when a policy
//! is created or updated) into a form the evaluator runs without parsing again.
//!
//! Two grammars share one shape:
//! - **Version 1.1**, the policies of role/policy-based authorization (system policies and
//!   custom policies, `/v3.0/OS-ROLE/roles`): `Statement`s of `Effect`, `Action`, and
//!   optionally `Condition` and `Resource` (IAM user guide, "Policy Syntax").
//! - **Version 5.0**, identity policies (`/v5/policies`): the same, plus `Sid`, `NotAction`
//!   and `NotResource` (IAM v5 user guide, "Identity Policy Grammar" and "JSON Element
//!   Reference": `Action` and `NotAction` are mutually exclusive, as are `Resource` and
//!   `NotResource`).
//!
//! Actions are `service:resourceType:operation`, case-insensitive, with `*` wildcards.
//! Resources are URNs (`service:region:account:type:path`) with `*` and `?` wildcards,
//! case-sensitive. What the evaluator could not evaluate is refused here, not ignored: an
//! unknown element, operator or condition key is an error naming it.

use serde_json::{Map, Value};
use wildmatch::WildMatch;

use super::condition::Condition;
use crate::core::Error;

/// Most characters of a policy document, as the cloud limits custom policies (6,144).
pub const MAX_DOCUMENT_CHARS: usize = 6144;

/// The grammar a document is written in (its `Version` element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `"1.1"`: role policies (custom policies of `/v3.0/OS-ROLE/roles`, system policies).
    V1_1,
    /// `"5.0"`: identity policies (`/v5/policies`).
    V5_0,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1_1 => "1.1",
            Version::V5_0 => "5.0",
        }
    }
}

/// A statement's `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A wildcard pattern and the text it was written as. `*` matches any run of characters
/// (`:` included, as the cloud's `obs:*:*:bucket:*` shows), `?` one character.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    matcher: WildMatch,
}

impl Pattern {
    fn action(text: &str) -> Pattern {
        // actions are case-insensitive: patterns and actions are compared lower-cased
        Pattern {
            text: text.to_string(),
            matcher: WildMatch::new(&text.to_ascii_lowercase()),
        }
    }

    fn resource(text: &str) -> Pattern {
        Pattern {
            text: text.to_string(),
            matcher: WildMatch::new(text),
        }
    }

    /// Whether `s` matches: `s` lower-cased already for actions.
    pub fn matches(&self, s: &str) -> bool {
        self.matcher.matches(s)
    }

    /// The pattern `*`, which matches every resource (and a request without one).
    pub fn is_any(&self) -> bool {
        self.text == "*"
    }
}

/// Which actions a statement covers: those its `Action` patterns match, or, for
/// `NotAction`, every action none of them matches.
#[derive(Debug, Clone)]
pub enum Actions {
    Action(Vec<Pattern>),
    NotAction(Vec<Pattern>),
}

/// Which resources a statement covers: any (no `Resource` element), those its patterns
/// match, or those none of its `NotResource` patterns match.
#[derive(Debug, Clone)]
pub enum Resources {
    Any,
    Resource(Vec<Pattern>),
    NotResource(Vec<Pattern>),
}

/// One statement of a document.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Actions,
    pub resources: Resources,
    /// All must hold (each operator's keys too): `Condition` is a conjunction.
    pub conditions: Vec<Condition>,
}

/// A parsed, checked policy document.
#[derive(Debug, Clone)]
pub struct Document {
    pub version: Version,
    pub statements: Vec<Statement>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::Invalid(format!("the policy document is invalid: {}", msg.into()))
}

impl Document {
    /// Parses `text` as a document of `version`. Errors (`Error::Invalid`, text starting
    /// "the policy document is invalid"): not JSON, longer than [`MAX_DOCUMENT_CHARS`],
    /// another `Version`, an unknown element, an empty or malformed `Statement`, `Action`
    /// or `Resource`, a condition the evaluator cannot evaluate.
    pub fn parse(text: &str, version: Version) -> Result<Document, Error> {
        if text.chars().count() > MAX_DOCUMENT_CHARS {
            return Err(bad(format!(
                "it is longer than {MAX_DOCUMENT_CHARS} characters"
            )));
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("it is not JSON: {e}")))?;
        Document::from_value(&value, version)
    }

    /// [`Document::parse`] of a document already read as JSON (a request body's `policy`
    /// object); its length is counted as compact JSON.
    pub fn from_value(value: &Value, version: Version) -> Result<Document, Error> {
        let text = value.to_string();
        if text.chars().count() > MAX_DOCUMENT_CHARS {
            return Err(bad(format!(
                "it is longer than {MAX_DOCUMENT_CHARS} characters"
            )));
        }
        let obj = value
            .as_object()
            .ok_or_else(|| bad("it must be a JSON object"))?;
        let mut got_version = None;
        let mut statements = None;
        for (k, v) in obj {
            match k.as_str() {
                "Version" => got_version = Some(v),
                "Statement" => statements = Some(v),
                // a role's dependencies on other roles are informational (console hints)
                "Depends" if version == Version::V1_1 => {}
                other => return Err(bad(format!("unknown element {other:?}"))),
            }
        }
        match got_version.and_then(Value::as_str) {
            Some(v) if v == version.as_str() => {}
            Some(v) => {
                return Err(bad(format!(
                    "Version must be {:?}, not {v:?}",
                    version.as_str()
                )))
            }
            None => return Err(bad(format!("Version {:?} is missing", version.as_str()))),
        }
        let list = statements
            .and_then(Value::as_array)
            .ok_or_else(|| bad("Statement must be a list"))?;
        if list.is_empty() {
            return Err(bad("Statement is empty"));
        }
        let statements = list
            .iter()
            .enumerate()
            .map(|(i, s)| {
                statement(s, version).map_err(|e| match e {
                    Error::Invalid(m) => Error::Invalid(m.replacen(
                        "the policy document is invalid: ",
                        &format!("the policy document is invalid: statement {}: ", i + 1),
                        1,
                    )),
                    e => e,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Document {
            version,
            statements,
        })
    }
}

fn strings(v: &Value, what: &str) -> Result<Vec<String>, Error> {
    let list: Vec<&Value> = match v {
        Value::String(_) => vec![v],
        Value::Array(a) => a.iter().collect(),
        _ => return Err(bad(format!("{what} must be a string or a list of strings"))),
    };
    if list.is_empty() {
        return Err(bad(format!("{what} is empty")));
    }
    list.into_iter()
        .map(|s| {
            s.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad(format!("{what} must be a list of strings")))
        })
        .collect()
}

/// An action pattern: `service:resourceType:operation` (each part letters, digits, `_`,
/// `-`, `*`), or `*` alone, or `service:*`.
fn action_pattern(s: &str) -> Result<Pattern, Error> {
    let ok_chars = !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '*' | '_' | '-' | '?'));
    let parts = s.split(':').count();
    // the service and the operation must be named; the resource type may be empty, as in
    // STS's `sts::decodeAuthorizationMessage`
    let named = s.split(':').next().is_some_and(|p| !p.is_empty())
        && s.rsplit(':').next().is_some_and(|p| !p.is_empty());
    if !ok_chars || !(s == "*" || (2..=3).contains(&parts)) || !named {
        return Err(bad(format!(
            "action {s:?} is not of the form service:resourceType:operation"
        )));
    }
    Ok(Pattern::action(s))
}

/// A resource pattern: `*`, or a URN of five `:`-separated parts
/// (`service:region:account:type:path`), printable, at most 1,500 characters.
fn resource_pattern(s: &str) -> Result<Pattern, Error> {
    let printable = !s.is_empty() && s.len() <= 1500 && !s.chars().any(char::is_control);
    if !printable || !(s == "*" || s.splitn(5, ':').count() == 5) {
        return Err(bad(format!(
            "resource {s:?} is not a URN of the form service:region:account:type:path"
        )));
    }
    Ok(Pattern::resource(s))
}

fn statement(v: &Value, version: Version) -> Result<Statement, Error> {
    let obj: &Map<String, Value> = v
        .as_object()
        .ok_or_else(|| bad("a statement must be a JSON object"))?;
    let mut st = Statement {
        sid: None,
        effect: Effect::Allow,
        actions: Actions::Action(vec![]),
        resources: Resources::Any,
        conditions: vec![],
    };
    let (mut effect, mut action, mut not_action, mut resource, mut not_resource) =
        (None, None, None, None, None);
    for (k, v) in obj {
        match (k.as_str(), version) {
            ("Effect", _) => effect = Some(v),
            ("Action", _) => action = Some(v),
            ("NotAction", Version::V5_0) => not_action = Some(v),
            ("Resource", _) => resource = Some(v),
            ("NotResource", Version::V5_0) => not_resource = Some(v),
            ("Condition", _) => st.conditions = super::condition::parse(v).map_err(bad)?,
            ("Sid", Version::V5_0) => {
                let sid = v.as_str().ok_or_else(|| bad("Sid must be a string"))?;
                if sid.len() > 64 || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(bad("Sid must be at most 64 letters and digits"));
                }
                st.sid = Some(sid.to_string());
            }
            (other, _) => return Err(bad(format!("unknown element {other:?}"))),
        }
    }
    st.effect = match effect.and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err(bad("Effect must be \"Allow\" or \"Deny\"")),
    };
    st.actions = match (action, not_action) {
        (Some(_), Some(_)) => return Err(bad("Action and NotAction cannot both be given")),
        (Some(a), None) => Actions::Action(
            strings(a, "Action")?
                .iter()
                .map(|s| action_pattern(s))
                .collect::<Result<_, _>>()?,
        ),
        (None, Some(a)) => Actions::NotAction(
            strings(a, "NotAction")?
                .iter()
                .map(|s| action_pattern(s))
                .collect::<Result<_, _>>()?,
        ),
        (None, None) => return Err(bad("Action is missing")),
    };
    st.resources = match (resource, not_resource) {
        (Some(_), Some(_)) => {
            return Err(bad("Resource and NotResource cannot both be given"));
        }
        (Some(r), None) => Resources::Resource(
            strings(r, "Resource")?
                .iter()
                .map(|s| resource_pattern(s))
                .collect::<Result<_, _>>()?,
        ),
        (None, Some(r)) => Resources::NotResource(
            strings(r, "NotResource")?
                .iter()
                .map(|s| resource_pattern(s))
                .collect::<Result<_, _>>()?,
        ),
        (None, None) => Resources::Any,
    };
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(text: &str, v: Version) -> String {
        Document::parse(text, v).unwrap_err().to_string()
    }

    #[test]
    fn parses_the_guides_examples() {
        let d = Document::parse(
            r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["obs:bucket:ListAllMyBuckets","obs:bucket:HeadBucket"],
               "Condition":{"StringEndWithIfExists":{"g:UserName":["specialCharacter"]},"Bool":{"g:MFAPresent":["true"]}},
               "Resource":["obs:*:*:bucket:*"]}]}"#,
            Version::V1_1,
        )
        .unwrap();
        assert_eq!(d.statements.len(), 1);
        assert_eq!(d.statements[0].conditions.len(), 2);
        let d = Document::parse(
            r#"{"Version":"5.0","Statement":[{"Sid":"A1","Effect":"Deny","NotAction":"iam:*:*","NotResource":["iam::*:user:*"]}]}"#,
            Version::V5_0,
        )
        .unwrap();
        assert!(matches!(d.statements[0].actions, Actions::NotAction(_)));
        assert!(matches!(
            d.statements[0].resources,
            Resources::NotResource(_)
        ));
    }

    #[test]
    fn refuses_what_it_cannot_evaluate() {
        let v11 = Version::V1_1;
        let v5 = Version::V5_0;
        assert!(msg("{", v11).contains("not JSON"));
        assert!(msg(r#"{"Version":"5.0","Statement":[]}"#, v11).contains("Version must be"));
        assert!(msg(r#"{"Version":"1.1","Statement":[]}"#, v11).contains("empty"));
        assert!(msg(
            r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Extra":1}]}"#,
            v11
        )
        .contains("unknown element \"Extra\""));
        // NotAction and Sid belong to 5.0
        assert!(msg(
            r#"{"Version":"1.1","Statement":[{"Effect":"Allow","NotAction":["a:b:c"]}]}"#,
            v11
        )
        .contains("NotAction"));
        assert!(msg(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"a:b:c","NotAction":"a:b:d"}]}"#,
            v5
        )
        .contains("cannot both"));
        assert!(msg(
            r#"{"Version":"5.0","Statement":[{"Effect":"Maybe","Action":"a:b:c"}]}"#,
            v5
        )
        .contains("Effect"));
        assert!(msg(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"a b"}]}"#,
            v5
        )
        .contains("service:resourceType:operation"));
        assert!(msg(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"a:b:c","Resource":"x"}]}"#,
            v5
        )
        .contains("URN"));
        assert!(msg(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"a:b:c","Condition":{"StringEquals":{"g:Unknown":["x"]}}}]}"#,
            v5
        )
        .contains("g:Unknown"));
        assert!(msg(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"a:b:c","Condition":{"StringSoundsLike":{"g:UserName":["x"]}}}]}"#,
            v5
        )
        .contains("StringSoundsLike"));
        let long = format!(
            r#"{{"Version":"5.0","Statement":[{{"Effect":"Allow","Action":["{}"]}}]}}"#,
            vec!["a:b:c"; 1300].join("\",\"")
        );
        assert!(msg(&long, v5).contains("longer than"));
        // the statement is named in the message
        assert!(msg(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"a:b:c"},{"Effect":"Allow"}]}"#,
            v5
        )
        .contains("statement 2: Action is missing"));
    }
}
