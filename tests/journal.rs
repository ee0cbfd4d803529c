//! The request journal (issue 20, point 1): every OPS, Email API and /srv request
//! with its reply, secrets masked, per reseller, as JSON for the operator, as
//! pages in the dashboard and the reseller panel, exportable as fixtures; each
//! error with its explanation.

use crate::common::*;

fn journal(s: &Server, query: &str) -> serde_json::Value {
    let (st, j) = s.admin_json("GET", &format!("/admin/journal?{query}"), "");
    assert_eq!(st, 200, "{j}");
    j
}

fn transfer_order() -> Vec<u8> {
    let c = crate::portfolio::contact("Jane", "jane@example.net");
    envelope(
        "SW_REGISTER",
        "DOMAIN",
        &format!(
            "<item key=\"reg_type\">transfer</item><item key=\"domain\">journaled-owner1.com</item><item key=\"auth_info\">S3cret-Auth</item><item key=\"reg_username\">journaled</item><item key=\"reg_password\">Very-Secret-Pass</item><item key=\"custom_tech_contact\">0</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{c}</item><item key=\"admin\">{c}</item><item key=\"billing\">{c}</item></dt_assoc></item>"
        ),
    )
}

#[test]
fn requests_are_kept_masked_with_their_replies() {
    let s = Server::start();
    let r = s.ops(&transfer_order());
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let j = journal(&s, "action=SW_REGISTER");
    assert_eq!(j["count"], 1, "{j}");
    let e = &j["entries"][0];
    assert_eq!(j["dropped"], 0);
    assert_eq!(e["username"], USER);
    assert_eq!(e["surface"], "ops");
    assert_eq!(e["code"], 200);
    assert_eq!(e["success"], true);
    let id = e["id"].as_i64().expect("id");
    // Exported as a fixture: the request and the reply as kept.
    let req = s.admin("GET", &format!("/admin/journal/{id}/request"), "");
    let text = req.text();
    // hyper hands header names over in lower case; the journal keeps them so.
    assert!(text.starts_with("POST / HTTP/1."), "{text}");
    assert!(text.contains("x-signature: ***"), "{text}");
    assert!(
        text.contains("<item key=\"reg_password\">***</item>"),
        "{text}"
    );
    assert!(
        text.contains("<item key=\"auth_info\">***</item>"),
        "{text}"
    );
    assert!(!text.contains("Very-Secret-Pass") && !text.contains("S3cret-Auth"));
    assert!(text.contains("journaled-owner1.com"));
    let reply = s
        .admin("GET", &format!("/admin/journal/{id}/reply"), "")
        .text();
    // The whole entry as JSON, request and reply included.
    let (st, whole) = s.admin_json("GET", &format!("/admin/journal/{id}"), "");
    assert_eq!(st, 200, "{whole}");
    assert_eq!(whole["action"], "SW_REGISTER");
    assert!(
        whole["request"]
            .as_str()
            .unwrap_or("")
            .contains("journaled-owner1.com")
    );
    assert!(
        whole["reply"]
            .as_str()
            .unwrap_or("")
            .contains("Transfer request")
    );
    let (st, _) = s.admin_json("GET", "/admin/journal/999999", "");
    assert_eq!(st, 404);
    assert!(reply.contains("Transfer request initiated"), "{reply}");
    // Secrets in replies too: a cookie, an auth code.
    let login = s.ops(&envelope(
        "SET",
        "COOKIE",
        &format!("<item key=\"domain\">{PROFILE_DOMAIN}</item><item key=\"reg_username\">{PROFILE_USER}</item><item key=\"reg_password\">p&amp;ss&lt;wd&gt;</item>"),
    ));
    let cookie = login.item("cookie").expect("cookie");
    let code = s
        .ops(&envelope(
            "GET",
            "DOMAIN",
            &format!("<item key=\"domain\">{PROFILE_DOMAIN}</item><item key=\"type\">domain_auth_info</item>"),
        ))
        .item("domain_auth_info")
        .expect("code");
    let (_, all) = s.admin_json("GET", "/admin/journal?limit=10", "");
    let whole: String = (0..all["count"].as_u64().unwrap_or(0))
        .map(|i| {
            let id = all["entries"][i as usize]["id"].as_i64().unwrap_or(0);
            format!(
                "{}{}",
                s.admin("GET", &format!("/admin/journal/{id}/request"), "")
                    .text(),
                s.admin("GET", &format!("/admin/journal/{id}/reply"), "")
                    .text()
            )
        })
        .collect();
    assert!(!whole.contains(&cookie), "the cookie is masked");
    assert!(!whole.contains(&code), "the auth code is masked");
    assert!(
        !whole.contains("p&amp;ss"),
        "the profile password is masked"
    );

    // A caller whose signature does not pass is kept without its body.
    let bad = s.send(&http10(&transfer_order(), USER, "wrong-key"));
    assert_eq!(bad.code(), Some(401));
    let j = journal(&s, "code=401");
    assert_eq!(j["count"], 1, "{j}");
    let id = j["entries"][0]["id"].as_i64().expect("id");
    let text = s
        .admin("GET", &format!("/admin/journal/{id}/request"), "")
        .text();
    assert!(text.contains("[body not kept"), "{text}");
    assert!(!text.contains("journaled-owner1.com"));
    assert!(
        j["entries"][0]["explanation"]["rule"]
            .as_str()
            .unwrap_or("")
            .contains("md5"),
        "{j}"
    );
}

