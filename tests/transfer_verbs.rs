//! The transfer-order verbs around SW_REGISTER (issue 18, points 4 and 5 in part):
//! CANCEL_TRANSFER, SEND_PASSWORD, PROCESS_TRANSFER and GET_TRANSFERS_IN, each
//! with the PHP toolkit's request bytes, through an order's states, and never
//! across resellers.

use crate::common::*;

fn capture(name: &str) -> Vec<u8> {
    resign_capture(
        &fixture(&format!("clients/php-osrs-toolkit/{name}.http")),
        KEY,
    )
}

/// The PHP toolkit's SW_REGISTER transfer (transfer-me-owner1.com), as order 1.
fn ordered(s: &Server) -> String {
    let r = s.send(&capture("sw_register.transfer"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    r.item("id").expect("order id")
}

fn status(s: &Server, domain: &str) -> String {
    s.transfer_status(domain)
}

fn as_other(s: &Server, action: &str, object: &str, attrs: &str) -> Response {
    s.send(&http10(
        &envelope(action, object, attrs),
        OTHER_USER,
        OTHER_KEY,
    ))
}

const DOMAIN: &str = "transfer-me-owner1.com";

#[test]
fn cancel_while_pending_owner_then_process_again() {
    let s = Server::start();
    assert_eq!(ordered(&s), "1");
    // Another reseller cannot touch it.
    let theirs = as_other(
        &s,
        "CANCEL_TRANSFER",
        "TRANSFER",
        &format!("<item key=\"order_id\">1</item><item key=\"reseller\">{OTHER_USER}</item>"),
    );
    assert_eq!(theirs.code(), Some(465), "{}", theirs.text());
    s.run_due();
    assert_eq!(status(&s, DOMAIN), "pending_owner");
    let r = s.send(&capture("cancel_transfer"));
    r.assert_php_parses();
    assert_golden("replies/cancel_transfer.php.reply.xml", &r.body);
    assert_eq!(status(&s, DOMAIN), "cancelled");
    let hold = s
        .ops(&envelope("GET_BALANCE", "BALANCE", ""))
        .item("hold_balance");
    assert_eq!(hold.as_deref(), Some("0.00"));
    // Once cancelled, not again.
    let again = s.send(&capture("cancel_transfer"));
    assert_eq!(again.code(), Some(400));
    assert_eq!(
        again.item("response_text").as_deref(),
        Some("Command Failed: Transfer State Prohibits Cancellation")
    );
    // The approval page no longer takes an answer for it.
    let token = &s.approval_links()[0].1;
    let page = s.get(&format!("/approve/{token}")).text();
    assert!(!page.contains("name=\"decision\""), "{page}");

    // PROCESS_TRANSFER makes order 2 from it; order 1 stays cancelled.
    let r = s.send(&capture("process_transfer"));
    r.assert_php_parses();
    assert_golden("replies/process_transfer.php.reply.xml", &r.body);
    assert_eq!(r.item("id").as_deref(), Some("2"));
    assert_eq!(status(&s, DOMAIN), "pending_owner");
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_orders WHERE domain = 'transfer-me-owner1.com'"),
        2
    );
    // An order that is not cancelled cannot be resubmitted.
    let r = s.ops(&envelope(
        "PROCESS_TRANSFER",
        "TRANSFER",
        &format!("<item key=\"order_id\">2</item><item key=\"reseller\">{USER}</item>"),
    ));
    assert_eq!(r.code(), Some(400));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Transfer cannot be resubmitted. Transfer status does not allow for resubmit.")
    );
}

#[test]
fn send_password_resends_the_approval_email() {
    let s = Server::start();
    ordered(&s);
    // Before the approval email went out there is nothing to resend.
    let early = s.send(&capture("send_password.transfer"));
    assert_eq!(early.code(), Some(400), "{}", early.text());
    s.run_due();
    let r = s.send(&capture("send_password.transfer"));
    r.assert_php_parses();
    assert_golden("replies/send_password.transfer.php.reply.xml", &r.body);
    s.run_due();
    let links = s.approval_links();
    assert_eq!(links.len(), 2);
    assert_eq!(links[0], links[1], "the same address and token");
    assert_eq!(
        s.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"),
        2
    );
    let none = s.ops(&envelope(
        "SEND_PASSWORD",
        "TRANSFER",
        "<item key=\"domain_name\">nothing-here.com</item>",
    ));
    assert_eq!(none.code(), Some(465));
    assert_eq!(
        none.item("response_text").as_deref(),
        Some("Can't find transfer request.")
    );
    let theirs = as_other(
        &s,
        "SEND_PASSWORD",
        "TRANSFER",
        &format!("<item key=\"domain_name\">{DOMAIN}</item>"),
    );
    assert_eq!(theirs.code(), Some(465));
}

