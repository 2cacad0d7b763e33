//! Authorization storage (`core::authz::store`) on this driver: the cases of
//! `store::authz_cases`, each on a fresh file, every read through a fresh read transaction.

use std::fmt::Debug;

use super::Fixture;
use crate::core::model::{AccountId, ProjectId};
use crate::core::storage::{ReadTx, Storage, WriteTx};
use crate::core::Error;
use crate::store::authz_cases::{self, Harness};

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

    fn write<T: Debug>(&self, f: impl FnMut(&mut dyn WriteTx) -> Result<T, Error>) -> T {
        Fixture::write(self, f)
    }

    fn refused(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<(), Error>) -> Error {
        let mut tx = self.writer.write().unwrap();
        let e = f(&mut *tx).expect_err("the write must be refused");
        drop(tx);
        e
    }

    fn read<T: Debug>(&self, _what: &str, f: impl Fn(&mut dyn ReadTx) -> Result<T, Error>) -> T {
        let store = self.store();
        let mut tx = store.read().unwrap();
        let out = f(&mut *tx).unwrap();
        tx.finish().unwrap();
        out
    }
}

#[tokio::test]
async fn custom_roles_round_trip_unique_per_account() {
    authz_cases::custom_roles(&Fixture::new().await);
}

#[tokio::test]
async fn grants_filter_order_and_go_with_their_groups_and_roles() {
    authz_cases::grants(&Fixture::new().await);
}

#[tokio::test]
async fn identity_policies_versions_attachments_and_held_policies() {
    authz_cases::identity_policies(&Fixture::new().await);
}
