//! Issue 32, profiles: GET USERINFO, GET_USER_ACCESS_INFO, CHECK VERSION,
//! CHANGE PASSWORD (the old cookies end), CHANGE OWNERSHIP (one domain or all,
//! to an existing profile or a new one), and a profile's sub-user (ADD, GET,
//! MODIFY, DELETE) whose session is held to its rights — each through the PHP
//! toolkit's own request bytes where it has them, and none of it reachable by
//! another reseller.

use crate::common::*;

const TK: &str = "clients/php-osrs-toolkit";

fn world() -> Server {
    let toml = format!(
        r#"
        [[profile]]
        reseller = "{USER}"
        username = "acctowner"
        password = "ownerpw1"
        domains = ["acct-one.com", "acct-two.com"]
        [[profile]]
        reseller = "{USER}"
        username = "second"
        password = "secondpw99"
        domains = ["acct-three.com"]
        [[profile]]
        reseller = "{OTHER_USER}"
        username = "theirs"
        password = "theirpw1"
        domains = ["their-acct.com"]
        "#
    );
    Server::start_scenario(&toml, |_| {})
}

fn toolkit(s: &Server, name: &str) -> Response {
    s.send(&resign_capture(&fixture(&format!("{TK}/{name}.http")), KEY))
}

fn cookie(s: &Server, domain: &str, user: &str, pass: &str) -> Response {
    s.ops(&envelope(
        "SET",
        "COOKIE",
        &format!(
            "<item key=\"domain\">{domain}</item><item key=\"reg_username\">{user}</item><item key=\"reg_password\">{pass}</item>"
        ),
    ))
}

/// An envelope with a top-level `cookie` beside the attributes.
fn with_cookie(action: &str, object: &str, cookie: &str, attrs: &str) -> Vec<u8> {
    String::from_utf8(envelope(action, object, attrs))
        .expect("utf-8")
        .replace(
            "<item key=\"protocol\">",
            &format!("<item key=\"cookie\">{cookie}</item><item key=\"protocol\">"),
        )
        .into_bytes()
}

fn profile_of(s: &Server, domain: &str) -> String {
    let id = s.count(&format!(
        "SELECT profile_id FROM domains WHERE name = '{domain}'"
    ));
    let r = s
        .app
        .store
        .profile_username(
            s.app
                .store
                .reseller_by_name(USER)
                .expect("store")
                .expect("reseller")
                .id,
            id,
        )
        .expect("store");
    r.unwrap_or_default()
}

