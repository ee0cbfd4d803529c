//! CHECK_TRANSFER (issue 18, point 3): the PHP toolkit's request bytes, each answer
//! the sandbox world decides (locked, too young, in your account, another
//! reseller's, registry down), the status of the reseller's own transfer through
//! its lifecycle with the documented expedite, and another reseller's view.

use crate::common::*;

fn check(s: &Server, domain: &str, status: bool) -> Response {
    let extra = if status {
        "<item key=\"check_status\">1</item>"
    } else {
        ""
    };
    s.ops(&envelope(
        "CHECK_TRANSFER",
        "DOMAIN",
        &format!("<item key=\"domain\">{domain}</item>{extra}"),
    ))
}

fn verdict(r: &Response) -> (String, String, String) {
    (
        r.item("transferrable").unwrap_or_default(),
        r.item("noservice").unwrap_or_default(),
        r.item("reason").unwrap_or_default(),
    )
}

#[test]
fn php_toolkit_check_transfer_of_a_free_domain() {
    let s = Server::start();
    let raw = resign_capture(
        &fixture("clients/php-osrs-toolkit/check_transfer.http"),
        KEY,
    );
    let r = s.send(&raw);
    r.assert_php_parses();
    assert_golden("replies/check_transfer.php.reply.xml", &r.body);
    assert_eq!(r.item("transferrable").as_deref(), Some("1"));
    assert_eq!(r.item("status").as_deref(), Some("undef"));
}

#[test]
fn what_the_sandbox_world_decides() {
    let s = Server::start_scenario(
        &format!(
            r#"
        [[reseller]]
        username = "gainingrsp"
        key = "gainkey"
        [[profile]]
        reseller = "{USER}"
        username = "owner1"
        password = "pw1"
        domains = ["mine.com"]
        [[profile]]
        reseller = "gainingrsp"
        username = "theirs"
        password = "theirpw"
        domains = ["theirs.com"]
        "#
        ),
        |_| {},
    );
    let r = check(&s, "held-locked.com", false);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_golden("replies/check_transfer.locked.reply.xml", &r.body);
    let cases = [
        ("free.com", ("1", "0", "")),
        (
            "new-young.com",
            ("0", "0", "Domain was registered less than 60 days ago"),
        ),
        (
            "down-regdown.com",
            ("0", "1", "Registry unavailable; try again later"),
        ),
        (
            "mine.com",
            ("0", "0", "Domain already exists in user's account"),
        ),
        (
            "theirs.com",
            (
                "0",
                "0",
                "Domain already exists in another reseller's account",
            ),
        ),
    ];
    for (domain, (t, n, reason)) in cases {
        let r = check(&s, domain, false);
        assert_eq!(
            verdict(&r),
            (t.to_string(), n.to_string(), reason.to_string()),
            "{domain}: {}",
            r.text()
        );
    }
    assert_eq!(
        check(&s, "mine.com", false).item("reason_code").as_deref(),
        Some("domain_already_belongs_to_current_reseller")
    );
    let bad = check(&s, "not a domain", false);
    assert_eq!(bad.code(), Some(465), "{}", bad.text());
}

#[test]
fn a_transfer_in_progress_through_its_lifecycle() {
    let s = Server::start();
    let domain = "moving-owner1.com";
    let r = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[(domain, "code")]),
    ));
    let job = r.item("simple_transfer_job_id").expect("job");
    let r = check(&s, domain, false);
    assert_eq!(verdict(&r).2, "Transfer in progress");
    assert_eq!(
        check(&s, domain, true).item("status").as_deref(),
        Some("pending_owner")
    );
    s.run_due();
    let r = check(&s, domain, true);
    assert_eq!(r.item("status").as_deref(), Some("pending_owner"));
    assert_eq!(
        r.item("request_address").as_deref(),
        Some("owner1@example.net")
    );
    assert_eq!(r.item("unixtime").as_deref(), Some("1404412474"));
    assert_eq!(
        r.item("timestamp").as_deref(),
        Some("Thu Jul 3 18:34:34 2014")
    );
    // Another reseller sees none of it.
    let theirs = s.send(&http10(
        &envelope(
            "CHECK_TRANSFER",
            "DOMAIN",
            &format!("<item key=\"domain\">{domain}</item><item key=\"check_status\">1</item>"),
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(theirs.item("status").as_deref(), Some("undef"));
    assert_eq!(theirs.item("transferrable").as_deref(), Some("1"));

    // Accepted: at the registry for 5 days, unless a check expedites it.
    let token = &s.approval_links()[0].1;
    s.answer_page(&format!("/approve/{token}"), "accept");
    let r = check(&s, domain, true);
    assert_eq!(r.item("status").as_deref(), Some("pending_registry"));
    s.advance("5m");
    let r = check(&s, domain, true);
    assert_eq!(
        r.item("status").as_deref(),
        Some("completed"),
        "{}",
        r.text()
    );
    assert_eq!(
        r.item("reason_code").as_deref(),
        Some("domain_already_belongs_to_current_reseller")
    );
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM transfer_domains WHERE job_id = {job} AND status = 'completed'"
        )),
        1
    );
}
