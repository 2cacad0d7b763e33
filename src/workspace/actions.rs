//! The action of every Workspace route (`core::authz::actions`), and the resource a route
//! names: the group or user of its path, every one (`*`) for batch and whole-list routes
//! of a resource-scoped action.

use crate::core::authz::actions::{self, Action};

/// The resources of a batch route are the ids in its body: its handler authorizes each one
/// (`Tenant::authorize_each`), since `admit` runs before the body is read.
pub const IN_BODY: &str = "ids in the body";

/// (method, route as registered, action name, path parameter naming the resource, or
/// [`IN_BODY`]).
pub const ROUTES: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "GET",
        "/v2/{project_id}/groups",
        "workspace:userGroups:list",
        None,
    ),
    (
        "POST",
        "/v2/{project_id}/groups",
        "workspace:userGroups:create",
        None,
    ),
    (
        "POST",
        "/v2/{project_id}/groups/batch-delete",
        "workspace:userGroups:delete",
        Some(IN_BODY),
    ),
    (
        "PUT",
        "/v2/{project_id}/groups/{group_id}",
        "workspace:userGroups:update",
        Some("group_id"),
    ),
    (
        "DELETE",
        "/v2/{project_id}/groups/{group_id}",
        "workspace:userGroups:delete",
        Some("group_id"),
    ),
    (
        "GET",
        "/v2/{project_id}/groups/{group_id}/users",
        "workspace:userGroups:listUsers",
        Some("group_id"),
    ),
    (
        "POST",
        "/v2/{project_id}/groups/{group_id}/actions",
        "workspace:userGroups:manageUsers",
        Some("group_id"),
    ),
    (
        "GET",
        "/v2/{project_id}/groups/export",
        "workspace:userGroups:export",
        None,
    ),
    (
        "POST",
        "/v3/{project_id}/groups/export",
        "workspace:userGroups:export",
        None,
    ),
    (
        "GET",
        "/v3/{project_id}/groups/{group_id}/users/export",
        "workspace:userGroups:export",
        Some("group_id"),
    ),
    (
        "POST",
        "/v3/{project_id}/users/export",
        "workspace:users:export",
        None,
    ),
    (
        "GET",
        "/v2/{project_id}/export-tasks",
        "workspace:exportTasks:list",
        None,
    ),
    (
        "GET",
        "/v2/{project_id}/export-tasks/{task_id}/download",
        "workspace:exportTasks:download",
        None,
    ),
    (
        "POST",
        "/v2/{project_id}/export-tasks/batch-delete",
        "workspace:exportTasks:delete",
        None,
    ),
    (
        "GET",
        "/v2/{project_id}/users/template/download",
        "workspace:users:getImportTemplate",
        None,
    ),
    (
        "GET",
        "/v2/{project_id}/users/desktop-users/template",
        "workspace:users:getImportTemplate",
        None,
    ),
    (
        "POST",
        "/v2/{project_id}/users/desktop-users/action/import",
        "workspace:users:import",
        None,
    ),
    (
        "GET",
        "/v2/{project_id}/users",
        "workspace:users:list",
        None,
    ),
    (
        "POST",
        "/v2/{project_id}/users",
        "workspace:users:create",
        None,
    ),
    (
        "POST",
        "/v2/{project_id}/users/batch-create",
        "workspace:users:create",
        None,
    ),
    (
        "POST",
        "/v2/{project_id}/users/batch-delete",
        "workspace:users:delete",
        Some(IN_BODY),
    ),
    (
        "GET",
        "/v2/{project_id}/users/{user_id}",
        "workspace:users:get",
        Some("user_id"),
    ),
    (
        "PUT",
        "/v2/{project_id}/users/{user_id}",
        "workspace:users:update",
        Some("user_id"),
    ),
    (
        "DELETE",
        "/v2/{project_id}/users/{user_id}",
        "workspace:users:delete",
        Some("user_id"),
    ),
    (
        "POST",
        "/v2/{project_id}/users/{user_id}/actions",
        "workspace:users:operate",
        Some("user_id"),
    ),
    (
        "GET",
        "/v2/{project_id}/users/{user_id}/random-password",
        "workspace:users:resetRandomPassword",
        Some("user_id"),
    ),
];

/// The action of `method` on route `path` (as registered) and the path parameter naming
/// its resource; `None` for a route missing from [`ROUTES`] (refused: no route runs
/// unauthorized).
pub fn of_route(method: &str, path: &str) -> Option<(&'static Action, Option<&'static str>)> {
    // HEAD is answered by the GET route
    let method = if method == "HEAD" { "GET" } else { method };
    let &(_, _, name, param) = ROUTES
        .iter()
        .find(|(m, p, ..)| *m == method && *p == path)?;
    Some((actions::find(name)?, param))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_lists_every_route_with_its_action() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        for (m, p, name, _) in ROUTES {
            let row = format!("| `{m} {p}` | `{name}` |");
            assert!(readme.contains(&row), "README.md lacks {row}");
        }
    }

    #[test]
    fn every_route_names_a_known_action() {
        for (m, p, name, param) in ROUTES {
            let (a, _) = of_route(m, p).unwrap_or_else(|| panic!("{m} {p}: {name} unknown"));
            // a resource-scoped action either names its resource or covers them all
            if let Some(param) = param.filter(|p| *p != IN_BODY) {
                assert!(p.contains(&format!("{{{param}}}")), "{p}");
                assert!(a.resource_type.is_some(), "{name}");
            }
        }
    }
}
