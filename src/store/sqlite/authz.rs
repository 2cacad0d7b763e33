//! Authorization storage (`core::authz::store`) on this driver.
//! PLACEHOLDER: every call fails until the driver implements it.
use super::SqliteTx;
use crate::core::authz::store::*;
use crate::core::model::AccountId;
use crate::core::Error;

fn todo<T>() -> Result<T, Error> {
    Err(Error::Internal(
        "authorization storage is not implemented on this driver yet".into(),
    ))
}

impl<const WRITE: bool> AuthzRead for SqliteTx<WRITE> {
    fn custom_roles(&mut self, _account_id: &AccountId) -> Result<Vec<CustomRoleRow>, Error> {
        todo()
    }

    fn custom_role(
        &mut self,
        _account_id: &AccountId,
        _id: &str,
    ) -> Result<Option<CustomRoleRow>, Error> {
        todo()
    }

    fn grants(
        &mut self,
        _account_id: &AccountId,
        _filter: &GrantFilter,
    ) -> Result<Vec<GrantRow>, Error> {
        todo()
    }

    fn group_paths_of_user(
        &mut self,
        _account_id: &AccountId,
        _user_id: &str,
    ) -> Result<Vec<String>, Error> {
        todo()
    }

    fn identity_policies(
        &mut self,
        _account_id: &AccountId,
    ) -> Result<Vec<IdentityPolicyRow>, Error> {
        todo()
    }

    fn identity_policy(
        &mut self,
        _account_id: &AccountId,
        _id: &str,
    ) -> Result<Option<IdentityPolicyRow>, Error> {
        todo()
    }

    fn identity_policy_by_name(
        &mut self,
        _account_id: &AccountId,
        _name: &str,
    ) -> Result<Option<IdentityPolicyRow>, Error> {
        todo()
    }

    fn policy_versions(&mut self, _policy_id: &str) -> Result<Vec<PolicyVersionRow>, Error> {
        todo()
    }

    fn attachments(
        &mut self,
        _account_id: &AccountId,
        _policy_id: Option<&str>,
        _principal: Option<&Principal>,
    ) -> Result<Vec<AttachmentRow>, Error> {
        todo()
    }

    fn held_policies(
        &mut self,
        _account_id: &AccountId,
        _principals: &[Principal],
    ) -> Result<Vec<HeldPolicyRow>, Error> {
        todo()
    }
}

impl AuthzWrite for SqliteTx<true> {
    fn insert_custom_role(&mut self, _r: &CustomRoleRow) -> Result<(), Error> {
        todo()
    }

    fn update_custom_role(&mut self, _r: &CustomRoleRow) -> Result<(), Error> {
        todo()
    }

    fn delete_custom_role(&mut self, _account_id: &AccountId, _id: &str) -> Result<bool, Error> {
        todo()
    }

    fn insert_grant(&mut self, _g: &GrantRow) -> Result<bool, Error> {
        todo()
    }

    fn delete_grant(
        &mut self,
        _account_id: &AccountId,
        _group_id: &str,
        _role_id: &str,
        _scope: &GrantScope,
    ) -> Result<bool, Error> {
        todo()
    }

    fn insert_identity_policy(&mut self, _p: &IdentityPolicyRow) -> Result<(), Error> {
        todo()
    }

    fn update_identity_policy(&mut self, _p: &IdentityPolicyRow) -> Result<(), Error> {
        todo()
    }

    fn delete_identity_policy(
        &mut self,
        _account_id: &AccountId,
        _id: &str,
    ) -> Result<bool, Error> {
        todo()
    }

    fn insert_policy_version(&mut self, _v: &PolicyVersionRow) -> Result<(), Error> {
        todo()
    }

    fn delete_policy_version(
        &mut self,
        _policy_id: &str,
        _version_id: &str,
    ) -> Result<bool, Error> {
        todo()
    }

    fn attach_policy(&mut self, _a: &AttachmentRow) -> Result<bool, Error> {
        todo()
    }

    fn detach_policy(
        &mut self,
        _account_id: &AccountId,
        _policy_id: &str,
        _principal: &Principal,
    ) -> Result<bool, Error> {
        todo()
    }
}
