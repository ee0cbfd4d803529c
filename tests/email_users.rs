//! Issue 33, first part: the Email API's domains, users and workgroups, as
//! OpenSRS's WHMCS module for Hosted Email drives them — its 22 captured
//! requests replayed in order (create, suspend, unsuspend an account; add a
//! mailbox, a forward, an alias; list; edit; delete; terminate) — and each
//! method's errors, and no company reaching another's domains or users.

use crate::common::*;
use serde_json::{Value, json};

const DIR: &str = "clients/whmcs-opensrsemail";
const ADMIN: &str = "whmcs-mail-admin";
const PW: &str = "mail-admin-pw-1";

fn world() -> Server {
    let toml = format!(
        r#"
        [[mail_company]]
        id = 2001
        name = "WHMCS Mail Co"
        cluster = "a"
        [[mail_admin]]
        company = 2001
        username = "{ADMIN}"
        password = "{PW}"
        [[mail_company]]
        id = 2002
        name = "Other Mail Co"
        cluster = "a"
        [[mail_admin]]
        company = 2002
        username = "other-admin"
        password = "{PW}"
        [[mail_domain]]
        name = "other-co.example"
        company = 2002
        mailboxes = 1
        "#
    );
    Server::start_scenario(&toml, |_| {})
}

fn json_of(r: &Response) -> Value {
    assert!(r.status_line.contains(" 200 "), "{}", r.status_line);
    serde_json::from_slice(&r.body).expect("JSON reply")
}

