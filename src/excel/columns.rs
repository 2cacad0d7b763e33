//! Column headers and cell words per language. The import reads the same headers back (in
//! either language), so an exported user sheet is also a valid import file.

use crate::core::exports::Language;

pub fn user_headers(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::English => &[
            "User name",
            "Email",
            "Phone",
            "Description",
            "User groups",
            "Account expires",
            "Activation type",
            "Locked",
            "Disabled",
            "Created (UTC)",
            "User ID",
        ],
        Language::Chinese => &[
            "用户名",
            "邮箱",
            "手机号码",
            "描述",
            "所属用户组",
            "账号有效期",
            "激活方式",
            "是否锁定",
            "是否禁用",
            "创建时间 (UTC)",
            "用户ID",
        ],
    }
}

pub fn group_headers(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::English => &[
            "Group name",
            "Description",
            "Parent group",
            "Users",
            "Type",
            "Created (UTC)",
            "Group ID",
        ],
        Language::Chinese => &[
            "用户组名称",
            "描述",
            "父用户组",
            "用户数",
            "类型",
            "创建时间 (UTC)",
            "用户组ID",
        ],
    }
}

/// The import template: the first six user columns; the user name is required.
pub fn template_headers(lang: Language) -> &'static [&'static str] {
    &user_headers(lang)[..6]
}

/// Words written into cells.
pub struct Words {
    pub yes: &'static str,
    pub no: &'static str,
    pub never: &'static str,
    pub by_user: &'static str,
    pub by_admin: &'static str,
    pub sheet_users: &'static str,
    pub sheet_groups: &'static str,
    pub sheet_help: &'static str,
    pub help: &'static [&'static str],
}

pub fn words(lang: Language) -> &'static Words {
    match lang {
        Language::English => &Words {
            yes: "Yes",
            no: "No",
            never: "Never",
            by_user: "Activated by user",
            by_admin: "Activated by administrator",
            sheet_users: "Users",
            sheet_groups: "User groups",
            sheet_help: "Instructions",
            help: &[
                "Fill in one user per row of the first sheet, from its second row on.",
                "User name: required; 1 to 20 letters, digits, '_' or '-'; unique in the account.",
                "Columns A to E are text columns: type values, not formulas (a row with a formula is reported and skipped).",
                "Email or Phone: at least one is required (the user activates the account with it).",
                "User groups: names of existing groups, one per line (Alt+Enter starts a new line in a cell).",
                "Account expires: empty or 'Never', or a date (yyyy-MM-dd or yyyy-MM-dd HH:mm:ss, UTC).",
                "A row that breaks a rule is reported and skipped; the other rows are imported.",
            ],
        },
        Language::Chinese => &Words {
            yes: "是",
            no: "否",
            never: "永不过期",
            by_user: "用户激活",
            by_admin: "管理员激活",
            sheet_users: "用户",
            sheet_groups: "用户组",
            sheet_help: "填写说明",
            help: &[
                "在第一个工作表中每行填写一个用户，从第二行开始。",
                "用户名：必填；1到20个字母、数字、'_'或'-'；账号内唯一。",
                "A 至 E 列为文本列：请填写值，不要填写公式（含公式的行会被报告并跳过）。",
                "邮箱或手机号码：至少填写一项（用户用它激活账号）。",
                "所属用户组：已有用户组的名称，每行一个（在单元格内按 Alt+Enter 换行）。",
                "账号有效期：留空或'永不过期'，或日期（yyyy-MM-dd 或 yyyy-MM-dd HH:mm:ss，UTC）。",
                "不符合规则的行会被报告并跳过，其余行照常导入。",
            ],
        },
    }
}
