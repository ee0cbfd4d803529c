//! Issue 30, pending orders: PROCESS_PENDING carries a saved registration out
//! (charged then) or starts a saved transfer order, `command=cancel` and
//! CANCEL_PENDING_ORDERS cancel them, a cancelled order is placed again, and
//! CANCEL_ACTIVE_PROCESS stops a transfer on its way — over real sockets, none of
//! it reachable by another reseller.

use crate::common::*;
use crate::portfolio::{contact, register};

fn saved(domain: &str) -> Vec<u8> {
    let body = String::from_utf8(register(domain, 1, "")).expect("utf-8");
    body.replace(
        "<item key=\"handle\">process</item>",
        "<item key=\"handle\">save</item>",
    )
    .into_bytes()
}

fn transfer(domain: &str, handle: &str) -> Vec<u8> {
    let c = contact("Jane", "jane@example.net");
    envelope(
        "SW_REGISTER",
        "DOMAIN",
        &format!(
            "<item key=\"reg_type\">transfer</item><item key=\"domain\">{domain}</item><item key=\"auth_info\">code</item><item key=\"reg_username\">buyer</item><item key=\"reg_password\">buyer-pass</item><item key=\"handle\">{handle}</item><item key=\"custom_tech_contact\">0</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{c}</item><item key=\"admin\">{c}</item><item key=\"billing\">{c}</item></dt_assoc></item>"
        ),
    )
}

fn process(order: &str, extra: &str) -> Vec<u8> {
    envelope(
        "PROCESS_PENDING",
        "DOMAIN",
        &format!("<item key=\"order_id\">{order}</item>{extra}"),
    )
}

fn order_status(s: &Server, order: &str) -> String {
    let r = s.ops(&envelope(
        "GET_ORDER_INFO",
        "DOMAIN",
        &format!("<item key=\"order_id\">{order}</item>"),
    ));
    r.path("attributes/field_hash/status")
        .unwrap_or_else(|| r.text())
}

fn balances(s: &Server) -> (String, String) {
    let r = s.ops(&envelope("GET_BALANCE", "BALANCE", ""));
    (
        r.item("balance").unwrap_or_default(),
        r.item("hold_balance").unwrap_or_default(),
    )
}