#[test]
fn userinfo_access_info_and_version() {
    let s = world();
    let r = toolkit(&s, "userinfo.get");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("domain").as_deref(), Some("acct-one.com"));
    assert_eq!(r.item("domain_count").as_deref(), Some("2"));
    assert_eq!(r.item("f_owner").as_deref(), Some("1"));
    for key in [
        "expiredate",
        "encoding_type",
        "permission",
        "waiting_requests_no",
    ] {
        assert!(r.item(key).is_some(), "{key}: {}", r.text());
    }
    // yola's request: a cookie, type=all_info.
    let c = cookie(&s, "acct-two.com", "acctowner", "ownerpw1");
    let c = c.item("cookie").expect("cookie");
    let r = s.ops(&with_cookie(
        "GET",
        "USERINFO",
        &c,
        "<item key=\"type\">all_info</item>",
    ));
    assert_eq!(
        r.item("domain").as_deref(),
        Some("acct-two.com"),
        "{}",
        r.text()
    );

    // WHMCS's GET_USER_ACCESS_INFO: a password that opens the profile.
    let r = s.ops(&envelope(
        "GET_USER_ACCESS_INFO",
        "USERINFO",
        "<item key=\"domain_name\">acct-one.com</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("username").as_deref(), Some("acctowner"));
    let temp = r.item("password").expect("password");
    assert_ne!(temp, "ownerpw1");
    assert_eq!(
        cookie(&s, "acct-one.com", "acctowner", &temp).code(),
        Some(200)
    );
    // The journal keeps it masked.
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM journal WHERE reply LIKE '%{temp}%'"
        )),
        0
    );
    // It ends with the hour (chosen).
    s.advance("61m");
    assert_eq!(
        cookie(&s, "acct-one.com", "acctowner", &temp).code(),
        Some(415)
    );
    // Never for another reseller's domain.
    let r = s.send(&http10(
        &envelope(
            "GET_USER_ACCESS_INFO",
            "USERINFO",
            "<item key=\"domain_name\">acct-one.com</item>",
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(r.code(), Some(415), "{}", r.text());
    assert!(r.item("password").is_none());

    let r = toolkit(&s, "version.check");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("sender").as_deref(), Some("OpenSRS SERVER"));
}

#[test]
fn a_password_change_ends_the_old_cookies() {
    let s = world();
    let c = cookie(&s, "acct-one.com", "acctowner", "ownerpw1")
        .item("cookie")
        .expect("cookie");
    let r = toolkit(&s, "password.change");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        s.ops(&with_cookie("GET", "USERINFO", &c, "")).code(),
        Some(415),
        "the old cookie ended"
    );
    assert_eq!(
        cookie(&s, "acct-one.com", "acctowner", "ownerpw1").code(),
        Some(415)
    );
    assert_eq!(
        cookie(&s, "acct-two.com", "acctowner", "newpass99").code(),
        Some(200)
    );
    // The documented syntax: 465 with the rule's text, nothing changed.
    let r = s.ops(&envelope(
        "CHANGE",
        "PASSWORD",
        "<item key=\"domain\">acct-one.com</item><item key=\"reg_password\">no spaces</item>",
    ));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    assert_eq!(
        cookie(&s, "acct-two.com", "acctowner", "newpass99").code(),
        Some(200)
    );
    // Another reseller cannot.
    let r = s.send(&http10(
        &envelope(
            "CHANGE",
            "PASSWORD",
            "<item key=\"domain\">acct-one.com</item><item key=\"reg_password\">stolen123</item>",
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(r.code(), Some(415), "{}", r.text());
    assert_eq!(
        cookie(&s, "acct-two.com", "acctowner", "newpass99").code(),
        Some(200)
    );
    assert_eq!(
        s.count("SELECT count(*) FROM audit_log WHERE action = 'change_password'"),
        1
    );
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'PROFILE_UPDATE' AND data LIKE '%\"password\"%'"),
        1
    );
}

#[test]
fn ownership_moves_one_domain_or_all() {
    let s = world();
    // The documented example: one domain to a new profile.
    let r = s.ops(&envelope(
        "CHANGE",
        "OWNERSHIP",
        "<item key=\"domain\">acct-one.com</item><item key=\"username\">newprofile</item><item key=\"password\">newprofile</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(profile_of(&s, "acct-one.com"), "newprofile");
    assert_eq!(profile_of(&s, "acct-two.com"), "acctowner");
    assert_eq!(
        cookie(&s, "acct-one.com", "newprofile", "newprofile").code(),
        Some(200)
    );

    // To an existing profile named by one of its domains, with the wrong
    // password: refused, nothing moved.
    let r = s.ops(&envelope(
        "CHANGE",
        "OWNERSHIP",
        "<item key=\"domain\">acct-two.com</item><item key=\"username\">second</item><item key=\"password\">wrongwrong</item><item key=\"reg_domain\">acct-three.com</item>",
    ));
    assert_eq!(r.code(), Some(415), "{}", r.text());
    assert_eq!(profile_of(&s, "acct-two.com"), "acctowner");

    // The toolkit's request: a cookie, move_all, a new profile.
    let c = cookie(&s, "acct-two.com", "acctowner", "ownerpw1")
        .item("cookie")
        .expect("cookie");
    let r = s.send(&resign_capture_with(
        &fixture(&format!("{TK}/ownership.change.http")),
        KEY,
        "c0ffee0c0ffee0c0ffee0c0ffee0c0f",
        &c,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(profile_of(&s, "acct-two.com"), "newowner1");
    // The cookie of the old profile ended with the move.
    assert_eq!(
        s.ops(&with_cookie("GET", "USERINFO", &c, "")).code(),
        Some(415)
    );

    // A new profile's password follows the page's 10–20 rule.
    let r = s.ops(&envelope(
        "CHANGE",
        "OWNERSHIP",
        "<item key=\"domain\">acct-three.com</item><item key=\"username\">shorty</item><item key=\"password\">short</item>",
    ));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    // Another reseller's domain: never.
    let r = s.ops(&envelope(
        "CHANGE",
        "OWNERSHIP",
        "<item key=\"domain\">their-acct.com</item><item key=\"username\">grabber1</item><item key=\"password\">grabber1pw</item>",
    ));
    assert_eq!(r.code(), Some(415), "{}", r.text());
    assert_eq!(
        s.count("SELECT count(*) FROM profiles WHERE username = 'grabber1'"),
        0
    );
    // Each moved domain is an event, with its note.
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'PROFILE_CHANGE'"),
        2
    );
}

#[test]
fn a_sub_user_is_added_read_changed_and_deleted_and_held_to_its_rights() {
    let s = world();
    let get = toolkit(&s, "subuser.get");
    assert_eq!(get.code(), Some(200), "{}", get.text());
    assert!(get.item("username").is_none(), "none yet: {}", get.text());

    let r = toolkit(&s, "subuser.add");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let again = toolkit(&s, "subuser.add");
    assert_eq!(again.code(), Some(447), "one per profile: {}", again.text());
    let got = toolkit(&s, "subuser.get");
    assert_eq!(got.item("username").as_deref(), Some("helper1"));
    assert_eq!(got.item("permission").as_deref(), Some("2"));
    assert_eq!(got.item("id").as_deref(), Some("1"));
    assert!(!got.text().contains("helperpw1"), "never echoed");

    // The sub-user logs in where the profile does; its session may change
    // contacts (admin, 2) but not renew (billing, 4) nor touch DNS (tech, 8).
    let sc = cookie(&s, "acct-one.com", "helper1", "helperpw1");
    assert_eq!(sc.code(), Some(200), "{}", sc.text());
    assert_eq!(sc.item("f_owner").as_deref(), Some("0"));
    assert_eq!(sc.item("permission").as_deref(), Some("2"));
    let sc = sc.item("cookie").expect("cookie");
    let read = s.ops(&with_cookie(
        "GET",
        "DOMAIN",
        &sc,
        "<item key=\"type\">nameservers</item>",
    ));
    assert_eq!(read.code(), Some(200), "{}", read.text());
    let renew = s.ops(&with_cookie(
        "RENEW",
        "DOMAIN",
        &sc,
        "<item key=\"period\">1</item><item key=\"currentexpirationyear\">2015</item><item key=\"handle\">process</item>",
    ));
    assert_eq!(renew.code(), Some(435), "{}", renew.text());
    assert_eq!(
        renew.item("response_text").as_deref(),
        Some("Permission denied, subuser permissions.")
    );
    let zone = s.ops(&with_cookie("CREATE_DNS_ZONE", "DOMAIN", &sc, ""));
    assert_eq!(zone.code(), Some(435), "{}", zone.text());
    let sub = s.ops(&with_cookie(
        "CHANGE",
        "PASSWORD",
        &sc,
        "<item key=\"reg_password\">takeover1</item>",
    ));
    assert_eq!(sub.code(), Some(435), "owner only: {}", sub.text());
    // Its credentials do not open the profile for an order (no owner bit).
    let push = s.ops(&envelope(
        "CHANGE",
        "OWNERSHIP",
        "<item key=\"domain\">acct-three.com</item><item key=\"username\">helper1</item><item key=\"password\">helperpw1</item>",
    ));
    assert_eq!(push.code(), Some(435), "{}", push.text());

    // Modified (rights 18: admin and nameservers, a new name and password): its
    // old session ends.
    let r = toolkit(&s, "subuser.modify");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        s.ops(&with_cookie("GET", "USERINFO", &sc, "")).code(),
        Some(415)
    );
    assert_eq!(
        cookie(&s, "acct-one.com", "helper1", "helperpw1").code(),
        Some(415)
    );
    let sc2 = cookie(&s, "acct-one.com", "helper2", "helperpw2")
        .item("cookie")
        .expect("cookie");
    let ns = s.ops(&with_cookie(
        "ADVANCED_UPDATE_NAMESERVERS",
        "DOMAIN",
        &sc2,
        "<item key=\"op_type\">assign</item><item key=\"assign_ns\"><dt_array><item key=\"0\">ns1.systemdns.com</item><item key=\"1\">ns2.systemdns.com</item></dt_array></item>",
    ));
    assert_ne!(ns.code(), Some(435), "{}", ns.text());

    // Bad names and the owner's own name are refused.
    for (user, code) in [("acctowner", 465), ("x", 465), ("second", 485)] {
        let r = s.ops(&envelope(
            "MODIFY",
            "SUBUSER",
            &format!("<item key=\"domain\">acct-one.com</item><item key=\"sub_id\">1</item><item key=\"sub_username\">{user}</item><item key=\"sub_password\">pw12345</item><item key=\"sub_permission\">2</item>"),
        ));
        assert_eq!(r.code(), Some(code), "{user}: {}", r.text());
    }
    // Another reseller: not its profile, not its sub-user.
    let r = s.send(&http10(
        &envelope("GET", "SUBUSER", "<item key=\"domain\">acct-one.com</item>"),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(r.code(), Some(415), "{}", r.text());
    // A sub-user of another profile of the same reseller is not found by id.
    let r = s.ops(&envelope(
        "DELETE",
        "SUBUSER",
        "<item key=\"domain\">acct-three.com</item><item key=\"sub_id\">1</item>",
    ));
    assert_eq!(r.code(), Some(480), "{}", r.text());

    let r = toolkit(&s, "subuser.delete");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        s.ops(&with_cookie("GET", "USERINFO", &sc2, "")).code(),
        Some(415)
    );
    assert_eq!(toolkit(&s, "subuser.delete").code(), Some(480));
    assert_eq!(s.count("SELECT count(*) FROM subusers"), 0);
    assert_eq!(
        s.count("SELECT count(*) FROM audit_log WHERE action LIKE 'subuser_%'"),
        3
    );
    assert_eq!(
        s.count(
            "SELECT count(*) FROM events WHERE event = 'PROFILE_UPDATE' AND data LIKE '%subuser_%'"
        ),
        3
    );
}

/// The caller of a sub-reseller's own requests.
fn as_child(s: &Server, body: &[u8], key: &str) -> Response {
    s.send(&http10(body, "subtest", key))
}

/// `body` with `as_subreseller` added to its attributes.
fn on_behalf(body: Vec<u8>, child: &str) -> Vec<u8> {
    String::from_utf8(body)
        .expect("utf-8")
        .replacen(
            "<item key=\"attributes\"><dt_assoc>",
            &format!(
                "<item key=\"attributes\"><dt_assoc><item key=\"as_subreseller\">{child}</item>"
            ),
            1,
        )
        .into_bytes()
}

fn balance_of(s: &Server, user: &str) -> i64 {
    s.count(&format!(
        "SELECT balance_cents FROM resellers WHERE username = '{user}'"
    ))
}

#[test]
fn a_sub_reseller_is_made_paid_calls_as_itself_and_is_seen_by_its_parent() {
    let s = world();
    let r = toolkit(&s, "subreseller.create");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let key = r.item("private_key").expect("private_key");
    assert_eq!(key.len(), 64);
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM journal WHERE reply LIKE '%{key}%'"
        )),
        0,
        "the key is masked in the journal"
    );
    assert_eq!(toolkit(&s, "subreseller.create").code(), Some(485));

    let got = toolkit(&s, "subreseller.get");
    assert_eq!(got.code(), Some(200), "{}", got.text());
    assert_eq!(got.item("status").as_deref(), Some("active"));
    assert_eq!(got.item("ccp_enabled").as_deref(), Some("N"));
    assert_eq!(
        got.item("low_balance_email").as_deref(),
        Some("low@sub.example")
    );
    assert_eq!(
        got.path("attributes/contact_set/admin/email").as_deref(),
        Some("sam@sub.example")
    );
    assert!(!got.text().contains("subpass123"), "never echoed");

    // PAY: the documented reply; funds moved in one transaction, never below
    // what the parent has.
    let parent_before = balance_of(&s, USER);
    let r = toolkit(&s, "subreseller.pay");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Funds Transferred")
    );
    assert!(r.item("id").is_some());
    assert_eq!(balance_of(&s, USER), parent_before - 1000);
    assert_eq!(balance_of(&s, "subtest"), 1000);
    let pay = |amount: &str| {
        s.ops(&envelope(
            "PAY",
            "SUBRESELLER",
            &format!("<item key=\"amount\">{amount}</item><item key=\"username\">subtest</item>"),
        ))
    };
    let too_much = pay(&format!("{}", parent_before));
    assert_eq!(too_much.code(), Some(465), "{}", too_much.text());
    assert_eq!(pay("-5").code(), Some(465));
    assert_eq!(balance_of(&s, "subtest"), 1000, "nothing moved");
    assert_eq!(pay("490.00").code(), Some(200));

    // It calls the API with its own key and registers with its own funds.
    let b = as_child(&s, &envelope("GET_BALANCE", "BALANCE", ""), &key);
    assert_eq!(b.code(), Some(200), "{}", b.text());
    let reg = as_child(
        &s,
        &crate::portfolio::register("child-made.com", 1, ""),
        &key,
    );
    assert_eq!(reg.code(), Some(200), "{}", reg.text());
    assert!(balance_of(&s, "subtest") < 50_000);
    assert_eq!(
        s.count("SELECT count(*) FROM domains d JOIN resellers r ON r.id = d.reseller_id WHERE d.name = 'child-made.com' AND r.username = 'subtest'"),
        1
    );

    // Its own price list: set for it, charged to it, not to its parent.
    let price = |body: &[u8], as_sub: bool| {
        let r = if as_sub {
            as_child(&s, body, &key)
        } else {
            s.ops(body)
        };
        r.item("price").unwrap_or_default()
    };
    let ask = envelope(
        "GET_PRICE",
        "DOMAIN",
        "<item key=\"domain\">priced-here.com</item><item key=\"period\">1</item>",
    );
    let parents = price(&ask, false);
    opsd_ok(
        &s.db(),
        &[
            "price",
            "set",
            "com",
            "new",
            "3.00",
            "--reseller",
            "subtest",
        ],
        "",
    );
    assert_eq!(price(&ask, true), "3.00");
    assert_eq!(price(&ask, false), parents);
    let before = balance_of(&s, "subtest");
    let reg = as_child(
        &s,
        &crate::portfolio::register("priced-here.com", 1, ""),
        &key,
    );
    assert_eq!(reg.code(), Some(200), "{}", reg.text());
    assert_eq!(balance_of(&s, "subtest"), before - 300);

    // Its parent reads it with as_subreseller; without, it is not the parent's.
    let get = |body: Vec<u8>| s.ops(&body);
    let domain = envelope(
        "GET",
        "DOMAIN",
        "<item key=\"domain\">child-made.com</item><item key=\"type\">all_info</item>",
    );
    assert_eq!(get(domain.clone()).code(), Some(415));
    let seen = get(on_behalf(domain.clone(), "subtest"));
    assert_eq!(seen.code(), Some(200), "{}", seen.text());
    let orders = get(on_behalf(
        envelope(
            "GET_ORDERS_BY_DOMAIN",
            "DOMAIN",
            "<item key=\"domain\">child-made.com</item>",
        ),
        "subtest",
    ));
    assert_eq!(orders.code(), Some(200), "{}", orders.text());

    // Nobody else reaches it: another reseller, nor a sibling.
    let other = |body: &[u8]| s.send(&http10(body, OTHER_USER, OTHER_KEY));
    assert_eq!(
        other(&envelope(
            "GET",
            "SUBRESELLER",
            "<item key=\"username\">subtest</item>"
        ))
        .code(),
        Some(480)
    );
    assert_eq!(
        other(&envelope(
            "PAY",
            "SUBRESELLER",
            "<item key=\"amount\">1</item><item key=\"username\">subtest</item>"
        ))
        .code(),
        Some(480)
    );
    assert_eq!(
        other(&on_behalf(domain.clone(), "subtest")).code(),
        Some(480)
    );
    let sibling =
        String::from_utf8(fixture_bytes(&format!("{TK}/subreseller.create.http"))).expect("utf-8");
    let body = sibling
        .split("\r\n\r\n")
        .nth(1)
        .expect("body")
        .replace("subtest", "subtwo");
    assert_eq!(s.ops(body.as_bytes()).code(), Some(200));
    assert_eq!(
        as_child(
            &s,
            &envelope("GET", "SUBRESELLER", "<item key=\"username\">subtwo</item>"),
            &key
        )
        .code(),
        Some(480)
    );
    assert_eq!(
        as_child(
            &s,
            &on_behalf(envelope("GET_BALANCE", "BALANCE", ""), "subtwo"),
            &key
        )
        .code(),
        Some(480)
    );

    // The operator sees the tree.
    let tree = opsd_ok(&s.db(), &["reseller", "tree"], "");
    assert!(
        tree.contains(&format!("{USER}  balance "))
            && tree.contains("\n  subtest  balance ")
            && tree.contains("\n  subtwo  balance 0.00"),
        "{tree}"
    );

    // MODIFY (the toolkit's: on hold, storefront on); locked, it calls no more.
    let r = toolkit(&s, "subreseller.modify");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let got = toolkit(&s, "subreseller.get");
    assert_eq!(got.item("status").as_deref(), Some("onhold"));
    assert_eq!(got.item("storefront_rwi").as_deref(), Some("Y"));
    let locked =
        String::from_utf8(fixture_bytes(&format!("{TK}/subreseller.modify.http"))).expect("utf-8");
    let body = locked
        .split("\r\n\r\n")
        .nth(1)
        .expect("body")
        .replace(">onhold<", ">locked<");
    assert_eq!(s.ops(body.as_bytes()).code(), Some(200));
    // The server's credential cache reads it again within 2 seconds.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let refused = as_child(&s, &envelope("GET_BALANCE", "BALANCE", ""), &key);
    assert_eq!(refused.code(), Some(435), "{}", refused.text());
    assert_eq!(
        s.count("SELECT count(*) FROM audit_log WHERE action LIKE 'subreseller_%'"),
        6
    );
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'SUBRESELLER_UPDATE'"),
        6
    );
}

