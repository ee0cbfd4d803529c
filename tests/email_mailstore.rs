//! The Email API's methods on a user's mail and on the company's jobs and
//! figures: folders and messages (read, moved, deleted ones restored),
//! deleted contacts restored, reindex, migration jobs with their traces,
//! stats periods, snapshots and summaries, and the download links they give —
//! over real sockets, on either backend.

use serde_json::{Value, json};

use crate::common::{Response, Server};

const ADMIN: &str = "store-admin";
const PW: &str = "store-admin-pw-1";

fn world() -> Server {
    let toml = format!(
        r#"
        [[mail_company]]
        id = 4001
        name = "Store Co"
        [[mail_admin]]
        company = 4001
        username = "{ADMIN}"
        password = "{PW}"
        [[mail_domain]]
        name = "store.example"
        company = 4001
        mailboxes = 2
        [[mail_message]]
        user = "user1@store.example"
        subject = "Hello"
        from = "a@far.example"
        [[mail_message]]
        user = "user1@store.example"
        subject = "Read one"
        from = "b@far.example"
        seen = true
        [[mail_message]]
        user = "user1@store.example"
        folder = "2011.Q1"
        subject = "Old"
        [[mail_message]]
        user = "user1@store.example"
        folder = "Gone"
        subject = "Deleted"
        deleted = true
        [[mail_contact]]
        user = "user1@store.example"
        firstname = "Bob"
        lastname = "Bobson"
        email = "bob@far.example"
        deleted = true
        [[mail_contact]]
        user = "user1@store.example"
        firstname = "Kept"
        [[mail_company]]
        id = 4002
        name = "Other Co"
        [[mail_admin]]
        company = 4002
        username = "other-store-admin"
        password = "{PW}"
        "#
    );
    Server::start_scenario(&toml, |_| {})
}

fn json_of(r: &Response) -> Value {
    assert!(r.status_line.contains(" 200 "), "{}", r.status_line);
    serde_json::from_slice(&r.body).expect("JSON reply")
}