/// A call as `user` (the WHMCS module's admin unless told otherwise).
fn call(s: &Server, method: &str, user: &str, mut body: Value) -> Value {
    body["credentials"] = json!({"user": user, "password": PW});
    let text = body.to_string();
    let raw = format!(
        "POST /api/{method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    );
    json_of(&s.send(raw.as_bytes()))
}

fn error(v: &Value) -> (Value, Value) {
    (v["success"].clone(), v["error_number"].clone())
}

#[test]
fn the_whmcs_hosted_email_module_provisions_and_manages_an_account() {
    let s = world();
    let mut files: Vec<(usize, String)> = std::fs::read_dir(fixture(DIR))
        .expect("captures")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().to_string();
            let n = name
                .strip_prefix("whmcs.")?
                .split('.')
                .next()?
                .parse()
                .ok()?;
            Some((n, name))
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 22);
    let mut replies = Vec::new();
    for (_, name) in &files {
        let r = s.send(&fixture_bytes(&format!("{DIR}/{name}")));
        replies.push((name.clone(), json_of(&r)));
    }
    let by = |n: usize| &replies[n - 1].1;
    // 1: get_domain of a new domain is error 2, which makes the module create it.
    assert_eq!(error(by(1)), (json!(false), json!(2)), "{}", by(1));
    for n in [2, 3, 4] {
        assert_eq!(
            by(n)["success"],
            json!(true),
            "{}: {}",
            replies[n - 1].0,
            by(n)
        );
    }
    // 5, 7: get_user of a free address is error 2; 6, 8 make the users.
    assert_eq!(error(by(5)), (json!(false), json!(2)));
    assert_eq!(error(by(7)), (json!(false), json!(2)));
    for n in [6, 8, 9] {
        assert_eq!(by(n)["success"], json!(true), "{}", by(n));
    }
    // 10: the list the client sees: the mailbox, its alias, the forward.
    let users: Vec<(String, String)> = by(10)["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| {
            (
                u["user"].as_str().unwrap_or("").to_string(),
                u["type"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        users,
        [
            ("jane@hosted-whmcs.com".into(), "mailbox".into()),
            ("info@hosted-whmcs.com".into(), "alias".into()),
            ("sales@hosted-whmcs.com".into(), "forward".into()),
        ]
    );
    assert_eq!(by(10)["users"][0]["workgroup"], json!("staff"));
    // 12: the workgroups, with counts per type.
    assert_eq!(
        by(12)["workgroups"][0],
        json!({"workgroup": "staff", "counts": {"mailbox": 1, "forward": 1, "filter": 0, "alias": 1}})
    );
    // 13: the edit form reads the mailbox back.
    let attrs = &by(13)["attributes"];
    assert_eq!(attrs["account"], json!("jane@hosted-whmcs.com"));
    assert_eq!(attrs["name"], json!("Jane Doe"));
    assert_eq!(attrs["title"], json!("Ms."));
    assert_eq!(attrs["phone"], json!("555"));
    assert_eq!(attrs["fax"], json!("556"));
    assert!(!by(13).to_string().contains("Pw123456!"), "never echoed");
    // 15: the edit kept; 16, 19: deleted; 22: the empty domain terminated.
    for n in [14, 15, 16, 19, 22] {
        assert_eq!(
            by(n)["success"],
            json!(true),
            "{}: {}",
            replies[n - 1].0,
            by(n)
        );
    }
    assert_eq!(by(21)["users"], json!([]));
    assert_eq!(
        s.count("SELECT count(*) FROM mail_domains WHERE name = 'hosted-whmcs.com'"),
        0
    );
    // The two deleted users are kept for a restore, and every change audited.
    assert_eq!(s.count("SELECT count(*) FROM mail_deleted_users"), 2);
    assert!(s.count("SELECT count(*) FROM audit_log WHERE actor = 'whmcs-mail-admin'") >= 10);
    // The journal keeps the module's requests, the passwords masked.
    assert!(
        s.count_reaching(
            "SELECT count(*) FROM journal WHERE action = 'CHANGE_USER'",
            1
        ) > 0,
        "journaled"
    );
    assert_eq!(
        s.count("SELECT count(*) FROM journal WHERE request LIKE '%Pw123456!%' OR request LIKE '%mail-admin-pw-1%'"),
        0
    );
}

#[test]
fn users_domains_and_their_errors() {
    let s = world();
    let d = |name: &str| json!({"domain": name, "attributes": {}});
    assert_eq!(
        call(&s, "change_domain", ADMIN, d("mine.example"))["success"],
        json!(true)
    );
    // create_only on an existing domain: 7; another company's name: 7 too.
    let mut again = d("mine.example");
    again["create_only"] = json!(true);
    assert_eq!(
        error(&call(&s, "change_domain", ADMIN, again)),
        (json!(false), json!(7))
    );
    assert_eq!(
        error(&call(&s, "change_domain", ADMIN, d("other-co.example"))),
        (json!(false), json!(7))
    );
    // An attribute the domain does not have: 6.
    let odd = json!({"domain": "mine.example", "attributes": {"colour": "red"}});
    assert_eq!(
        error(&call(&s, "change_domain", ADMIN, odd)),
        (json!(false), json!(6))
    );
    // Suspended, and read back.
    let off = json!({"domain": "mine.example", "attributes": {"disabled": true}});
    call(&s, "change_domain", ADMIN, off);
    let got = call(&s, "get_domain", ADMIN, json!({"domain": "mine.example"}));
    assert_eq!(got["attributes"]["disabled"], json!(true), "{got}");

    let user = |address: &str, attrs: Value| json!({"user": address, "attributes": attrs, "create_only": true});
    let made = call(
        &s,
        "change_user",
        ADMIN,
        user(
            "ann@mine.example",
            json!({"name": "Ann", "password": "pw-ann-1"}),
        ),
    );
    assert_eq!(made["success"], json!(true), "{made}");
    // The same again: 7; a bad attribute: 6; a bad address: 6.
    assert_eq!(
        error(&call(
            &s,
            "change_user",
            ADMIN,
            user("ann@mine.example", json!({}))
        )),
        (json!(false), json!(7))
    );
    assert_eq!(
        error(&call(
            &s,
            "change_user",
            ADMIN,
            user("bob@mine.example", json!({"type": "robot"}))
        )),
        (json!(false), json!(6))
    );
    assert_eq!(
        error(&call(
            &s,
            "change_user",
            ADMIN,
            user("not an address", json!({}))
        )),
        (json!(false), json!(6))
    );
    // Aliases: in the company's domains only; an alias is changed through its
    // real name (3); an alias another user holds: 7.
    let alias = |to: &str, list: Value| json!({"user": to, "attributes": {"aliases": list}});
    assert_eq!(
        error(&call(
            &s,
            "change_user",
            ADMIN,
            alias("ann@mine.example", json!(["a@other-co.example"]))
        )),
        (json!(false), json!(6))
    );
    assert_eq!(
        call(
            &s,
            "change_user",
            ADMIN,
            alias("ann@mine.example", json!(["annie@mine.example"]))
        )["success"],
        json!(true)
    );
    assert_eq!(
        error(&call(
            &s,
            "get_user",
            ADMIN,
            json!({"user": "annie@mine.example"})
        )),
        (json!(false), json!(3))
    );
    call(
        &s,
        "change_user",
        ADMIN,
        user("bob@mine.example", json!({})),
    );
    assert_eq!(
        error(&call(
            &s,
            "change_user",
            ADMIN,
            alias("bob@mine.example", json!(["annie@mine.example"]))
        )),
        (json!(false), json!(7))
    );
    // A domain with users is not deleted.
    assert_eq!(
        error(&call(
            &s,
            "delete_domain",
            ADMIN,
            json!({"domain": "mine.example"})
        )),
        (json!(false), json!(4))
    );
    // search_users: a type, a match, a range.
    let found = call(
        &s,
        "search_users",
        ADMIN,
        json!({"criteria": {"domain": "mine.example", "type": "mailbox"}, "range": {"first": 1, "limit": 1}}),
    );
    assert_eq!(found["total_count"], json!(2), "{found}");
    assert_eq!(found["count"], json!(1));
    assert_eq!(found["users"][0]["user"], json!("bob@mine.example"));

    // Another company reaches none of it, by any method.
    for (method, body) in [
        ("get_domain", json!({"domain": "mine.example"})),
        ("delete_domain", json!({"domain": "mine.example"})),
        ("get_user", json!({"user": "ann@mine.example"})),
        ("delete_user", json!({"user": "ann@mine.example"})),
        (
            "change_user",
            json!({"user": "ann@mine.example", "attributes": {"name": "Mallory"}}),
        ),
        (
            "search_users",
            json!({"criteria": {"domain": "mine.example"}}),
        ),
        (
            "search_workgroups",
            json!({"criteria": {"domain": "mine.example"}}),
        ),
    ] {
        let v = call(&s, method, "other-admin", body);
        assert_eq!(error(&v), (json!(false), json!(2)), "{method}: {v}");
    }
    let v = call(
        &s,
        "change_domain",
        "other-admin",
        json!({"domain": "mine.example", "attributes": {"disabled": false}}),
    );
    assert_eq!(error(&v), (json!(false), json!(7)), "{v}");
    let still = call(&s, "get_user", ADMIN, json!({"user": "ann@mine.example"}));
    assert_eq!(still["attributes"]["name"], json!("Ann"), "{still}");

    // Tokens for a mailbox user (the documented sso example): good for one
    // login; a session token until it expires.
    let token = |extra: Value| {
        let mut body = json!({"user": "ann@mine.example", "reason": "Login via portal"});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        call(&s, "generate_token", ADMIN, body)
    };
    let sso = token(json!({"type": "sso"}));
    assert_eq!(sso["duration"], json!(24), "{sso}");
    let sso = sso["token"].as_str().expect("token").to_string();
    let login = |t: &str| {
        let body = json!({"credentials": {"user": "ann@mine.example", "token": t}}).to_string();
        let raw = format!(
            "POST /api/authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        json_of(&s.send(raw.as_bytes()))
    };
    assert_eq!(login(&sso)["success"], json!(true));
    assert_eq!(error(&login(&sso)), (json!(false), json!(1)), "used up");
    let session = token(json!({"type": "session", "duration": 2}));
    let session = session["token"].as_str().expect("token").to_string();
    assert_eq!(login(&session)["success"], json!(true));
    s.advance("121m");
    assert_eq!(error(&login(&session)), (json!(false), json!(1)), "expired");
    let chosen = "portal-token-0123456789";
    let oma = token(json!({"type": "session", "oma": true, "token": chosen}));
    assert_eq!(oma["token"], json!(chosen));
    assert_eq!(login(chosen)["success"], json!(true));
    assert_eq!(
        login(chosen)["success"],
        json!(true),
        "a session token lasts"
    );
    // Its own password opens it too.
    let body = json!({"credentials": {"user": "ann@mine.example", "password": "pw-ann-1"}});
    assert_eq!(call_raw(&s, "authenticate", &body)["success"], json!(true));
    // A reason is required; another company's admin cannot make one.
    assert_eq!(
        error(&call(
            &s,
            "generate_token",
            ADMIN,
            json!({"user": "ann@mine.example"})
        )),
        (json!(false), json!(5))
    );
    assert_eq!(
        error(&call(
            &s,
            "generate_token",
            "other-admin",
            json!({"user": "ann@mine.example", "reason": "x"})
        )),
        (json!(false), json!(2))
    );
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM journal WHERE reply LIKE '%{sso}%'"
        )),
        0,
        "tokens are masked in the journal"
    );
}

