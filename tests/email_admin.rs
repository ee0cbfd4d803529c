//! The Email API's administration: roles held by mailbox users and what each
//! reaches (refused beyond its object), search_admins, bulletins mailed through
//! the outbox, the documented settings with their inheritance company → domain
//! → user, domain aliases, deleted domains restored, brands, echo and the
//! company's change history — over real sockets, on either backend.

use serde_json::{Value, json};

use crate::common::{Response, Server};

const ADMIN: &str = "corp-admin";
const PW: &str = "corp-admin-pw-1";
const USER_PW: &str = "user-pw-1";

fn world() -> Server {
    let toml = format!(
        r#"
        [[mail_company]]
        id = 3001
        name = "Example Corp"
        [[mail_admin]]
        company = 3001
        username = "{ADMIN}"
        password = "{PW}"
        [[mail_brand]]
        company = 3001
        name = "April10"
        [[mail_domain]]
        name = "a.example"
        company = 3001
        brand = "April10"
        [[mail_domain]]
        name = "b.example"
        company = 3001
        [[mail_company]]
        id = 3002
        name = "Rival Co"
        [[mail_admin]]
        company = 3002
        username = "rival-admin"
        password = "{PW}"
        [[mail_domain]]
        name = "rival.example"
        company = 3002
        mailboxes = 1
        "#
    );
    Server::start_scenario(&toml, |_| {})
}

fn json_of(r: &Response) -> Value {
    assert!(r.status_line.contains(" 200 "), "{}", r.status_line);
    serde_json::from_slice(&r.body).expect("JSON reply")
}

