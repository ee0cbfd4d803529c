//! Email-domain push between companies (seed 001) through the OpenSRS Email JSON API
//! over real sockets: permissions, the push with every mailbox and message, billing,
//! brand rules, the notice, every error number, tokens, errors in HTTP 200.

use serde_json::{Value, json};

use crate::common::*;

pub(crate) const LOSING_ADMIN: &str = "losing-admin";
pub(crate) const GAINING_ADMIN: &str = "gaining-admin";
pub(crate) const ADMIN_PW: &str = "mail-admin-pw-1";

pub(crate) const SCENARIO: &str = r#"
[[mail_company]]
id = 1001
name = "Losing Mail Co"
cluster = "a"
settings = { theme = "blue", webmail = "classic" }
[[mail_company]]
id = 1002
name = "Gaining Mail Co"
cluster = "a"
billing_day = 15
settings = { theme = "green", webmail = "modern" }
[[mail_company]]
id = 1003
name = "Far Cluster Co"
cluster = "b"
allowed_companies = [1001]
[[mail_admin]]
company = 1001
username = "losing-admin"
password = "mail-admin-pw-1"
[[mail_admin]]
company = 1002
username = "gaining-admin"
password = "mail-admin-pw-1"
[[mail_brand]]
company = 1001
name = "Acme Mail"
settings = { theme = "acme-orange", logo = "acme.png" }
[[mail_domain]]
name = "plain.example.com"
company = 1001
settings = { spam_level = "high" }
mailboxes = 3
messages_per_mailbox = 5
message_size = 1000
[[mail_domain]]
name = "branded.example.com"
company = 1001
brand = "Acme Mail"
mailboxes = 2
messages_per_mailbox = 2
[[mail_domain]]
name = "second.example.com"
company = 1001
mailboxes = 1
"#;

pub(crate) fn setup() -> Server {
    Server::start_scenario(SCENARIO, |_| {})
}

/// POSTs JSON to `/api/<method>`; returns the HTTP status code and the body.
fn api_raw(s: &Server, method: &str, body: &str) -> (u16, Value) {
    let raw = format!(
        "POST /api/{method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let r = s.send(raw.as_bytes());
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    let status = r
        .status_line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    let v = serde_json::from_slice(&r.body).expect("JSON reply");
    (status, v)
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "call sites read best with json! literals passed by value"
)]
fn api(s: &Server, method: &str, body: Value) -> Value {
    let (status, v) = api_raw(s, method, &body.to_string());
    assert_eq!(status, 200, "{v}");
    v
}

fn creds(user: &str) -> Value {
    json!({"user": user, "password": ADMIN_PW})
}

fn assert_error(v: &Value, number: u64, text: &str) {
    assert_eq!(v["success"], json!(false), "{v}");
    assert_eq!(v["error_number"], json!(number), "{v}");
    let got = v["error"].as_str().unwrap_or("");
    assert!(got.contains(text), "{got:?} should contain {text:?}");
}

pub(crate) fn allow_losing(s: &Server) {
    let v = api(
        s,
        "change_company",
        json!({"credentials": creds(GAINING_ADMIN), "attributes": {"domain_push_allowed": [1001], "domain_push_notify": "notices@gaining.example"}}),
    );
    assert_eq!(v, json!({"success": true}));
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "call sites read best with json! literals passed by value"
)]
fn push(s: &Server, domain: &str, to: Value) -> Value {
    api(
        s,
        "push_domain",
        json!({"credentials": creds(LOSING_ADMIN), "domain": domain, "new_company": to}),
    )
}