/// A call whose body carries its own credentials.
fn call_raw(s: &Server, method: &str, body: &Value) -> Value {
    let text = body.to_string();
    let raw = format!(
        "POST /api/{method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    );
    json_of(&s.send(raw.as_bytes()))
}

#[test]
fn workgroups_renames_restores_and_domain_searches() {
    let s = world();
    call(
        &s,
        "change_domain",
        ADMIN,
        json!({"domain": "wg.example", "attributes": {}}),
    );
    // The documented create_workgroup example's shape.
    let made = call(
        &s,
        "create_workgroup",
        ADMIN,
        json!({"domain": "wg.example", "workgroup": "finance"}),
    );
    assert_eq!(made, json!({"success": true}));
    assert_eq!(
        error(&call(
            &s,
            "create_workgroup",
            ADMIN,
            json!({"domain": "wg.example", "workgroup": "finance"})
        )),
        (json!(false), json!(7))
    );
    let user = json!({"user": "cfo@wg.example", "attributes": {"workgroup": "finance", "password": "pw-cfo-1"}});
    assert_eq!(call(&s, "change_user", ADMIN, user)["success"], json!(true));
    assert_eq!(
        error(&call(
            &s,
            "change_user",
            ADMIN,
            json!({"user": "x@wg.example", "attributes": {"workgroup": "nowhere"}})
        )),
        (json!(false), json!(2))
    );
    let groups = call(
        &s,
        "search_workgroups",
        ADMIN,
        json!({"criteria": {"domain": "wg.example", "match": "fin*"}}),
    );
    assert_eq!(groups["total_count"], json!(1), "{groups}");
    assert_eq!(groups["workgroups"][0]["counts"]["mailbox"], json!(1));
    // Not while a user is in it; never the default.
    let del = |w: &str| {
        call(
            &s,
            "delete_workgroup",
            ADMIN,
            json!({"domain": "wg.example", "workgroup": w}),
        )
    };
    assert_eq!(error(&del("finance")), (json!(false), json!(4)));
    assert_eq!(error(&del("staff")), (json!(false), json!(4)));

    // Renamed within its domain; the old name is free again.
    let r = call(
        &s,
        "rename_user",
        ADMIN,
        json!({"user": "cfo@wg.example", "new_name": "money@wg.example"}),
    );
    assert_eq!(r["success"], json!(true), "{r}");
    assert_eq!(
        error(&call(
            &s,
            "get_user",
            ADMIN,
            json!({"user": "cfo@wg.example"})
        )),
        (json!(false), json!(2))
    );
    assert_eq!(
        error(&call(
            &s,
            "rename_user",
            ADMIN,
            json!({"user": "money@wg.example", "new_name": "m@other-co.example"})
        )),
        (json!(false), json!(6))
    );

    // Deleted, listed with its id, restored under a new name.
    call(
        &s,
        "delete_user",
        ADMIN,
        json!({"user": "money@wg.example"}),
    );
    assert_eq!(del("finance")["success"], json!(true), "empty now");
    call(
        &s,
        "create_workgroup",
        ADMIN,
        json!({"domain": "wg.example", "workgroup": "finance"}),
    );
    let gone = call(
        &s,
        "search_users",
        ADMIN,
        json!({"criteria": {"domain": "wg.example", "deleted": true}}),
    );
    let id = gone["users"][0]["id"].as_str().expect("an id").to_string();
    assert_eq!(gone["users"][0]["user"], json!("money@wg.example"));
    let back = call(
        &s,
        "restore_user",
        ADMIN,
        json!({"user": "money@wg.example", "id": id, "new_name": "treasury@wg.example"}),
    );
    assert_eq!(back["success"], json!(true), "{back}");
    let got = call(
        &s,
        "get_user",
        ADMIN,
        json!({"user": "treasury@wg.example"}),
    );
    assert_eq!(got["attributes"]["workgroup"], json!("finance"), "{got}");
    // Once: the record is used up; another company cannot restore it.
    let again = json!({"user": "money@wg.example", "id": id, "new_name": "t2@wg.example"});
    assert_eq!(
        error(&call(&s, "restore_user", ADMIN, again.clone())),
        (json!(false), json!(2))
    );
    assert_eq!(
        error(&call(&s, "restore_user", "other-admin", again)),
        (json!(false), json!(2))
    );

    // search_domains: the caller's company only, by pattern.
    let found = call(
        &s,
        "search_domains",
        ADMIN,
        json!({"criteria": {"match": "wg.*"}}),
    );
    assert_eq!(
        found["domains"],
        json!([{"domain": "wg.example", "type": "domain", "users": 1}]),
        "{found}"
    );
    let theirs = call(&s, "search_domains", "other-admin", json!({}));
    assert_eq!(theirs["total_count"], json!(1), "{theirs}");
    assert_eq!(theirs["domains"][0]["domain"], json!("other-co.example"));
    assert_eq!(
        error(&call(
            &s,
            "search_domains",
            "other-admin",
            json!({"criteria": {"company": 2001}})
        )),
        (json!(false), json!(4))
    );
    // The change histories, oldest first, the caller's company's only.
    let changes = call(
        &s,
        "get_domain_changes",
        ADMIN,
        json!({"domain": "wg.example"}),
    );
    let msgs: Vec<&str> = changes["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["msg"].as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "create domain",
            "create workgroup",
            "delete workgroup",
            "create workgroup"
        ],
        "{changes}"
    );
    assert_eq!(changes["changes"][0]["user"], json!(ADMIN));
    let user_changes = call(
        &s,
        "get_user_changes",
        ADMIN,
        json!({"user": "cfo@wg.example", "range": {"first": 1, "limit": 5}}),
    );
    assert_eq!(user_changes["total_count"], json!(2), "{user_changes}");
    assert_eq!(user_changes["changes"][0]["msg"], json!("rename user"));
    assert_eq!(
        error(&call(
            &s,
            "get_user_changes",
            "other-admin",
            json!({"user": "cfo@wg.example"})
        )),
        (json!(false), json!(2))
    );
    // Workgroups of another company's domain: not there.
    assert_eq!(
        error(&call(
            &s,
            "create_workgroup",
            "other-admin",
            json!({"domain": "wg.example", "workgroup": "spies"})
        )),
        (json!(false), json!(2))
    );
}