fn call_as(s: &Server, method: &str, user: &str, pw: &str, mut body: Value) -> Value {
    body["credentials"] = json!({"user": user, "password": pw});
    let text = body.to_string();
    let raw = format!(
        "POST /api/{method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    );
    json_of(&s.send(raw.as_bytes()))
}

fn admin(s: &Server, method: &str, body: Value) -> Value {
    let v = call_as(s, method, ADMIN, PW, body);
    assert_eq!(v["success"], json!(true), "{method}: {v}");
    v
}

fn user(s: &Server, who: &str, method: &str, body: Value) -> Value {
    call_as(s, method, who, USER_PW, body)
}

fn number(v: &Value) -> Value {
    assert_eq!(v["success"], json!(false), "{v}");
    v["error_number"].clone()
}

fn make_user(s: &Server, address: &str, workgroup: &str) {
    admin(
        s,
        "change_user",
        json!({"user": address, "attributes": {"password": USER_PW, "workgroup": workgroup, "name": "N"}}),
    );
}

#[test]
fn roles_reach_their_objects_and_no_further() {
    let s = world();
    admin(
        &s,
        "create_workgroup",
        json!({"domain": "a.example", "workgroup": "sales"}),
    );
    make_user(&s, "dora@a.example", "staff");
    make_user(&s, "wanda@a.example", "sales");
    make_user(&s, "rory@b.example", "staff");
    make_user(&s, "tess@b.example", "staff");
    make_user(&s, "sam@a.example", "sales");
    make_user(&s, "stan@a.example", "staff");

    // Giving roles: objects checked, membership as documented, never `company`.
    assert_eq!(
        number(&admin_raw(
            &s,
            "set_role",
            json!({"user": "dora@a.example", "role": "domain", "object": "b.example"})
        )),
        json!(6),
        "a domain admin is a member of its domain"
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "set_role",
            json!({"user": "dora@a.example", "role": "company", "object": "Example Corp"})
        )),
        json!(4)
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "set_role",
            json!({"user": "dora@a.example", "role": "boss", "object": "a.example"})
        )),
        json!(6)
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "set_role",
            json!({"user": "dora@a.example", "role": "domain", "object": "rival.example"})
        )),
        json!(2),
        "another company's domain does not exist"
    );
    admin(
        &s,
        "set_role",
        json!({"user": "dora@a.example", "role": "domain", "objects": ["a.example", "b.example"]}),
    );
    admin(
        &s,
        "set_role",
        json!({"user": "wanda@a.example", "role": "workgroup", "object": "a.example/sales"}),
    );
    admin(
        &s,
        "set_role",
        json!({"user": "rory@b.example", "role": "company_ro", "object": "Example Corp"}),
    );
    admin(
        &s,
        "set_role",
        json!({"user": "tess@b.example", "role": "company_token_only", "object": "Example Corp"}),
    );
    let got = admin(&s, "get_user", json!({"user": "dora@a.example"}));
    assert_eq!(
        got["metadata"]["roles"],
        json!({"domain": ["a.example", "b.example"]})
    );

    let admins = admin(&s, "search_admins", json!({}));
    assert_eq!(admins["total_count"], json!(5), "{admins}");
    assert!(admins["admins"].as_array().expect("shape").contains(
        &json!({"user": "wanda@a.example", "type": "workgroup", "control": ["a.example/sales"]})
    ));
    assert!(
        admins["admins"]
            .as_array()
            .expect("shape")
            .contains(&json!({"user": ADMIN, "type": "company", "control": ["Example Corp"]}))
    );
    let only = admin(
        &s,
        "search_admins",
        json!({"criteria": {"type": ["company_ro"], "match": "r*"}}),
    );
    assert_eq!(
        only["admins"],
        json!([{"user": "rory@b.example", "type": "company_ro", "control": ["Example Corp"]}])
    );

    // A domain admin: its domains, all of them, and nothing company-wide.
    let dora = "dora@a.example";
    assert_eq!(
        user(&s, dora, "get_domain", json!({"domain": "b.example"}))["success"],
        json!(true)
    );
    assert_eq!(
        user(
            &s,
            dora,
            "change_user",
            json!({"user": "new@a.example", "attributes": {"password": "x1"}})
        )["success"],
        json!(true)
    );
    assert_eq!(
        user(
            &s,
            dora,
            "create_workgroup",
            json!({"domain": "b.example", "workgroup": "ops"})
        )["success"],
        json!(true)
    );
    assert_eq!(
        number(&user(&s, dora, "search_domains", json!({}))),
        json!(4)
    );
    assert_eq!(
        number(&user(
            &s,
            dora,
            "delete_domain",
            json!({"domain": "b.example"})
        )),
        json!(4)
    );
    assert_eq!(
        number(&user(
            &s,
            dora,
            "change_domain",
            json!({"domain": "c.example", "attributes": {}})
        )),
        json!(4)
    );
    assert_eq!(
        number(&user(
            &s,
            dora,
            "get_domain",
            json!({"domain": "rival.example"})
        )),
        json!(4)
    );
    // ... may make workgroup admins in its domain, not domain admins.
    assert_eq!(
        user(
            &s,
            dora,
            "set_role",
            json!({"user": "sam@a.example", "role": "workgroup", "object": "a.example/sales"})
        )["success"],
        json!(true)
    );
    assert_eq!(
        number(&user(
            &s,
            dora,
            "set_role",
            json!({"user": "stan@a.example", "role": "domain", "object": "a.example"})
        )),
        json!(4)
    );

    // A workgroup admin: its workgroup's users only.
    let wanda = "wanda@a.example";
    assert_eq!(
        user(
            &s,
            wanda,
            "change_user",
            json!({"user": "sam@a.example", "attributes": {"title": "Rep"}})
        )["success"],
        json!(true)
    );
    assert_eq!(
        user(
            &s,
            wanda,
            "change_user",
            json!({"user": "sue@a.example", "attributes": {"workgroup": "sales", "password": "x1"}})
        )["success"],
        json!(true)
    );
    assert_eq!(
        number(&user(
            &s,
            wanda,
            "get_user",
            json!({"user": "stan@a.example"})
        )),
        json!(4)
    );
    assert_eq!(
        number(&user(
            &s,
            wanda,
            "change_user",
            json!({"user": "sam@a.example", "attributes": {"workgroup": "staff"}})
        )),
        json!(4),
        "moving a user out of its reach"
    );
    assert_eq!(
        number(&user(
            &s,
            wanda,
            "search_users",
            json!({"criteria": {"domain": "a.example"}})
        )),
        json!(4)
    );

    // Read-only and token-only company roles.
    let rory = "rory@b.example";
    assert_eq!(
        user(&s, rory, "get_user", json!({"user": "stan@a.example"}))["success"],
        json!(true)
    );
    assert_eq!(
        user(&s, rory, "search_domains", json!({}))["total_count"],
        json!(2)
    );
    assert_eq!(
        number(&user(
            &s,
            rory,
            "change_user",
            json!({"user": "stan@a.example", "attributes": {"title": "x"}})
        )),
        json!(4)
    );
    let tess = "tess@b.example";
    let t = user(
        &s,
        tess,
        "generate_token",
        json!({"user": "stan@a.example", "reason": "support", "type": "sso"}),
    );
    assert_eq!(t["success"], json!(true), "{t}");
    assert_eq!(
        number(&user(
            &s,
            tess,
            "get_user",
            json!({"user": "stan@a.example"})
        )),
        json!(4)
    );

    // Every user reads and changes itself, and nothing else.
    let stan = "stan@a.example";
    assert_eq!(
        user(
            &s,
            stan,
            "change_user",
            json!({"user": stan, "attributes": {"name": "Stan"}})
        )["success"],
        json!(true)
    );
    assert_eq!(
        number(&user(
            &s,
            stan,
            "get_user",
            json!({"user": "sam@a.example"})
        )),
        json!(4)
    );
    assert_eq!(
        number(&user(&s, stan, "delete_user", json!({"user": stan}))),
        json!(4)
    );

    // Another company's administrator reaches none of it.
    assert_eq!(
        number(&call_as(
            &s,
            "set_role",
            "rival-admin",
            PW,
            json!({"user": "stan@a.example", "role": "mail", "object": "a.example"})
        )),
        json!(2)
    );
    assert_eq!(
        number(&call_as(
            &s,
            "search_admins",
            "rival-admin",
            PW,
            json!({"criteria": {"company": "Example Corp"}})
        )),
        json!(4)
    );

    // No role takes them all away.
    admin(
        &s,
        "set_role",
        json!({"user": "dora@a.example", "role": null}),
    );
    assert_eq!(
        number(&user(
            &s,
            dora,
            "get_domain",
            json!({"domain": "b.example"})
        )),
        json!(4)
    );
    assert_eq!(
        admin(&s, "get_user", json!({"user": dora}))["metadata"]["roles"],
        json!({})
    );
}