fn call_as(s: &Server, user: &str, method: &str, mut body: Value) -> Value {
    body["credentials"] = json!({"user": user, "password": PW});
    let text = body.to_string();
    let raw = format!(
        "POST /api/{method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    );
    json_of(&s.send(raw.as_bytes()))
}

fn call(s: &Server, method: &str, body: Value) -> Value {
    let v = call_as(s, ADMIN, method, body);
    assert_eq!(v["success"], json!(true), "{method}: {v}");
    v
}

fn number(v: &Value) -> Value {
    assert_eq!(v["success"], json!(false), "{v}");
    v["error_number"].clone()
}

/// GET of a download link's path and query, over the socket.
fn download(s: &Server, url: &str) -> Response {
    let at = url.find("/api/oma_file/get").expect("a link");
    s.send(format!("GET {} HTTP/1.1\r\nHost: x\r\n\r\n", &url[at..]).as_bytes())
}

const U1: &str = "user1@store.example";

#[test]
fn folders_messages_and_deleted_items() {
    let s = world();
    let f = call(&s, "get_user_folders", json!({"user": U1}));
    assert_eq!(
        f["folders"],
        json!(["INBOX", "Spam", "Drafts", "Trash", "Sent Items", "2011.Q1"])
    );
    assert_eq!(f["deleted_folders"], json!(["Gone"]));

    let inbox = call(&s, "get_user_messages", json!({"user": U1}));
    assert_eq!(inbox["count"], json!(2), "{inbox}");
    assert_eq!(inbox["messages"][0]["headers"]["Subject"], json!("Hello"));
    assert_eq!(
        inbox["messages"][0]["headers"]["From"],
        json!("a@far.example")
    );
    let unseen = call(&s, "get_user_messages", json!({"user": U1, "unseen": true}));
    assert_eq!(unseen["count"], json!(1));
    let newest = call(
        &s,
        "get_user_messages",
        json!({"user": U1, "limit": 1, "recent": true}),
    );
    assert_eq!(
        newest["messages"][0]["headers"]["Subject"],
        json!("Read one")
    );
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "get_user_messages",
            json!({"user": U1, "folder": "Nope"})
        )),
        json!(2)
    );
    assert_eq!(
        call(&s, "user_notify", json!({"user": U1}))["unseen"],
        json!(1)
    );

    let id = inbox["messages"][0]["id"].clone();
    let moved = call(
        &s,
        "move_user_messages",
        json!({"user": U1, "ids": [id, "999999"], "folder": "Spam"}),
    );
    assert_eq!(moved["ids"][0], json!({"success": true, "id": id}));
    assert_eq!(
        (
            moved["ids"][1]["success"].clone(),
            moved["ids"][1]["error_number"].clone()
        ),
        (json!(false), json!(2))
    );
    assert_eq!(
        call(
            &s,
            "get_user_messages",
            json!({"user": U1, "folder": "Spam"})
        )["count"],
        json!(1)
    );
    // Another user's message id is not this user's.
    let theirs = call(
        &s,
        "move_user_messages",
        json!({"user": "user2@store.example", "ids": [id], "folder": "INBOX"}),
    );
    assert_eq!(theirs["ids"][0]["success"], json!(false));

    let gone = call(
        &s,
        "get_deleted_messages",
        json!({"user": U1, "headers": ["subject"]}),
    );
    assert_eq!(gone["count"], json!(1));
    assert_eq!(
        gone["messages"][0]["headers"],
        json!({"Subject": "Deleted"})
    );
    let gid = gone["messages"][0]["id"].clone();
    let back = call(
        &s,
        "restore_deleted_messages",
        json!({"user": U1, "ids": [gid]}),
    );
    assert_eq!(back["ids"][0]["success"], json!(true));
    assert_eq!(
        call(&s, "get_user_folders", json!({"user": U1}))["deleted_folders"],
        json!([])
    );

    let contacts = call(&s, "get_deleted_contacts", json!({"user": U1}));
    assert_eq!(contacts["count"], json!(1));
    assert_eq!(contacts["contacts"][0]["firstname"], json!("Bob"));
    assert_eq!(contacts["contacts"][0]["notes"], Value::Null);
    assert_eq!(contacts["contacts"][0]["home_phone"], json!(""));
    let cid = contacts["contacts"][0]["id"].clone();
    let r = call(
        &s,
        "restore_deleted_contacts",
        json!({"user": U1, "ids": [cid, "12345"]}),
    );
    assert_eq!(
        r["ids"],
        json!([{"success": true, "id": cid}, {"success": false, "error_number": 2, "error": "The requested object does not exist", "id": "12345"}])
    );
    assert_eq!(
        call(&s, "get_deleted_contacts", json!({"user": U1}))["count"],
        json!(0)
    );

    // Past the 14 days, a deleted message is no longer offered.
    call(
        &s,
        "move_user_messages",
        json!({"user": U1, "ids": [gid], "folder": "INBOX"}),
    );
    let other = call_as(
        &s,
        "other-store-admin",
        "get_user_folders",
        json!({"user": U1}),
    );
    assert_eq!(number(&other), json!(2));

    let started = call(&s, "reindex", json!({"user": U1, "folder": "INBOX"}));
    assert_eq!(started["status"], json!("pending"));
    let rid = started["id"].clone();
    s.advance("45s");
    assert_eq!(
        call(&s, "reindex", json!({"user": U1, "id": rid}))["status"],
        json!("active")
    );
    s.advance("1m");
    assert_eq!(
        call(&s, "reindex", json!({"user": U1, "id": rid}))["status"],
        json!("complete")
    );
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "reindex",
            json!({"user": "user2@store.example", "id": rid})
        )),
        json!(2)
    );
}

