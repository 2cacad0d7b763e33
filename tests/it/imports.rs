//! The import through a real server: templates, per-row results, whole-file refusals,
//! hostile workbooks in bounded memory, and what people type into a spreadsheet.

use crate::common;

use std::io::Cursor;

use common::excel::*;
use common::{create_account, Server, TestDb};
use serde_json::json;

#[tokio::test]
async fn import_creates_good_rows_and_reports_bad_ones() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &["--import-max-bytes", "200000"]);
    let c = server.client(&a);
    group(&c, "Sales").await;
    user(&c, "taken", "").await;

    // the templates, in both languages: headers the import reads back
    for (path, lang, first) in [
        ("/users/template/download", "en_US", "User name"),
        ("/users/desktop-users/template", "zh_CN", "用户名"),
    ] {
        let r = c
            .call("GET", &c.ws(&format!("{path}?language={lang}")), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.headers["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let book = sheets(&r.raw);
        assert_eq!(book[0].1[0][0], first);
        assert_eq!(book[0].1.len(), 1, "a template has only its header row");
        assert_eq!(book[1].1.len(), 7, "instructions");
    }
    let r = c.call("GET", &c.ws("/users/template/download"), None).await;
    let template = sheets(&r.raw);
    let header: Vec<&str> = template[0].1[0].iter().map(String::as_str).collect();
    assert_eq!(
        header,
        [
            "User name",
            "Email",
            "Phone",
            "Description",
            "User groups",
            "Account expires"
        ]
    );

    let rows = vec![
        vec!["dave", "dave@example.com", "", "ok", "Sales", ""],
        vec![
            "erin",
            "",
            "13800000000",
            "phone typed as a number",
            "",
            "2030-01-02",
        ],
        vec!["9lives", "x@example.com", "", "", "", ""],
        vec![
            "dave",
            "dup@example.com",
            "",
            "repeated in the file",
            "",
            "",
        ],
        vec!["Taken", "t@example.com", "", "exists already", "", ""],
        vec!["frank", "frank@example.com", "", "", "Nope", ""],
        vec!["gina", "gina@example.com", "", "", "", "someday"],
        vec!["hank", "", "", "no email or phone", "", ""],
        vec!["", "", "", "", "", ""],
        vec!["ivan", "ivan@example.com", "", "=1+1", "sales\n", "Never"],
    ];
    let file = workbook(&header, &rows);
    let r = c
        .upload(
            &c.ws("/users/desktop-users/action/import"),
            "users.xlsx",
            &file,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let created: Vec<&str> = names(&r.body, "user_detail_list", "user_name");
    assert_eq!(created, ["dave", "erin", "ivan"]);
    let failed: Vec<(u64, &str)> = r.body["failed_detail_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["row"].as_u64().unwrap(),
                u["error_code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            (4, "WKS.0002"),
            (5, "WKS.0201"),
            (6, "WKS.0201"),
            (7, "WKS.0102"),
            (8, "WKS.0001"),
            (9, "WKS.0001")
        ]
    );
    assert_eq!(r.body["total_count"], 9);
    let why = r.body["failed_detail_list"][5]["description"]
        .as_str()
        .unwrap();
    assert!(why.starts_with("row 9: "), "{why}");

    // what was created is what the file said
    let r = c.call("GET", &c.ws("/users?user_name=erin"), None).await;
    let erin = &r.body["users"][0];
    assert_eq!(erin["user_phone"], "13800000000");
    assert_eq!(erin["description"], "phone typed as a number");
    assert!(
        erin["account_expires"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-02"),
        "{erin}"
    );
    let r = c.call("GET", &c.ws("/users?user_name=ivan"), None).await;
    assert_eq!(r.body["users"][0]["group_names"], json!(["Sales"]));
    assert_eq!(r.body["users"][0]["description"], "=1+1");
    let r = c.call("GET", &c.ws("/groups?keyword=Sales"), None).await;
    assert_eq!(r.body["user_groups"][0]["user_quantity"], 2);

    // whole-file failures change nothing
    let before = c.call("GET", &c.ws("/users"), None).await.body["total_count"].clone();
    // random text does not compress: a workbook well over the server's 200,000 bytes
    let noise: Vec<String> = (0..4000)
        .map(|_| (0..7).map(|_| roster::core::ids::new_id()).collect())
        .collect();
    let big_rows: Vec<Vec<&str>> = noise
        .iter()
        .map(|d| vec!["zed", "zed@example.com", "", d.as_str(), "", ""])
        .collect();
    let big = workbook(&header, &big_rows);
    assert!(big.len() > 200_000, "{}", big.len());
    let no_name = workbook(&["Email"], &[vec!["a@example.com"]]);
    for (file, name, why) in [
        (b"not a workbook at all".to_vec(), "users.xlsx", "not xlsx"),
        (no_name, "users.xlsx", "no user name column"),
        (workbook(&header, &[]), "users.xlsx", "no rows"),
        (big, "big.xlsx", "too large"),
        (vec![b'x'; 2_000_000], "huge.xlsx", "far too large"),
    ] {
        let r = c
            .upload(&c.ws("/users/desktop-users/action/import"), name, &file)
            .await;
        assert_eq!(r.status, 400, "{why}: {}", r.body);
        assert_eq!(r.body["error_code"], "WKS.0001", "{why}");
    }
    let r = c
        .call(
            "POST",
            &c.ws("/users/desktop-users/action/import"),
            Some(&json!({})),
        )
        .await;
    assert_eq!(r.status, 400, "not multipart: {}", r.body);
    let after = c.call("GET", &c.ws("/users"), None).await.body["total_count"].clone();
    assert_eq!(before, after);

    // an exported user sheet imports back (into another account)
    let b = create_account(&db, "other");
    let cb = server.client(&b);
    let raw = export_users(&c, json!({"user_name": "a"})).await;
    let r = cb
        .upload(
            &cb.ws("/users/desktop-users/action/import"),
            "export.xlsx",
            &raw,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // names with an "a": acme (the root: no e-mail or phone), dave and ivan (group Sales
    // unknown there) fail; taken is created
    let created: Vec<&str> = names(&r.body, "user_detail_list", "user_name");
    assert_eq!(created, ["taken"]);
    let failed: Vec<(&str, &str)> = r.body["failed_detail_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["user_name"].as_str().unwrap(),
                u["error_code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            ("acme", "WKS.0001"),
            ("dave", "WKS.0102"),
            ("ivan", "WKS.0102")
        ]
    );
}

/// Workbooks made to exhaust the server: a far cell (the 1.6 KB file that once asked for a
/// 512 GiB grid and aborted the process), a huge XML comment, a huge shared string, a
/// string repeated into every row, too many parts, and several at once. Each is a 400
/// naming its limit (or, for the far cell, imported without its empty grid), nothing else
/// changes, and the server's peak memory stays within the documented bound.
#[tokio::test]
async fn hostile_workbooks_are_refused_in_bounded_memory() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    let import = c.ws("/users/desktop-users/action/import");

    // A1 .. XFD1048576: the far cell is in no column the import reads
    let far = raw_xlsx(
        &[
            b"<worksheet><sheetData>",
            HEADER_ROW,
            br#"<row r="2"><c r="A2" t="inlineStr"><is><t>alice</t></is></c><c r="B2" t="inlineStr"><is><t>alice@example.com</t></is></c></row>"#,
            br#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
            b"</sheetData></worksheet>",
        ],
        &[b"<sst/>"],
        0,
    );
    assert!(far.len() < 2_000, "{}", far.len());
    let r = c.upload(&import, "far.xlsx", &far).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(names(&r.body, "user_detail_list", "user_name"), ["alice"]);
    let users_before = c.call("GET", &c.ws("/users"), None).await.body["total_count"].clone();

    let mib = vec![b'a'; 1 << 20];
    let chunks = |n: usize| -> Vec<&[u8]> { (0..n).map(|_| mib.as_slice()).collect() };
    let comment = {
        let mut s: Vec<&[u8]> = vec![b"<worksheet><sheetData>", HEADER_ROW, b"<!--"];
        s.extend(chunks(256));
        s.extend([&b"--></sheetData></worksheet>"[..]]);
        raw_xlsx(&s, &[b"<sst/>"], 0)
    };
    let huge_string = {
        let mut s: Vec<&[u8]> = vec![b"<sst><si><t>"];
        s.extend(chunks(128));
        s.push(b"</t></si></sst>");
        raw_xlsx(
            &[
                b"<worksheet><sheetData>",
                HEADER_ROW,
                b"</sheetData></worksheet>",
            ],
            &s,
            0,
        )
    };
    // one 30,000-character string, referenced by the description of 3,000 rows: 90 MB of
    // kept text from a file of a few KB
    let repeated = {
        let long = format!("<sst><si><t>{}</t></si></sst>", "d".repeat(30_000));
        let rows: String = (2..3002)
            .map(|r| {
                format!(
                    r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>u{r}</t></is></c><c r="B{r}" t="inlineStr"><is><t>u{r}@example.com</t></is></c><c r="D{r}" t="s"><v>0</v></c></row>"#
                )
            })
            .collect();
        raw_xlsx(
            &[
                b"<worksheet><sheetData>",
                HEADER_ROW,
                rows.as_bytes(),
                b"</sheetData></worksheet>",
            ],
            &[long.as_bytes()],
            0,
        )
    };
    let many_parts = raw_xlsx(
        &[
            b"<worksheet><sheetData>",
            HEADER_ROW,
            b"</sheetData></worksheet>",
        ],
        &[b"<sst/>"],
        1_001,
    );
    let cases = [
        (comment, "XML element or text longer than 1024 KiB"),
        (
            huge_string,
            "shared-string table holds one XML element or text longer than 1024 KiB",
        ),
        (repeated, "more than 64 MiB of text"),
        (many_parts, "more than 1000 parts"),
    ];
    for (file, why) in &cases {
        assert!(file.len() < 4 << 20, "{why}: {} bytes", file.len());
    }
    // all at once, twice over: each waits its turn for one of the node's import permits
    let runs = cases.iter().chain(cases.iter()).map(|(file, why)| {
        let (c, import) = (&c, &import);
        async move { (c.upload(import, "hostile.xlsx", file).await, *why) }
    });
    for (r, why) in futures_util::future::join_all(runs).await {
        assert_eq!(r.status, 400, "{why}: {}", r.body);
        assert_eq!(r.body["error_code"], "WKS.0001", "{why}");
        let msg = r.body["error_msg"].as_str().unwrap();
        assert!(msg.contains(why), "{why}: {msg}");
    }
    let users_after = c.call("GET", &c.ws("/users"), None).await.body["total_count"].clone();
    assert_eq!(users_before, users_after, "a refused file changes nothing");
    // 256 MiB of comment, 128 MiB of string and 90 MB of rows went in; the server held a
    // bounded working set per import, at most two imports at a time
    let peak = peak_rss(server.child.id());
    assert!(peak < 400 << 20, "peak RSS {} MiB", peak >> 20);
}

/// What a person fills into the template in a spreadsheet program: a formula cell fails its
/// row with a message that shows the formula; a group whose name holds commas, semicolons
/// and Chinese punctuation survives export, deletion and import back (groups are one per
/// line); text with characters that look like the export's separators exports and imports.
#[tokio::test]
async fn what_people_type_round_trips_or_fails_its_row() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    group(&c, "Sales").await;
    group(&c, "East").await;
    let odd = group(&c, "Sales, East; 华东，一组").await;
    let plain = group(&c, "研发部").await;
    let dave = user(&c, "dave", "line one\nline two, _x0041_ literal").await;
    for g in [&odd, &plain] {
        let r = c
            .call(
                "POST",
                &c.ws(&format!("/groups/{g}/actions")),
                Some(&json!({"op_type": "ADD", "user_ids": [dave]})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let book = export_users(&c, json!({"user_name": "dave"})).await;
    assert_eq!(sheets(&book)[0].1[1][4], "Sales, East; 华东，一组\n研发部");
    let r = c
        .call("DELETE", &c.ws(&format!("/users/{dave}")), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c
        .upload(
            &c.ws("/users/desktop-users/action/import"),
            "back.xlsx",
            &book,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(names(&r.body, "user_detail_list", "user_name"), ["dave"]);
    let r = c.call("GET", &c.ws("/users?user_name=dave"), None).await;
    let back = &r.body["users"][0];
    assert_eq!(
        back["group_names"],
        json!(["Sales, East; 华东，一组", "研发部"])
    );
    assert_eq!(back["description"], "line one\nline two, _x0041_ literal");

    // the template's columns A..E are text columns (Excel's built-in format 49, "@"), so a
    // phone typed there keeps its leading 0
    let r = c.call("GET", &c.ws("/users/template/download"), None).await;
    let mut zip = zip::ZipArchive::new(Cursor::new(r.raw.to_vec())).unwrap();
    let part = |zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let styles = part(&mut zip, "xl/styles.xml");
    assert!(styles.contains(r#"numFmtId="49""#), "{styles}");
    let sheet1 = part(&mut zip, "xl/worksheets/sheet1.xml");
    let cols = &sheet1[sheet1.find("<cols>").unwrap()..sheet1.find("</cols>").unwrap()];
    let attr = |col: &str, name: &str| -> Option<u32> {
        let col = format!(" {col}");
        let at = col.find(&format!(" {name}=\""))? + name.len() + 3;
        col[at..].split('"').next()?.parse().ok()
    };
    let styled: Vec<u32> = cols
        .split("<col ")
        .skip(1)
        .filter(|col| col.contains("style="))
        .flat_map(|col| attr(col, "min").unwrap()..=attr(col, "max").unwrap())
        .collect();
    assert_eq!(styled, [1, 2, 3, 4, 5], "{cols}");

    // a formula typed into a description: the row fails and says so, readably
    let sheet = br#"<row r="2"><c r="A2" t="inlineStr"><is><t>erin</t></is></c><c r="B2" t="inlineStr"><is><t>erin@example.com</t></is></c><c r="D2"><f>1+2</f><v>3</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>fay</t></is></c><c r="B3" t="inlineStr"><is><t>fay@example.com</t></is></c><c r="D3" t="inlineStr"><is><t>=1+2 as text, a private-use &#xF18D; char</t></is></c></row><row r="4"><c r="A4" t="inlineStr"><is><t>gus</t></is></c><c r="B4" t="inlineStr"><is><t>gus@example.com</t></is></c><c r="E4" t="inlineStr"><is><t>Nope&#xF18D;</t></is></c></row>"#;
    let file = raw_xlsx(
        &[
            b"<worksheet><sheetData>",
            HEADER_ROW,
            sheet,
            b"</sheetData></worksheet>",
        ],
        &[b"<sst/>"],
        0,
    );
    let r = c
        .upload(&c.ws("/users/desktop-users/action/import"), "f.xlsx", &file)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(names(&r.body, "user_detail_list", "user_name"), ["fay"]);
    let failed = &r.body["failed_detail_list"][0];
    assert_eq!(failed["row"], 2);
    let msg = failed["error_msg"].as_str().unwrap();
    assert!(
        msg.contains("Description (D2) holds a formula (\"=1+2\")"),
        "{msg}"
    );
    // an unknown group with a character one cannot see: named readably, not as \u{f18d}
    let msg = r.body["failed_detail_list"][1]["error_msg"]
        .as_str()
        .unwrap();
    assert!(msg.contains("\"NopeU+F18D\""), "{msg}");
    let r = c.call("GET", &c.ws("/users?user_name=fay"), None).await;
    assert_eq!(
        r.body["users"][0]["description"],
        "=1+2 as text, a private-use \u{f18d} char"
    );
}