fn admin_raw(s: &Server, method: &str, body: Value) -> Value {
    call_as(s, method, ADMIN, PW, body)
}

#[test]
fn bulletins_are_kept_and_mailed_through_the_outbox() {
    let s = world();
    make_user(&s, "ann@a.example", "staff");
    make_user(&s, "bob@b.example", "staff");
    admin(
        &s,
        "change_user",
        json!({"user": "fwd@a.example", "attributes": {"type": "forward", "forward_recipients": ["x@elsewhere.test"]}}),
    );
    let before = s.count("SELECT count(*) FROM outbox");
    let text = "From: Boss <boss@a.example>\nSubject: Hello {'name'}\n\nDear {'title'} {'name'}, you are {'account'}.";
    admin(
        &s,
        "change_domain_bulletin",
        json!({"domain": "a.example", "bulletin": "Welcome", "type": "auto", "bulletin_text": text}),
    );
    let got = admin(
        &s,
        "get_domain_bulletin",
        json!({"domain": "a.example", "bulletin": "Welcome", "type": "auto"}),
    );
    let kept = got["bulletin_text"].as_str().expect("shape");
    assert!(kept.starts_with("Date: ") && kept.ends_with(text), "{kept}");
    assert_eq!(
        number(&admin_raw(
            &s,
            "get_domain_bulletin",
            json!({"domain": "a.example", "bulletin": "Welcome", "type": "manual"})
        )),
        json!(2)
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "change_domain_bulletin",
            json!({"domain": "a.example", "bulletin": "W", "type": "weekly", "bulletin_text": "x"})
        )),
        json!(6)
    );
    let listed = admin(&s, "get_domain", json!({"domain": "a.example"}));
    assert_eq!(
        listed["metadata"]["bulletins"]["auto"][0]["bulletin"],
        json!("Welcome")
    );

    // An auto bulletin greets each new mailbox of the domain, filled in.
    admin(
        &s,
        "change_user",
        json!({"user": "cy@a.example", "attributes": {"name": "Cy", "title": "Dr"}}),
    );
    let mail = opsd::store::peek::<String>(
        &s.db(),
        "SELECT to_addr || '|' || subject || '|' || body FROM outbox WHERE kind = 'mail_bulletin' ORDER BY id DESC LIMIT 1",
    )
    .expect("query");
    assert_eq!(
        mail.as_deref(),
        Some("cy@a.example|Hello Cy|Dear Dr Cy, you are cy@a.example.")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM outbox") - before,
        1,
        "no bulletin for b.example's users"
    );

    // A company bulletin posted goes to every mailbox of every domain (not forwards).
    admin(
        &s,
        "change_company_bulletin",
        json!({"company": "Example Corp", "bulletin": "Fridge", "type": "manual", "bulletin_text": "Subject: Fridge\n\nEmpty it, {'account'}."}),
    );
    let n = s.count("SELECT count(*) FROM outbox");
    admin(
        &s,
        "post_company_bulletin",
        json!({"company": "Example Corp", "bulletin": "Fridge", "type": "manual"}),
    );
    assert_eq!(
        s.count("SELECT count(*) FROM outbox") - n,
        3,
        "ann, cy, bob"
    );
    assert_eq!(s.count("SELECT count(*) FROM outbox WHERE to_addr = 'bob@b.example' AND body = 'Empty it, bob@b.example.'"), 1);
    admin(
        &s,
        "post_company_bulletin",
        json!({"company": "Example Corp", "bulletin": "Fridge", "type": "manual", "test_email": "me@test.example"}),
    );
    assert_eq!(s.count("SELECT count(*) FROM outbox") - n, 4);
    assert_eq!(
        number(&admin_raw(
            &s,
            "post_company_bulletin",
            json!({"company": "Rival Co", "bulletin": "Fridge", "type": "manual"})
        )),
        json!(4)
    );
    assert_eq!(
        number(&call_as(
            &s,
            "get_domain_bulletin",
            "rival-admin",
            PW,
            json!({"domain": "a.example", "bulletin": "Welcome", "type": "auto"})
        )),
        json!(2)
    );

    // Without text, change deletes; deleting one not kept is 2.
    admin(
        &s,
        "change_company_bulletin",
        json!({"company": "Example Corp", "bulletin": "Fridge", "type": "manual"}),
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "get_company_bulletin",
            json!({"company": "Example Corp", "bulletin": "Fridge", "type": "manual"})
        )),
        json!(2)
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "change_company_bulletin",
            json!({"company": "Example Corp", "bulletin": "Fridge", "type": "manual"})
        )),
        json!(2)
    );
    let changes = admin(
        &s,
        "get_company_changes",
        json!({"company": "Example Corp"}),
    );
    let msgs: Vec<&str> = changes["changes"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|c| c["msg"].as_str().expect("shape"))
        .collect();
    assert!(msgs.contains(&"post bulletin manual Fridge"), "{msgs:?}");
    assert_eq!(
        changes["total_count"].as_u64().expect("shape") as usize,
        msgs.len()
    );
}

