//! Authorization storage (`core::authz::store`) on this driver: the cases of
//! `store::authz_cases`, each on a fresh database. Every write goes to the SQLite mirror as
//! well and must answer as it does (a refused write must be refused by both, alike); every
//! read is held to the written values by the cases and compared with the mirror's answer.

use std::fmt::Debug;

use super::{selected, write, Fixture};
use crate::core::model::{AccountId, ProjectId};
use crate::core::storage::{ReadTx, Storage, WriteTx};
use crate::core::Error;
use crate::store::authz_cases::{self, Harness};

/// `f` in a write transaction of `store` that must fail; dropped, so rolled back.
fn refused_by(
    store: &dyn Storage,
    f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<(), Error>,
) -> Error {
    tokio::task::block_in_place(|| {
        let mut tx = store.write().unwrap();
        let e = f(&mut *tx).expect_err("the write must be refused");
        drop(tx);
        e
    })
}

impl Harness for Fixture {
    fn a(&self) -> AccountId {
        self.a.clone()
    }

    fn b(&self) -> AccountId {
        self.b.clone()
    }

    fn project(&self) -> ProjectId {
        self.project_a.as_str().into()
    }

    fn write<T: Debug>(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T, Error>) -> T {
        let mirror = write(&self.mirror, &mut f);
        let ours = write(&self.native, f);
        assert_eq!(
            format!("{ours:?}"),
            format!("{mirror:?}"),
            "a write's answer"
        );
        ours
    }

    fn refused(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<(), Error>) -> Error {
        let mirror = refused_by(&self.mirror, &mut f);
        let ours = refused_by(&self.native, &mut f);
        assert_eq!(
            std::mem::discriminant(&ours),
            std::mem::discriminant(&mirror),
            "{ours:?} where the mirror said {mirror:?}"
        );
        ours
    }

    fn read<T: Debug>(&self, what: &str, f: impl Fn(&mut dyn ReadTx) -> Result<T, Error>) -> T {
        self.same(what, f)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_roles_round_trip_unique_per_account() {
    if !selected() {
        return;
    }
    authz_cases::custom_roles(&Fixture::new().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_filter_order_and_go_with_their_groups_and_roles() {
    if !selected() {
        return;
    }
    authz_cases::grants(&Fixture::new().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_policies_versions_attachments_and_held_policies() {
    if !selected() {
        return;
    }
    authz_cases::identity_policies(&Fixture::new().await);
}