/// Clientexec's plugin for OpenSRS Hosted Email (clientexec/opensrsemail-server,
/// its 18 requests captured): create, suspend, unsuspend, a mailbox added and
/// listed, its webmail login token, deleted, and the account terminated; the
/// repeats answer the errors the plugin shows.
#[test]
fn the_clientexec_hosted_email_plugin_provisions_and_manages_an_account() {
    const CE: &str = "clients/clientexec-opensrsemail";
    let s = Server::start_scenario(
        r#"
        [[mail_company]]
        id = 3101
        name = "CE Mail Co"
        [[mail_admin]]
        company = 3101
        username = "ce-admin@ce-mail.adm"
        password = "mail-admin-pw-1"
        [[mail_domain]]
        name = "ce-mail.adm"
        company = 3101
        "#,
        |_| {},
    );
    let mut files: Vec<(usize, String)> = std::fs::read_dir(fixture(CE))
        .expect("captures")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().to_string();
            let n = name.strip_prefix("ce.")?.split('.').next()?.parse().ok()?;
            Some((n, name))
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 18);
    // The user's own login with the webmail token, between 13 (the token) and
    // 14 (the user deleted).
    let mut login_ok = None;
    let mut replies: Vec<Value> = Vec::new();
    for (n, name) in &files {
        replies.push(json_of(&s.send(&fixture_bytes(&format!("{CE}/{name}")))));
        if *n == 13 {
            let token = replies[12]["token"].as_str().expect("a token").to_string();
            let login =
                json!({"credentials": {"user": "jane@hosted-ce.com", "token": token}}).to_string();
            let r = s.send(
                format!(
                    "POST /api/authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{login}",
                    login.len()
                )
                .as_bytes(),
            );
            login_ok = Some(json_of(&r)["success"].clone());
        }
    }
    let by = |n: usize| &replies[n - 1];
    // 1: the connection test reads the administrator's own domain.
    assert_eq!(by(1)["success"], json!(true), "{}", by(1));
    // 2, 3: a new domain is error 2, which offers and then makes it (4).
    assert_eq!(error(by(2)), (json!(false), json!(2)));
    assert_eq!(error(by(3)), (json!(false), json!(2)));
    assert_eq!(by(4)["success"], json!(true));
    // 5: made; 6: the actions read `disabled`; 7: suspended, 8 reads it back.
    assert_eq!(by(5)["success"], json!(true));
    assert_eq!(by(6)["attributes"]["disabled"], json!(false));
    assert_eq!(by(7)["success"], json!(true));
    assert_eq!(by(8)["attributes"]["disabled"], json!(true));
    assert_eq!(by(9)["success"], json!(true));
    // 10: the mailbox made; 11 again: 7, whose text the plugin shows.
    assert_eq!(by(10)["success"], json!(true));
    assert_eq!(error(by(11)), (json!(false), json!(7)));
    // 12: the list the client sees, with the status it reads.
    assert_eq!(by(12)["users"][0]["user"], json!("jane@hosted-ce.com"));
    assert_eq!(by(12)["users"][0]["status"], json!("active"));
    // 13: the webmail login's session token, good for the user's login.
    assert_eq!(login_ok, Some(json!(true)));
    // 14: deleted; 15 again: 2; 16: the empty list; 17: terminated; 18: gone.
    assert_eq!(by(14)["success"], json!(true));
    assert_eq!(error(by(15)), (json!(false), json!(2)));
    assert_eq!(by(16)["users"], json!([]));
    assert_eq!(by(17)["success"], json!(true));
    assert_eq!(error(by(18)), (json!(false), json!(2)));
    assert_eq!(
        s.count("SELECT count(*) FROM mail_domains WHERE name = 'hosted-ce.com'"),
        0
    );
}
