//! The cost of one authorization decision, in process: what `auth::authz::authorize` does
//! per request for an IAM user once its holdings are cached (the request's condition
//! context, then `core::authz::decide` over every statement it holds), against the same
//! for a user holding nothing, and the root user's path (which decides nothing).
//!
//!     cargo bench --bench decide
//!
//! prints microseconds per decision (median of 7 runs of 100,000 decisions each) for 0, 1,
//! 5, 20 and 50 identity policies of 3 statements each, the only matching Allow last; set
//! against a request's server CPU time (BENCHMARKS.md) it gives the share authorization
//! takes. The holdings cache lookup (moka) is not in it.

use std::sync::Arc;
use std::time::Instant;

use roster::core::authz::{decide, Ask, Context, Document, Held, Source, Version};
use serde_json::json;

fn policies(n: usize) -> Vec<Held> {
    (0..n)
        .map(|i| {
            let last = i + 1 == n;
            let doc = json!({"Version": "5.0", "Statement": [
                {"Effect": "Allow", "Action": [format!("iam:users:get{i}*"), "iam:groups:list*"]},
                {"Effect": "Deny", "Action": [format!("quickbi:userGroups:delete{i}*")],
                 "Condition": {"StringEquals": {"g:UserName": ["someone-else"]}}},
                {"Effect": "Allow", "Action": [if last { "workspace:*:list*".to_string() }
                                               else { format!("workspace:users:operate{i}") }]},
            ]});
            Held {
                source: Source::IdentityPolicy {
                    policy_id: format!("{i:032x}"),
                    policy_name: format!("bench-{i}"),
                    version_id: "v1".into(),
                    principal: "user:u".into(),
                },
                document: Arc::new(Document::parse(&doc.to_string(), Version::V5_0).unwrap()),
            }
        })
        .collect()
}

/// What `authorize` does per request: builds the context (borrowed) and decides.
fn one(held: &[Held]) -> bool {
    let ctx = Context {
        user_id: "0123456789abcdef0123456789abcdef",
        user_name: "alice",
        domain_id: "fedcba9876543210fedcba9876543210",
        domain_name: "acme",
        project_id: Some("00112233445566778899aabbccddeeff"),
        principal_urn: "iam::fedcba9876543210fedcba9876543210:user:alice",
        is_root: false,
        source_ip: Some("127.0.0.1".parse().unwrap()),
        secure_transport: false,
        now_ms: 1_700_000_000_000,
    };
    decide(
        held,
        &Ask {
            action: "workspace:userGroups:list",
            resource: None,
            context: &ctx,
        },
    )
    .allowed()
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    const N: u32 = 100_000;
    println!(
        "| identity policies (3 statements each) | µs per decision (median of 7 runs) | allowed |"
    );
    println!("|---|---|---|");
    for n in [0, 1, 5, 20, 50] {
        let held = policies(n);
        let mut runs: Vec<f64> = (0..7)
            .map(|_| {
                let t = Instant::now();
                let mut allowed = 0u32;
                for _ in 0..N {
                    allowed += u32::from(std::hint::black_box(one(std::hint::black_box(&held))));
                }
                assert!(allowed == 0 || allowed == N);
                t.elapsed().as_secs_f64() * 1e6 / f64::from(N)
            })
            .collect();
        runs.sort_by(f64::total_cmp);
        println!("| {n} | {:.2} | {} |", runs[3], one(&held));
    }
}
