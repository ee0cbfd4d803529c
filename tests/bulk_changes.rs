//! Issue 30: bulk changes of every type besides pushes, through the same queue —
//! Net::OpenSRS's own `domain_lock` request, a 10,000-item lock, the other change
//! types item by item (locked domains skipped without `apply_to_locked_domains`),
//! GET_BULK_CHANGE's per-item outcomes, cancel, and no reach into another
//! reseller's domains.

use crate::common::*;

/// USER holds these; `locked-one.com` is locked.
const MINE: &[&str] = &["no-lock-a.com", "no-lock-b.com", "bulk-x.com", "bulk-y.net"];

fn world() -> Server {
    let other = format!(
        r#"
        [[profile]]
        reseller = "{OTHER_USER}"
        username = "o"
        password = "o"
        domains = ["theirs-only.com"]
        "#
    );
    let toml = PushScenario {
        domains: MINE,
        locked: &["locked-one.com"],
        more: &other,
        ..Default::default()
    }
    .toml();
    Server::start_scenario(&toml, |_| {})
}

fn submit(s: &Server, change_type: &str, items: &[&str], extra: &str) -> Response {
    let list: String = items
        .iter()
        .enumerate()
        .map(|(i, d)| format!("<item key=\"{i}\">{d}</item>"))
        .collect();
    s.ops(&envelope(
        "SUBMIT_BULK_CHANGE",
        "BULK_CHANGE",
        &format!(
            "<item key=\"change_type\">{change_type}</item><item key=\"change_items\"><dt_array>{list}</dt_array></item>{extra}"
        ),
    ))
}

fn job(s: &Server, id: &str) -> Response {
    s.ops(&envelope(
        "GET_BULK_CHANGE",
        "BULK_CHANGE",
        &format!("<item key=\"bulk_change_req_id\">{id}</item>"),
    ))
}

/// Each item's `(domain, status, reason)` as GET_BULK_CHANGE shows it.
fn items(r: &Response) -> Vec<(String, String, String)> {
    (0..r.len_at("attributes/items"))
        .map(|i| {
            let at = |k: &str| {
                r.path(&format!("attributes/items/{i}/{k}"))
                    .unwrap_or_default()
            };
            (at("domain"), at("status"), at("reason"))
        })
        .collect()
}

fn locked(s: &Server, domain: &str) -> bool {
    s.count(&format!(
        "SELECT count(*) FROM domains WHERE name = '{domain}' AND locked = 1"
    )) == 1
}

