//! Issue 31, over OPS: the DNS service's zones (made, read, replaced, reset to a
//! template, deleted; the nameservers forced) and domain forwarding, each with
//! the documented shapes; bad records answered 465 naming the record, changing
//! nothing; none of it reachable by another reseller, by domain or by cookie.

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

fn registered(s: &Server, domain: &str) {
    let r = s.ops(&register(domain, 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
}

/// The records of the documentation's create/set_dns_zone example (as the
/// carbon/OpenSrs client copies it), one of each type.
const DOC_RECORDS: &str = "<item key=\"records\"><dt_assoc>\
<item key=\"A\"><dt_array><item key=\"0\"><dt_assoc><item key=\"ip_address\">9.36.11.25</item><item key=\"subdomain\">www</item></dt_assoc></item></dt_array></item>\
<item key=\"AAAA\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">www1</item><item key=\"ipv6_address\">2001:00ab:0000:00a1:0001:000b:00cc:00de</item></dt_assoc></item></dt_array></item>\
<item key=\"CNAME\"><dt_array><item key=\"0\"><dt_assoc><item key=\"hostname\">example.org</item><item key=\"subdomain\">www2</item></dt_assoc></item></dt_array></item>\
<item key=\"MX\"><dt_array><item key=\"0\"><dt_assoc><item key=\"priority\">10</item><item key=\"hostname\">example.org</item><item key=\"subdomain\">www3</item></dt_assoc></item></dt_array></item>\
<item key=\"SRV\"><dt_array><item key=\"0\"><dt_assoc><item key=\"priority\">10</item><item key=\"weight\">1</item><item key=\"hostname\">example.org</item><item key=\"subdomain\">www4</item><item key=\"port\">443</item></dt_assoc></item></dt_array></item>\
<item key=\"TXT\"><dt_array><item key=\"0\"><dt_assoc><item key=\"text\">This is a test</item><item key=\"subdomain\">www5</item></dt_assoc></item></dt_array></item>\
</dt_assoc></item>";

#[test]
fn a_zone_is_made_read_replaced_reset_and_deleted() {
    let s = Server::start();
    let d = "zone-one.com";
    registered(&s, d);
    let none = s.ops(&call("GET_DNS_ZONE", d, ""));
    assert_eq!(none.code(), Some(480), "{}", none.text());

    let r = s.ops(&call("CREATE_DNS_ZONE", d, DOC_RECORDS));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Command Successful")
    );
    assert_eq!(
        r.item("nameservers_ok").as_deref(),
        Some("1"),
        "the default nameservers are the service's"
    );
    let again = s.ops(&call("CREATE_DNS_ZONE", d, ""));
    assert_eq!(again.code(), Some(485), "{}", again.text());

    let got = s.ops(&call("GET_DNS_ZONE", d, ""));
    assert_eq!(got.code(), Some(200), "{}", got.text());
    assert_eq!(
        got.path("attributes/records/A/0/ip_address").as_deref(),
        Some("9.36.11.25")
    );
    assert_eq!(
        got.path("attributes/records/A/0/subdomain").as_deref(),
        Some("www")
    );
    assert_eq!(
        got.path("attributes/records/AAAA/0/ipv6_address")
            .as_deref(),
        Some("2001:ab:0:a1:1:b:cc:de")
    );
    assert_eq!(
        got.path("attributes/records/MX/0/priority").as_deref(),
        Some("10")
    );
    assert_eq!(
        got.path("attributes/records/SRV/0/port").as_deref(),
        Some("443")
    );
    assert_eq!(
        got.path("attributes/records/TXT/0/text").as_deref(),
        Some("This is a test")
    );
    assert_eq!(
        got.path("attributes/records/CNAME/0/hostname").as_deref(),
        Some("example.org")
    );

    // SET replaces the whole set; types left empty are left out of the reply.
    let set = s.ops(&call(
        "SET_DNS_ZONE",
        d,
        "<item key=\"records\"><dt_assoc><item key=\"A\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\"></item><item key=\"ip_address\">192.0.2.10</item></dt_assoc></item></dt_array></item></dt_assoc></item><item key=\"nameservers_ok\">0</item>",
    ));
    assert_eq!(set.code(), Some(200), "{}", set.text());
    let got = s.ops(&call("GET_DNS_ZONE", d, ""));
    assert_eq!(got.len_at("attributes/records"), 1, "{}", got.text());
    assert_eq!(
        got.path("attributes/records/A/0/subdomain").as_deref(),
        Some("")
    );

    // Made without a template, RESET empties it.
    let reset = s.ops(&call("RESET_DNS_ZONE", d, ""));
    assert_eq!(reset.code(), Some(200), "{}", reset.text());
    assert_eq!(reset.len_at("attributes/records"), 0);

    // Each change is an event, and a note on the domain.
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'DNS_ZONE_UPDATE'"),
        3
    );
    let del = s.ops(&call("DELETE_DNS_ZONE", d, ""));
    assert_eq!(del.code(), Some(200), "{}", del.text());
    assert_eq!(s.ops(&call("GET_DNS_ZONE", d, "")).code(), Some(480));
    assert_eq!(s.ops(&call("DELETE_DNS_ZONE", d, "")).code(), Some(480));
    assert_eq!(s.ops(&call("SET_DNS_ZONE", d, "")).code(), Some(480));
}