#[test]
fn permissions_then_push_moves_every_user_and_message() {
    let s = setup();
    let v = api(
        &s,
        "get_company",
        json!({"credentials": creds(GAINING_ADMIN)}),
    );
    assert_eq!(v["attributes"]["domain_push_allowed"], json!([]));
    assert_eq!(v["attributes"]["domain_push_notify"], Value::Null);
    allow_losing(&s);
    let v = api(
        &s,
        "get_company",
        json!({"credentials": creds(GAINING_ADMIN), "company_id": 1002}),
    );
    assert_eq!(
        (v["success"].clone(), v["attributes"].clone()),
        (
            json!(true),
            json!({"company_id": 1002, "name": "Gaining Mail Co", "cluster": "a",
            "billing_cycle": "monthly", "domain_push_allowed": [1001], "domain_push_notify": "notices@gaining.example"})
        )
    );
    assert_eq!(
        v["metadata"]["bulletins"],
        json!({"auto": [], "manual": []})
    );
    let before = s
        .app
        .store
        .mail_domain("plain.example.com")
        .expect("store")
        .expect("domain");
    assert_eq!(
        (before.mailboxes, before.messages, before.bytes),
        (3, 15, 15_000)
    );
    assert_eq!(
        push(&s, "plain.example.com", json!(1002)),
        json!({"success": true})
    );
    let after = s
        .app
        .store
        .mail_domain("plain.example.com")
        .expect("store")
        .expect("domain");
    assert_eq!(after.company_id, 1002);
    // Every user, message and setting moved; nothing was lost.
    assert_eq!(
        (after.mailboxes, after.messages, after.bytes),
        (3, 15, 15_000)
    );
    assert_eq!(after.settings, r#"{"spam_level":"high"}"#);
    // No brand: the gaining company's defaults apply now.
    assert_eq!(after.brand_id, None);
    assert_eq!(
        after.effective_settings,
        r#"{"theme":"green","webmail":"modern"}"#
    );
    // Billed by the gaining company from its next full cycle (the 15th; now is
    // 2014-07-03 18:34:34).
    assert_eq!(
        s.count("SELECT starts_at FROM mail_billing WHERE company_id = 1002 AND domain = 'plain.example.com'"),
        opsd::clock::parse_timestamp("2014-07-15 00:00:00").expect("time").unix_timestamp()
    );
    // The notice went to the gaining company's notification address.
    let mails = s.app.store.outbox().expect("outbox");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].1.to, "notices@gaining.example");
    assert!(
        mails[0]
            .1
            .body
            .contains("3 mailboxes and 15 stored messages"),
        "{}",
        mails[0].1.body
    );
    assert!(mails[0].1.body.contains("2014-07-15"));
    // Permissions are set once: another push needs nothing more.
    assert_eq!(
        push(&s, "second.example.com", json!("1002")),
        json!({"success": true})
    );
    let audit = s
        .app
        .store
        .audit_log(Some("plain.example.com"), 5)
        .expect("audit");
    assert_eq!(audit[0].action, "mail_push_domain");
    assert_eq!(audit[0].actor, LOSING_ADMIN);
}

#[test]
fn a_branded_domain_keeps_its_settings_under_an_unlabelled_brand() {
    let s = setup();
    allow_losing(&s);
    let before = s
        .app
        .store
        .mail_domain("branded.example.com")
        .expect("store")
        .expect("domain");
    assert_eq!(before.brand_name.as_deref(), Some("Acme Mail"));
    assert_eq!(
        push(&s, "branded.example.com", json!(1002)),
        json!({"success": true})
    );
    let after = s
        .app
        .store
        .mail_domain("branded.example.com")
        .expect("store")
        .expect("domain");
    assert_eq!(after.company_id, 1002);
    assert!(after.brand_id.is_some() && after.brand_id != before.brand_id);
    assert_eq!(after.brand_name, None, "unlabelled");
    assert!(!after.brand_editable, "not editable");
    assert_eq!(
        after.effective_settings, before.effective_settings,
        "settings moved"
    );
    // The losing company's brand itself stays where it was.
    assert_eq!(
        s.count("SELECT count(*) FROM mail_brands WHERE company_id = 1001 AND name = 'Acme Mail' AND editable = 1"),
        1
    );
    assert_eq!((after.mailboxes, after.messages), (2, 4));
}