#[test]
fn a_saved_registration_is_processed_once_and_charged_then() {
    let s = Server::start();
    let (start, _) = balances(&s);
    let r = s.ops(&saved("later-reg.com"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let order = r.item("id").expect("order id");
    assert_eq!(balances(&s).0, start, "a saved order is not charged");
    assert_eq!(order_status(&s, &order), "pending");
    let missing = s.ops(&envelope(
        "GET",
        "DOMAIN",
        "<item key=\"domain\">later-reg.com</item><item key=\"type\">status</item>",
    ));
    assert_ne!(missing.code(), Some(200), "not registered yet");

    // Another reseller cannot process it, nor learn it exists.
    let theirs = s.send(&http10(&process(&order, ""), OTHER_USER, OTHER_KEY));
    assert_eq!(theirs.code(), Some(480), "{}", theirs.text());

    let r = s.ops(&process(&order, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Domain registration successfully completed")
    );
    assert_eq!(r.item("order_id").as_deref(), Some(order.as_str()));
    assert_eq!(r.item("f_auto_renew").as_deref(), Some("N"));
    let expiry = r.item("registration expiration date").expect("expiry");
    assert_eq!(expiry.len(), "2027-12-07 00:00:00".len(), "{expiry}");
    assert!(r.item("id").is_some());
    assert_ne!(balances(&s).0, start, "charged when processed");
    assert_eq!(order_status(&s, &order), "completed");
    let got = s.ops(&envelope(
        "GET",
        "DOMAIN",
        "<item key=\"domain\">later-reg.com</item><item key=\"type\">status</item>",
    ));
    assert_eq!(got.code(), Some(200), "{}", got.text());
    // The profile kept with the order opens the domain.
    let cookie = s.ops(&envelope(
        "SET",
        "COOKIE",
        "<item key=\"domain\">later-reg.com</item><item key=\"reg_username\">shopper</item><item key=\"reg_password\">shopper-pass</item>",
    ));
    assert_eq!(cookie.code(), Some(200), "{}", cookie.text());

    // Processed: not again.
    let again = s.ops(&process(&order, ""));
    assert_eq!(again.code(), Some(400), "{}", again.text());
    assert_eq!(
        s.count("SELECT count(*) FROM domains WHERE name = 'later-reg.com'"),
        1
    );
}

#[test]
fn cancelled_orders_and_placing_them_again() {
    let s = Server::start();
    let r = s.ops(&saved("changed-mind.com"));
    let order = r.item("id").expect("order id");
    let r = s.ops(&process(&order, "<item key=\"command\">cancel</item>"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("domain").as_deref(), Some("changed-mind.com"));
    assert_eq!(order_status(&s, &order), "cancelled");
    let notes = s.ops(&envelope(
        "GET_NOTES",
        "DOMAIN",
        &format!("<item key=\"domain\">changed-mind.com</item><item key=\"type\">order</item><item key=\"order_id\">{order}</item>"),
    ));
    assert_eq!(
        notes.path("attributes/notes/0/note").as_deref(),
        Some("Order cancelled."),
        "{}",
        notes.text()
    );
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM events WHERE object = 'ORDER' AND data LIKE '%\"order_id\":{order},%cancelled%'"
        )),
        1
    );
    let r = s.ops(&process(&order, "<item key=\"command\">cancel</item>"));
    assert_eq!(r.code(), Some(400), "only once: {}", r.text());
    let r = s.ops(&process(&order, "<item key=\"command\">later</item>"));
    assert_eq!(r.code(), Some(465), "{}", r.text());

    // As documented, a cancelled registration is placed again as a new order.
    let r = s.ops(&process(&order, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let new_order = r.item("order_id").expect("order id");
    assert_ne!(new_order, order);
    assert_eq!(order_status(&s, &order), "cancelled");
    assert_eq!(order_status(&s, &new_order), "completed");

    // CANCEL_PENDING_ORDERS: every saved order of the caller up to to_date.
    let a = s.ops(&saved("pending-a.com")).item("id").expect("id");
    let b = s
        .ops(&transfer("pending-b.com", "save"))
        .item("id")
        .expect("id");
    let theirs = s
        .send(&http10(&saved("pending-theirs.com"), OTHER_USER, OTHER_KEY))
        .item("id")
        .expect("id");
    let cancel = |to: &str, status: &str| {
        s.ops(&envelope(
            "CANCEL_PENDING_ORDERS",
            "ORDER",
            &format!("<item key=\"to_date\">{to}</item>{status}"),
        ))
    };
    let r = cancel("0", "");
    assert_eq!(r.item("total").as_deref(), Some("0"), "{}", r.text());
    let r = cancel("4102444800", "<item key=\"status\">declined</item>");
    assert_eq!(r.item("total").as_deref(), Some("0"), "{}", r.text());
    let r = cancel("4102444800", "<item key=\"status\">pending</item>");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Command successful")
    );
    assert_eq!(r.item("total").as_deref(), Some("2"), "{}", r.text());
    assert_eq!(
        r.path("attributes/cancelled/0/id").as_deref(),
        Some(a.as_str())
    );
    assert_eq!(
        r.path("attributes/cancelled/1/reg_type").as_deref(),
        Some("transfer")
    );
    assert_eq!(order_status(&s, &a), "cancelled");
    assert_eq!(order_status(&s, &b), "cancelled");
    let r = s.send(&http10(
        &envelope(
            "GET_ORDER_INFO",
            "DOMAIN",
            &format!("<item key=\"order_id\">{theirs}</item>"),
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(
        r.path("attributes/field_hash/status").as_deref(),
        Some("pending"),
        "another reseller's orders are untouched"
    );
    let r = cancel("soon", "");
    assert_eq!(r.code(), Some(465), "{}", r.text());
}

#[test]
fn a_saved_transfer_starts_and_an_active_one_is_cancelled() {
    let s = Server::start();
    let r = s.ops(&transfer("move-later.com", "save"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let order = r.item("id").expect("order id");
    assert_eq!(s.count("SELECT count(*) FROM transfer_jobs"), 0);
    assert_eq!(balances(&s).1, "0.00");

    let r = s.ops(&process(&order, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("transfer_id").as_deref(), Some(order.as_str()));
    assert_eq!(s.count("SELECT count(*) FROM transfer_jobs"), 1);
    assert_ne!(balances(&s).1, "0.00", "its price is held");
    let again = s.ops(&process(&order, ""));
    assert_eq!(again.code(), Some(400), "{}", again.text());
    assert_eq!(s.count("SELECT count(*) FROM transfer_jobs"), 1);

    // Another reseller cannot stop it; the caller can, by domain.
    let stop = envelope(
        "CANCEL_ACTIVE_PROCESS",
        "DOMAIN",
        "<item key=\"domain\">move-later.com</item>",
    );
    let theirs = s.send(&http10(&stop, OTHER_USER, OTHER_KEY));
    assert_eq!(theirs.code(), Some(480), "{}", theirs.text());
    let r = s.ops(&stop);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("order_id").as_deref(), Some(order.as_str()));
    assert_eq!(s.transfer_status("move-later.com"), "cancelled");
    assert_eq!(balances(&s).1, "0.00", "the hold is released");
    let r = s.ops(&stop);
    assert_ne!(r.code(), Some(200), "{}", r.text());

    // A saved order by id.
    let r = s.ops(&transfer("move-never.com", "save"));
    let saved_id = r.item("id").expect("order id");
    let r = s.ops(&envelope(
        "CANCEL_ACTIVE_PROCESS",
        "DOMAIN",
        &format!("<item key=\"order_id\">{saved_id}</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(order_status(&s, &saved_id), "cancelled");
}

#[test]
fn a_forced_pending_registration_stays_pending_while_refused() {
    let s = Server::start();
    let r = s.send(&http10(
        &register("wanted.com", 1, ""),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = s.ops(&register("wanted.com", 1, ""));
    assert_eq!(r.code(), Some(485), "{}", r.text());
    let order = r.item("forced_pending").expect("forced pending");
    let (start, _) = balances(&s);
    let r = s.ops(&process(&order, ""));
    assert_eq!(r.code(), Some(485), "still taken: {}", r.text());
    assert_eq!(r.item("forced_pending").as_deref(), Some(order.as_str()));
    assert_eq!(order_status(&s, &order), "pending");
    assert_eq!(balances(&s).0, start);
}

/// The PHP toolkit's own PROCESS_PENDING, CANCEL_ACTIVE_PROCESS and
/// CANCEL_PENDING_ORDERS (object ORDER) requests, with their order ids replaced.
#[test]
fn the_php_toolkits_pending_order_calls() {
    let s = Server::start();
    let capture = |name: &str, from: &str, to: &str| {
        resign_capture_with(
            &fixture(&format!("clients/php-osrs-toolkit/{name}.http")),
            KEY,
            from,
            to,
        )
    };
    let a = s.ops(&saved("php-pending-a.com")).item("id").expect("id");
    let b = s.ops(&saved("php-pending-b.com")).item("id").expect("id");
    let c = s.ops(&saved("php-pending-c.com")).item("id").expect("id");
    let r = s.send(&capture("process_pending", ">4711<", &format!(">{a}<")));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(order_status(&s, &a), "completed");
    let r = s.send(&capture(
        "cancel_active_process",
        ">4712<",
        &format!(">{b}<"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(order_status(&s, &b), "cancelled");
    let r = s.send(&capture(
        "cancel_pending_orders",
        ">4102444800<",
        ">4102444800<",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("total").as_deref(), Some("1"), "{}", r.text());
    assert_eq!(order_status(&s, &c), "cancelled");
}

/// QUERY_QUEUED_REQUEST as the PHP toolkit sends it (captured), for `id`.
fn query_queued(s: &Server, id: &str, user: &str, key: &str) -> Response {
    let raw = resign_capture_with(
        &fixture("clients/php-osrs-toolkit/query_queued_request.http"),
        key,
        "<item key=\"request_id\">4713</item>",
        &format!("<item key=\"request_id\">{id}</item>"),
    );
    let raw = String::from_utf8(raw).expect("utf-8");
    s.send(
        raw.replacen("X-Username: testuser", &format!("X-Username: {user}"), 1)
            .as_bytes(),
    )
}

/// Issue 30.1: a registration placed while its registry is down is queued — the
/// reply fails with `queue_request_id`, nothing is charged — and carried out in
/// place once the registry answers; QUERY_QUEUED_REQUEST follows it, for its own
/// reseller only.
#[test]
fn a_registration_queued_while_the_registry_is_down_is_carried_out_when_it_answers() {
    let s = Server::start();
    let (start, _) = balances(&s);
    let (st, _) = s.admin_json(
        "POST",
        "/admin/faults",
        "kind=registry_down&target=.net&for=1h",
    );
    assert_eq!(st, 200);
    let r = s.ops(&register("queued-one.net", 1, ""));
    assert_eq!(r.code(), Some(705), "{}", r.text());
    assert_eq!(r.item("is_success").as_deref(), Some("0"));
    let id = r.item("queue_request_id").expect("queue_request_id");
    assert_eq!(balances(&s).0, start, "nothing charged while queued");

    let q = query_queued(&s, &id, USER, KEY);
    assert_eq!(q.code(), Some(200), "{}", q.text());
    assert_eq!(q.item("status").as_deref(), Some("queued"));
    assert_eq!(
        q.path("attributes/request_data/domain").as_deref(),
        Some("queued-one.net")
    );
    assert_eq!(
        q.path("attributes/request_data/reg_type").as_deref(),
        Some("new")
    );
    assert_eq!(
        q.path("attributes/request_data/action").as_deref(),
        Some("sw_register")
    );
    assert_eq!(order_status(&s, &id), "pending");
    // Another reseller learns nothing of it.
    let theirs = query_queued(&s, &id, OTHER_USER, OTHER_KEY);
    assert_eq!(theirs.code(), Some(480), "{}", theirs.text());

    // Tried a minute later: still down, so it waits on.
    s.advance("2m");
    s.run_due();
    assert_eq!(
        query_queued(&s, &id, USER, KEY).item("status").as_deref(),
        Some("queued")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM tasks WHERE kind = 'queued_request' AND done_at IS NULL AND attempts = 1"),
        1
    );

    // The outage ends: the next try registers it under the same id, charged once.
    s.advance("2h");
    s.run_due();
    let q = query_queued(&s, &id, USER, KEY);
    assert_eq!(
        q.item("status").as_deref(),
        Some("processed"),
        "{}",
        q.text()
    );
    assert_eq!(q.item("order_id").as_deref(), Some(id.as_str()));
    assert_eq!(order_status(&s, &id), "completed");
    assert_ne!(balances(&s).0, start, "charged once carried out");
    assert_eq!(s.holder("queued-one.net"), format!("{USER}/shopper"));
    s.run_due();
    assert_eq!(
        s.count("SELECT count(*) FROM portfolio_orders WHERE domain = 'queued-one.net'"),
        1,
        "one order, carried out once"
    );

    // A registration carried out at once was never a request waiting.
    let r = s.ops(&register("direct-one.com", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let direct = r.item("id").expect("id");
    assert_eq!(query_queued(&s, &direct, USER, KEY).code(), Some(480));
    // One kept forced pending is: pending, until PROCESS_PENDING.
    let r = s.ops(&register("kept-reserved.com", 1, ""));
    let kept = r.item("forced_pending").expect("forced pending");
    let q = query_queued(&s, &kept, USER, KEY);
    assert_eq!(q.item("status").as_deref(), Some("pending"), "{}", q.text());
}

/// A queued registration whose registry never answers is given up after three
/// days: cancelled, with its event, and nothing charged.
#[test]
fn a_queued_registration_is_cancelled_when_its_registry_never_answers() {
    let s = Server::start();
    let (start, _) = balances(&s);
    let r = s.ops(&register("never-regdown.com", 1, ""));
    assert_eq!(r.code(), Some(705), "{}", r.text());
    let id = r.item("queue_request_id").expect("queue_request_id");
    for _ in 0..8 {
        s.advance("12h");
        s.run_due();
    }
    let q = query_queued(&s, &id, USER, KEY);
    assert_eq!(
        q.item("status").as_deref(),
        Some("cancelled"),
        "{}",
        q.text()
    );
    assert_eq!(order_status(&s, &id), "cancelled");
    assert_eq!(balances(&s).0, start);
    assert_eq!(
        s.count("SELECT count(*) FROM tasks WHERE kind = 'queued_request' AND done_at IS NULL"),
        0
    );
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE object = 'ORDER' AND event = 'STATUS_CHANGE'"),
        1
    );
}

/// Issue 30.5: a name with a trademark claim is not registered until its
/// registrant accepts the claims notice mailed to them (260, `async_reason`
/// `has_claim`, as OpenSRS answers); declined, or unanswered for 48 hours, the
/// order is cancelled. PROCESS_PENDING of a saved order waits the same way.
#[test]
fn a_claimed_name_waits_for_its_registrant_to_accept_the_notice() {
    let s = Server::start();
    let (start, _) = balances(&s);
    let r = s.ops(&register("brand-claim.com", 1, ""));
    assert_eq!(r.code(), Some(260), "{}", r.text());
    assert_eq!(r.item("is_success").as_deref(), Some("1"));
    assert_eq!(r.item("async_reason").as_deref(), Some("has_claim"));
    let order = r.item("id").expect("order id");
    assert_eq!(balances(&s).0, start, "nothing charged yet");
    assert_eq!(order_status(&s, &order), "pending");
    let q = query_queued(&s, &order, USER, KEY);
    assert_eq!(
        q.item("status").as_deref(),
        Some("awaiting_claim"),
        "{}",
        q.text()
    );
    let links = s.mail_links("/claims/");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].0, "jane@example.net", "the registrant is asked");
    let path = format!("/claims/{}", links[0].1);

    let page = s.get(&path);
    assert!(page.status_line.contains(" 200 "), "{}", page.status_line);
    assert!(page.text().contains("brand-claim"), "{}", page.text());
    let csrf = csrf_of(&page.text());
    // A wrong form token changes nothing; neither does a made-up link.
    let forged = s.post_form(&path, "csrf=00&decision=accept");
    assert!(
        forged.status_line.contains(" 403 "),
        "{}",
        forged.status_line
    );
    let made_up = s.get(&format!("/claims/{}", "0".repeat(32)));
    assert!(
        made_up.status_line.contains(" 404 "),
        "{}",
        made_up.status_line
    );
    assert_eq!(order_status(&s, &order), "pending");

    let done = s.answer_page(&path, "accept");
    assert!(done.status_line.contains(" 200 "), "{}", done.status_line);
    assert!(done.text().contains("is registered"), "{}", done.text());
    assert_eq!(order_status(&s, &order), "completed");
    assert_eq!(s.holder("brand-claim.com"), format!("{USER}/shopper"));
    let charged = balances(&s).0;
    assert_ne!(charged, start, "charged once accepted");
    // Answering again does nothing more.
    let again = s.post_form(&path, &format!("csrf={csrf}&decision=accept"));
    assert!(again.text().contains("is registered"));
    assert_eq!(balances(&s).0, charged);

    // Declined: cancelled, with its event.
    let r = s.ops(&register("other-claim.com", 1, ""));
    let declined = r.item("id").expect("order id");
    let token = s.mail_links("/claims/")[1].1.clone();
    let page = s.answer_page(&format!("/claims/{token}"), "decline");
    assert!(page.text().contains("cancelled"), "{}", page.text());
    assert_eq!(order_status(&s, &declined), "cancelled");
    assert_eq!(
        s.count("SELECT count(*) FROM domains WHERE name = 'other-claim.com'"),
        0
    );

    // Unanswered for 48 hours: cancelled; the link then changes nothing.
    let r = s.ops(&register("late-claim.com", 1, ""));
    let late = r.item("id").expect("order id");
    let token = s.mail_links("/claims/")[2].1.clone();
    let path = format!("/claims/{token}");
    let csrf = csrf_of(&s.get(&path).text());
    s.advance("49h");
    s.run_due();
    assert_eq!(order_status(&s, &late), "cancelled");
    let page = s.post_form(&path, &format!("csrf={csrf}&decision=accept"));
    assert!(
        page.text().contains("not answered in time"),
        "{}",
        page.text()
    );
    assert_eq!(
        s.count("SELECT count(*) FROM domains WHERE name = 'late-claim.com'"),
        0
    );
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE object = 'ORDER' AND event = 'STATUS_CHANGE'"),
        2
    );

    // A saved order of a claimed name waits too once processed.
    let r = s.ops(&saved("saved-claim.com"));
    let kept = r.item("id").expect("order id");
    let r = s.ops(&process(&kept, ""));
    assert_eq!(r.code(), Some(260), "{}", r.text());
    assert_eq!(r.item("async_reason").as_deref(), Some("has_claim"));
    assert_eq!(r.item("id").as_deref(), Some(kept.as_str()));
    assert_eq!(s.mail_links("/claims/").len(), 4);
    assert_eq!(balances(&s).0, charged);
}