#[test]
fn a_template_gives_a_zone_its_records_and_reset_goes_back_to_it() {
    let s = Server::start();
    let d = "templated.com";
    registered(&s, d);
    let me = s
        .app
        .store
        .reseller_by_name(USER)
        .expect("store")
        .expect("reseller")
        .id;
    let records = r#"[{"subdomain":"","type":"A","ip_address":"198.51.100.7"},{"subdomain":"","type":"MX","priority":5,"hostname":"mx.templated.net"}]"#;
    assert!(
        s.app
            .store
            .set_dns_template_records(me, DNS_TEMPLATE, records)
            .expect("store")
    );
    let r = s.ops(&call(
        "CREATE_DNS_ZONE",
        d,
        &format!("<item key=\"dns_template\">{DNS_TEMPLATE}</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.path("attributes/records/A/0/ip_address").as_deref(),
        Some("198.51.100.7")
    );
    assert_eq!(
        r.path("attributes/records/MX/0/priority").as_deref(),
        Some("5")
    );
    s.ops(&call(
        "SET_DNS_ZONE",
        d,
        "<item key=\"records\"><dt_assoc></dt_assoc></item>",
    ));
    assert_eq!(
        s.ops(&call("GET_DNS_ZONE", d, ""))
            .len_at("attributes/records"),
        0
    );
    let reset = s.ops(&call("RESET_DNS_ZONE", d, ""));
    assert_eq!(
        reset.path("attributes/records/A/0/ip_address").as_deref(),
        Some("198.51.100.7")
    );
    let unknown = s.ops(&call(
        "RESET_DNS_ZONE",
        d,
        "<item key=\"dns_template\">no-such-template</item>",
    ));
    assert_eq!(unknown.code(), Some(465), "{}", unknown.text());
}

#[test]
fn bad_records_are_named_and_change_nothing() {
    let s = Server::start();
    let d = "zone-bad.com";
    registered(&s, d);
    assert_eq!(
        s.ops(&call("CREATE_DNS_ZONE", d, DOC_RECORDS)).code(),
        Some(200)
    );
    let one = |kind: &str, fields: &str| {
        format!(
            "<item key=\"records\"><dt_assoc><item key=\"{kind}\"><dt_array><item key=\"0\"><dt_assoc>{fields}</dt_assoc></item></dt_array></item></dt_assoc></item>"
        )
    };
    for (records, field) in [
        (
            one(
                "A",
                "<item key=\"subdomain\">www</item><item key=\"ip_address\">300.1.1.1</item>",
            ),
            "records.A[0].ip_address",
        ),
        (
            one(
                "AAAA",
                "<item key=\"subdomain\">v6</item><item key=\"ipv6_address\">2001:db8::g</item>",
            ),
            "records.AAAA[0].ipv6_address",
        ),
        (
            one(
                "MX",
                "<item key=\"hostname\">mx.example.net</item><item key=\"priority\">65536</item>",
            ),
            "records.MX[0].priority",
        ),
        (
            one(
                "SRV",
                "<item key=\"subdomain\">_sip._tcp</item><item key=\"hostname\">sip.example.net</item><item key=\"priority\">1</item><item key=\"weight\">1</item><item key=\"port\">-1</item>",
            ),
            "records.SRV[0].port",
        ),
        (
            one(
                "CNAME",
                "<item key=\"subdomain\">www</item><item key=\"hostname\">192.0.2.1</item>",
            ),
            "records.CNAME[0].hostname",
        ),
        (
            one(
                "A",
                "<item key=\"subdomain\">www.elsewhere.org.</item><item key=\"ip_address\">192.0.2.1</item>",
            ),
            "records.A[0].subdomain",
        ),
        (
            one(
                "A",
                &format!(
                    "<item key=\"subdomain\">{}</item><item key=\"ip_address\">192.0.2.1</item>",
                    "x".repeat(64)
                ),
            ),
            "records.A[0].subdomain",
        ),
        (
            one(
                "TXT",
                &format!("<item key=\"text\">{}</item>", "t".repeat(1001)),
            ),
            "records.TXT[0].text",
        ),
        (
            one("NS", "<item key=\"hostname\">ns.example.net</item>"),
            "records.NS",
        ),
        (
            one(
                "CNAME",
                "<item key=\"subdomain\"></item><item key=\"hostname\">example.org</item>",
            ),
            "records.CNAME",
        ),
    ] {
        let r = s.ops(&call("SET_DNS_ZONE", d, &records));
        assert_eq!(r.code(), Some(465), "{field}: {}", r.text());
        let text = r.item("response_text").unwrap_or_default();
        assert!(text.contains(field), "{field}: {text}");
    }
    // A CNAME beside another record at its name.
    let clash = "<item key=\"records\"><dt_assoc><item key=\"CNAME\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"hostname\">example.org</item></dt_assoc></item></dt_array></item><item key=\"TXT\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"text\">x</item></dt_assoc></item></dt_array></item></dt_assoc></item>";
    assert_eq!(s.ops(&call("SET_DNS_ZONE", d, clash)).code(), Some(465));
    // Over the bound: refused whole.
    let many: String = (0..501)
        .map(|i| format!("<item key=\"{i}\"><dt_assoc><item key=\"subdomain\">h{i}</item><item key=\"ip_address\">192.0.2.1</item></dt_assoc></item>"))
        .collect();
    let r = s.ops(&call(
        "SET_DNS_ZONE",
        d,
        &format!("<item key=\"records\"><dt_assoc><item key=\"A\"><dt_array>{many}</dt_array></item></dt_assoc></item>"),
    ));
    assert_eq!(r.code(), Some(465), "{}", r.text());
    // Nothing changed.
    let got = s.ops(&call("GET_DNS_ZONE", d, ""));
    assert_eq!(got.len_at("attributes/records"), 6, "{}", got.text());
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'DNS_ZONE_UPDATE'"),
        1
    );
}

#[test]
fn another_reseller_never_reaches_a_zone_or_forward() {
    let s = Server::start();
    let d = "zone-mine.com";
    registered(&s, d);
    assert_eq!(
        s.ops(&call("CREATE_DNS_ZONE", d, DOC_RECORDS)).code(),
        Some(200)
    );
    assert_eq!(
        s.ops(&call("CREATE_DOMAIN_FORWARDING", d, "")).code(),
        Some(200)
    );
    for action in [
        "GET_DNS_ZONE",
        "SET_DNS_ZONE",
        "RESET_DNS_ZONE",
        "DELETE_DNS_ZONE",
        "CREATE_DNS_ZONE",
        "FORCE_DNS_NAMESERVERS",
        "GET_DOMAIN_FORWARDING",
        "SET_DOMAIN_FORWARDING",
        "DELETE_DOMAIN_FORWARDING",
    ] {
        let r = as_other(&s, &call(action, d, ""));
        assert_eq!(r.code(), Some(415), "{action}: {}", r.text());
        // By the top-level domain too (the toolkit's bypass).
        let bypass = envelope(action, "DOMAIN", "")
            .into_iter()
            .collect::<Vec<u8>>();
        let bypass = String::from_utf8(bypass).expect("utf-8").replace(
            "<item key=\"action\">",
            &format!("<item key=\"domain\">{d}</item><item key=\"action\">"),
        );
        let r = as_other(&s, bypass.as_bytes());
        assert_ne!(
            r.item("is_success").as_deref(),
            Some("1"),
            "{action}: {}",
            r.text()
        );
    }
    // The owner's cookie is the owner's: another reseller cannot use it.
    let cookie = s.ops(&envelope(
        "SET",
        "COOKIE",
        &format!("<item key=\"domain\">{d}</item><item key=\"reg_username\">shopper</item><item key=\"reg_password\">shopper-pass</item>"),
    ));
    let cookie = cookie.item("cookie").expect("cookie");
    let with_cookie = |user: &str, key: &str| {
        let body = String::from_utf8(envelope("GET_DNS_ZONE", "DOMAIN", ""))
            .expect("utf-8")
            .replace(
                "<item key=\"action\">",
                &format!("<item key=\"cookie\">{cookie}</item><item key=\"action\">"),
            );
        s.send(&http10(body.as_bytes(), user, key))
    };
    assert_eq!(with_cookie(USER, KEY).code(), Some(200));
    assert_ne!(with_cookie(OTHER_USER, OTHER_KEY).code(), Some(200));
    // Unchanged by all of it.
    assert_eq!(
        s.ops(&call("GET_DNS_ZONE", d, ""))
            .len_at("attributes/records"),
        6
    );
}

/// FORCE_DNS_NAMESERVERS and CREATE_DOMAIN_FORWARDING as the documentation's
/// examples send them (its action and object in either case).
#[test]
fn the_documented_examples() {
    let s = Server::start();
    registered(&s, "example.com");
    let force = b"<?xml version='1.0' encoding=\"UTF-8\" standalone=\"no\"?> <!DOCTYPE OPS_envelope SYSTEM \"ops.dtd\"> <OPS_envelope> <header> <version>0.9</version> </header> <body> <data_block> <dt_assoc> <item key=\"protocol\">XCP</item> <item key=\"object\">DOMAIN</item> <item key=\"action\">FORCE_DNS_NAMESERVERS</item> <item key=\"attributes\"> <dt_assoc> <item key=\"domain\">example.com</item> </dt_assoc> </item> </dt_assoc> </data_block> </body> </OPS_envelope>";
    let r = s.ops(force);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Command Successful")
    );
    let ns = s.ops(&call(
        "GET",
        "example.com",
        "<item key=\"type\">nameservers</item>",
    ));
    let text = ns.text();
    for host in [
        "ns1.systemdns.com",
        "ns2.systemdns.com",
        "ns3.systemdns.com",
    ] {
        assert!(text.contains(host), "{host}: {text}");
    }
    let create = "<?xml version='1.0' encoding='UTF-8' standalone='no'?>\n<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n<OPS_envelope>\n    <header>\n        <version>0.9</version>\n    </header>\n    <body>\n        <data_block>\n            <dt_assoc>\n                <item key=\"protocol\">XCP</item>\n                <item key=\"action\">create_domain_forwarding</item>\n                <item key=\"object\">domain</item>\n                <item key=\"attributes\">\n                    <dt_assoc>\n                        <item key=\"domain\">example.com</item>\n                    </dt_assoc>\n                </item>\n            </dt_assoc>\n        </data_block>\n    </body>\n</OPS_envelope>";
    let r = s.ops(create.as_bytes());
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Command Successful")
    );
    assert_eq!(s.ops(create.as_bytes()).code(), Some(485));
}

