//! GET_BALANCE (issue 18, point 7): the request bytes of the PHP toolkit's
//! `accountGetBalance`, every object clients send, the balance the scenario file
//! and `opsd reseller balance` set, and one reseller's balance is its own.

use crate::common::*;

#[test]
fn php_toolkit_get_balance_gets_the_balance() {
    let s = Server::start();
    let raw = resign_capture(&fixture("clients/php-osrs-toolkit/get_balance.http"), KEY);
    let r = s.send(&raw);
    r.assert_php_parses();
    assert_golden("replies/get_balance.php.reply.xml", &r.body);
    assert_eq!(r.item("balance").as_deref(), Some("100000.00"));
    assert_eq!(r.item("hold_balance").as_deref(), Some("0.00"));
}

#[test]
fn every_object_clients_send_and_the_set_balance() {
    let s = Server::start_scenario(
        r#"
        [[reseller]]
        username = "richrsp"
        key = "richkey"
        balance = "512.5"
        "#,
        |_| {},
    );
    let rich = |object: &str| {
        s.send(&http10(
            &envelope("GET_BALANCE", object, ""),
            "richrsp",
            "richkey",
        ))
    };
    for object in ["BALANCE", "balance", "DOMAIN", ""] {
        let r = rich(object);
        assert_eq!(r.code(), Some(200), "{object}: {}", r.text());
        assert_eq!(r.item("balance").as_deref(), Some("512.50"), "{object}");
    }
    // Another object is another command.
    let r = rich("TRANSFER");
    assert_eq!(r.code(), Some(400), "{}", r.text());
    // Another reseller has the sandbox's default, and never sees this one's.
    let theirs = s.ops(&envelope("GET_BALANCE", "BALANCE", ""));
    assert_eq!(theirs.item("balance").as_deref(), Some("100000.00"));

    // The operator sets it; the next request answers it.
    let db = s.db();
    let out = opsd_ok(
        &db,
        &["reseller", "balance", "richrsp", "--set", "1234.05"],
        "",
    );
    assert!(out.contains("balance 1234.05, held 0.00"), "{out}");
    assert_eq!(rich("BALANCE").item("balance").as_deref(), Some("1234.05"));
    assert_eq!(
        s.ops(&envelope("GET_BALANCE", "BALANCE", ""))
            .item("balance")
            .as_deref(),
        Some("100000.00")
    );
    let bad = opsd_cli(&db, &["reseller", "balance", "richrsp", "--set", "-3"], "");
    assert!(!bad.status.success());
}

#[test]
fn a_scenario_balance_that_is_no_amount_is_refused() {
    let e = opsd::sandbox::Scenario::parse(
        "[[reseller]]\nusername = \"a\"\nkey = \"k\"\nbalance = \"lots\"\n",
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(e.contains("balance 'lots'"), "{e}");
}