#[test]
fn settings_are_checked_and_inherited_company_domain_user() {
    let s = world();
    make_user(&s, "ann@a.example", "staff");
    admin(
        &s,
        "change_company",
        json!({"company": "Example Corp", "attributes": {"spamtag": "[CO]", "spamlevel": "High"}}),
    );
    admin(
        &s,
        "change_domain",
        json!({"domain": "a.example", "attributes": {"spamtag": "[A]", "catchall": "ann@a.example", "aliases": ["alias.example"], "service_imap4": "disabled"}}),
    );
    let d = admin(&s, "get_domain", json!({"domain": "a.example"}));
    assert_eq!(d["attributes"]["spamtag"], json!("[A]"));
    assert_eq!(d["attributes"]["catchall"], json!("ann@a.example"));
    assert_eq!(d["attributes"]["aliases"], json!(["alias.example"]));
    assert_eq!(d["attributes"]["brand"], json!("April10"));
    assert_eq!(d["metadata"]["inherit"]["spamtag"], json!("[CO]"));
    assert_eq!(d["metadata"]["inherit"]["spamlevel"], json!("High"));
    let u = admin(&s, "get_user", json!({"user": "ann@a.example"}));
    assert_eq!(
        u["metadata"]["inherit"]["spamtag"],
        json!("[A]"),
        "the domain's before the company's"
    );
    assert_eq!(u["metadata"]["inherit"]["spamlevel"], json!("High"));
    assert_eq!(u["metadata"]["inherit"]["brand"], json!("April10"));
    admin(
        &s,
        "change_user",
        json!({"user": "ann@a.example", "attributes": {"spamtag": "[ANN]", "autoresponder": "Away", "delivery_autoresponder": true}}),
    );
    let u = admin(&s, "get_user", json!({"user": "ann@a.example"}));
    assert_eq!(u["attributes"]["spamtag"], json!("[ANN]"));
    assert_eq!(u["attributes"]["delivery_autoresponder"], json!(true));
    assert!(
        u["settable_attributes"]
            .as_array()
            .expect("shape")
            .contains(&json!("autoresponder"))
    );
    // null takes the domain's own value away: it inherits the company's again.
    admin(
        &s,
        "change_domain",
        json!({"domain": "a.example", "attributes": {"spamtag": null}}),
    );
    let u = admin(&s, "get_user", json!({"user": "ann@a.example"}));
    assert_eq!(u["metadata"]["inherit"]["spamtag"], json!("[CO]"));
    let c = admin(&s, "get_company", json!({"company": "Example Corp"}));
    assert_eq!(c["attributes"]["spamtag"], json!("[CO]"));

    for (method, body) in [
        (
            "change_domain",
            json!({"domain": "a.example", "attributes": {"spamlevel": "Extreme"}}),
        ),
        (
            "change_domain",
            json!({"domain": "a.example", "attributes": {"smtp_sent_limit": 10001}}),
        ),
        (
            "change_domain",
            json!({"domain": "new.example", "attributes": {"catchall": "x@new.example"}}),
        ),
        (
            "change_user",
            json!({"user": "ann@a.example", "attributes": {"catchall": "x@a.example"}}),
        ),
        (
            "change_company",
            json!({"company": "Example Corp", "attributes": {"password": "x"}}),
        ),
    ] {
        assert_eq!(
            number(&admin_raw(&s, method, body.clone())),
            json!(6),
            "{body}"
        );
    }
    assert_eq!(
        number(&admin_raw(
            &s,
            "change_domain",
            json!({"domain": "a.example", "attributes": {"brand": "Nope"}})
        )),
        json!(2)
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "change_domain",
            json!({"domain": "b.example", "attributes": {"aliases": ["alias.example"]}})
        )),
        json!(7),
        "an alias is one domain's"
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "change_domain",
            json!({"domain": "b.example", "attributes": {"aliases": ["rival.example"]}})
        )),
        json!(7)
    );

    let found = admin(
        &s,
        "search_domains",
        json!({"criteria": {"type": ["alias"]}}),
    );
    assert_eq!(
        found["domains"],
        json!([{"domain": "alias.example", "type": "alias", "alias_target": "a.example"}])
    );
}