#[test]
fn each_error_carries_its_explanation() {
    let s = Server::start();
    let why = |body: &[u8]| {
        s.ops(body);
        let j = journal(&s, "errors=1&limit=1");
        j["entries"][0]["explanation"].clone()
    };
    let e = why(&envelope(
        "MODIFY",
        "DOMAIN",
        &format!("<item key=\"domain\">{PROFILE_DOMAIN}</item><item key=\"data\">status</item>"),
    ));
    assert_eq!(e["field"], "lock_state", "{e}");
    // Issue 28.5: the field, what was expected and what came.
    assert_eq!(e["rule"], "required: the request must give 'lock_state'");
    assert_eq!(e["accepted"], "a non-empty value");
    assert_eq!(e["came"], "nothing: the request has no such item", "{e}");
    assert_eq!(e["envelope"]["action"], "MODIFY");
    assert_eq!(e["envelope"]["attributes"][1], "data", "{e}");
    let e = why(&envelope(
        "GET_PRICE",
        "DOMAIN",
        "<item key=\"domain\">x.com</item><item key=\"period\">11</item>",
    ));
    assert_eq!(e["field"], "period", "{e}");
    assert_eq!(e["accepted"], "expected 1 to 10 years");
    assert_eq!(e["came"], "'11'", "{e}");
    // A secret's value is never shown, nor a nested field's path lost.
    let e = why(&envelope(
        "SW_REGISTER",
        "DOMAIN",
        "<item key=\"reg_type\">new</item><item key=\"domain\">explained.com</item><item key=\"reg_username\">u</item><item key=\"reg_password\">Sekr1t-pw</item><item key=\"period\">1</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\"><dt_assoc><item key=\"phone\">555</item></dt_assoc></item></dt_assoc></item>",
    ));
    assert!(
        e["field"].as_str().unwrap_or("").starts_with("contact_set"),
        "{e}"
    );
    assert!(!e.to_string().contains("Sekr1t-pw"), "{e}");
    let e = why(&envelope("LAUNCH_ROCKET", "DOMAIN", ""));
    assert!(
        e["accepted"]
            .as_str()
            .unwrap_or("")
            .contains("Actions answered"),
        "{e}"
    );
    let e = why(b"<not-an-envelope");
    assert_eq!(e["field"], "body", "{e}");
    // A refusal written as a reply is explained by its text.
    let e = why(&crate::portfolio::register(PROFILE_DOMAIN, 1, ""));
    assert_eq!(e["rule"], "Domain taken", "{e}");
    // Successes carry none; a request repeated byte for byte with the same answer
    // is one entry, counted.
    for _ in 0..3 {
        s.ops(&envelope("GET_BALANCE", "BALANCE", ""));
    }
    let j = journal(&s, "action=GET_BALANCE");
    assert!(j["entries"][0]["explanation"].is_null(), "{j}");
    assert_eq!(j["count"], 1, "{j}");
    assert_eq!(j["entries"][0]["repeats"], 3, "{j}");
}

