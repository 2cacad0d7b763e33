//! The core's ids on the wire: each is its text, on every face (JSON strings in Workspace,
//! Keystone and Quick BI bodies). Here, not in `core`, which knows no serde.

use serde::{Serialize, Serializer};

use crate::core::ids::{AccountId, GroupId, ProjectId, UserId};

macro_rules! serialize_as_text {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}
serialize_as_text!(AccountId, ProjectId, UserId, GroupId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_json_strings() {
        let v = serde_json::json!({ "id": UserId::from("u1"), "group": GroupId::from("g") });
        assert_eq!(v.to_string(), r#"{"group":"g","id":"u1"}"#);
    }
}