#[test]
fn deleted_domains_come_back_and_brands_are_listed() {
    let s = world();
    admin(
        &s,
        "create_workgroup",
        json!({"domain": "b.example", "workgroup": "ops"}),
    );
    admin(
        &s,
        "change_domain",
        json!({"domain": "b.example", "attributes": {"spamtag": "[B]", "disabled": true}}),
    );
    admin(&s, "delete_domain", json!({"domain": "b.example"}));
    let gone = admin(&s, "search_domains", json!({"criteria": {"deleted": true}}));
    let id = gone["domains"][0]["id"].clone();
    assert_eq!(gone["domains"][0]["domain"], json!("b.example"), "{gone}");
    assert_eq!(
        number(&call_as(
            &s,
            "restore_domain",
            "rival-admin",
            PW,
            json!({"domain": "b.example", "id": id, "new_name": "b.example"})
        )),
        json!(2)
    );
    admin(
        &s,
        "restore_domain",
        json!({"domain": "b.example", "id": id, "new_name": "b2.example"}),
    );
    let d = admin(&s, "get_domain", json!({"domain": "b2.example"}));
    assert_eq!(
        (
            d["attributes"]["spamtag"].clone(),
            d["attributes"]["disabled"].clone()
        ),
        (json!("[B]"), json!(true))
    );
    let wg = admin(
        &s,
        "search_workgroups",
        json!({"criteria": {"domain": "b2.example"}}),
    );
    assert_eq!(wg["total_count"], json!(2), "{wg}");
    assert_eq!(
        number(&admin_raw(
            &s,
            "restore_domain",
            json!({"domain": "b.example", "id": id, "new_name": "b3.example"})
        )),
        json!(2),
        "once only"
    );

    make_user(&s, "ann@a.example", "staff");
    admin(
        &s,
        "change_user",
        json!({"user": "ann@a.example", "attributes": {"brand": "April10"}}),
    );
    let brands = admin(&s, "search_brands", json!({}));
    assert_eq!(
        brands["brands"],
        json!([{"brand": "April10", "counts": {"domain": 1, "user": 1, "total": 2}}])
    );
    assert_eq!(
        admin(&s, "search_brands", json!({"criteria": {"match": "*zz*"}}))["count"],
        json!(0)
    );
    let members = admin(
        &s,
        "search_brand_members",
        json!({"criteria": {"brand": "april10", "type": ["domain", "user"]}}),
    );
    assert_eq!(
        members["brand_members"],
        json!([{"type": "domain", "member": "a.example"}, {"type": "user", "member": "ann@a.example"}])
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "search_brand_members",
            json!({"criteria": {"brand": "Nope"}})
        )),
        json!(2)
    );
    assert_eq!(
        call_as(&s, "search_brands", "rival-admin", PW, json!({}))["count"],
        json!(0)
    );

    // echo answers the request, never its credentials.
    let e = admin(
        &s,
        "echo",
        json!({"Farm": "MacDonald", "count": {"cow": 2}}),
    );
    assert_eq!(
        e,
        json!({"success": true, "Farm": "MacDonald", "count": {"cow": 2}})
    );
}

