//! Issue 30, more of the domain API: UPDATE_ALL_INFO (contacts and nameservers in
//! one call, glue hosts set from it) — over real sockets, none of it reachable by
//! another reseller.

use crate::common::*;
use crate::portfolio::{contact, register};

fn call(action: &str, domain: &str, attrs: &str) -> Vec<u8> {
    envelope(
        action,
        "DOMAIN",
        &format!("<item key=\"domain\">{domain}</item>{attrs}"),
    )
}

/// UPDATE_ALL_INFO as the Haskell client builds it (ToXML.hs: contact roles in map
/// order, empty strings for missing values, nameservers as `name`, `sortorder`,
/// `ipaddress`).
fn update_all_info(domain: &str, owner_email: &str, hosts: &[(&str, &str)]) -> Vec<u8> {
    let roles: String = ["admin", "billing", "owner", "tech"]
        .iter()
        .map(|r| {
            let email = if *r == "owner" {
                owner_email.to_string()
            } else {
                format!("{r}@example.net")
            };
            let c = contact("Jane", &email).replace(
                "<item key=\"email\">",
                "<item key=\"fax\"></item><item key=\"address2\"></item><item key=\"email\">",
            );
            format!("<item key=\"{r}\">{c}</item>")
        })
        .collect();
    let ns: String = hosts
        .iter()
        .enumerate()
        .map(|(i, (name, ip))| {
            format!(
                "<item key=\"{i}\"><dt_assoc><item key=\"name\">{name}</item><item key=\"sortorder\">{i}</item><item key=\"ipaddress\">{ip}</item></dt_assoc></item>"
            )
        })
        .collect();
    envelope(
        "UPDATE_ALL_INFO",
        "DOMAIN",
        &format!(
            "<item key=\"domain\">{domain}</item><item key=\"contact_set\"><dt_assoc>{roles}</dt_assoc></item><item key=\"nameserver_list\"><dt_array>{ns}</dt_array></item>"
        ),
    )
}