#[test]
fn net_opensrs_locks_domains_in_bulk() {
    let s = world();
    let r = s.send(&resign_capture(
        &fixture("clients/net-opensrs/bulk_change.domain_lock.http"),
        KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let id = r.item("bulk_change_req_id").expect("bulk_change_req_id");
    s.run_due();
    let v = job(&s, &id);
    assert_eq!(v.item("change_type").as_deref(), Some("domain_lock"));
    assert_eq!(v.item("status").as_deref(), Some("completed"));
    assert_eq!(v.item("gaining_reseller_username"), None);
    assert_eq!(v.item("completed").as_deref(), Some("2"), "{}", v.text());
    assert_eq!(v.item("failed").as_deref(), Some("1"));
    assert_eq!(
        items(&v)[2],
        (
            "no-lock-c.net".into(),
            "failed".into(),
            "Domain not found in your portfolio.".into()
        )
    );
    assert!(locked(&s, "no-lock-a.com") && locked(&s, "no-lock-b.com"));
    // The same change the single call makes: event, note, audit row.
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'LOCK_UPDATE'"),
        2
    );
    let notes = s.ops(&envelope(
        "GET_NOTES",
        "DOMAIN",
        "<item key=\"domain\">no-lock-a.com</item><item key=\"type\">domain</item>",
    ));
    assert_eq!(
        notes.path("attributes/notes/0/note").as_deref(),
        Some("Domain locked.")
    );
    // Locking again: nothing to do.
    let r = submit(
        &s,
        "domain_lock",
        &["no-lock-a.com"],
        "<item key=\"op_type\">lock</item>",
    );
    s.run_due();
    let v = job(&s, &r.item("bulk_change_req_id").expect("id"));
    assert_eq!(items(&v)[0].1, "skipped");
    // Another reseller neither sees the job nor reaches these domains.
    let theirs = s.send(&http10(
        &envelope(
            "GET_BULK_CHANGE",
            "BULK_CHANGE",
            &format!("<item key=\"bulk_change_req_id\">{id}</item>"),
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_ne!(theirs.code(), Some(200), "{}", theirs.text());
    let r = s.send(&http10(
        &envelope(
            "SUBMIT",
            "BULK_CHANGE",
            "<item key=\"change_type\">domain_lock</item><item key=\"op_type\">unlock</item><item key=\"change_items\"><dt_array><item key=\"0\">no-lock-a.com</item></dt_array></item>",
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    assert!(locked(&s, "no-lock-a.com"), "not theirs to unlock");
}

#[test]
fn every_other_change_type_item_by_item() {
    let s = world();
    let before = s.count("SELECT balance_cents FROM resellers WHERE username = 'testuser'");
    // whois_privacy: the locked domain is skipped without apply_to_locked_domains.
    let r = submit(
        &s,
        "whois_privacy",
        &["bulk-x.com", "locked-one.com"],
        "<item key=\"op_type\">enable</item><item key=\"contact_email\">ops@example.net</item>",
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let privacy = r.item("bulk_change_req_id").expect("id");
    // domain_contacts: the admin role laid over each domain's set.
    let c = "<dt_assoc><item key=\"first_name\">Ada</item><item key=\"last_name\">Admin</item><item key=\"org_name\">Ops Ltd</item><item key=\"address1\">2 Side St</item><item key=\"city\">Toronto</item><item key=\"state\">ON</item><item key=\"country\">CA</item><item key=\"postal_code\">M5V 2T6</item><item key=\"phone\">+1.4165550199</item><item key=\"email\">ada@example.net</item></dt_assoc>";
    let r = submit(
        &s,
        "domain_contacts",
        &["bulk-x.com", "locked-one.com"],
        &format!(
            "<item key=\"apply_to_locked_domains\">1</item><item key=\"contacts\"><dt_array><item key=\"0\"><dt_assoc><item key=\"type\">admin,billing</item><item key=\"set\">{c}</item></dt_assoc></item></dt_array></item>"
        ),
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let contacts = r.item("bulk_change_req_id").expect("id");
    let r = submit(
        &s,
        "domain_nameservers",
        &["bulk-y.net"],
        "<item key=\"op_type\">add_remove</item><item key=\"add_ns\"><dt_array><item key=\"0\">ns9.example-dns.com</item></dt_array></item>",
    );
    let ns = r.item("bulk_change_req_id").expect("id");
    let r = submit(
        &s,
        "domain_parked_pages",
        &["bulk-y.net"],
        "<item key=\"op_type\">enable</item>",
    );
    let parked = r.item("bulk_change_req_id").expect("id");
    let r = submit(
        &s,
        "domain_renew",
        &["bulk-x.com"],
        "<item key=\"period\">1</item><item key=\"auto_renew\">1</item>",
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let renew = r.item("bulk_change_req_id").expect("id");
    let r = submit(
        &s,
        "availability_check",
        &["bulk-x.com", "free-name-2031.com"],
        "",
    );
    let check = r.item("bulk_change_req_id").expect("id");
    s.run_due();

    let v = job(&s, &privacy);
    assert_eq!(
        items(&v).iter().map(|i| i.1.as_str()).collect::<Vec<_>>(),
        ["completed", "skipped"],
        "{}",
        v.text()
    );
    assert_eq!(
        s.count("SELECT count(*) FROM domains WHERE whois_privacy = 1 AND name = 'bulk-x.com'"),
        1
    );
    // Its report went to contact_email.
    assert!(
        s.app
            .store
            .outbox()
            .expect("outbox")
            .iter()
            .any(|(_, m, _)| m.to == "ops@example.net" && m.subject.contains("whois_privacy"))
    );
    let v = job(&s, &contacts);
    assert_eq!(v.item("completed").as_deref(), Some("2"), "{}", v.text());
    let got = s.ops(&envelope(
        "GET",
        "DOMAIN",
        "<item key=\"domain\">bulk-x.com</item><item key=\"type\">billing</item>",
    ));
    assert_eq!(
        got.path("attributes/contact_set/billing/email").as_deref(),
        Some("ada@example.net"),
        "{}",
        got.text()
    );
    assert!(locked(&s, "locked-one.com"), "the lock stays as it was");
    assert_eq!(job(&s, &ns).item("completed").as_deref(), Some("1"));
    let got = s.ops(&envelope(
        "GET",
        "DOMAIN",
        "<item key=\"domain\">bulk-y.net</item><item key=\"type\">nameservers</item>",
    ));
    assert!(got.text().contains("ns9.example-dns.com"), "{}", got.text());
    assert_eq!(job(&s, &parked).item("completed").as_deref(), Some("1"));
    assert_eq!(
        s.count(
            "SELECT count(*) FROM domain_settings WHERE key = 'parkpage_state' AND value = 'on'"
        ),
        1
    );
    let v = job(&s, &renew);
    assert_eq!(v.item("completed").as_deref(), Some("1"), "{}", v.text());
    let after = s.count("SELECT balance_cents FROM resellers WHERE username = 'testuser'");
    assert!(
        after < before,
        "the renewal was charged: {before} -> {after}"
    );
    assert_eq!(
        s.count(
            "SELECT count(*) FROM portfolio_orders WHERE kind = 'renewal' AND domain = 'bulk-x.com'"
        ),
        1
    );
    let v = job(&s, &check);
    assert_eq!(
        items(&v)
            .iter()
            .map(|i| (i.1.as_str(), i.2.as_str()))
            .collect::<Vec<_>>(),
        [("completed", "taken"), ("completed", "available")]
    );
}

#[test]
fn bad_bulk_requests_are_refused_with_the_field() {
    let s = world();
    for (change_type, extra, field) in [
        (
            "domain_lock",
            "<item key=\"op_type\">freeze</item>",
            "op_type",
        ),
        ("whois_privacy", "", "op_type"),
        ("domain_renew", "<item key=\"period\">11</item>", "period"),
        (
            "domain_nameservers",
            "<item key=\"op_type\">assign</item>",
            "assign_ns",
        ),
        (
            "domain_contacts",
            "<item key=\"contacts\"><dt_array><item key=\"0\"><dt_assoc><item key=\"type\">boss</item><item key=\"set\"><dt_assoc></dt_assoc></item></dt_assoc></item></dt_array></item>",
            "contacts",
        ),
        ("dns_zone", "", "dns_action"),
        (
            "dns_zone",
            "<item key=\"dns_action\">create</item>",
            "apply_to_domains",
        ),
        (
            "dns_zone",
            "<item key=\"dns_action\">create</item><item key=\"apply_to_domains\">1</item><item key=\"dns_template\">no-such-template</item>",
            "dns_template",
        ),
        (
            "dns_zone_record",
            "<item key=\"dns_action\">add</item><item key=\"dns_record_type\">A</item><item key=\"dns_record_data\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"ip_address\">300.1.2.3</item></dt_assoc></item>",
            "dns_record_data.ip_address",
        ),
        (
            "dns_zone_record",
            "<item key=\"dns_action\">add</item><item key=\"dns_record_type\">NS</item><item key=\"dns_record_data\"><dt_assoc><item key=\"subdomain\">www</item></dt_assoc></item>",
            "dns_record_type",
        ),
        (
            "domain_forwarding",
            "<item key=\"op_type\">pause</item>",
            "op_type",
        ),
    ] {
        let r = submit(&s, change_type, &["bulk-x.com"], extra);
        assert!(
            matches!(r.code(), Some(460 | 465)),
            "{change_type}: {}",
            r.text()
        );
        assert!(r.text().contains(field), "{change_type}: {}", r.text());
    }
    assert_eq!(s.count("SELECT count(*) FROM bulk_changes"), 0);
}

/// Submits `change_type` with `extra`, runs it, and gives each item's status
/// and reason.
fn run(s: &Server, change_type: &str, items_: &[&str], extra: &str) -> Vec<(String, String)> {
    let r = submit(s, change_type, items_, extra);
    assert_eq!(r.code(), Some(200), "{change_type}: {}", r.text());
    let id = r.item("bulk_change_req_id").expect("id");
    s.run_due();
    items(&job(s, &id))
        .into_iter()
        .map(|(_, status, reason)| (status, reason))
        .collect()
}

fn zone(s: &Server, d: &str) -> Response {
    s.ops(&envelope(
        "GET_DNS_ZONE",
        "DOMAIN",
        &format!("<item key=\"domain\">{d}</item>"),
    ))
}

fn statuses(outcomes: &[(String, String)]) -> Vec<&str> {
    outcomes.iter().map(|(s, _)| s.as_str()).collect()
}

const WWW_A: &str = "<item key=\"dns_record_type\">a</item><item key=\"dns_record_data\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"ip_address\">192.0.2.44</item></dt_assoc></item>";

#[test]
fn dns_zones_records_and_forwarding_in_bulk() {
    let s = world();
    let me = s
        .app
        .store
        .reseller_by_name(USER)
        .expect("store")
        .expect("reseller")
        .id;
    s.app
        .store
        .add_dns_template(me, "bulk-tpl")
        .expect("template");
    let records = r#"[{"subdomain":"","type":"A","ip_address":"198.51.100.7"}]"#;
    assert!(
        s.app
            .store
            .set_dns_template_records(me, "bulk-tpl", records)
            .expect("store")
    );

    // Created from the template, nameservers pointed at the service: the
    // locked domain is skipped (its nameservers would change), another
    // reseller's fails as not ours.
    let create = "<item key=\"dns_action\">create</item><item key=\"apply_to_domains\">1</item><item key=\"dns_template\">bulk-tpl</item><item key=\"force_dns_nameservers\">1</item>";
    let out = run(
        &s,
        "dns_zone",
        &["bulk-x.com", "theirs-only.com", "locked-one.com"],
        create,
    );
    assert_eq!(
        statuses(&out),
        ["completed", "failed", "skipped"],
        "{out:?}"
    );
    let z = zone(&s, "bulk-x.com");
    assert_eq!(
        z.path("attributes/records/A/0/ip_address").as_deref(),
        Some("198.51.100.7"),
        "{}",
        z.text()
    );
    assert_eq!(
        z.item("nameservers_ok").as_deref(),
        Some("1"),
        "{}",
        z.text()
    );
    assert_eq!(
        s.count("SELECT count(*) FROM dns_zones WHERE domain = 'theirs-only.com'"),
        0
    );

    // Again: the existing zone fails as CREATE_DNS_ZONE would, or is skipped
    // with only_if; a domain with none gets an empty zone.
    let again = "<item key=\"dns_action\">create</item><item key=\"apply_to_domains\">Y</item>";
    let out = run(&s, "dns_zone", &["bulk-x.com"], again);
    assert_eq!(
        out,
        [(
            "failed".to_string(),
            "DNS zone already exists for domain".to_string()
        )]
    );
    let out = run(
        &s,
        "dns_zone",
        &["bulk-x.com", "bulk-y.net"],
        &format!("{again}<item key=\"only_if\">1</item>"),
    );
    assert_eq!(statuses(&out), ["skipped", "completed"], "{out:?}");
    assert_eq!(zone(&s, "bulk-y.net").len_at("attributes/records"), 0);

    // One record added to each zone, then taken out of one.
    let add = format!("<item key=\"dns_action\">add</item>{WWW_A}");
    let out = run(
        &s,
        "dns_zone_record",
        &["bulk-x.com", "bulk-y.net", "no-lock-a.com"],
        &add,
    );
    assert_eq!(
        statuses(&out),
        ["completed", "completed", "failed"],
        "{out:?}"
    );
    assert_eq!(out[2].1, "DNS zone not found for domain");
    for d in ["bulk-x.com", "bulk-y.net"] {
        let z = zone(&s, d);
        let a: Vec<String> = (0..z.len_at("attributes/records/A"))
            .filter_map(|i| z.path(&format!("attributes/records/A/{i}/ip_address")))
            .collect();
        assert!(a.contains(&"192.0.2.44".to_string()), "{d}: {}", z.text());
    }
    let out = run(&s, "dns_zone_record", &["bulk-y.net"], &add);
    assert_eq!(
        out[0],
        (
            "failed".to_string(),
            "The record is already in the zone.".to_string()
        )
    );
    let remove = format!("<item key=\"dns_action\">remove</item>{WWW_A}");
    let out = run(&s, "dns_zone_record", &["bulk-y.net"], &remove);
    assert_eq!(statuses(&out), ["completed"], "{out:?}");
    assert_eq!(zone(&s, "bulk-y.net").len_at("attributes/records"), 0);
    let out = run(
        &s,
        "dns_zone_record",
        &["bulk-y.net"],
        &format!("{remove}<item key=\"only_if\">1</item>"),
    );
    assert_eq!(
        out[0],
        (
            "skipped".to_string(),
            "The zone has no such record.".to_string()
        )
    );

    // Reset goes back to the zone's template; delete removes the zone.
    let reset = "<item key=\"dns_action\">reset</item><item key=\"apply_to_domains\">1</item>";
    let out = run(&s, "dns_zone", &["bulk-x.com"], reset);
    assert_eq!(statuses(&out), ["completed"], "{out:?}");
    let z = zone(&s, "bulk-x.com");
    assert_eq!(z.len_at("attributes/records/A"), 1, "{}", z.text());
    let delete = "<item key=\"dns_action\">delete</item><item key=\"apply_to_domains\">1</item>";
    let out = run(&s, "dns_zone", &["bulk-y.net", "no-lock-a.com"], delete);
    assert_eq!(statuses(&out), ["completed", "failed"], "{out:?}");
    assert_eq!(zone(&s, "bulk-y.net").code(), Some(480));

    // Forwarding: made, its entries turned off and on, deleted.
    let fwd = |op: &str| format!("<item key=\"op_type\">{op}</item>");
    let out = run(
        &s,
        "domain_forwarding",
        &["bulk-x.com", "bulk-y.net"],
        &fwd("create"),
    );
    assert_eq!(statuses(&out), ["completed", "completed"], "{out:?}");
    let set = s.ops(&envelope(
        "SET_DOMAIN_FORWARDING",
        "DOMAIN",
        "<item key=\"domain\">bulk-x.com</item><item key=\"forwarding\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"destination_url\">https://example.org/</item><item key=\"enabled\">1</item></dt_assoc></item></dt_array></item>",
    ));
    assert_eq!(set.code(), Some(200), "{}", set.text());
    let enabled = |s: &Server| {
        s.ops(&envelope(
            "GET_DOMAIN_FORWARDING",
            "DOMAIN",
            "<item key=\"domain\">bulk-x.com</item>",
        ))
        .path("attributes/forwarding/0/enabled")
    };
    let out = run(
        &s,
        "domain_forwarding",
        &["bulk-x.com", "bulk-y.net"],
        &fwd("disable"),
    );
    assert_eq!(statuses(&out), ["completed", "skipped"], "{out:?}");
    assert_eq!(enabled(&s).as_deref(), Some("0"));
    run(&s, "domain_forwarding", &["bulk-x.com"], &fwd("enable"));
    assert_eq!(enabled(&s).as_deref(), Some("1"));
    let out = run(
        &s,
        "domain_forwarding",
        &["bulk-x.com", "no-lock-b.com"],
        &fwd("delete"),
    );
    assert_eq!(statuses(&out), ["completed", "failed"], "{out:?}");
    assert_eq!(enabled(&s), None);

    // Every change was an event and an audit row of the job.
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'DNS_ZONE_UPDATE'"),
        7
    );
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'FORWARDING_UPDATE'"),
        6
    );
    assert!(s.count("SELECT count(*) FROM audit_log WHERE action = 'bulk_change'") >= 10);
}

#[test]
fn a_cancelled_bulk_change_stops_what_is_queued() {
    let s = world();
    let r = submit(
        &s,
        "domain_lock",
        &["bulk-x.com", "bulk-y.net"],
        "<item key=\"op_type\">lock</item>",
    );
    let id = r.item("bulk_change_req_id").expect("id");
    let r = s.ops(&envelope(
        "CANCEL_BULK_CHANGE",
        "BULK_CHANGE",
        &format!("<item key=\"bulk_change_req_id\">{id}</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    let v = job(&s, &id);
    assert_eq!(v.item("cancelled").as_deref(), Some("2"), "{}", v.text());
    assert!(!locked(&s, "bulk-x.com"));
}

/// 10,000 domains locked by one bulk change, each exactly once.
#[test]
fn a_ten_thousand_item_domain_lock() {
    const ITEMS: usize = 10_000;
    let names: Vec<String> = (0..ITEMS).map(|i| format!("lock-{i:05}.com")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let s = Server::start_scenario(
        &PushScenario {
            domains: &refs,
            ..Default::default()
        }
        .toml(),
        |_| {},
    );
    let r = submit(
        &s,
        "domain_lock",
        &refs,
        "<item key=\"op_type\">lock</item>",
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let id = r.item("bulk_change_req_id").expect("id");
    s.run_due();
    let v = job(&s, &id);
    assert_eq!(v.item("total").as_deref(), Some("10000"));
    assert_eq!(
        v.item("completed").as_deref(),
        Some("10000"),
        "{}",
        v.item("status").unwrap_or_default()
    );
    assert_eq!(
        s.count("SELECT count(*) FROM domains WHERE name LIKE 'lock-%' AND locked = 1"),
        ITEMS as i64
    );
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'LOCK_UPDATE'"),
        ITEMS as i64
    );
    // One more item is one too many.
    let mut more = refs.clone();
    more.push("one-more.com");
    let r = submit(
        &s,
        "domain_lock",
        &more,
        "<item key=\"op_type\">unlock</item>",
    );
    assert_eq!(
        r.code(),
        Some(465),
        "{}",
        r.text().chars().take(300).collect::<String>()
    );
}