#[test]
fn a_users_history_sessions_app_passwords_and_sieve() {
    let s = world();
    make_user(&s, "ann@a.example", "staff");
    s.advance("61m");
    admin(
        &s,
        "change_user",
        json!({"user": "ann@a.example", "attributes": {"name": "Ann B", "password": "new-pw-1"}}),
    );
    let h = admin(
        &s,
        "get_user_attribute_history",
        json!({"user": "ann@a.example", "attribute": "name"}),
    );
    let values: Vec<&Value> = h["history"].as_object().expect("shape").values().collect();
    assert_eq!(values, vec![&json!("N"), &json!("Ann B")], "{h}");
    assert_eq!(
        number(&admin_raw(
            &s,
            "get_user_attribute_history",
            json!({"user": "ann@a.example", "attribute": "password"})
        )),
        json!(4)
    );

    // logout_user ends the user's tokens.
    let t = admin(
        &s,
        "generate_token",
        json!({"user": "ann@a.example", "reason": "test", "type": "session"}),
    );
    let login = |token: &Value| {
        let body = json!({"credentials": {"user": "ann@a.example", "token": token}});
        let text = body.to_string();
        json_of(&s.send(format!("POST /api/authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}", text.len()).as_bytes()))
    };
    assert_eq!(login(&t["token"])["success"], json!(true));
    admin(&s, "logout_user", json!({"user": "ann@a.example"}));
    assert_eq!(number(&login(&t["token"])), json!(1));

    // Application passwords: four at most, shown once, listed by tag.
    let first = admin(
        &s,
        "app_password",
        json!({"user": "ann@a.example", "mode": "add", "tag": "phone"}),
    );
    assert_eq!(first["password"].as_str().map(str::len), Some(16));
    for tag in ["tablet", "laptop", "car"] {
        admin(
            &s,
            "app_password",
            json!({"user": "ann@a.example", "mode": "add", "tag": tag}),
        );
    }
    assert_eq!(
        number(&admin_raw(
            &s,
            "app_password",
            json!({"user": "ann@a.example", "mode": "add", "tag": "tv"})
        )),
        json!(7)
    );
    admin(
        &s,
        "app_password",
        json!({"user": "ann@a.example", "mode": "remove", "tag": "car"}),
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "app_password",
            json!({"user": "ann@a.example", "mode": "remove", "tag": "car"})
        )),
        json!(2)
    );
    let u = admin(&s, "get_user", json!({"user": "ann@a.example"}));
    let tags: Vec<&str> = u["metadata"]["app_passwords"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|p| p["tag"].as_str().expect("shape"))
        .collect();
    assert_eq!(tags.len(), 3, "{tags:?}");
    assert_eq!(
        s.count("SELECT count(*) FROM mail_app_passwords WHERE password_hash LIKE '$argon2%'"),
        3
    );

    // Sieve rulesets.
    let set = admin(
        &s,
        "set_sieve",
        json!({"user": "ann@a.example", "ruleset": "managesieve", "data": "require \"fileinto\";\n", "active_rule": "managesieve"}),
    );
    assert_eq!(
        (set["rulesets"].clone(), set["active_rule"].clone()),
        (
            json!({"managesieve": "updated"}),
            json!("updated to managesieve")
        )
    );
    let again = admin(
        &s,
        "set_sieve",
        json!({"user": "ann@a.example", "ruleset": "managesieve", "data": "keep;\n", "active_rule": "managesieve"}),
    );
    assert_eq!(again["active_rule"], json!("already set to managesieve"));
    let got = admin(&s, "get_sieve", json!({"user": "ann@a.example"}));
    assert_eq!(
        (got["rulesets"].clone(), got["active_rule"].clone()),
        (json!({"managesieve": "keep;\n"}), json!("managesieve"))
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "set_sieve",
            json!({"user": "ann@a.example", "ruleset": "other", "data": null})
        )),
        json!(2)
    );
    assert_eq!(
        admin(&s, "user_notify", json!({"user": "ann@a.example"}))["unseen"],
        json!(0)
    );
    admin(&s, "user_disable_2fa", json!({"user": "ann@a.example"}));
    // Another company's administrator reaches none of it.
    assert_eq!(
        number(&call_as(
            &s,
            "get_sieve",
            "rival-admin",
            PW,
            json!({"user": "ann@a.example"})
        )),
        json!(2)
    );
}