#[test]
fn every_error_number() {
    let s = setup();
    let push_as = |c: Value, domain: &str, to: Value| {
        api(
            &s,
            "push_domain",
            json!({"credentials": c, "domain": domain, "new_company": to}),
        )
    };
    // 1: invalid credentials.
    assert_error(
        &push_as(
            json!({"user": LOSING_ADMIN, "password": "wrong"}),
            "plain.example.com",
            json!(1002),
        ),
        1,
        "Invalid credentials",
    );
    assert_error(
        &push_as(
            json!({"user": "nobody", "password": ADMIN_PW}),
            "plain.example.com",
            json!(1002),
        ),
        1,
        "Invalid credentials",
    );
    assert_error(
        &push_as(
            json!({"user": LOSING_ADMIN, "token": "00ff"}),
            "plain.example.com",
            json!(1002),
        ),
        1,
        "Invalid credentials",
    );
    // 2: object does not exist.
    assert_error(
        &push(&s, "nowhere.example.com", json!(1002)),
        2,
        "domain 'nowhere.example.com'",
    );
    assert_error(
        &push(&s, "plain.example.com", json!(4242)),
        2,
        "company 4242",
    );
    let gaining_pushes_ours = api(
        &s,
        "push_domain",
        json!({"credentials": creds(GAINING_ADMIN), "domain": "plain.example.com", "new_company": 1001}),
    );
    assert_error(&gaining_pushes_ours, 2, "domain 'plain.example.com'");
    assert_error(
        &api(
            &s,
            "change_company",
            json!({"credentials": creds(GAINING_ADMIN), "attributes": {"domain_push_allowed": [1001, 4242]}}),
        ),
        2,
        "company 4242",
    );
    // 4: lacks permission — not allowed yet, another cluster, another company's data.
    assert_error(
        &push(&s, "plain.example.com", json!(1002)),
        4,
        "does not allow pushes from company 1001",
    );
    assert_error(
        &push(&s, "plain.example.com", json!(1003)),
        4,
        "another cluster",
    );
    assert_error(
        &api(
            &s,
            "get_company",
            json!({"credentials": creds(GAINING_ADMIN), "company_id": 1001}),
        ),
        4,
        "not yours",
    );
    assert_error(
        &api(
            &s,
            "change_company",
            json!({"credentials": creds(GAINING_ADMIN), "company_id": 1001, "attributes": {"domain_push_allowed": [1002]}}),
        ),
        4,
        "not yours",
    );
    // 5: badly formatted request (a field missing, or not an object at all).
    assert_error(
        &api(
            &s,
            "push_domain",
            json!({"credentials": creds(LOSING_ADMIN), "new_company": 1002}),
        ),
        5,
        "missing 'domain'",
    );
    assert_error(
        &api(
            &s,
            "push_domain",
            json!({"credentials": creds(LOSING_ADMIN), "domain": "plain.example.com"}),
        ),
        5,
        "missing 'new_company'",
    );
    assert_error(
        &api(
            &s,
            "push_domain",
            json!({"domain": "plain.example.com", "new_company": 1002}),
        ),
        5,
        "missing 'credentials'",
    );
    assert_error(
        &api(
            &s,
            "push_domain",
            json!({"credentials": {"user": LOSING_ADMIN}, "domain": "x", "new_company": 1}),
        ),
        5,
        "missing 'credentials.password'",
    );
    assert_error(
        &api(
            &s,
            "change_company",
            json!({"credentials": creds(GAINING_ADMIN)}),
        ),
        5,
        "missing 'attributes'",
    );
    assert_error(
        &api(&s, "get_company", json!([1, 2])),
        5,
        "must be a JSON object",
    );
    // 6: an attribute badly formatted.
    assert_error(
        &push(&s, "plain.example.com", json!("abc")),
        6,
        "'new_company'",
    );
    assert_error(
        &push(&s, "plain.example.com", json!(1001)),
        6,
        "already in that company",
    );
    assert_error(
        &api(
            &s,
            "change_company",
            json!({"credentials": creds(GAINING_ADMIN), "attributes": {"domain_push_notify": "not-an-address"}}),
        ),
        6,
        "'domain_push_notify'",
    );
    assert_error(
        &api(
            &s,
            "change_company",
            json!({"credentials": creds(GAINING_ADMIN), "attributes": {"domain_push_allowed": "1001"}}),
        ),
        6,
        "'domain_push_allowed'",
    );
    // Nothing moved.
    let d = s
        .app
        .store
        .mail_domain("plain.example.com")
        .expect("store")
        .expect("domain");
    assert_eq!(d.company_id, 1001);
    assert_eq!(s.count("SELECT count(*) FROM mail_billing"), 0);
}

#[test]
fn malformed_json_and_unknown_methods_are_200_with_error_5() {
    let s = setup();
    // Both PHP modules give up on any status but 2xx: errors are in the body.
    let (status, v) = api_raw(&s, "push_domain", "{\"credentials\": ");
    assert_eq!(status, 200);
    assert_error(&v, 5, "Malformed JSON");
    let (status, v) = api_raw(&s, "no_such_method", "{}");
    assert_eq!(status, 200);
    assert_error(&v, 5, "Unknown method 'no_such_method'");
    // Without a Content-Type, a POST under /api/ is an Email API call.
    let body = json!({"credentials": creds(LOSING_ADMIN)}).to_string();
    let raw = format!(
        "POST /api/get_company HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let r = s.send(raw.as_bytes());
    let v: Value = serde_json::from_slice(&r.body).expect("JSON reply");
    assert_eq!(v["success"], json!(true), "{v}");
    // An OPS envelope posted under /api/ is still the OPS API.
    let body = status_body("134");
    let mut raw = format!(
        "POST /api/push_domain HTTP/1.0\r\nContent-Type: text/xml\r\nX-Username: {USER}\r\nX-Signature: {}\r\nContent-Length: {}\r\n\r\n",
        sign(&body, KEY),
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    assert_eq!(s.send(&raw).code(), Some(480));
}

#[test]
fn tokens_stand_in_for_the_password_until_they_expire() {
    let s = setup();
    allow_losing(&s);
    let v = api(
        &s,
        "authenticate",
        json!({"credentials": creds(LOSING_ADMIN), "generate_session_token": true}),
    );
    assert_eq!(v["success"], json!(true));
    assert_eq!(v["session_token_duration"], json!(10_800));
    let session = v["session_token"]
        .as_str()
        .expect("session token")
        .to_string();
    let v = api(
        &s,
        "generate_token",
        json!({"credentials": {"user": LOSING_ADMIN, "token": session.clone()}, "duration": 48}),
    );
    assert_eq!(v["duration"], json!(48));
    let token = v["token"].as_str().expect("token").to_string();
    // Only the token's hash is stored.
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM mail_tokens WHERE token_hash = '{token}'"
        )),
        0
    );
    let with_token = json!({"user": LOSING_ADMIN, "token": token.clone()});
    assert_eq!(
        api(
            &s,
            "push_domain",
            json!({"credentials": with_token.clone(), "domain": "plain.example.com", "new_company": 1002})
        ),
        json!({"success": true})
    );
    // A token is bound to its user.
    assert_error(
        &api(
            &s,
            "get_company",
            json!({"credentials": {"user": GAINING_ADMIN, "token": token}}),
        ),
        1,
        "Invalid credentials",
    );
    assert_error(
        &api(
            &s,
            "generate_token",
            json!({"credentials": creds(LOSING_ADMIN), "user": GAINING_ADMIN}),
        ),
        4,
        "Lacks permission",
    );
    assert_error(
        &api(
            &s,
            "generate_token",
            json!({"credentials": creds(LOSING_ADMIN), "duration": 1000}),
        ),
        6,
        "'duration'",
    );
    s.advance("49h");
    assert_error(
        &api(&s, "get_company", json!({"credentials": with_token})),
        1,
        "Invalid credentials",
    );
    assert_error(
        &api(
            &s,
            "get_company",
            json!({"credentials": {"user": LOSING_ADMIN, "token": session}}),
        ),
        1,
        "Invalid credentials",
    );
}

