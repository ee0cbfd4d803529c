//! SW_REGISTER reg_type=transfer (issue 18, points 1, 2 and 7 in part): the PHP
//! toolkit's request bytes, the order's lifecycle through the approval page and the
//! registry with the price held then charged, a saved order, too little balance,
//! the answers for bad data and untransferable domains, and the timeout.

use crate::common::*;

fn contact(email: &str, phone: &str) -> String {
    format!(
        "<dt_assoc><item key=\"first_name\">Jane</item><item key=\"last_name\">Doe</item><item key=\"org_name\">Example Inc.</item><item key=\"address1\">1 Main St</item><item key=\"city\">Toronto</item><item key=\"state\">ON</item><item key=\"country\">CA</item><item key=\"postal_code\">M5V 2T6</item><item key=\"phone\">{phone}</item><item key=\"email\">{email}</item></dt_assoc>"
    )
}

fn order(domain: &str, extra: &str, phone: &str) -> Vec<u8> {
    let c = contact("jane@example.net", phone);
    envelope(
        "SW_REGISTER",
        "DOMAIN",
        &format!(
            "<item key=\"reg_type\">transfer</item><item key=\"domain\">{domain}</item><item key=\"auth_info\">code</item><item key=\"reg_username\">buyer</item><item key=\"reg_password\">buyer-pass</item><item key=\"custom_tech_contact\">0</item><item key=\"period\">1</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{c}</item><item key=\"admin\">{c}</item><item key=\"billing\">{c}</item></dt_assoc></item>{extra}"
        ),
    )
}

fn balance(s: &Server) -> (String, String) {
    let r = s.ops(&envelope("GET_BALANCE", "BALANCE", ""));
    (
        r.item("balance").unwrap_or_default(),
        r.item("hold_balance").unwrap_or_default(),
    )
}

fn accept(s: &Server, token: &str) {
    let done = s.answer_page(&format!("/approve/{token}"), "accept");
    assert!(done.text().contains("Thank you"), "{}", done.text());
}

#[test]
fn php_toolkit_transfer_order_through_its_lifecycle() {
    let s = Server::start();
    let raw = resign_capture(
        &fixture("clients/php-osrs-toolkit/sw_register.transfer.http"),
        KEY,
    );
    let r = s.send(&raw);
    r.assert_php_parses();
    assert_golden("replies/sw_register.transfer.php.reply.xml", &r.body);
    let id = r.item("id").expect("order id");
    assert_eq!(r.item("transfer_id").as_deref(), Some(id.as_str()));
    // The approval goes to the admin contact WHOIS shows for the domain.
    assert_eq!(r.item("admin_email").as_deref(), Some("owner1@example.net"));
    assert_eq!(balance(&s), ("100000.00".into(), "10.00".into()), "held");
    let domain = "transfer-me-owner1.com";
    let check = |s: &Server| s.transfer_status(domain);
    s.run_due();
    assert_eq!(check(&s), "pending_owner");
    let links = s.approval_links();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].0, "owner1@example.net");
    accept(&s, &links[0].1);
    assert_eq!(check(&s), "pending_registry");
    s.advance("5d");
    assert_eq!(check(&s), "completed");
    // In the portfolio, locked as f_lock_domain asked, with the request's contacts,
    // in the new profile; the price charged and no longer held.
    assert_eq!(s.holder(domain), format!("{USER}/newcustomer"));
    assert_eq!(
        s.count(&format!(
            "SELECT locked FROM domains WHERE name = '{domain}'"
        )),
        1
    );
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM domains WHERE name = '{domain}' AND contacts LIKE '%jane@example.net%'"
        )),
        1
    );
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM transfer_nameservers n JOIN transfer_orders o ON o.job_id = n.job_id WHERE o.domain = '{domain}'"
        )),
        2
    );
    assert_eq!(balance(&s), ("99990.00".into(), "0.00".into()), "charged");
    // One more year on its expiry: the sandbox registry shows 2015-01-19 18:34:34
    // (200 days after the analysis), so 2016-01-19 18:34:34.
    assert_eq!(
        s.count(&format!(
            "SELECT expires_at FROM domains WHERE name = '{domain}'"
        )),
        1_453_228_474
    );
    // ORDER STATUS_CHANGE events beside the TRANSFER ones, delivered by POLL.
    let polled = s
        .ops(&envelope("POLL", "EVENT", "<item key=\"limit\">100</item>"))
        .text();
    for status in ["pending_registry", "completed"] {
        assert!(
            polled.contains(&format!("<item key=\"order_status\">{status}</item>")),
            "{polled}"
        );
    }
    assert!(polled.contains("<item key=\"order_reg_type\">transfer</item>"));
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE object = 'ORDER'"),
        2
    );
}

