//! Every immediate-failure rule of seed 004 over a real socket: the whole request is
//! rejected with a code and a text naming the offending item, and nothing is stored.

use crate::common::*;

fn rejects(s: &Server, attrs: &str, code: u16, text: &str) {
    let r = s.ops(&envelope("SIMPLE_TRANSFER", "DOMAIN", attrs));
    assert_eq!(r.code(), Some(code), "{}", r.text());
    assert_eq!(r.item("response_text").as_deref(), Some(text));
    assert_eq!(r.item("is_success").as_deref(), Some("0"));
    assert!(!r.text().contains("attributes"));
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_jobs"),
        0,
        "nothing stored"
    );
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_domains"),
        0,
        "nothing stored"
    );
}

const OK: &str = "<item key=\"domain_list\"><dt_array><item key=\"0\"><dt_assoc><item key=\"domain_name\">a.com</item><item key=\"auth_info\">x</item></dt_assoc></item></dt_array></item>";

#[test]
fn domain_list_rules() {
    let s = Server::start();
    rejects(&s, "", 460, "Required field 'domain_list' not provided.");
    rejects(
        &s,
        "<item key=\"domain_list\"><dt_array/></item>",
        465,
        "Invalid value for 'domain_list': the list is empty.",
    );
    rejects(
        &s,
        "<item key=\"domain_list\"><dt_assoc/></item>",
        465,
        "Invalid value for 'domain_list': the list is empty.",
    );
    rejects(
        &s,
        "<item key=\"domain_list\">a.com</item>",
        465,
        "Invalid value for 'domain_list': expected a dt_array, got a scalar.",
    );
    rejects(
        &s,
        "<item key=\"domain_list\"><dt_array><item key=\"0\">a.com</item></dt_array></item>",
        465,
        "Invalid value for 'domain_list[0]': expected a dt_assoc, got a scalar.",
    );
    rejects(
        &s,
        &domain_list(&[("a.com", "x"), ("b.com", "")]),
        460,
        "Required field 'domain_list[1].auth_info' not provided.",
    );
    rejects(
        &s,
        "<item key=\"domain_list\"><dt_array><item key=\"0\"><dt_assoc><item key=\"domain_name\">a.com</item></dt_assoc></item></dt_array></item>",
        460,
        "Required field 'domain_list[0].auth_info' not provided.",
    );
    rejects(
        &s,
        "<item key=\"domain_list\"><dt_array><item key=\"0\"><dt_assoc><item key=\"auth_info\">x</item></dt_assoc></item></dt_array></item>",
        460,
        "Required field 'domain_list[0].domain_name' not provided.",
    );
    rejects(
        &s,
        &domain_list(&[("a.com", "x"), ("bad_name.com", "y")]),
        465,
        "Invalid value for 'domain_list[1].domain_name': 'bad_name.com' is not a valid host name.",
    );
    rejects(
        &s,
        &domain_list(&[("a.com", "x"), ("com", "y")]),
        465,
        "Invalid value for 'domain_list[1].domain_name': 'com' needs at least two labels.",
    );
    rejects(
        &s,
        &domain_list(&[("a.com", "x"), ("A.COM", "y")]),
        465,
        "Invalid value for 'domain_list[1].domain_name': a.com is already at domain_list[0].",
    );
}

#[test]
fn more_than_ten_thousand_domains() {
    let s = Server::start();
    let names: Vec<String> = (0..10_001).map(|i| format!("d{i}.com")).collect();
    let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "code")).collect();
    rejects(
        &s,
        &domain_list(&list),
        465,
        "Invalid value for 'domain_list': 10001 items; at most 10000 are allowed.",
    );
}