#[test]
fn email_cli_seeds_companies_admins_brands_and_domains() {
    let s = Server::start();
    let db = s.db();
    let run = |args: &[&str], input: &str| opsd_ok(&db, args, input);
    run(
        &[
            "email",
            "company-add",
            "7",
            "--name",
            "Seven",
            "--settings",
            r#"{"theme":"red"}"#,
        ],
        "",
    );
    run(
        &[
            "email",
            "company-add",
            "8",
            "--name",
            "Eight",
            "--billing-cycle",
            "yearly",
        ],
        "",
    );
    run(
        &["email", "admin-add", "7", "seven-admin"],
        "seven-password\n",
    );
    run(
        &[
            "email",
            "brand-add",
            "7",
            "Seven Brand",
            "--settings",
            r#"{"logo":"7.png"}"#,
        ],
        "",
    );
    run(
        &[
            "email",
            "domain-add",
            "seven.example",
            "--company",
            "7",
            "--brand",
            "Seven Brand",
            "--mailboxes",
            "4",
            "--messages",
            "3",
        ],
        "",
    );
    let bad = opsd_cli(
        &db,
        &[
            "email",
            "company-add",
            "9",
            "--name",
            "Nine",
            "--settings",
            "[1]",
        ],
        "",
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("settings must be a JSON object"));
    let d = s
        .app
        .store
        .mail_domain("seven.example")
        .expect("store")
        .expect("domain");
    assert_eq!((d.company_id, d.mailboxes, d.messages), (7, 4, 12));
    assert_eq!(d.brand_name.as_deref(), Some("Seven Brand"));
    assert_eq!(d.effective_settings, r#"{"logo":"7.png"}"#);
    let c = s
        .app
        .store
        .mail_company(8)
        .expect("store")
        .expect("company");
    assert_eq!(c.billing_cycle, "yearly");
    // The administrator can use the API.
    let v = api(
        &s,
        "get_company",
        json!({"credentials": {"user": "seven-admin", "password": "seven-password"}}),
    );
    assert_eq!(v["attributes"]["company_id"], json!(7));
}

#[test]
fn yearly_billing_and_no_notice_without_an_address() {
    let s = Server::start_scenario(
        r#"
        [[mail_company]]
        id = 1
        name = "One"
        [[mail_company]]
        id = 2
        name = "Two"
        billing_cycle = "yearly"
        allowed_companies = [1]
        [[mail_admin]]
        company = 1
        username = "one-admin"
        password = "mail-admin-pw-1"
        [[mail_domain]]
        name = "one.example"
        company = 1
        mailboxes = 1
        messages_per_mailbox = 1
        "#,
        |_| {},
    );
    let v = api(
        &s,
        "push_domain",
        json!({"credentials": creds("one-admin"), "domain": "one.example", "new_company": 2}),
    );
    assert_eq!(v, json!({"success": true}));
    assert_eq!(
        s.count("SELECT starts_at FROM mail_billing WHERE company_id = 2"),
        opsd::clock::parse_timestamp("2015-01-01 00:00:00")
            .expect("time")
            .unix_timestamp()
    );
    assert!(s.app.store.outbox().expect("outbox").is_empty());
}
