//! A page of 100 users and of 100 groups read through both stores, timed (not a test of
//! correctness; run by hand: `ROSTER_TEST_DATABASE=postgres cargo test --lib
//! store::postgres::tests::timing -- --ignored --nocapture`).

use std::time::{Duration, Instant};

use super::{group, read, record, selected, Fixture, UserSpec};
use crate::core::model::{GroupFilter, Page, UserFilter};
use crate::core::storage::{ReadTx, Storage};
use crate::core::Error;

/// CPU time this process has used (all its threads: the caller and the runtime's, which
/// drive the connections), so a run's client cost apart from the server's.
fn cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid rusage
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let t = |tv: libc::timeval| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// The median wall time of `n` runs of `f` (a read transaction of its own each) and the
/// process's CPU time per run.
fn time<T>(
    store: &dyn Storage,
    n: usize,
    f: impl Fn(&mut dyn ReadTx) -> Result<T, Error>,
) -> (Duration, Duration) {
    let cpu_before = cpu();
    let mut runs: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            read(store, &f);
            start.elapsed()
        })
        .collect();
    let cpu_per_run = (cpu() - cpu_before) / n as u32;
    runs.sort();
    (runs[n / 2], cpu_per_run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, run by hand"]
async fn a_page_of_100_through_both_stores() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let a = f.a.clone();
    let names: Vec<String> = (0..10_000).map(|i| format!("user{i:05}")).collect();
    let records: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| record(&a, i as i64, &UserSpec::named(n)))
        .collect();
    for chunk in records.chunks(1000) {
        f.write(|tx| tx.insert_users(chunk));
    }
    let root = group(&a, Some("root"), "Root", None);
    let mut groups = vec![root.clone()];
    groups.extend((0..1_000).map(|i| group(&a, None, &format!("group{i:04}"), Some(&root))));
    f.write(|tx| tx.insert_groups(&groups));
    let page = Page {
        limit: 100,
        offset: 0,
    };
    let keyword = UserFilter {
        name_contains: Some("user0".into()),
        ..Default::default()
    };
    let group_keyword = GroupFilter {
        keyword: Some("group0".into()),
        ..Default::default()
    };
    let n = 200;
    let stores: [(&str, &dyn Storage); 2] = [("sqlite", &f.mirror), ("native", &f.native)];
    // warm both (connections made, statements prepared)
    for (_, store) in stores {
        time(store, 20, |tx| {
            tx.list_users(&a, &UserFilter::default(), page)
        });
        time(store, 20, |tx| {
            tx.list_groups(&a, &GroupFilter::default(), page)
        });
    }
    // rounds in both orders, so neither store always runs on a warmer machine
    for round in 0..4 {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let (what, store) = stores[i];
            let users = time(store, n, |tx| {
                tx.list_users(&a, &UserFilter::default(), page)
            });
            let users_kw = time(store, n, |tx| tx.list_users(&a, &keyword, page));
            let groups = time(store, n, |tx| {
                tx.list_groups(&a, &GroupFilter::default(), page)
            });
            let groups_kw = time(store, n, |tx| tx.list_groups(&a, &group_keyword, page));
            println!(
                "{what:>6}: median wall / client CPU per page: users {:?} / {:?}, \
                 users 'user0' {:?} / {:?}, groups {:?} / {:?}, groups 'group0' {:?} / {:?}",
                users.0,
                users.1,
                users_kw.0,
                users_kw.1,
                groups.0,
                groups.1,
                groups_kw.0,
                groups_kw.1
            );
        }
    }
}