#[test]
fn saved_orders_short_funds_and_the_timeout() {
    let s = Server::start();
    // handle=save: an order id, no transfer, nothing held.
    let r = s.ops(&order(
        "later-owner2.com",
        "<item key=\"handle\">save</item>",
        "+1.4165550100",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert!(r.item("id").is_some());
    assert_eq!(r.item("transfer_id"), None);
    assert_eq!(balance(&s).1, "0.00");
    assert_eq!(s.count("SELECT count(*) FROM transfer_jobs"), 0);

    // Too little balance: kept as a saved order, as OpenSRS's forced_pending.
    let db = s.db();
    opsd_ok(&db, &["reseller", "balance", USER, "--set", "5"], "");
    let r = s.ops(&order("poor-owner2.com", "", "+1.4165550100"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("forced_pending"), r.item("id"));
    assert_eq!(s.count("SELECT count(*) FROM transfer_jobs"), 0);

    // Nobody answers within the 5 days: cancelled, and the hold released.
    opsd_ok(&db, &["reseller", "balance", USER, "--set", "100"], "");
    let r = s.ops(&order(
        "quiet-owner2.com",
        "<item key=\"owner_confirm_address\">Approver@Example.org</item>",
        "+1.4165550100",
    ));
    assert_eq!(
        r.item("admin_email").as_deref(),
        Some("approver@example.org")
    );
    s.run_due();
    assert_eq!(s.approval_links()[0].0, "approver@example.org");
    assert_eq!(balance(&s), ("100.00".into(), "10.00".into()));
    s.advance("4d");
    assert_eq!(balance(&s).1, "10.00");
    s.advance("1d");
    assert_eq!(balance(&s), ("100.00".into(), "0.00".into()), "released");
    assert_eq!(s.transfer_status("quiet-owner2.com"), "cancelled");
}

#[test]
fn bad_data_and_domains_that_cannot_move() {
    let s = Server::start_scenario(
        &format!(
            r#"
        [[profile]]
        reseller = "{USER}"
        username = "owner1"
        password = "pw1"
        domains = ["mine.com"]
        "#
        ),
        |_| {},
    );
    let r = s.ops(&order("fine-owner3.com", "", "555-0100"));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    let detail = r.item("error").unwrap_or_default();
    assert!(detail.contains("contact_set.owner.phone"), "{}", r.text());
    assert_eq!(r.item("response_text").as_deref(), Some(detail.as_str()));
    for (domain, why) in [
        ("held-locked.com", "locked"),
        ("new-young.com", "registered less than 60 days ago"),
        ("mine.com", "already in your account"),
    ] {
        let r = s.ops(&order(domain, "", "+1.4165550100"));
        assert_eq!(r.code(), Some(487), "{domain}: {}", r.text());
        assert!(
            r.item("error").unwrap_or_default().contains(why),
            "{}",
            r.text()
        );
    }
    let r = s.ops(&envelope(
        "SW_REGISTER",
        "DOMAIN",
        "<item key=\"reg_type\">trade</item><item key=\"domain\">x.com</item>",
    ));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    // Nothing was stored by any of them.
    assert_eq!(s.count("SELECT count(*) FROM transfer_orders"), 0);
    assert_eq!(balance(&s).1, "0.00");
}

#[test]
fn the_price_list_sets_what_is_held_and_charged() {
    let s = Server::start_scenario(
        "[[price]]\ntld = \"com\"\ntransfer = \"8.99\"\n[[price]]\ntld = \"*\"\ntransfer = \"20\"\n",
        |_| {},
    );
    let r = s.ops(&order("priced-owner1.com", "", "+1.4165550100"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(balance(&s).1, "8.99");
    let r = s.ops(&order("priced-owner1.org", "", "+1.4165550100"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(balance(&s).1, "28.99", "every other TLD: the * price");
    let db = s.db();
    let out = opsd_ok(&db, &["price", "set", ".net", "transfer", "12.5"], "");
    assert!(out.contains("transfer .net: 12.50"), "{out}");
    let r = s.ops(&order("priced-owner1.net", "", "+1.4165550100"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(balance(&s).1, "41.49");
    let list = opsd_ok(&db, &["price", "list"], "");
    assert!(
        list.contains("transfer .com: 8.99") && list.contains("transfer .*: 20.00"),
        "{list}"
    );
    assert!(
        !opsd_cli(&db, &["price", "set", "com", "lease", "1"], "")
            .status
            .success()
    );
    let bad = opsd::sandbox::Scenario::parse("[[price]]\ntld = \"com\"\ntransfer = \"cheap\"\n");
    assert!(bad.is_err());
}

#[test]
fn declined_and_failed_orders_release_their_price() {
    let s = Server::start();
    // Declined on the approval page.
    let r = s.ops(&order("nope-owner1.com", "", "+1.4165550100"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    assert_eq!(balance(&s).1, "10.00");
    let token = s.approval_links()[0].1.clone();
    s.answer_page(&format!("/approve/{token}"), "cancel");
    let check = |domain: &str| s.transfer_status(domain);
    assert_eq!(check("nope-owner1.com"), "cancelled");
    assert_eq!(balance(&s), ("100000.00".into(), "0.00".into()));
    // The analysis fails it (a wrong auth code), with the reason bulk analysis gives.
    let r = s.ops(&order("wrong-badauth.com", "", "+1.4165550100"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    assert_eq!(check("wrong-badauth.com"), "cancelled");
    let listed = s.ops(&envelope(
        "GET_TRANSFERS_IN",
        "DOMAIN",
        "<item key=\"domain\">wrong-badauth.com</item>",
    ));
    assert_eq!(listed.item("total").as_deref(), Some("1"));
    assert_eq!(
        s.count(
            "SELECT count(*) FROM transfer_domains d JOIN transfer_orders o ON o.job_id = d.job_id
             WHERE o.domain = 'wrong-badauth.com' AND d.reason = 'Incorrect authorization code.'"
        ),
        1
    );
    assert_eq!(balance(&s), ("100000.00".into(), "0.00".into()));
    assert_eq!(
        s.count(
            "SELECT count(*) FROM domains WHERE name IN ('nope-owner1.com', 'wrong-badauth.com')"
        ),
        0
    );
}

#[test]
fn the_config_files_prices_are_the_list() {
    let s = Server::start_with(|c| c.price = vec![("com".into(), "transfer".into(), 750)]);
    let r = s.ops(&order("configured-owner1.com", "", "+1.4165550100"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(balance(&s).1, "7.50");
}

#[test]
fn privacy_auto_renew_and_tld_data_reach_the_portfolio() {
    let s = Server::start();
    let extra = "<item key=\"f_whois_privacy\">1</item><item key=\"auto_renew\">1</item><item key=\"tld_data\"><dt_assoc><item key=\"nexus\"><dt_assoc><item key=\"category\">C11</item></dt_assoc></item></dt_assoc></item>";
    let r = s.ops(&order("flags-owner1.com", extra, "+1.4165550100"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    accept(&s, &s.approval_links()[0].1);
    s.advance("5d");
    assert_eq!(
        s.count(
            "SELECT count(*) FROM domains WHERE name = 'flags-owner1.com' AND whois_privacy = 1
             AND auto_renew = 1 AND tld_data = '{\"nexus\":{\"category\":\"C11\"}}'"
        ),
        1
    );
    let bad = s.ops(&order(
        "flags2-owner1.com",
        "<item key=\"auto_renew\">maybe</item>",
        "+1.4165550100",
    ));
    assert_eq!(bad.code(), Some(465), "{}", bad.text());
}

/// A reseller hosting its own approval page posts OpenSRS's do_confirm form to
/// `/transfers` with the order's token, as for bulk transfers.
#[test]
fn an_order_is_confirmed_through_the_opensrs_style_urls() {
    let s = Server::start();
    let r = s.ops(&order("hosted-owner1.com", "", "+1.4165550100"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    let t = s.approval_links()[0].1.clone();
    let shown = s.get(&format!(
        "/transfers?action=confirm_bulk_transfer&bt=1&bulk_transfer_id={t}&id={t}"
    ));
    assert!(
        shown.text().contains("hosted-owner1.com"),
        "{}",
        shown.text()
    );
    let r = s.post_form(
        "/transfers",
        &format!("action=do_confirm_bulk_transfer&bulk_transfer_id={t}&unique_id={t}&phone=%2B1.4165550100"),
    );
    assert!(
        r.text().contains("Thank you for confirming batch transfer"),
        "{}",
        r.text()
    );
    assert_eq!(s.transfer_status("hosted-owner1.com"), "pending_registry");
}
