//! The decision: what a caller's policies say about one request (IAM user guide,
//! "Authorization Process"): an explicit Deny in any statement that applies wins; else an
//! Allow in any statement that applies allows; else the request is denied because nothing
//! allows it.

use std::sync::Arc;

use super::condition::Context;
use super::document::{Actions, Document, Effect, Resources, Statement};

/// Where a policy a caller holds comes from, for explanations of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A role or custom policy granted to `group_id` (`scope`: `domain` or `project:{id}`,
    /// `inherited` for a domain grant inherited to every project).
    Role {
        role_id: String,
        role_name: String,
        group_id: String,
        scope: String,
    },
    /// An identity policy attached to the user or to one of its groups
    /// (`principal`: `user:{id}` or `group:{id}`).
    IdentityPolicy {
        policy_id: String,
        policy_name: String,
        version_id: String,
        principal: String,
    },
}

/// One policy a caller holds: its document and where it comes from.
#[derive(Debug, Clone)]
pub struct Held {
    pub source: Source,
    pub document: Arc<Document>,
}

/// What is asked: an action (its name as in [`super::actions`]), the resource's URN when
/// the action has a resource type, and the request's condition keys.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub action: &'a str,
    pub resource: Option<&'a str>,
    pub context: &'a Context<'a>,
}

/// The outcome, with what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A statement of this policy allows, and no statement denies.
    Allow { source: Source, statement: usize },
    /// No statement that applies allows (and none denies).
    ImplicitDeny,
    /// This statement (0-based index, and its `Sid` if any) of this policy denies.
    ExplicitDeny {
        source: Source,
        statement: usize,
        sid: Option<String>,
    },
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }
}

/// Whether `st` applies to the asked action (lower-cased), resource and context.
fn applies(st: &Statement, action: &str, ask: &Ask<'_>) -> bool {
    let action_ok = match &st.actions {
        Actions::Action(p) => p.iter().any(|p| p.matches(action)),
        Actions::NotAction(p) => !p.iter().any(|p| p.matches(action)),
    };
    if !action_ok {
        return false;
    }
    // an action without a resource type is covered only by statements that name every
    // resource (`*`), as the guide requires of such actions
    let resource_ok = match (&st.resources, ask.resource) {
        (Resources::Any, _) => true,
        (Resources::Resource(p), None) => p.iter().any(|p| p.is_any()),
        (Resources::Resource(p), Some(r)) => p.iter().any(|p| p.matches(r)),
        (Resources::NotResource(p), None) => !p.iter().any(|p| p.is_any()),
        (Resources::NotResource(p), Some(r)) => !p.iter().any(|p| p.matches(r)),
    };
    resource_ok && st.conditions.iter().all(|c| c.holds(ask.context))
}

/// Decides `ask` against every policy in `held`. Cost: one pass over the statements.
pub fn decide<'h>(held: impl IntoIterator<Item = &'h Held>, ask: &Ask<'_>) -> Decision {
    decide_allowing(held, ask, |_| true)
}

/// [`decide`], where only the policies whose source passes `allow_from` may allow; a Deny
/// of any held policy still refuses. What a delegation (an application credential's role
/// subset) needs: it narrows what allows, never what denies.
pub fn decide_allowing<'h>(
    held: impl IntoIterator<Item = &'h Held>,
    ask: &Ask<'_>,
    allow_from: impl Fn(&Source) -> bool,
) -> Decision {
    let action = ask.action.to_ascii_lowercase();
    let mut allow = None;
    for h in held {
        let may_allow = allow_from(&h.source);
        for (i, st) in h.document.statements.iter().enumerate() {
            if !applies(st, &action, ask) {
                continue;
            }
            match st.effect {
                Effect::Deny => {
                    return Decision::ExplicitDeny {
                        source: h.source.clone(),
                        statement: i,
                        sid: st.sid.clone(),
                    }
                }
                Effect::Allow if allow.is_none() && may_allow => allow = Some((h, i)),
                Effect::Allow => {}
            }
        }
    }
    match allow {
        Some((h, i)) => Decision::Allow {
            source: h.source.clone(),
            statement: i,
        },
        None => Decision::ImplicitDeny,
    }
}

#[cfg(test)]
mod tests {
    use super::super::document::Version;
    use super::*;

    fn held(text: &str) -> Held {
        Held {
            source: Source::IdentityPolicy {
                policy_id: "p".into(),
                policy_name: "n".into(),
                version_id: "v1".into(),
                principal: "user:u".into(),
            },
            document: Arc::new(Document::parse(text, Version::V5_0).unwrap()),
        }
    }

    fn ask<'a>(action: &'a str, resource: Option<&'a str>, ctx: &'a Context<'a>) -> Ask<'a> {
        Ask {
            action,
            resource,
            context: ctx,
        }
    }

    #[test]
    fn deny_wins_and_nothing_allowed_is_denied() {
        let ctx = Context::default();
        let allow_all = held(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["workspace:*:*"]}]}"#,
        );
        let deny_export = held(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"iam:*:*"},{"Sid":"NoExport","Effect":"Deny","Action":["Workspace:userGroups:Export*"]}]}"#,
        );
        assert!(decide([&allow_all], &ask("workspace:userGroups:list", None, &ctx)).allowed());
        assert_eq!(
            decide([&allow_all], &ask("iam:users:listUsers", None, &ctx)),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(std::iter::empty(), &ask("iam:users:listUsers", None, &ctx)),
            Decision::ImplicitDeny
        );
        match decide(
            &[allow_all, deny_export],
            &ask("workspace:userGroups:export", None, &ctx),
        ) {
            Decision::ExplicitDeny { statement, sid, .. } => {
                assert_eq!(statement, 1);
                assert_eq!(sid.as_deref(), Some("NoExport"));
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn resources_and_not_action() {
        let ctx = Context::default();
        let one_group = held(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"workspace:userGroups:*","Resource":"workspace:*:d1:userGroup:g1"}]}"#,
        );
        let g1 = "workspace::d1:userGroup:g1";
        let g2 = "workspace::d1:userGroup:g2";
        assert!(decide(
            [&one_group],
            &ask("workspace:userGroups:update", Some(g1), &ctx)
        )
        .allowed());
        assert!(!decide(
            [&one_group],
            &ask("workspace:userGroups:update", Some(g2), &ctx)
        )
        .allowed());
        // an action without a resource needs Resource "*"
        assert!(!decide([&one_group], &ask("workspace:userGroups:list", None, &ctx)).allowed());
        let not = held(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","NotAction":"iam:*:*","NotResource":"workspace:*:*:userGroup:g1"}]}"#,
        );
        assert!(decide([&not], &ask("workspace:users:list", None, &ctx)).allowed());
        assert!(!decide([&not], &ask("iam:users:listUsers", None, &ctx)).allowed());
        assert!(!decide([&not], &ask("workspace:userGroups:update", Some(g1), &ctx)).allowed());
    }

    #[test]
    fn conditions_gate_a_statement() {
        let mut ctx = Context {
            user_name: "alice",
            ..Context::default()
        };
        let h = held(
            r#"{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"g:UserName":["alice"]}}}]}"#,
        );
        assert!(decide([&h], &ask("iam:users:listUsers", None, &ctx)).allowed());
        ctx.user_name = "bob";
        assert!(!decide([&h], &ask("iam:users:listUsers", None, &ctx)).allowed());
    }
}