/// A sub-user's logins go through the profile login throttle: guesses lock its
/// name, and the right password then waits too.
#[test]
fn sub_user_guesses_are_throttled() {
    let toml = format!(
        r#"
        [[profile]]
        reseller = "{USER}"
        username = "acctowner"
        password = "ownerpw1"
        domains = ["acct-one.com"]
        "#
    );
    let s = Server::start_scenario(&toml, |c| {
        c.login_policy = opsd::auth::throttle::Policy {
            per_account: 3,
            per_address: 100,
            window: std::time::Duration::from_secs(900),
        };
    });
    assert_eq!(toolkit(&s, "subuser.add").code(), Some(200));
    for guess in ["a1", "b2", "c3"] {
        assert_eq!(
            cookie(&s, "acct-one.com", "helper1", guess).code(),
            Some(415)
        );
    }
    let r = cookie(&s, "acct-one.com", "helper1", "helperpw1");
    assert_eq!(r.code(), Some(415), "{}", r.text());
    assert!(
        r.item("response_text")
            .unwrap_or_default()
            .contains("Too many failed attempts"),
        "{}",
        r.text()
    );
    // The owner's own name is another account.
    assert_eq!(
        cookie(&s, "acct-one.com", "acctowner", "ownerpw1").code(),
        Some(200)
    );
}