#[test]
fn migrations_stats_and_their_links() {
    let s = world();
    let user = |local: &str| json!({"local": local, "remote": "old@mail.far.example", "password": "remote-pw", "server": "mail.far.example:993", "method": "imap4s"});
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "migration_add",
            json!({"users": [user("nobody@store.example")]})
        )),
        json!(2)
    );
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "migration_add",
            json!({"users": [{"local": U1, "remote": "x", "password": "p", "server": "mail.far.example", "method": "imap4"}]})
        )),
        json!(6)
    );
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "migration_add",
            json!({"users": [{"local": U1, "remote": "x", "password": "p", "server": "mail.far.example:143", "method": "smtp"}]})
        )),
        json!(6)
    );
    let job = call(
        &s,
        "migration_add",
        json!({"job": "move-1", "users": [user(U1)]}),
    );
    assert_eq!(job["job"], json!("move-1"));
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "migration_add",
            json!({"job": "move-1", "users": [user(U1)]})
        )),
        json!(7)
    );
    assert!(s.count_reaching("SELECT count(*) FROM journal WHERE action = 'MIGRATION_ADD' AND request LIKE '%old@mail.far.example%'", 1) > 0, "journaled");
    assert_eq!(
        s.count("SELECT count(*) FROM journal WHERE request LIKE '%remote-pw%'"),
        0,
        "the remote password is masked"
    );
    let jobs = call(&s, "migration_jobs", json!({}));
    assert_eq!(jobs["jobs"][0]["job"], json!("move-1"));
    let status = call(&s, "migration_status", json!({"job": "move-1"}));
    assert_eq!(
        status["users"][0]["data"]["config"],
        json!({"server": "mail.far.example:993", "method": "imap4s", "username": "old@mail.far.example"})
    );
    assert_eq!(status["users"][0]["state"], json!("pending"));
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "migration_trace",
            json!({"job": "move-1", "user": U1})
        )),
        json!(2),
        "not started yet"
    );
    s.advance("2m");
    let trace = call(&s, "migration_trace", json!({"job": "move-1", "user": U1}));
    let url = trace["trace"].as_str().expect("a link");
    assert!(
        url.contains("type=migrationtrace") && url.contains("id=user1%40store.example%3Amove-1"),
        "{url}"
    );
    let file = download(&s, url);
    assert!(file.status_line.contains(" 200 "), "{}", file.status_line);
    assert!(String::from_utf8_lossy(&file.body).contains("no remote connection is made"));
    assert_eq!(
        number(&call_as(
            &s,
            "other-store-admin",
            "migration_status",
            json!({"job": "move-1"})
        )),
        json!(2)
    );

    // Stats: no complete period on the first day; then days, weeks, months.
    assert_eq!(
        call(&s, "stats_list", json!({}))["snapshots"]["day"],
        json!([])
    );
    s.advance("40d");
    let list = call(&s, "stats_list", json!({}));
    let days = list["snapshots"]["day"].as_array().expect("days").clone();
    assert_eq!(days.len(), 30, "{list}");
    assert!(
        !list["snapshots"]["week"]
            .as_array()
            .expect("weeks")
            .is_empty()
    );
    let day = days[29].clone();
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "stats_snapshot",
            json!({"type": "domain", "object": "store.example", "date": "19990101"})
        )),
        json!(2)
    );
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "stats_snapshot",
            json!({"type": "user", "object": "store.example", "date": day})
        )),
        json!(6)
    );
    let snap = call(
        &s,
        "stats_snapshot",
        json!({"type": "company", "object": "Store Co", "date": day}),
    );
    let url = snap["snapshot"].as_str().expect("a link");
    let csv = download(&s, url);
    assert!(csv.status_line.contains(" 200 "));
    let text = String::from_utf8_lossy(&csv.body).to_string();
    assert!(text.starts_with("period,domain,mailboxes,"), "{text}");
    assert!(
        text.contains(&format!(
            "{},store.example,2,0,0,0,",
            day.as_str().expect("day")
        )),
        "{text}"
    );
    // A forged or expired link serves nothing.
    let forged = url.replace("token=", "token=0");
    assert!(download(&s, &forged).status_line.contains(" 404 "));
    s.advance("16m");
    assert!(download(&s, url).status_line.contains(" 404 "));

    let sum = call(&s, "stats_summary", json!({"by": "day"}));
    assert_eq!(sum["summary"]["services"]["mailbox"], json!(2));
    assert_eq!(sum["summary"]["periods"].as_array().map(Vec::len), Some(30));
    assert_eq!(
        number(&call_as(&s, ADMIN, "stats_summary", json!({"by": "year"}))),
        json!(6)
    );
    assert_eq!(
        number(&call_as(
            &s,
            "other-store-admin",
            "stats_summary",
            json!({"type": "domain", "object": "store.example"})
        )),
        json!(2)
    );

    // The company's coverage: what it called, with which outcome.
    let (st, cov) = s.admin_json("GET", "/admin/coverage?company=4001", "");
    assert_eq!(st, 200, "{cov}");
    let row = |m: &str| {
        cov["methods"]
            .as_array()
            .expect("methods")
            .iter()
            .find(|r| r["method"] == m)
            .cloned()
            .expect("a row")
    };
    assert_eq!(
        row("migration_add")["outcomes"],
        json!({"success": 1, "error 2": 1, "error 6": 2, "error 7": 1})
    );
    assert!(
        cov["untried"]
            .as_array()
            .expect("untried")
            .contains(&json!("set_sieve"))
    );
    assert_eq!(cov["methods"].as_array().map(Vec::len), Some(57));
    let (_, other) = s.admin_json("GET", "/admin/coverage?company=4002", "");
    let theirs = |m: &str| {
        other["methods"]
            .as_array()
            .expect("methods")
            .iter()
            .find(|r| r["method"] == m)
            .cloned()
            .expect("a row")
    };
    assert_eq!(
        theirs("migration_add")["calls"],
        json!(0),
        "another company's calls are its own"
    );
    assert_eq!(
        theirs("migration_status")["outcomes"],
        json!({"error 2": 1})
    );

    // reset_email_test mails the brand's password-reset notice.
    assert_eq!(
        number(&call_as(
            &s,
            ADMIN,
            "reset_email_test",
            json!({"test_email_rcpt": "me@test.example", "brand": "Nope", "company": "Store Co"})
        )),
        json!(2)
    );
}