#[test]
fn get_transfers_in_lists_filters_and_pages() {
    let s = Server::start();
    ordered(&s);
    s.run_due();
    // A second order, cancelled.
    let c = "<dt_assoc><item key=\"first_name\">A</item><item key=\"last_name\">B</item><item key=\"address1\">1 St</item><item key=\"city\">C</item><item key=\"country\">CA</item><item key=\"postal_code\">X</item><item key=\"phone\">+1.4165550100</item><item key=\"email\">a@example.net</item></dt_assoc>";
    let r = s.ops(&envelope(
        "SW_REGISTER",
        "DOMAIN",
        &format!("<item key=\"reg_type\">transfer</item><item key=\"domain\">second-owner2.com</item><item key=\"auth_info\">x</item><item key=\"reg_username\">u2</item><item key=\"reg_password\">p2-password</item><item key=\"custom_tech_contact\">0</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{c}</item><item key=\"admin\">{c}</item><item key=\"billing\">{c}</item></dt_assoc></item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.ops(&envelope(
        "CANCEL_TRANSFER",
        "TRANSFER",
        &format!(
            "<item key=\"domain\">second-owner2.com</item><item key=\"reseller\">{USER}</item>"
        ),
    ));
    // The toolkit asks for the pending_owner ones.
    let r = s.send(&capture("get_transfers_in"));
    r.assert_php_parses();
    assert_golden("replies/get_transfers_in.php.reply.xml", &r.body);
    assert_eq!(r.item("total").as_deref(), Some("1"));
    let all = s.ops(&envelope("GET_TRANSFERS_IN", "DOMAIN", ""));
    assert_eq!(all.item("total").as_deref(), Some("2"));
    let page2 = s.ops(&envelope(
        "GET_TRANSFERS_IN",
        "DOMAIN",
        "<item key=\"limit\">1</item><item key=\"page\">2</item>",
    ));
    assert_eq!(page2.item("total").as_deref(), Some("2"));
    assert!(
        page2.text().contains(DOMAIN),
        "oldest last: {}",
        page2.text()
    );
    assert!(!page2.text().contains("second-owner2.com"));
    let bad = s.ops(&envelope(
        "GET_TRANSFERS_IN",
        "DOMAIN",
        "<item key=\"limit\">41</item>",
    ));
    assert_eq!(bad.code(), Some(465));
    let theirs = as_other(&s, "GET_TRANSFERS_IN", "DOMAIN", "");
    assert_eq!(theirs.item("total").as_deref(), Some("0"));
}

#[test]
fn get_transfers_away_pages_what_there_is() {
    let s = Server::start();
    let r = s.send(&capture("get_transfers_away"));
    r.assert_php_parses();
    assert_golden("replies/get_transfers_away.php.reply.xml", &r.body);
    assert_eq!(r.item("total").as_deref(), Some("0"));
    let bad = s.ops(&envelope(
        "GET_TRANSFERS_AWAY",
        "DOMAIN",
        "<item key=\"page\">0</item>",
    ));
    assert_eq!(bad.code(), Some(465), "{}", bad.text());
}

fn yola(name: &str) -> Vec<u8> {
    resign_capture(&fixture(&format!("clients/yola-opensrs/{name}.http")), KEY)
}

/// yola/opensrs's own requests (HTTP/1.1 over TLS as captured, nameservers under
/// custom_transfer_nameservers, tech contact included), replayed as sent.
#[test]
fn yola_transfer_check_and_lists() {
    let s = Server::start();
    let r = s.send(&yola("sw_register.transfer"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let id = r.item("id").expect("id");
    assert_eq!(r.item("transfer_id").as_deref(), Some(id.as_str()));
    assert_eq!(
        s.count(
            "SELECT count(*) FROM transfer_nameservers n JOIN transfer_orders o ON o.job_id = n.job_id WHERE o.domain = 'yola-transfer-owner1.com'"
        ),
        2
    );
    let r = s.send(&yola("check_transfer"));
    assert_eq!(
        r.item("transferrable").as_deref(),
        Some("1"),
        "{}",
        r.text()
    );
    let r = s.send(&yola("get_transfers_in"));
    assert_eq!(r.item("total").as_deref(), Some("1"), "{}", r.text());
    assert!(r.text().contains("yola-transfer-owner1.com"));
    let r = s.send(&yola("get_transfers_away"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("total").as_deref(), Some("0"));
}

/// What WHMCS does for a transfer: GET_BALANCE to check its settings, SW_REGISTER
/// transfer with handle=process, then CHECK_TRANSFER with check_status until it is
/// completed — with the clock moved instead of waiting.
#[test]
fn a_whmcs_style_transfer_end_to_end() {
    let s = Server::start();
    let r = s.send(&capture("get_balance"));
    assert_eq!(r.code(), Some(200));
    let r = s.send(&capture("sw_register.transfer"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let mut seen = vec![status(&s, DOMAIN)];
    s.run_due();
    seen.push(status(&s, DOMAIN));
    let token = s.approval_links()[0].1.clone();
    s.answer_page(&format!("/approve/{token}"), "accept");
    seen.push(status(&s, DOMAIN));
    // Each CHECK_TRANSFER on pending_registry expedites it: five minutes later it
    // is done.
    s.advance("5m");
    seen.push(status(&s, DOMAIN));
    seen.dedup();
    assert_eq!(seen, ["pending_owner", "pending_registry", "completed"]);
    let r = s.send(&capture("get_balance"));
    assert_eq!(r.item("balance").as_deref(), Some("99990.00"));
}

/// Net::DRI's requests, as its own test suite (t/Net/DRI/Protocol/OpenSRS/XCP.t)
/// asserts it sends them: lower-case action and object, a top-level
/// `registrant_ip`, no auth code, phones with an `x` extension, an empty
/// `reseller`. The three name different domains there; here they name one, so that
/// they make one transfer: started, checked, cancelled.
#[test]
fn a_net_dri_style_transfer() {
    let s = Server::start();
    let body = |name: &str| {
        String::from_utf8(fixture_bytes(&format!("clients/net-dri/{name}.xml")))
            .expect("utf-8")
            .replace("catmas.com", "yahoo.com")
            .replace(
                "example.com</item>\n<item key=\"reseller\">",
                "yahoo.com</item>\n<item key=\"reseller\">",
            )
    };
    let r = s.ops(body("sw_register.transfer").as_bytes());
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let id = r.item("id").expect("id");
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM transfer_orders WHERE id = {id} AND registrant_ip = '10.0.10.19'"
        )),
        1
    );
    let r = s.ops(body("check_transfer").as_bytes());
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("transferrable").as_deref(), Some("0"));
    assert_eq!(r.item("reason").as_deref(), Some("Transfer in progress"));
    assert_eq!(r.item("status").as_deref(), Some("pending_owner"));
    assert!(r.item("unixtime").is_some());
    let r = s.ops(body("cancel_transfer").as_bytes());
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text"),
        Some(format!("Transfer with order id: {id} has been canceled."))
    );
    assert_eq!(status(&s, "yahoo.com"), "cancelled");
}

#[test]
fn get_transfers_in_takes_its_documented_filters() {
    let s = Server::start();
    ordered(&s);
    s.run_due();
    let total = |filter: &str| {
        s.ops(&envelope("GET_TRANSFERS_IN", "DOMAIN", filter))
            .item("total")
            .unwrap_or_default()
    };
    assert_eq!(
        total("<item key=\"request_address\">owner1@example.net</item>"),
        "1"
    );
    assert_eq!(
        total("<item key=\"request_address\">else@example.net</item>"),
        "0"
    );
    assert_eq!(
        total(
            "<item key=\"owner_request_from\">2014-07-03</item><item key=\"owner_request_to\">2014-07-03</item>"
        ),
        "1"
    );
    assert_eq!(
        total("<item key=\"owner_request_from\">2014-07-04</item>"),
        "0"
    );
    assert_eq!(
        total("<item key=\"owner_confirm_from\">2014-01-01</item>"),
        "0",
        "not confirmed yet"
    );
    assert_eq!(
        total("<item key=\"completed_to\">2030-01-01</item>"),
        "0",
        "not completed yet"
    );
    assert_eq!(total("<item key=\"losing_registrar\">*</item>"), "1");
    assert_eq!(
        total("<item key=\"order_from\">2014-07-01</item><item key=\"order_to\">2014-07-03</item>"),
        "1"
    );
    let bad = s.ops(&envelope(
        "GET_TRANSFERS_IN",
        "DOMAIN",
        "<item key=\"completed_from\">July</item>",
    ));
    assert_eq!(bad.code(), Some(465));
}