#[test]
fn update_all_info_sets_contacts_nameservers_and_glue_together() {
    let s = Server::start();
    let d = "all-info.com";
    let r = s.ops(&register(d, 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let glue = format!("ns1.{d}");
    let body = update_all_info(
        d,
        "new-owner@example.org",
        &[(&glue, "192.0.2.10"), ("ns2.systemdns.com", "")],
    );
    // Another reseller changes nothing.
    let theirs = s.send(&http10(&body, OTHER_USER, OTHER_KEY));
    assert_eq!(theirs.code(), Some(415), "{}", theirs.text());

    let r = s.ops(&body);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("is_success").as_deref(), Some("1"));
    let ns = s.ops(&call("GET", d, "<item key=\"type\">nameservers</item>"));
    assert_eq!(
        ns.path("attributes/nameserver_list/0/name").as_deref(),
        Some(glue.as_str()),
        "{}",
        ns.text()
    );
    assert_eq!(
        ns.path("attributes/nameserver_list/1/name").as_deref(),
        Some("ns2.systemdns.com")
    );
    let host = s.ops(&envelope(
        "GET",
        "NAMESERVER",
        &format!("<item key=\"domain\">{d}</item><item key=\"name\">{glue}</item>"),
    ));
    assert_eq!(
        host.path("attributes/nameserver_list/0/ipaddress")
            .as_deref(),
        Some("192.0.2.10"),
        "{}",
        host.text()
    );
    let owner = s.ops(&call("GET", d, "<item key=\"type\">owner</item>"));
    assert_eq!(
        owner.path("attributes/contact_set/owner/email").as_deref(),
        Some("new-owner@example.org"),
        "{}",
        owner.text()
    );
    // A new registrant address is verified anew.
    let v = s.ops(&call("GET_REGISTRANT_VERIFICATION_STATUS", d, ""));
    assert_eq!(
        v.item("registrant_verification_status").as_deref(),
        Some("verifying")
    );
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM events WHERE event IN ('CONTACT_UPDATE', 'NAMESERVER_UPDATE') AND data LIKE '%{d}%'"
        )),
        2
    );

    // Glue given again with another address: the address is replaced.
    let r = s.ops(&update_all_info(
        d,
        "new-owner@example.org",
        &[(&glue, "192.0.2.11")],
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let host = s.ops(&envelope(
        "GET",
        "NAMESERVER",
        &format!("<item key=\"domain\">{d}</item><item key=\"name\">{glue}</item>"),
    ));
    assert_eq!(
        host.path("attributes/nameserver_list/0/ipaddress")
            .as_deref(),
        Some("192.0.2.11")
    );

    // Checked before anything is written: an unknown host, or glue without an
    // address, changes nothing.
    for (hosts, field) in [
        (
            vec![
                (glue.as_str(), "192.0.2.12"),
                ("ns7.profile-domain.com", ""),
            ],
            "nameserver_list",
        ),
        (vec![(glue.as_str(), "")], "nameserver_list[0].ipaddress"),
    ] {
        let r = s.ops(&update_all_info(d, "third@example.org", &hosts));
        assert_eq!(r.code(), Some(465), "{}", r.text());
        assert!(r.text().contains(field), "{}", r.text());
    }
    let owner = s.ops(&call("GET", d, "<item key=\"type\">owner</item>"));
    assert_eq!(
        owner.path("attributes/contact_set/owner/email").as_deref(),
        Some("new-owner@example.org")
    );
    let r = s.ops(&update_all_info(d, "x@example.org", &[]));
    assert_eq!(r.code(), Some(460), "{}", r.text());
}

fn cookie_for(s: &Server, domain: &str) -> String {
    let r = s.ops(&envelope(
        "SET",
        "COOKIE",
        &format!("<item key=\"domain\">{domain}</item><item key=\"reg_username\">shopper</item><item key=\"reg_password\">shopper-pass</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    r.item("cookie").expect("cookie")
}

/// yola's own ACTIVATE (`domainname` with a top-level cookie), and the documented
/// one (`domain`), on .de domains within and after the thirty days.
#[test]
fn activate_a_parked_de_domain_within_thirty_days() {
    let s = Server::start();
    let r = s.ops(&register("yola-shop.de", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let cookie = cookie_for(&s, "yola-shop.de");
    let yola = crate::portfolio::yola("activate", &cookie);
    let r = s.send(&yola);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("response_text").as_deref(), Some("Domain activated"));
    let notes = s.ops(&call(
        "GET_NOTES",
        "yola-shop.de",
        "<item key=\"type\">domain</item>",
    ));
    assert_eq!(
        notes.path("attributes/notes/0/note").as_deref(),
        Some("Domain activated.")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'ACTIVATED'"),
        1
    );
    let again = s.send(&yola);
    assert_eq!(again.code(), Some(400), "{}", again.text());
    // The PHP toolkit's own request names the domain as documented.
    let r = s.ops(&register("php-shop.de", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = s.send(&php("activate"));
    assert_eq!(r.code(), Some(200), "{}", r.text());

    // Not a .de domain; not the caller's.
    let r = s.ops(&register("not-german.com", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = s.ops(&call("ACTIVATE", "not-german.com", ""));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    let r = s.ops(&register("late-shop.de", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let theirs = s.send(&http10(
        &call("ACTIVATE", "late-shop.de", ""),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(theirs.code(), Some(415), "{}", theirs.text());
    // While another registrar asks for the domain, a request waits on it: 437, as
    // documented.
    let r = s.ops(&register("asked-for.de", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let (status, _) = s.admin_json(
        "POST",
        "/admin/transfers-away",
        "domain=asked-for.de&to=Other+Registrar",
    );
    assert_eq!(status, 200);
    let r = s.ops(&call("ACTIVATE", "asked-for.de", ""));
    assert_eq!(r.code(), Some(437), "{}", r.text());
    // Past the thirty days.
    s.advance("31d");
    let r = s.ops(&call("ACTIVATE", "late-shop.de", ""));
    assert_eq!(r.code(), Some(400), "{}", r.text());
    assert!(r.text().contains("thirty days"), "{}", r.text());
}

/// yola's own PROCESS_PENDING (to process, and with `command=cancel`) and
/// GET_ORDER_INFO, on saved registrations.
#[test]
fn yola_processes_and_cancels_pending_orders() {
    let s = Server::start();
    let saved = |d: &str| {
        let body = String::from_utf8(register(d, 1, ""))
            .expect("utf-8")
            .replace(
                "<item key=\"handle\">process</item>",
                "<item key=\"handle\">save</item>",
            );
        let r = s.ops(body.as_bytes());
        assert_eq!(r.code(), Some(200), "{}", r.text());
        r.item("id").expect("order id")
    };
    let first = saved("yola-pending1.com");
    let second = saved("yola-pending2.com");
    let capture = |name: &str, id: &str, order: &str| {
        resign_capture_with(
            &fixture(&format!("clients/yola-opensrs/{name}.http")),
            KEY,
            &format!(">{id}<"),
            &format!(">{order}<"),
        )
    };
    let r = s.send(&capture("process_pending", "4711", &first));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("order_id").as_deref(), Some(first.as_str()));
    let r = s.send(&capture("process_pending.cancel", "4712", &second));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = s.send(&capture("get_order_info", "4711", &first));
    assert_eq!(
        r.path("attributes/field_hash/status").as_deref(),
        Some("completed"),
        "{}",
        r.text()
    );
    let r = s.send(&capture("get_order_info", "4711", &second));
    assert_eq!(
        r.path("attributes/field_hash/status").as_deref(),
        Some("cancelled")
    );
}

fn php(name: &str) -> Vec<u8> {
    resign_capture(
        &fixture(&format!("clients/php-osrs-toolkit/{name}.http")),
        KEY,
    )
}

/// The link SEND_PASSWORD mailed to `to`, from the outbox.
fn reset_link(s: &Server, to: &str) -> Option<String> {
    s.app
        .store
        .outbox()
        .expect("outbox")
        .into_iter()
        .rev()
        .find(|(_, m, _)| m.to == to && m.body.contains("/password/"))
        .map(|(_, m, _)| {
            let at = m.body.find("/password/").expect("link") + "/password/".len();
            m.body[at..at + 32].to_string()
        })
}

/// The PHP toolkit's own SEND_PASSWORD (object DOMAIN, `send_to=owner`): the owner
/// is mailed a link; the link's page sets the profile's password once, and the
/// old password and cookies stop working.
#[test]
fn send_password_mails_a_link_that_sets_the_profile_password_once() {
    let s = Server::start();
    let r = s.ops(&register("php-shop.com", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let old_cookie = cookie_for(&s, "php-shop.com");
    // The contact set `register` sends names jane@example.net in every role.
    let r = s.send(&php("send_password.domain"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("response_text").as_deref(), Some("Message sent"));
    let token = reset_link(&s, "jane@example.net").expect("a reset mail to the owner");

    // Another reseller cannot have a link sent for it; sub-users do not exist.
    let body = envelope(
        "SEND_PASSWORD",
        "DOMAIN",
        "<item key=\"domain_name\">php-shop.com</item>",
    );
    let theirs = s.send(&http10(&body, OTHER_USER, OTHER_KEY));
    assert_eq!(theirs.code(), Some(415), "{}", theirs.text());
    let sub = s.ops(&envelope(
        "SEND_PASSWORD",
        "DOMAIN",
        "<item key=\"domain_name\">php-shop.com</item><item key=\"sub_user\">1</item>",
    ));
    assert_eq!(sub.code(), Some(480), "{}", sub.text());

    let path = format!("/password/{token}");
    let page = s.get(&path);
    assert!(page.status_line.ends_with("200 OK"), "{}", page.text());
    assert!(page.text().contains("shopper"), "{}", page.text());
    let csrf = csrf_of(&page.text());
    // Without the form's token, or with two different passwords: nothing changes.
    let forged = s.post_form(
        &path,
        "csrf=0000&password=new-pass-123&confirm=new-pass-123",
    );
    assert!(forged.status_line.contains("403"), "{}", forged.status_line);
    let differ = s.post_form(
        &path,
        &format!("csrf={csrf}&password=new-pass-123&confirm=new-pass-124"),
    );
    assert!(differ.status_line.contains("400"), "{}", differ.status_line);
    let short = s.post_form(&path, &format!("csrf={csrf}&password=short&confirm=short"));
    assert!(short.status_line.contains("400"), "{}", short.status_line);
    let done = s.post_form(
        &path,
        &format!("csrf={csrf}&password=new-pass-123&confirm=new-pass-123"),
    );
    assert!(done.status_line.ends_with("200 OK"), "{}", done.text());
    assert!(done.text().contains("is set"), "{}", done.text());
    // Once only.
    let again = s.post_form(
        &path,
        &format!("csrf={csrf}&password=other-pass-1&confirm=other-pass-1"),
    );
    assert!(again.status_line.contains("410"), "{}", again.status_line);

    // The old password and the old cookie no longer open the domain; the new one does.
    let set = |password: &str| {
        s.ops(&envelope(
            "SET",
            "COOKIE",
            &format!("<item key=\"domain\">php-shop.com</item><item key=\"reg_username\">shopper</item><item key=\"reg_password\">{password}</item>"),
        ))
    };
    assert_eq!(set("shopper-pass").code(), Some(415));
    assert_eq!(set("new-pass-123").code(), Some(200));
    let with_old = envelope("GET", "DOMAIN", "<item key=\"type\">status</item>");
    let with_old = String::from_utf8(with_old).expect("utf-8").replace(
        "<item key=\"protocol\">",
        &format!("<item key=\"cookie\">{old_cookie}</item><item key=\"protocol\">"),
    );
    let r = s.ops(with_old.as_bytes());
    assert_eq!(r.code(), Some(415), "{}", r.text());
    assert_eq!(
        s.count("SELECT count(*) FROM audit_log WHERE action = 'password_reset'"),
        1
    );
}

/// A link expires after a day; an unknown one is not valid.
#[test]
fn a_password_link_expires_after_a_day() {
    let s = Server::start();
    let r = s.ops(&register("late-reset.com", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = s.ops(&envelope(
        "SEND_PASSWORD",
        "DOMAIN",
        "<item key=\"domain_name\">late-reset.com</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let token = reset_link(&s, "jane@example.net").expect("a reset mail to the admin");
    s.advance("25h");
    let page = s.get(&format!("/password/{token}"));
    assert!(page.status_line.contains("410"), "{}", page.status_line);
    let unknown = s.get(&format!("/password/{}", "ab".repeat(16)));
    assert!(
        unknown.status_line.contains("404"),
        "{}",
        unknown.status_line
    );
}

fn modify(s: &Server, domain: &str, data: &str, attrs: &str) -> Response {
    s.ops(&call(
        "MODIFY",
        domain,
        &format!("<item key=\"data\">{data}</item><item key=\"affect_domains\">0</item>{attrs}"),
    ))
}

fn get(s: &Server, domain: &str, kind: &str) -> Response {
    s.ops(&call(
        "GET",
        domain,
        &format!("<item key=\"type\">{kind}</item>"),
    ))
}

/// Every TLD-specific GET type and MODIFY data: stored, read back, checked per TLD.
#[test]
fn tld_data_and_the_per_tld_settings() {
    let s = Server::start();
    let nexus = "<item key=\"tld_data\"><dt_assoc><item key=\"nexus\"><dt_assoc><item key=\"category\">C11</item><item key=\"app_purpose\">P3</item></dt_assoc></item></dt_assoc></item>";
    for d in [
        "shop.us",
        "shop.name",
        "shop.ca",
        "shop.it",
        "shop.co.uk",
        "shop.dk",
        "plain.com",
    ] {
        let extra = if d == "shop.us" { nexus } else { "" };
        let r = s.ops(&register(d, 1, extra));
        assert_eq!(r.code(), Some(200), "{d}: {}", r.text());
    }
    // GET tld_data as the Haskell client sends it (domain, type, limit; no cookie).
    let r = s.ops(&call(
        "GET",
        "shop.us",
        "<item key=\"type\">tld_data</item><item key=\"limit\">10</item>",
    ));
    assert_eq!(
        r.path("attributes/tld_data/nexus/category").as_deref(),
        Some("C11"),
        "{}",
        r.text()
    );
    let r = get(&s, "shop.us", "nexus_info");
    assert_eq!(
        r.path("attributes/nexus/app_purpose").as_deref(),
        Some("P3")
    );
    let r = get(&s, "plain.com", "nexus_info");
    assert_eq!(r.code(), Some(465), "{}", r.text());
    // MODIFY tld_data: checked per TLD, laid over what is stored.
    let bad = "<item key=\"tld_data\"><dt_assoc><item key=\"nexus\"><dt_assoc><item key=\"category\">C31</item><item key=\"app_purpose\">P1</item></dt_assoc></item></dt_assoc></item>";
    let r = modify(&s, "shop.us", "tld_data", bad);
    assert_eq!(r.code(), Some(465), "{}", r.text());
    assert!(
        r.text().contains("tld_data.nexus.validator"),
        "{}",
        r.text()
    );
    let good = bad.replace(
        "<item key=\"app_purpose\">P1</item>",
        "<item key=\"app_purpose\">P1</item><item key=\"validator\">CA</item>",
    );
    let r = modify(&s, "shop.us", "tld_data", &good);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        get(&s, "shop.us", "tld_data")
            .path("attributes/tld_data/nexus/validator")
            .as_deref(),
        Some("CA")
    );
    let r = modify(&s, "plain.com", "tld_data", &good);
    assert_eq!(r.code(), Some(465), "a .us block on a .com: {}", r.text());

    // .name forwarding email.
    let r = modify(
        &s,
        "shop.name",
        "forwarding_email",
        "<item key=\"forwarding_email\">Me@Example.net</item>",
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        get(&s, "shop.name", "forwarding_email")
            .item("forwarding_email")
            .as_deref(),
        Some("me@example.net")
    );
    assert_eq!(
        modify(
            &s,
            "plain.com",
            "forwarding_email",
            "<item key=\"forwarding_email\">a@b.net</item>"
        )
        .code(),
        Some(465)
    );

    // .ca: WHOIS display for an individual; the owner changed to a corporation,
    // after which hiding is refused.
    let r = modify(
        &s,
        "shop.ca",
        "ca_whois_display_setting",
        "<item key=\"display\">PRIVATE</item>",
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        get(&s, "shop.ca", "ca_whois_display_setting")
            .item("display")
            .as_deref(),
        Some("PRIVATE")
    );
    let owner = contact("Corp", "legal@example.ca")
        .trim_start_matches("<dt_assoc>")
        .trim_end_matches("</dt_assoc>")
        .to_string();
    let r = modify(
        &s,
        "shop.ca",
        "cira_registrant",
        &format!("{owner}<item key=\"legal_type\">CCO</item><item key=\"lang\">EN</item>"),
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        get(&s, "shop.ca", "owner")
            .path("attributes/contact_set/owner/email")
            .as_deref(),
        Some("legal@example.ca")
    );
    let r = modify(
        &s,
        "shop.ca",
        "ca_whois_display_setting",
        "<item key=\"display\">PRIVATE</item>",
    );
    assert_eq!(r.code(), Some(465), "{}", r.text());

    // .it consent, .uk IPS tag, parked pages (yola sends no affect_domains), the
    // reseller's WHOIS information.
    let r = modify(
        &s,
        "shop.it",
        "it_whois_display_setting",
        "<item key=\"consent_for_publishing\">0</item>",
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        get(&s, "shop.it", "it_whois_display_setting")
            .item("consent_for_publishing")
            .as_deref(),
        Some("0")
    );
    let r = modify(
        &s,
        "shop.co.uk",
        "change_ips_tag",
        "<item key=\"gaining_registrar_tag\">newtag</item><item key=\"change_tag_all\">0</item>",
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let notes = s.ops(&call(
        "GET_NOTES",
        "shop.co.uk",
        "<item key=\"type\">domain</item>",
    ));
    assert_eq!(
        notes.path("attributes/notes/0/note").as_deref(),
        Some("Domain released to IPS tag NEWTAG.")
    );
    let r = s.ops(&call(
        "MODIFY",
        "plain.com",
        "<item key=\"data\">parkpage_state</item><item key=\"state\">off</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        get(&s, "plain.com", "status")
            .item("parkp_status")
            .as_deref(),
        Some("off")
    );
    assert_eq!(
        get(&s, "plain.com", "rsp_whois_info")
            .item("domain_enabled")
            .as_deref(),
        Some("N")
    );
    let r = modify(
        &s,
        "plain.com",
        "rsp_whois_info",
        "<item key=\"flag\">Y</item><item key=\"all\">0</item>",
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = get(&s, "plain.com", "rsp_whois_info");
    assert_eq!(r.item("domain_enabled").as_deref(), Some("Y"));
    assert_eq!(r.item("rsp_enabled").as_deref(), Some("Y"));

    // .dk: the requests made on the domain, each settled.
    let r = modify(&s, "shop.dk", "status", "<item key=\"lock_state\">1</item>");
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = get(&s, "shop.dk", "xpack_waiting_history");
    assert_eq!(r.item("record_count").as_deref(), Some("2"), "{}", r.text());
    assert_eq!(
        r.path("attributes/waiting_history/0/req_type").as_deref(),
        Some("domain_new_registration")
    );
    assert_eq!(
        r.path("attributes/waiting_history/1/req_type").as_deref(),
        Some("domain_change")
    );
    assert_eq!(
        get(&s, "plain.com", "xpack_waiting_history").code(),
        Some(465)
    );

    // Another reseller reads none of it.
    let theirs = s.send(&http10(
        &call("GET", "shop.us", "<item key=\"type\">tld_data</item>"),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(theirs.code(), Some(415), "{}", theirs.text());
}

/// A registration's own TLD data is checked; another TLD's is kept as sent.
#[test]
fn a_registration_checks_its_own_tlds_data() {
    let s = Server::start();
    let bad = "<item key=\"tld_data\"><dt_assoc><item key=\"nexus\"><dt_assoc><item key=\"category\">C99</item><item key=\"app_purpose\">P3</item></dt_assoc></item></dt_assoc></item>";
    let r = s.ops(&register("bad-nexus.us", 1, bad));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    assert!(r.text().contains("tld_data.nexus.category"), "{}", r.text());
    let r = s.ops(&register("fine-anyway.com", 1, bad));
    assert_eq!(r.code(), Some(200), "{}", r.text());
}

/// SW_REGISTER reg_type premium (with the price verified), sunrise (with an SMD)
/// and whois_privacy.
#[test]
fn premium_sunrise_and_privacy_registrations() {
    let s = Server::start();
    let with = |domain: &str, reg_type: &str, extra: &str| {
        let body = String::from_utf8(register(domain, 1, extra))
            .expect("utf-8")
            .replace(
                "<item key=\"reg_type\">new</item>",
                &format!("<item key=\"reg_type\">{reg_type}</item>"),
            );
        s.ops(body.as_bytes())
    };
    // The sandbox prices a -premium name at 25 times the TLD's price.
    let r = with(
        "shop-premium.com",
        "premium",
        "<item key=\"premium_price_to_verify\">10.00</item>",
    );
    assert_eq!(r.code(), Some(465), "{}", r.text());
    assert!(r.text().contains("premium_price_to_verify"), "{}", r.text());
    let price = s
        .ops(&envelope(
            "GET_PRICE",
            "DOMAIN",
            "<item key=\"domain\">shop-premium.com</item>",
        ))
        .item("price")
        .expect("price");
    let r = with(
        "shop-premium.com",
        "premium",
        &format!("<item key=\"premium_price_to_verify\">{price}</item>"),
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = with("plain-name.com", "premium", "");
    assert_eq!(r.code(), Some(465), "not premium: {}", r.text());
    assert!(r.text().contains("reg_type"), "{}", r.text());

    // Sunrise needs an SMD that decodes.
    let r = with("mark-sunrise.com", "sunrise", "");
    assert_eq!(r.code(), Some(460), "{}", r.text());
    let r = with(
        "mark-sunrise.com",
        "sunrise",
        "<item key=\"trademark_smd\">not base64!</item>",
    );
    assert_eq!(r.code(), Some(465), "{}", r.text());
    let smd = "-----BEGIN ENCODED SMD-----\nPD94bWwgdmVyc2lvbj0iMS4wIj8+PHNtZDpzaWduZWRNYXJrLz4=\n-----END ENCODED SMD-----";
    let r = with(
        "mark-sunrise.com",
        "sunrise",
        &format!("<item key=\"trademark_smd\">{smd}</item>"),
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());

    // whois_privacy for a domain held: on once, then refused.
    let privacy = envelope(
        "SW_REGISTER",
        "DOMAIN",
        "<item key=\"reg_type\">whois_privacy</item><item key=\"domain\">mark-sunrise.com</item>",
    );
    let r = s.ops(&privacy);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("whois_privacy_state").as_deref(), Some("enabled"));
    assert_eq!(
        get(&s, "mark-sunrise.com", "whois_privacy_state")
            .item("state")
            .as_deref(),
        Some("enabled")
    );
    assert_eq!(s.ops(&privacy).code(), Some(465));
    let theirs = s.send(&http10(&privacy, OTHER_USER, OTHER_KEY));
    assert_eq!(theirs.code(), Some(415), "{}", theirs.text());
}

/// TRADE_DOMAIN: the owner changed and charged as a trade order; .be asks for the
/// auth code; a TLD without trades is refused.
#[test]
fn trade_domain_changes_the_registrant_as_an_order() {
    let s = Server::start();
    for d in ["boutique.fr", "winkel.be", "plain-trade.com"] {
        let r = s.ops(&register(d, 1, ""));
        assert_eq!(r.code(), Some(200), "{d}: {}", r.text());
    }
    let before = s.count("SELECT balance_cents FROM resellers WHERE username = 'testuser'");
    let owner = "<item key=\"first_name\">Nouveau</item><item key=\"last_name\">Titulaire</item><item key=\"org_name\">Acme SARL</item><item key=\"email\">nouveau@example.fr</item><item key=\"address1\">1 rue de Paris</item><item key=\"city\">Paris</item><item key=\"state\">IDF</item><item key=\"postal_code\">75001</item><item key=\"country\">FR</item><item key=\"phone\">+33.140000000</item>";
    let r = s.ops(&call("TRADE_DOMAIN", "boutique.fr", owner));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let order = r.item("id").expect("order id");
    assert_eq!(
        get(&s, "boutique.fr", "owner")
            .path("attributes/contact_set/owner/email")
            .as_deref(),
        Some("nouveau@example.fr")
    );
    let after = s.count("SELECT balance_cents FROM resellers WHERE username = 'testuser'");
    assert_eq!(before - after, 1000, "one trade at the default price");
    let r = s.ops(&envelope(
        "GET_ORDER_INFO",
        "DOMAIN",
        &format!("<item key=\"order_id\">{order}</item>"),
    ));
    assert_eq!(
        r.path("attributes/field_hash/reg_type").as_deref(),
        Some("trade"),
        "{}",
        r.text()
    );
    // .be: the four fields WHMCS sends, and the auth code.
    let minimal = "<item key=\"first_name\">Nieuwe</item><item key=\"last_name\">Houder</item><item key=\"org_name\">Acme BV</item><item key=\"email\">nieuw@example.be</item>";
    let r = s.ops(&call("TRADE_DOMAIN", "winkel.be", minimal));
    assert_eq!(r.code(), Some(460), "{}", r.text());
    let r = s.ops(&call(
        "TRADE_DOMAIN",
        "winkel.be",
        &format!("{minimal}<item key=\"domain_auth_info\">wrong-code-1</item>"),
    ));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    let code = get(&s, "winkel.be", "domain_auth_info")
        .item("domain_auth_info")
        .expect("code");
    let r = s.ops(&call(
        "TRADE_DOMAIN",
        "winkel.be",
        &format!("{minimal}<item key=\"domain_auth_info\">{code}</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = s.ops(&call("TRADE_DOMAIN", "plain-trade.com", minimal));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    let theirs = s.send(&http10(
        &call("TRADE_DOMAIN", "boutique.fr", owner),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(theirs.code(), Some(415), "{}", theirs.text());
}

/// The .ca calls: the names blocking a registration, and the CIRA email again.
#[test]
fn ca_blockers_and_the_cira_approval_email() {
    let s = Server::start();
    let r = s.send(&http10(
        &register("hockey.on.ca", 1, ""),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = s.ops(&call("GET_CA_BLOCKER_LIST", "hockey.ca", ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.path("attributes/blocker_list/hockey.on.ca/status")
            .as_deref(),
        Some("registered"),
        "{}",
        r.text()
    );
    assert_eq!(r.len_at("attributes/blocker_list"), 1);
    let r = s.ops(&call("GET_CA_BLOCKER_LIST", "curling.ca", ""));
    assert_eq!(r.len_at("attributes/blocker_list"), 0, "{}", r.text());
    assert_eq!(
        s.ops(&call("GET_CA_BLOCKER_LIST", "hockey.com", "")).code(),
        Some(465)
    );
    // LOOKUP says so as Tucows' own client reads it: 246 for a free name with a
    // registered variant, 247 for a municipal one, 210 otherwise.
    let look = |name: &str| s.ops(&call("LOOKUP", name, ""));
    let r = look("hockey.ca");
    assert_eq!(r.code(), Some(246), "{}", r.text());
    assert_eq!(r.item("status").as_deref(), Some("available"));
    assert_eq!(r.item("is_success").as_deref(), Some("1"));
    assert_eq!(look("hockey.qc.ca").code(), Some(246));
    assert_eq!(
        look("hockey.on.ca").code(),
        Some(211),
        "the holder's own name is taken"
    );
    assert_eq!(look("curling.ca").code(), Some(210));
    let r = look("town-municipal.ca");
    assert_eq!(r.code(), Some(247), "{}", r.text());
    assert_eq!(r.item("status").as_deref(), Some("available"));
    assert_eq!(look("town-municipal.com").code(), Some(210));

    let r = s.ops(&register("maple.ca", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let r = s.ops(&call("SEND_CIRA_APPROVAL_EMAIL", "maple.ca", ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert!(
        s.app
            .store
            .outbox()
            .expect("outbox")
            .iter()
            .any(|(_, m, _)| m.to == "jane@example.net" && m.subject.contains("maple.ca"))
    );
    let theirs = s.send(&http10(
        &call("SEND_CIRA_APPROVAL_EMAIL", "maple.ca", ""),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(theirs.code(), Some(415), "{}", theirs.text());
}

/// The PHP toolkit's own BULK_TRANSFER: one transfer job of the names that can
/// move, into a profile made for them, run through the transfer lifecycle (the
/// registrants asked, the job's status readable), the rest listed as failures.
#[test]
fn the_php_toolkits_bulk_transfer_runs_as_a_job() {
    let s = Server::start();
    let r = s.send(&php("bulk_transfer"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let job = r.item("bulk_transfer_id").expect("bulk_transfer_id");
    assert_eq!(r.len_at("attributes/successful_domains"), 2, "{}", r.text());
    assert_eq!(
        r.path("attributes/successful_domains/0/order_id")
            .as_deref(),
        Some(job.as_str())
    );
    assert_eq!(
        r.path("attributes/failure_domains/0/domain").as_deref(),
        Some("php-bulk-c.zz")
    );
    s.run_due();
    // The job is a SIMPLE_TRANSFER job like any: its status, its approval emails.
    let st = s.ops(&status_body(&job));
    assert_eq!(st.code(), Some(200), "{}", st.text());
    assert!(!s.approval_links().is_empty(), "the registrants were asked");
    assert_eq!(
        s.count("SELECT count(*) FROM profiles WHERE username = 'bulkbuyer'"),
        1
    );
    // Nothing transferable: refused, nothing stored.
    let r = s.ops(&envelope(
        "BULK_TRANSFER",
        "DOMAIN",
        "<item key=\"domain_list\"><dt_array><item key=\"0\">only.zz</item></dt_array></item><item key=\"reg_username\">u2</item><item key=\"reg_password\">p2-pass</item><item key=\"custom_tech_contact\">0</item>",
    ));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    assert_eq!(s.count("SELECT count(*) FROM transfer_jobs"), 1);
}