#[test]
fn forwarding_is_made_set_read_and_deleted() {
    let s = Server::start();
    let d = "forward-me.com";
    registered(&s, d);
    assert_eq!(
        s.ops(&call("GET_DOMAIN_FORWARDING", d, "")).code(),
        Some(480)
    );
    assert_eq!(
        s.ops(&call("SET_DOMAIN_FORWARDING", d, "")).code(),
        Some(480),
        "made first"
    );
    assert_eq!(
        s.ops(&call("CREATE_DOMAIN_FORWARDING", d, "")).code(),
        Some(200)
    );
    let got = s.ops(&call("GET_DOMAIN_FORWARDING", d, ""));
    assert_eq!(got.code(), Some(200), "{}", got.text());
    assert_eq!(got.len_at("attributes/forwarding"), 0);

    // As the WHMCS module sends it: a top-level `domain` of 1 beside the
    // attribute, `enabled` 1, no title.
    let whmcs = String::from_utf8(call(
        "SET_DOMAIN_FORWARDING",
        d,
        "<item key=\"forwarding\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"destination_url\">https://example.org/landing?x=1</item><item key=\"masked\">1</item><item key=\"enabled\">1</item></dt_assoc></item><item key=\"1\"><dt_assoc><item key=\"subdomain\"></item><item key=\"destination_url\">http://example.net/</item><item key=\"masked\">0</item><item key=\"enabled\">1</item></dt_assoc></item></dt_array></item>",
    ))
    .expect("utf-8")
    .replace("<item key=\"action\">", "<item key=\"domain\">1</item><item key=\"action\">");
    let r = s.ops(whmcs.as_bytes());
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let got = s.ops(&call("GET_DOMAIN_FORWARDING", d, ""));
    assert_eq!(got.len_at("attributes/forwarding"), 2, "{}", got.text());
    assert_eq!(
        got.path("attributes/forwarding/0/subdomain").as_deref(),
        Some("www")
    );
    assert_eq!(
        got.path("attributes/forwarding/0/masked").as_deref(),
        Some("1")
    );
    assert_eq!(
        got.path("attributes/forwarding/0/destination_url")
            .as_deref(),
        Some("https://example.org/landing?x=1")
    );
    assert_eq!(
        got.path("attributes/forwarding/1/subdomain").as_deref(),
        Some("")
    );

    // UPDATE_DOMAIN_FORWARDING, the documentation page's name, is the same call;
    // a bad entry is named and changes nothing.
    let bad = s.ops(&call(
        "UPDATE_DOMAIN_FORWARDING",
        d,
        "<item key=\"forwarding\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"destination_url\">javascript:alert(1)</item></dt_assoc></item></dt_array></item>",
    ));
    assert_eq!(bad.code(), Some(465), "{}", bad.text());
    assert!(
        bad.text().contains("forwarding[0].destination_url"),
        "{}",
        bad.text()
    );
    assert_eq!(
        s.ops(&call("GET_DOMAIN_FORWARDING", d, ""))
            .len_at("attributes/forwarding"),
        2
    );
    let r = s.ops(&call(
        "UPDATE_DOMAIN_FORWARDING",
        d,
        "<item key=\"forwarding\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">*</item><item key=\"destination_url\">https://example.org/</item><item key=\"title\">Shop &amp; more</item></dt_assoc></item></dt_array></item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let got = s.ops(&call("GET_DOMAIN_FORWARDING", d, ""));
    assert_eq!(got.len_at("attributes/forwarding"), 1);
    assert_eq!(
        got.path("attributes/forwarding/0/title").as_deref(),
        Some("Shop & more")
    );
    assert_eq!(
        got.path("attributes/forwarding/0/enabled").as_deref(),
        Some("1")
    );

    assert_eq!(
        s.ops(&call("DELETE_DOMAIN_FORWARDING", d, "")).code(),
        Some(200)
    );
    assert_eq!(
        s.ops(&call("GET_DOMAIN_FORWARDING", d, "")).code(),
        Some(480)
    );
    assert_eq!(
        s.count("SELECT count(*) FROM events WHERE event = 'FORWARDING_UPDATE'"),
        4
    );
}

/// `opsd dns-template records` gives a template its records, checked as
/// SET_DNS_ZONE checks them; a zone made from the template gets them.
#[test]
fn the_cli_sets_a_templates_records() {
    let s = Server::start();
    let db = s.db();
    let ok = opsd_ok(
        &db,
        &[
            "dns-template",
            "records",
            USER,
            DNS_TEMPLATE,
            r#"{"A":[{"subdomain":"","ip_address":"203.0.113.5"}],"CNAME":[{"subdomain":"www","hostname":"cli.example.net"}]}"#,
        ],
        "",
    );
    assert!(ok.contains("2 record(s)"), "{ok}");
    let bad = opsd_cli(
        &db,
        &[
            "dns-template",
            "records",
            USER,
            DNS_TEMPLATE,
            r#"{"A":[{"ip_address":"1.2.3"}]}"#,
        ],
        "",
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("records.A[0].ip_address"), "{err}");
    let missing = opsd_cli(&db, &["dns-template", "records", USER, "nope", "{}"], "");
    assert!(!missing.status.success());

    registered(&s, "from-cli.com");
    let r = s.ops(&call(
        "CREATE_DNS_ZONE",
        "from-cli.com",
        &format!("<item key=\"dns_template\">{DNS_TEMPLATE}</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.path("attributes/records/A/0/ip_address").as_deref(),
        Some("203.0.113.5")
    );
    assert_eq!(
        r.path("attributes/records/CNAME/0/hostname").as_deref(),
        Some("cli.example.net")
    );
}

/// `dns_template` on SW_REGISTER and SIMPLE_TRANSFER: the domain gets its zone
/// from the template as it arrives; a template the caller lacks is refused
/// before anything is charged.
#[test]
fn a_dns_template_makes_the_zone_when_the_domain_arrives() {
    let s = Server::start();
    let me = s
        .app
        .store
        .reseller_by_name(USER)
        .expect("store")
        .expect("reseller")
        .id;
    let records = r#"[{"subdomain":"www","type":"A","ip_address":"198.51.100.9"}]"#;
    assert!(
        s.app
            .store
            .set_dns_template_records(me, DNS_TEMPLATE, records)
            .expect("store")
    );
    let template = format!("<item key=\"dns_template\">{DNS_TEMPLATE}</item>");

    let r = s.ops(&register("arrives-zoned.com", 1, &template));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let zone = s.ops(&call("GET_DNS_ZONE", "arrives-zoned.com", ""));
    assert_eq!(zone.code(), Some(200), "{}", zone.text());
    assert_eq!(
        zone.path("attributes/records/A/0/ip_address").as_deref(),
        Some("198.51.100.9")
    );
    let none = s.ops(&register(
        "no-template.com",
        1,
        "<item key=\"dns_template\">missing</item>",
    ));
    assert_eq!(none.code(), Some(465), "{}", none.text());
    assert_eq!(
        s.count("SELECT count(*) FROM domains WHERE name = 'no-template.com'"),
        0
    );

    // A transfer in: the zone is made when the transfer completes.
    let body = String::from_utf8(envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &format!("{}{template}", domain_list(&[("moving-zoned.com", "code")])),
    ))
    .expect("utf-8");
    let r = s.ops(body.as_bytes());
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    assert_ne!(
        s.ops(&call("GET_DNS_ZONE", "moving-zoned.com", "")).code(),
        Some(200),
        "not the caller's yet"
    );
    let links = s.approval_links();
    s.answer_page(&format!("/approve/{}", links[0].1), "accept");
    s.advance("6d");
    s.run_due();
    let zone = s.ops(&call("GET_DNS_ZONE", "moving-zoned.com", ""));
    assert_eq!(zone.code(), Some(200), "{}", zone.text());
    assert_eq!(
        zone.path("attributes/records/A/0/subdomain").as_deref(),
        Some("www")
    );
}

/// The WHMCS module's SaveDNS then GetDNS, as its own code sent them (captured
/// by fixtures/clients/capture/whmcs-opensrspro.py), replayed: the zone and the
/// forward saved, then read back with every key GetDNS reads.
#[test]
fn the_whmcs_modules_save_and_get_dns() {
    let s = Server::start();
    registered(&s, "whmcs-dns.com");
    let replay = |name: &str| {
        let raw =
            std::fs::read(fixture(&format!("clients/whmcs-opensrspro/{name}"))).expect("capture");
        let raw = String::from_utf8(raw).expect("utf-8").replacen(
            "X-Username: whmcsuser",
            &format!("X-Username: {USER}"),
            1,
        );
        s.send(&resign_bytes(raw.as_bytes(), KEY))
    };
    // SaveDNS: the zone made and set, the forward made and set.
    for name in [
        "whmcs.1.create_dns_zone.http",
        "whmcs.2.set_dns_zone.http",
        "whmcs.3.create_domain_forwarding.http",
        "whmcs.4.set_domain_forwarding.http",
    ] {
        let r = replay(name);
        assert_eq!(
            r.item("is_success").as_deref(),
            Some("1"),
            "{name}: {}",
            r.text()
        );
    }
    // Saved again, as WHMCS does on every save: the creations answer 485, which
    // the module reads as "exists".
    assert_eq!(replay("whmcs.1.create_dns_zone.http").code(), Some(485));
    assert_eq!(
        replay("whmcs.3.create_domain_forwarding.http").code(),
        Some(485)
    );
    // GetDNS: what it reads of each reply.
    let zone = replay("whmcs.5.get_dns_zone.http");
    assert_eq!(zone.code(), Some(200), "{}", zone.text());
    assert_eq!(
        zone.path("attributes/records/A/0/ip_address").as_deref(),
        Some("192.0.2.80")
    );
    assert_eq!(
        zone.path("attributes/records/A/0/subdomain").as_deref(),
        Some("")
    );
    assert_eq!(
        zone.path("attributes/records/CNAME/0/subdomain").as_deref(),
        Some("www")
    );
    assert_eq!(
        zone.path("attributes/records/CNAME/0/hostname").as_deref(),
        Some("whmcs-dns.com")
    );
    assert_eq!(
        zone.path("attributes/records/MX/0/priority").as_deref(),
        Some("10")
    );
    assert_eq!(
        zone.path("attributes/records/MX/0/hostname").as_deref(),
        Some("mx.whmcs-dns.com")
    );
    assert_eq!(
        zone.path("attributes/records/TXT/0/text").as_deref(),
        Some("v=spf1 a mx -all")
    );
    let fwd = replay("whmcs.6.get_domain_forwarding.http");
    assert_eq!(fwd.code(), Some(200), "{}", fwd.text());
    assert_eq!(
        fwd.path("attributes/forwarding/0/subdomain").as_deref(),
        Some("shop")
    );
    assert_eq!(
        fwd.path("attributes/forwarding/0/masked").as_deref(),
        Some("0")
    );
    assert_eq!(
        fwd.path("attributes/forwarding/0/destination_url")
            .as_deref(),
        Some("https://shop.example.org/")
    );
    // Another reseller replaying the same bytes reaches nothing.
    let raw = std::fs::read(fixture(
        "clients/whmcs-opensrspro/whmcs.5.get_dns_zone.http",
    ))
    .expect("capture");
    let raw = String::from_utf8(raw).expect("utf-8").replacen(
        "X-Username: whmcsuser",
        &format!("X-Username: {OTHER_USER}"),
        1,
    );
    let theirs = s.send(&resign_bytes(raw.as_bytes(), OTHER_KEY));
    assert_ne!(
        theirs.item("is_success").as_deref(),
        Some("1"),
        "{}",
        theirs.text()
    );
}
