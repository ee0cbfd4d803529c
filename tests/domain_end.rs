//! Issue 30, a domain's end and return, its notes and sessions: REVOKE (refunded in
//! the add grace period), GET_DELETED_DOMAINS, REDEEM within and after the
//! redemption period, GET_NOTES as the lifecycle writes them, BELONGS_TO_RSP,
//! UPDATE COOKIE and QUIT SESSION — each over real sockets, and none of it reachable
//! by another reseller.

use crate::common::*;
use crate::portfolio::register;

fn call(action: &str, domain: &str, attrs: &str) -> Vec<u8> {
    envelope(
        action,
        "DOMAIN",
        &format!("<item key=\"domain\">{domain}</item>{attrs}"),
    )
}

fn as_other(s: &Server, body: &[u8]) -> Response {
    s.send(&http10(body, OTHER_USER, OTHER_KEY))
}

fn cents(s: &Server) -> i64 {
    let b = s
        .ops(&envelope("GET_BALANCE", "BALANCE", ""))
        .item("balance")
        .expect("balance");
    let (units, frac) = b.split_once('.').expect("two decimals");
    units.parse::<i64>().expect("units") * 100 + frac.parse::<i64>().expect("cents")
}

fn notes(s: &Server, domain: &str) -> Vec<String> {
    let r = s.ops(&call(
        "GET_NOTES",
        domain,
        "<item key=\"type\">domain</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    (0..r.len_at("attributes/notes"))
        .map(|i| r.path(&format!("attributes/notes/{i}/note")).expect("note"))
        .collect()
}

#[test]
fn revoke_then_redeem_within_and_after_the_period() {
    let s = Server::start();
    let d = "gone-soon.com";
    let start = cents(&s);
    let r = s.ops(&register(d, 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let order = r.item("id").expect("order id");
    assert_eq!(cents(&s), start - 1000);

    // The registration's notes, as captured: the order line, then the outcome.
    assert_eq!(
        notes(&s, d),
        [
            "Domain registration successfully completed.".to_string(),
            format!("Order #{order}: Domain Registration (1 year: $10.00);"),
        ]
    );
    let r = s.ops(&call(
        "MODIFY",
        d,
        "<item key=\"data\">status</item><item key=\"lock_state\">1</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(notes(&s, d)[0], "Domain locked.", "newest first");
    let page = s.ops(&call(
        "GET_NOTES",
        d,
        "<item key=\"type\">domain</item><item key=\"limit\">1</item><item key=\"page\">2</item>",
    ));
    assert_eq!(page.item("total").as_deref(), Some("3"));
    assert_eq!(page.item("page_size").as_deref(), Some("1"));
    assert_eq!(
        page.path("attributes/notes/0/note").as_deref(),
        Some("Domain registration successfully completed.")
    );
    assert!(page.item("transaction_id").is_some());

    // Another reseller sees none of it and changes none of it.
    let theirs = as_other(
        &s,
        &call("GET_NOTES", d, "<item key=\"type\">domain</item>"),
    );
    assert_eq!(theirs.item("total").as_deref(), Some("0"));
    let theirs = as_other(&s, &call("BELONGS_TO_RSP", d, ""));
    assert_eq!(theirs.item("belongs_to_rsp").as_deref(), Some("0"));
    assert_eq!(theirs.item("domain_expdate"), None);
    let theirs = as_other(&s, &call("REVOKE", d, ""));
    assert_eq!(theirs.code(), Some(463), "{}", theirs.text());
    let mine = s.ops(&call("BELONGS_TO_RSP", d, ""));
    assert_eq!(mine.item("belongs_to_rsp").as_deref(), Some("1"));
    assert!(mine.item("domain_expdate").is_some());

    // Revoked within the add grace period: refunded, out of the portfolio, held.
    let r = s.ops(&call(
        "REVOKE",
        d,
        &format!("<item key=\"reseller\">{USER}</item><item key=\"notes\">customer asked</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Domain gone-soon.com revoked successfully")
    );
    assert_eq!(r.item("charge").as_deref(), Some("1"));
    assert_eq!(r.item("total_refund").as_deref(), Some("10.00"));
    assert!(r.item("deletion_id").is_some());
    assert_eq!(cents(&s), start);
    let gone = s.ops(&call("GET", d, "<item key=\"type\">status</item>"));
    assert_eq!(gone.code(), Some(415));
    let look = s.ops(&call("LOOKUP", d, ""));
    assert_eq!(look.item("status").as_deref(), Some("taken"));
    let list = s.ops(&envelope("GET_DELETED_DOMAINS", "DOMAIN", ""));
    assert_eq!(list.item("total").as_deref(), Some("1"));
    assert_eq!(
        list.path("attributes/del_domains/0/name").as_deref(),
        Some(d)
    );
    assert_eq!(
        list.path("attributes/del_domains/0/reason").as_deref(),
        Some("By-Request")
    );
    // Filtered by the contacts' addresses, `*` a wildcard, in any case; `_` and
    // `%` match only themselves.
    for (filter, want) in [
        ("<item key=\"owner_email\">JANE@example.net</item>", "1"),
        ("<item key=\"admin_email\">*@EXAMPLE.net</item>", "1"),
        ("<item key=\"tech_email\">j*e@*</item>", "1"),
        ("<item key=\"owner_email\">someone@example.net</item>", "0"),
        ("<item key=\"billing_email\">jan_@example.net</item>", "0"),
        ("<item key=\"owner_email\">%</item>", "0"),
    ] {
        let got = s.ops(&envelope("GET_DELETED_DOMAINS", "DOMAIN", filter));
        assert_eq!(
            got.item("total").as_deref(),
            Some(want),
            "{filter}: {}",
            got.text()
        );
    }
    let theirs = as_other(&s, &envelope("GET_DELETED_DOMAINS", "DOMAIN", ""));
    assert_eq!(theirs.item("total").as_deref(), Some("0"));
    let theirs = as_other(&s, &call("REDEEM", d, ""));
    assert_eq!(theirs.code(), Some(400));
    let theirs = as_other(&s, &register(d, 1, ""));
    assert_ne!(theirs.item("is_success").as_deref(), Some("1"));

    // Redeemed within the period: back as it was, charged the redemption price.
    let r = s.ops(&call("REDEEM", d, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(cents(&s), start - 8000);
    let back = s.ops(&call("GET", d, "<item key=\"type\">status</item>"));
    assert_eq!(back.code(), Some(200), "{}", back.text());
    assert_eq!(back.item("lock_state").as_deref(), Some("1"), "as it was");
    assert!(notes(&s, d)[0].starts_with("Domain redeemed"));
    let again = s.ops(&call("REDEEM", d, ""));
    assert_eq!(again.code(), Some(400), "redeemed once");

    // Revoked after the add grace period: no refund; after the redemption
    // period it cannot come back, and the name is free again.
    s.advance("6d");
    let r = s.ops(&call("REVOKE", d, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("charge").as_deref(), Some("0"));
    assert_eq!(r.item("total_refund"), None);
    assert_eq!(cents(&s), start - 8000);
    s.advance("31d");
    let late = s.ops(&call("REDEEM", d, ""));
    assert_eq!(late.code(), Some(400), "{}", late.text());
    let look = s.ops(&call("LOOKUP", d, ""));
    assert_eq!(look.item("status").as_deref(), Some("available"));
    assert_eq!(
        s.ops(&envelope("GET_DELETED_DOMAINS", "DOMAIN", ""))
            .item("total")
            .as_deref(),
        Some("2")
    );
}

#[test]
fn order_and_transfer_notes_and_bad_requests() {
    let s = Server::start();
    // An unknown transfer has no notes (as captured), not an error.
    let r = s.ops(&call(
        "GET_NOTES",
        "testingdomain.com",
        "<item key=\"type\">transfer</item><item key=\"transfer_id\">37021</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("total").as_deref(), Some("0"));
    let r = s.ops(&call(
        "GET_NOTES",
        PROFILE_DOMAIN,
        "<item key=\"type\">order</item>",
    ));
    assert_eq!(r.code(), Some(460), "order_id is required: {}", r.text());
    let r = s.ops(&call(
        "GET_NOTES",
        PROFILE_DOMAIN,
        "<item key=\"type\">all</item>",
    ));
    assert_eq!(r.code(), Some(465));
    let r = s.ops(&call(
        "GET_NOTES",
        PROFILE_DOMAIN,
        "<item key=\"type\">domain</item><item key=\"limit\">0</item>",
    ));
    assert_eq!(r.code(), Some(465));
    let r = s.ops(&call("REDEEM", "not a name", ""));
    assert_eq!(r.code(), Some(465));
}

#[test]
fn cookie_update_moves_the_session_within_its_profile() {
    let s = Server::start();
    for d in ["first-cookie.com", "second-cookie.com"] {
        let r = s.ops(&register(d, 1, ""));
        assert_eq!(r.code(), Some(200), "{}", r.text());
    }
    let r = s.ops(&envelope(
        "SET",
        "COOKIE",
        "<item key=\"domain\">first-cookie.com</item><item key=\"reg_username\">shopper</item><item key=\"reg_password\">shopper-pass</item>",
    ));
    let cookie = r.item("cookie").expect("cookie");
    let update = |to: &str, user: &str| {
        let body = String::from_utf8(envelope(
            "UPDATE",
            "COOKIE",
            &format!(
                "<item key=\"domain\">first-cookie.com</item><item key=\"domain_new\">{to}</item><item key=\"reg_username\">{user}</item><item key=\"reg_password\">shopper-pass</item>"
            ),
        ))
        .expect("utf-8")
        .replacen(
            "<item key=\"protocol\">",
            &format!("<item key=\"cookie\">{cookie}</item><item key=\"protocol\">"),
            1,
        );
        body.into_bytes()
    };
    // A domain of another profile: refused, the cookie stays where it was.
    let r = s.ops(&update(PROFILE_DOMAIN, "shopper"));
    assert_eq!(r.code(), Some(415), "{}", r.text());
    // Another reseller cannot use the cookie at all.
    let r = as_other(&s, &update("second-cookie.com", "shopper"));
    assert_eq!(r.code(), Some(415), "{}", r.text());
    let r = s.ops(&update("second-cookie.com", "shopper"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("domain_count").as_deref(), Some("2"));
    assert_eq!(
        r.item("permission"),
        None,
        "as captured: fewer keys than SET"
    );
    // The cookie now names the second domain.
    let get = String::from_utf8(envelope(
        "GET",
        "DOMAIN",
        "<item key=\"type\">status</item>",
    ))
    .expect("utf-8")
    .replacen(
        "<item key=\"protocol\">",
        &format!("<item key=\"cookie\">{cookie}</item><item key=\"protocol\">"),
        1,
    );
    let r = s.ops(get.as_bytes());
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = s.ops(&call("BELONGS_TO_RSP", "second-cookie.com", ""));
    assert_eq!(r.item("belongs_to_rsp").as_deref(), Some("1"));

    let r = s.ops(&envelope("QUIT", "SESSION", ""));
    assert_eq!(r.code(), Some(200));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Closing connection")
    );
    assert_eq!(r.item("object").as_deref(), Some("SESSION"));
}

/// yola/opensrs's own GET_NOTES and REVOKE bytes (fixtures/clients/yola-opensrs).
#[test]
fn yola_reads_notes_and_revokes_with_its_own_bytes() {
    let s = Server::start();
    let r = s.ops(&register("yola-shop.com", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let notes = s.send(&resign_capture(
        &fixture("clients/yola-opensrs/get_notes.http"),
        KEY,
    ));
    assert_eq!(notes.code(), Some(200), "{}", notes.text());
    assert_eq!(
        notes.path("attributes/notes/0/note").as_deref(),
        Some("Domain registration successfully completed.")
    );
    let revoke = s.send(&resign_capture(
        &fixture("clients/yola-opensrs/revoke.http"),
        KEY,
    ));
    assert_eq!(revoke.code(), Some(200), "{}", revoke.text());
    let r = s.ops(&call("BELONGS_TO_RSP", "yola-shop.com", ""));
    assert_eq!(r.item("belongs_to_rsp").as_deref(), Some("0"));
}

fn register_for(domain: &str, email: &str) -> Vec<u8> {
    let c = crate::portfolio::contact("Jane", email);
    envelope(
        "SW_REGISTER",
        "DOMAIN",
        &format!(
            "<item key=\"reg_type\">new</item><item key=\"domain\">{domain}</item><item key=\"reg_username\">shopper</item><item key=\"reg_password\">shopper-pass</item><item key=\"handle\">process</item><item key=\"period\">1</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{c}</item><item key=\"admin\">{c}</item><item key=\"billing\">{c}</item><item key=\"tech\">{c}</item></dt_assoc></item>"
        ),
    )
}

/// GET_REGISTRANT_VERIFICATION_STATUS as OpenSRS's WHMCS module sends it (its
/// `lookupGetRegistrantVerificationStatus` class: lower-case action and object).
fn whmcs_status(s: &Server, domain: &str) -> Response {
    s.ops(&envelope(
        "get_registrant_verification_status",
        "domain",
        &format!("<item key=\"domain\">{domain}</item>"),
    ))
}

fn verification_links(s: &Server) -> Vec<(String, String)> {
    s.mail_links("/verify/")
}

#[test]
fn a_registrant_who_never_verifies_is_suspended_at_day_15_until_verifying() {
    let s = Server::start();
    let r = s.ops(&register_for("verify-me.com", "jane@example.net"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let st = whmcs_status(&s, "verify-me.com");
    assert_eq!(st.code(), Some(200), "{}", st.text());
    assert_eq!(
        st.item("registrant_verification_status").as_deref(),
        Some("verifying")
    );
    assert_eq!(st.item("days_to_suspend").as_deref(), Some("15"));
    assert_eq!(st.item("email_bounced").as_deref(), Some("0"));
    assert_eq!(
        st.item("verification_deadline").as_deref(),
        Some("2014-07-18 18:34:34")
    );
    let links = verification_links(&s);
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].0, "jane@example.net");

    // Resent on request (the WHMCS module's button); another reseller gets 415.
    let resend = envelope(
        "send_registrant_verification_email",
        "domain",
        "<item key=\"domain\">verify-me.com</item>",
    );
    let r = s.ops(&resend);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Verification email has been resent successfully.")
    );
    assert_eq!(verification_links(&s).len(), 2);
    assert_eq!(as_other(&s, &resend).code(), Some(415));
    let theirs = s.send(&http10(
        &envelope(
            "GET_REGISTRANT_VERIFICATION_STATUS",
            "DOMAIN",
            "<item key=\"domain\">verify-me.com</item>",
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(theirs.code(), Some(415));

    // A second domain of the same registrant waits too, and is never verified in time.
    let r = s.ops(&register_for("verify-too.com", "jane@example.net"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let token = &links[0].1;
    let page = s.get(&format!("/verify/{token}"));
    assert!(page.text().contains("verify-me.com"), "{}", page.text());
    let forged = s.post_form(
        &format!("/verify/{token}"),
        "csrf=00000000000000000000000000000000&decision=verify",
    );
    assert!(forged.text().contains("Form expired"));
    let done = s.answer_page(&format!("/verify/{token}"), "verify");
    assert!(done.text().contains("is verified"), "{}", done.text());
    let st = whmcs_status(&s, "verify-me.com");
    assert_eq!(
        st.item("registrant_verification_status").as_deref(),
        Some("verified")
    );
    assert_eq!(st.item("days_to_suspend"), None);
    assert_eq!(
        s.ops(&resend).code(),
        Some(400),
        "nothing waits for the registrant"
    );
    // The address is known now: a third registration needs no verification.
    let r = s.ops(&register_for("verified-later.com", "Jane@Example.net"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        whmcs_status(&s, "verified-later.com")
            .item("registrant_verification_status")
            .as_deref(),
        Some("verified")
    );

    // Day 15 passes: the waiting one is suspended.
    s.advance("15d");
    s.advance("1s");
    s.run_due();
    let st = whmcs_status(&s, "verify-too.com");
    assert_eq!(
        st.item("registrant_verification_status").as_deref(),
        Some("suspended")
    );
    assert_eq!(st.item("days_to_suspend").as_deref(), Some("-1"));
    let status = s.ops(&call(
        "GET",
        "verify-too.com",
        "<item key=\"type\">status</item>",
    ));
    assert_eq!(status.item("can_modify").as_deref(), Some("0"));
    let notes = s.ops(&call(
        "GET_NOTES",
        "verify-too.com",
        "<item key=\"type\">domain</item>",
    ));
    assert_eq!(
        notes.path("attributes/notes/0/note").as_deref(),
        Some("Domain suspended: the registrant was not verified in time.")
    );
    // Verifying lifts it.
    let token = verification_links(&s)
        .into_iter()
        .map(|(_, t)| t)
        .find(|t| *t != links[0].1)
        .expect("the second domain's link");
    let page = s.get(&format!("/verify/{token}"));
    assert!(page.text().contains("suspended"), "{}", page.text());
    s.answer_page(&format!("/verify/{token}"), "verify");
    let status = s.ops(&call(
        "GET",
        "verify-too.com",
        "<item key=\"type\">status</item>",
    ));
    assert_eq!(status.item("can_modify").as_deref(), Some("1"));
    assert_eq!(
        whmcs_status(&s, "verify-too.com")
            .item("registrant_verification_status")
            .as_deref(),
        Some("verified")
    );
    assert_eq!(
        s.count(
            "SELECT count(*) FROM events WHERE event = 'REGISTRANT_VERIFICATION_STATUS_CHANGE'"
        ),
        3,
        "verified, suspended, verified"
    );
}

#[test]
fn a_bouncing_address_and_domains_without_a_verification() {
    let s = Server::start();
    let r = s.ops(&register_for("bounces.com", "owner@bounce.example.net"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let st = whmcs_status(&s, "bounces.com");
    assert_eq!(st.item("email_bounced").as_deref(), Some("1"));
    assert!(
        verification_links(&s).is_empty(),
        "no mail to a bouncing address"
    );
    let r = s.ops(&envelope(
        "SEND_REGISTRANT_VERIFICATION_EMAIL",
        "DOMAIN",
        "<item key=\"domain\">bounces.com</item>",
    ));
    assert_eq!(r.code(), Some(400), "{}", r.text());
    // The sandbox world's domain was registered before: verified.
    assert_eq!(
        whmcs_status(&s, PROFILE_DOMAIN)
            .item("registrant_verification_status")
            .as_deref(),
        Some("verified")
    );
    // A country-code domain needs none.
    let r = s.ops(&register_for("maple-leaf.ca", "jane@example.net"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        whmcs_status(&s, "maple-leaf.ca")
            .item("registrant_verification_status")
            .as_deref(),
        Some("unverified")
    );
}

/// A registrant change to a new address starts a new verification; the same
/// address does not.
#[test]
fn a_new_registrant_address_is_verified_anew() {
    let s = Server::start();
    let r = s.ops(&register_for("changing-hands.com", "jane@example.net"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let token = verification_links(&s)[0].1.clone();
    s.answer_page(&format!("/verify/{token}"), "verify");
    let modify = |email: &str| {
        call(
            "MODIFY",
            "changing-hands.com",
            &format!(
                "<item key=\"data\">contact_info</item><item key=\"affect_domains\">0</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{}</item></dt_assoc></item>",
                crate::portfolio::contact("Jane", email)
            ),
        )
    };
    let r = s.ops(&modify("JANE@example.net"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        whmcs_status(&s, "changing-hands.com")
            .item("registrant_verification_status")
            .as_deref(),
        Some("verified"),
        "the same address"
    );
    let r = s.ops(&modify("new-owner@example.org"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let st = whmcs_status(&s, "changing-hands.com");
    assert_eq!(
        st.item("registrant_verification_status").as_deref(),
        Some("verifying"),
        "{}",
        st.text()
    );
    assert_eq!(
        verification_links(&s).last().map(|l| l.0.as_str()),
        Some("new-owner@example.org")
    );
}

/// GET type=dnssec and MODIFY data=dnssec with the documentation's example record:
/// the whole list replaced, checked record by record, an empty list removing them.
#[test]
fn dnssec_records_are_set_checked_read_and_removed() {
    let s = Server::start();
    let record = |tag: &str, alg: &str, dt: &str, digest: &str| {
        format!(
            "<dt_assoc><item key=\"algorithm\">{alg}</item><item key=\"key_tag\">{tag}</item><item key=\"digest_type\">{dt}</item><item key=\"digest\">{digest}</item></dt_assoc>"
        )
    };
    let modify = |records: &[String]| {
        let items: String = records
            .iter()
            .enumerate()
            .map(|(i, r)| format!("<item key=\"{i}\">{r}</item>"))
            .collect();
        call(
            "MODIFY",
            PROFILE_DOMAIN,
            &format!(
                "<item key=\"data\">dnssec</item><item key=\"dnssec\"><dt_array>{items}</dt_array></item>"
            ),
        )
    };
    let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let r = s.ops(&modify(&[
        record("333", "5", "1", sha1),
        record("65535", "13", "2", sha256),
    ]));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let get = || {
        s.ops(&call(
            "GET",
            PROFILE_DOMAIN,
            "<item key=\"type\">dnssec</item>",
        ))
    };
    let r = get();
    assert_eq!(r.len_at("attributes/dnssec"), 2);
    assert_eq!(
        r.path("attributes/dnssec/0/key_tag").as_deref(),
        Some("333")
    );
    assert_eq!(r.path("attributes/dnssec/0/digest").as_deref(), Some(sha1));
    assert_eq!(
        r.path("attributes/dnssec/1/algorithm").as_deref(),
        Some("13")
    );
    for (bad, field) in [
        (record("65536", "5", "1", sha1), "key_tag"),
        (record("1", "9", "1", sha1), "algorithm"),
        (record("1", "5", "2", sha1), "digest"),
        (record("1", "5", "7", sha1), "digest_type"),
    ] {
        let r = s.ops(&modify(&[bad]));
        assert_eq!(r.code(), Some(465), "{field}: {}", r.text());
        assert!(
            r.item("response_text").unwrap_or_default().contains(field),
            "{}",
            r.text()
        );
    }
    assert_eq!(
        get().len_at("attributes/dnssec"),
        2,
        "refusals change nothing"
    );
    let theirs = as_other(&s, &modify(&[]));
    assert_eq!(theirs.code(), Some(415));
    let r = s.ops(&modify(&[]));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(get().len_at("attributes/dnssec"), 0);
    let notes = s.ops(&call(
        "GET_NOTES",
        PROFILE_DOMAIN,
        "<item key=\"type\">domain</item>",
    ));
    assert_eq!(
        notes.path("attributes/notes/0/note").as_deref(),
        Some("DNSSEC records removed.")
    );
    assert_eq!(
        notes.path("attributes/notes/1/note").as_deref(),
        Some("DNSSEC records set: 2 DS records.")
    );
}

/// A transfer in starts a verification unless its owner approved it from the
/// emailed link: an order approved by another address is verified anew once it
/// lands; a bulk transfer its registrants approved is not.
#[test]
fn a_transfer_in_is_verified_unless_its_owner_approved_it() {
    let s = Server::start();
    let c = crate::portfolio::contact("Jane", "jane@example.net");
    let r = s.ops(&envelope(
        "SW_REGISTER",
        "DOMAIN",
        &format!(
            "<item key=\"reg_type\">transfer</item><item key=\"domain\">moving-owner2.com</item><item key=\"auth_info\">code</item><item key=\"reg_username\">buyer</item><item key=\"reg_password\">buyer-pass</item><item key=\"custom_tech_contact\">0</item><item key=\"period\">1</item><item key=\"owner_confirm_address\">approver@example.org</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{c}</item><item key=\"admin\">{c}</item><item key=\"billing\">{c}</item></dt_assoc></item>"
        ),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let order = r.item("id").expect("order id");
    let bulk = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[("bulk-owner3.com", "a")]),
    ));
    assert_eq!(bulk.code(), Some(200), "{}", bulk.text());
    s.run_due();
    for (_, token) in s.approval_links() {
        s.answer_page(&format!("/approve/{token}"), "accept");
    }
    s.advance("5d");
    assert_eq!(s.transfer_status("moving-owner2.com"), "completed");
    // The order's transfer notes, by its id (its transfer_id), newest first.
    let notes = s.ops(&call(
        "GET_NOTES",
        "moving-owner2.com",
        &format!("<item key=\"type\">transfer</item><item key=\"transfer_id\">{order}</item>"),
    ));
    assert_eq!(
        notes.path("attributes/notes/0/note").as_deref(),
        Some("Transfer status changed to completed."),
        "{}",
        notes.text()
    );
    assert!(notes.len_at("attributes/notes") >= 3, "{}", notes.text());
    let st = whmcs_status(&s, "moving-owner2.com");
    assert_eq!(
        st.item("registrant_verification_status").as_deref(),
        Some("verifying"),
        "{}",
        st.text()
    );
    assert_eq!(
        verification_links(&s)
            .iter()
            .map(|l| l.0.as_str())
            .collect::<Vec<_>>(),
        ["jane@example.net"]
    );
    assert_eq!(
        whmcs_status(&s, "bulk-owner3.com")
            .item("registrant_verification_status")
            .as_deref(),
        Some("verified")
    );
}

/// GET_ORDER_INFO and GET_ORDERS_BY_DOMAIN over registrations, renewals and
/// transfers, which share one id space; another reseller's order is not found.
#[test]
fn orders_are_listed_and_described_and_ids_name_one_order() {
    let s = Server::start();
    let r = s.ops(&register_for("ordered.com", "jane@example.net"));
    let registration = r.item("id").expect("order id");
    let r = s.ops(&call(
        "RENEW",
        "ordered.com",
        "<item key=\"period\">2</item><item key=\"currentexpirationyear\">2015</item><item key=\"handle\">process</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let renewal = r.item("order_id").expect("renewal order id");
    let c = crate::portfolio::contact("Jane", "jane@example.net");
    let r = s.ops(&envelope(
        "SW_REGISTER",
        "DOMAIN",
        &format!(
            "<item key=\"reg_type\">transfer</item><item key=\"domain\">incoming-owner2.com</item><item key=\"auth_info\">code</item><item key=\"reg_username\">buyer</item><item key=\"reg_password\">buyer-pass</item><item key=\"handle\">save</item><item key=\"period\">1</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{c}</item><item key=\"admin\">{c}</item><item key=\"billing\">{c}</item><item key=\"tech\">{c}</item></dt_assoc></item>"
        ),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let transfer = r.item("id").expect("transfer order id");
    let mut ids = vec![registration.clone(), renewal.clone(), transfer.clone()];
    ids.dedup();
    assert_eq!(ids.len(), 3, "one id space: {ids:?}");

    let list = s.ops(&call("GET_ORDERS_BY_DOMAIN", "ordered.com", ""));
    assert_eq!(list.code(), Some(200), "{}", list.text());
    assert_eq!(list.item("total").as_deref(), Some("2"));
    assert_eq!(list.path("attributes/orders/0/id"), Some(renewal.clone()));
    assert_eq!(
        list.path("attributes/orders/0/type").as_deref(),
        Some("renewal")
    );
    assert_eq!(
        list.path("attributes/orders/1/type").as_deref(),
        Some("new")
    );
    assert_eq!(
        list.path("attributes/orders/1/status").as_deref(),
        Some("completed")
    );
    let only_new = s.ops(&call(
        "GET_ORDERS_BY_DOMAIN",
        "ordered.com",
        "<item key=\"type\">new</item>",
    ));
    assert_eq!(only_new.item("total").as_deref(), Some("1"));
    let incoming = s.ops(&call("GET_ORDERS_BY_DOMAIN", "incoming-owner2.com", ""));
    assert_eq!(
        incoming.path("attributes/orders/0/type").as_deref(),
        Some("transfer")
    );
    assert_eq!(
        incoming.path("attributes/orders/0/status").as_deref(),
        Some("pending")
    );

    let info = |id: &str| {
        s.ops(&envelope(
            "GET_ORDER_INFO",
            "DOMAIN",
            &format!("<item key=\"order_id\">{id}</item>"),
        ))
    };
    let r = info(&registration);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.path("attributes/field_hash/reg_type").as_deref(),
        Some("new")
    );
    assert_eq!(
        r.path("attributes/field_hash/domain").as_deref(),
        Some("ordered.com")
    );
    assert_eq!(
        r.path("attributes/field_hash/owner_email").as_deref(),
        Some("jane@example.net")
    );
    assert_eq!(
        r.path("attributes/field_hash/fqdn1").as_deref(),
        Some("ns1.systemdns.com")
    );
    assert_eq!(
        r.path("attributes/field_hash/cost").as_deref(),
        Some("10.00")
    );
    assert_eq!(
        info(&transfer)
            .path("attributes/field_hash/reg_type")
            .as_deref(),
        Some("transfer")
    );
    let theirs = s.send(&http10(
        &envelope(
            "GET_ORDER_INFO",
            "DOMAIN",
            &format!("<item key=\"order_id\">{registration}</item>"),
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    let missing = info("999999");
    assert_eq!(missing.code(), Some(480));
    assert_eq!(theirs.body, missing.body, "as one that does not exist");
    let theirs = s.send(&http10(
        &call("GET_ORDERS_BY_DOMAIN", "ordered.com", ""),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(theirs.item("total").as_deref(), Some("0"));
}