#[test]
fn profile_rules() {
    let s = Server::start();
    let with = |extra: &str| format!("{OK}{extra}");
    rejects(
        &s,
        &with("<item key=\"reg_username\">nobody</item><item key=\"reg_password\">x</item>"),
        415,
        "Authentication Error.",
    );
    rejects(
        &s,
        &with("<item key=\"reg_username\">reguser</item><item key=\"reg_password\">wrong</item>"),
        415,
        "Authentication Error.",
    );
    rejects(
        &s,
        &with(
            "<item key=\"reg_domain\">other.com</item><item key=\"reg_username\">reguser</item><item key=\"reg_password\">p&amp;ss&lt;wd&gt;</item>",
        ),
        415,
        "Authentication Error.",
    );
    rejects(
        &s,
        &with("<item key=\"reg_domain\">profile-domain.com</item>"),
        460,
        "Required field 'reg_username' not provided.",
    );
    // Another reseller's profile is no profile of this one.
    let r = s.send(&http10(
        &envelope("SIMPLE_TRANSFER", "DOMAIN", &with("<item key=\"reg_username\">reguser</item><item key=\"reg_password\">p&amp;ss&lt;wd&gt;</item>")),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(r.code(), Some(415));
    // The right one, with its domain, is accepted.
    let r = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &with("<item key=\"reg_domain\">profile-domain.com</item><item key=\"reg_username\">reguser</item><item key=\"reg_password\">p&amp;ss&lt;wd&gt;</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_jobs WHERE profile_id IS NOT NULL"),
        1
    );
}

#[test]
fn nameserver_and_template_rules() {
    let s = Server::start();
    let with = |extra: &str| format!("{OK}{extra}");
    rejects(
        &s,
        &with(
            "<item key=\"nameserver_list\"><dt_array><item key=\"0\">ns1.a.com</item></dt_array></item><item key=\"dns_template\">default-template</item>",
        ),
        465,
        "Invalid value for 'dns_template': give either nameserver_list or dns_template, not both.",
    );
    rejects(
        &s,
        &with("<item key=\"dns_template\">nope</item>"),
        465,
        "Invalid value for 'dns_template': no DNS template named 'nope'.",
    );
    rejects(
        &s,
        &with(
            "<item key=\"nameserver_list\"><dt_array><item key=\"0\">ns1.a.com</item><item key=\"1\">ns_2.a.com</item></dt_array></item>",
        ),
        465,
        "Invalid value for 'nameserver_list[1]': 'ns_2.a.com' is not a valid host name.",
    );
    rejects(
        &s,
        &with(
            "<item key=\"nameserver_list\"><dt_array><item key=\"0\"><dt_assoc><item key=\"name\">localhost</item><item key=\"sortorder\">1</item></dt_assoc></item></dt_array></item>",
        ),
        465,
        "Invalid value for 'nameserver_list[0]': 'localhost' needs at least two labels.",
    );
    let ok = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &with("<item key=\"dns_template\">default-template</item>"),
    ));
    assert_eq!(ok.code(), Some(200), "{}", ok.text());
}

#[test]
fn unsupported_tld() {
    let s = Server::start();
    rejects(
        &s,
        &domain_list(&[("a.com", "x"), ("b.co.uk", "y")]),
        465,
        "Invalid value for 'domain_list[1].domain_name': TLD .uk of b.co.uk is not supported by SIMPLE_TRANSFER.",
    );
    let r = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[("a.com.au", "x"), ("b.org.bz", "y")]),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
}

#[test]
fn stored_before_the_reply_in_request_order_with_options() {
    let s = Server::start();
    let attrs = format!(
        "{}<item key=\"name\">my job</item><item key=\"nameserver_list\"><dt_array><item key=\"1\">ns2.b.com</item><item key=\"0\">ns1.b.com</item></dt_array></item>",
        domain_list(&[("z.com", "1"), ("a.com", "2"), ("m.net", "3")])
    );
    let r = s.ops(&envelope("SIMPLE_TRANSFER", "DOMAIN", &attrs));
    assert_eq!(r.item("simple_transfer_job_id").as_deref(), Some("134"));
    assert_eq!(s.count("SELECT count(*) FROM transfer_jobs WHERE id = 134 AND name = 'my job' AND status = 'pending'"), 1);
    assert_eq!(s.count("SELECT count(*) FROM transfer_nameservers WHERE job_id = 134 AND position = 0 AND name = 'ns1.b.com'"), 1);
    let status = s.ops(&status_body("134")).text();
    let z = status.find("z.com").expect("z");
    let a = status.find("a.com").expect("a");
    let m = status.find("m.net").expect("m");
    assert!(z < a && a < m, "domains in request order");
}

#[test]
fn default_name_is_the_creation_time() {
    let s = Server::start();
    s.clock.advance(time::Duration::seconds(61));
    let r = s.ops(&envelope("SIMPLE_TRANSFER", "DOMAIN", OK));
    assert_eq!(r.code(), Some(200));
    let status = s.ops(&status_body("134"));
    assert_eq!(
        status.item("name").as_deref(),
        Some("unspecified - 2014-07-03 18:35:35")
    );
}

#[test]
fn ten_thousand_domains_in_one_job() {
    let s = Server::start();
    let names: Vec<String> = (0..10_000).map(|i| format!("bulk-{i:05}.com")).collect();
    let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "a&b")).collect();
    let r = s.ops(&envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list)));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_domains WHERE job_id = 134 AND status = 'pending'"),
        10_000
    );
    let status = s.ops(&status_body("134"));
    assert_eq!(status.code(), Some(200));
    let text = status.text();
    assert_eq!(text.matches("<item key=\"domain_name\">").count(), 10_000);
    assert!(text.find("bulk-00000.com") < text.find("bulk-09999.com"));
}