#[test]
fn a_pushed_domain_takes_its_bulletins_and_leaves_company_roles_behind() {
    let s = world();
    make_user(&s, "rory@b.example", "staff");
    admin(
        &s,
        "set_role",
        json!({"user": "rory@b.example", "role": "company_ro", "object": "Example Corp"}),
    );
    admin(
        &s,
        "change_domain_bulletin",
        json!({"domain": "b.example", "bulletin": "Hi", "type": "manual", "bulletin_text": "Subject: Hi\n\nHello."}),
    );
    let rival = |method: &str, body: Value| call_as(&s, method, "rival-admin", PW, body);
    assert_eq!(
        rival(
            "change_company",
            json!({"company": "Rival Co", "attributes": {"domain_push_allowed": [3001]}})
        )["success"],
        json!(true)
    );
    admin(
        &s,
        "push_domain",
        json!({"domain": "b.example", "new_company": 3002}),
    );
    // Rory, now Rival Co's, holds no role over either company.
    assert_eq!(
        rival("get_user", json!({"user": "rory@b.example"}))["metadata"]["roles"],
        json!({})
    );
    assert_eq!(
        number(&user(&s, "rory@b.example", "search_domains", json!({}))),
        json!(4)
    );
    let b = rival(
        "get_domain_bulletin",
        json!({"domain": "b.example", "bulletin": "Hi", "type": "manual"}),
    );
    assert!(
        b["bulletin_text"]
            .as_str()
            .is_some_and(|t| t.ends_with("Hello.")),
        "{b}"
    );
    assert_eq!(
        number(&admin_raw(
            &s,
            "get_domain_bulletin",
            json!({"domain": "b.example", "bulletin": "Hi", "type": "manual"})
        )),
        json!(2)
    );
}