#[test]
fn each_reseller_sees_its_own_and_the_operator_everyone() {
    let s = Server::start();
    s.ops(&envelope("GET_BALANCE", "BALANCE", ""));
    s.send(&http10(
        &envelope(
            "LOOKUP",
            "DOMAIN",
            "<item key=\"domain\">theirs-only.com</item>",
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    let mine = journal(&s, &format!("reseller={USER}"));
    assert_eq!(mine["count"], 1, "{mine}");
    let theirs = journal(&s, &format!("reseller={OTHER_USER}"));
    assert_eq!(theirs["entries"][0]["action"], "LOOKUP");
    let (st, _) = s.admin_json("GET", "/admin/journal?reseller=nobody", "");
    assert_eq!(st, 404);

    // The reseller's panel shows its own requests only, and not another's entry.
    s.panel_password(USER, "panel-pass-1");
    let mut web = Web::new(&s);
    web.login("/panel/login", USER, "panel-pass-1");
    let page = web.get("/panel/journal").text();
    assert!(page.contains("GET_BALANCE"), "{page}");
    assert!(!page.contains("LOOKUP"), "{page}");
    let their_id = theirs["entries"][0]["id"].as_i64().expect("id");
    let r = web.get(&format!("/panel/journal/{their_id}"));
    assert!(r.status_line.contains("404"), "{}", r.status_line);
    let my_id = mine["entries"][0]["id"].as_i64().expect("id");
    let entry = web.get(&format!("/panel/journal/{my_id}")).text();
    assert!(
        entry.contains("Command successful") && entry.contains("x-signature: ***"),
        "{entry}"
    );

    // The operator's dashboard shows everyone's, filters by reseller, and explains.
    let hash = opsd::auth::hash_password("operator-pass-1").expect("hash");
    s.app.store.add_operator("op", &hash, 0).expect("operator");
    s.ops(&envelope(
        "GET",
        "DOMAIN",
        "<item key=\"type\">status</item>",
    ));
    let mut web = Web::new(&s);
    web.login("/dashboard/login", "op", "operator-pass-1");
    let page = web.get("/dashboard/journal").text();
    assert!(
        page.contains("LOOKUP") && page.contains("GET_BALANCE"),
        "{page}"
    );
    assert!(page.contains(OTHER_USER));
    let page = web
        .get(&format!("/dashboard/journal?reseller={OTHER_USER}"))
        .text();
    assert!(!page.contains("GET_BALANCE"), "{page}");
    let failed = journal(&s, "errors=1");
    let id = failed["entries"][0]["id"].as_i64().expect("id");
    let entry = web.get(&format!("/dashboard/journal/{id}")).text();
    assert!(
        entry.contains("Why it failed") && entry.contains("required"),
        "{entry}"
    );
}

#[test]
fn email_api_and_srv_requests_are_kept_masked() {
    let s = Server::start();
    let body = r#"{"credentials":{"user":"admin@mail.example","password":"Mail-Secret-1"},"domain":"x.example"}"#;
    let raw = format!(
        "POST /api/get_domain HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.send(raw.as_bytes());
    let form = "registrar=H1&password=Srv-Secret-1&domain=example.uk.com";
    s.post_form("/srv/push_domain", form);
    let j = journal(&s, "limit=10");
    let surfaces: Vec<&str> = j["entries"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["surface"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        surfaces.contains(&"email") && surfaces.contains(&"srv"),
        "{j}"
    );
    for e in j["entries"].as_array().into_iter().flatten() {
        let id = e["id"].as_i64().unwrap_or(0);
        let text = s
            .admin("GET", &format!("/admin/journal/{id}/request"), "")
            .text();
        assert!(
            !text.contains("Mail-Secret-1") && !text.contains("Srv-Secret-1"),
            "{text}"
        );
        assert_eq!(e["success"], false, "{e}");
        assert!(e["explanation"]["rule"].is_string(), "{e}");
    }
    let email = j["entries"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["surface"] == "email"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(email["username"], "admin@mail.example");
}
