//! The reseller control panel over real sockets: login, protected POSTs, Push domain
//! settings, the domain list and "Move to another reseller", the bulk actions queue
//! with Cancel and the audit log, and the walls between resellers.

use crate::common::*;

pub(crate) const GAINING: &str = "gainingrsp";
pub(crate) const PASSWORD: &str = "losing-secret-1";
pub(crate) const GAINING_PASSWORD: &str = "gaining-secret-1";

/// testuser (losing) holds five domains, one locked; gainingrsp has a profile
/// `theirs` holding their-own.com; otheruser holds other-only.com. The feature is on
/// for testuser and gainingrsp, but nobody is on an allow-list yet.
pub(crate) fn setup() -> Server {
    let gaining_extra = format!("password = \"{GAINING_PASSWORD}\"");
    let other = format!(
        r#"{THEIR_PROFILE}
        [[profile]]
        reseller = "{OTHER_USER}"
        username = "o"
        password = "o"
        domains = ["other-only.com"]
        "#
    );
    let toml = PushScenario {
        gaining_extra: &gaining_extra,
        domains: &["move-a.com", "move-b.net", "move-c.org", "stay-d.com"],
        locked: &["move-locked.com"],
        more: &other,
        ..Default::default()
    }
    .toml();
    let s = Server::start_scenario(&toml, |_| {});
    // testuser exists before the scenario runs (the common seed), so its password is
    // set the way `opsd reseller passwd` sets it.
    s.panel_password(USER, PASSWORD);
    s
}

fn reseller_id(s: &Server, name: &str) -> i64 {
    s.app
        .store
        .reseller_by_name(name)
        .expect("store")
        .unwrap_or_else(|| panic!("no reseller {name}"))
        .id
}

fn logged_in<'a>(s: &'a Server, user: &str, password: &str) -> Web<'a> {
    let mut w = Web::new(s);
    let r = w.login("/panel/login", user, password);
    assert_eq!(r.status_line, "HTTP/1.1 303 See Other", "{}", r.text());
    assert_eq!(r.header("Location"), Some("/panel/domains"));
    w
}

fn csrf(w: &mut Web<'_>, page: &str) -> String {
    let r = w.get(page);
    assert!(
        r.status_line.ends_with("200 OK"),
        "{page}: {}",
        r.status_line
    );
    hidden(&r, "csrf").expect("csrf token on the page")
}

fn allow(s: &Server) {
    let mut g = logged_in(s, GAINING, GAINING_PASSWORD);
    let token = csrf(&mut g, "/panel/push-settings");
    let r = g.post(
        "/panel/push-settings",
        &[("csrf", &token), ("op", "add"), ("username", USER)],
    );
    assert_eq!(r.status_line, "HTTP/1.1 303 See Other", "{}", r.text());
}

fn job_id(r: &Response) -> i64 {
    let loc = r.header("Location").expect("redirect to the job");
    loc.strip_prefix("/panel/queue/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("unexpected redirect {loc}"))
}

fn submit_move(w: &mut Web<'_>, extra: &[(&str, &str)]) -> Response {
    let token = csrf(w, "/panel/move");
    let mut pairs = vec![("csrf", token.as_str())];
    pairs.extend_from_slice(extra);
    w.post("/panel/move", &pairs)
}

#[test]
fn pages_need_a_login_and_wrong_credentials_are_refused_alike() {
    let s = setup();
    let mut w = Web::new(&s);
    for page in [
        "/panel/domains",
        "/panel/queue",
        "/panel/push-settings",
        "/panel/queue/1",
    ] {
        let r = w.get(page);
        assert_eq!(r.status_line, "HTTP/1.1 303 See Other", "{page}");
        assert_eq!(r.header("Location"), Some("/panel/login"), "{page}");
    }
    assert_eq!(w.get("/panel").header("Location"), Some("/panel/domains"));
    let wrong_pw = w.login("/panel/login", USER, "nope-nope-nope");
    let unknown = w.login("/panel/login", "nobody", "nope-nope-nope");
    let no_password_set = w.login("/panel/login", OTHER_USER, "whatever-it-is");
    for r in [&wrong_pw, &unknown, &no_password_set] {
        assert_eq!(r.status_line, "HTTP/1.1 401 Unauthorized");
        assert!(
            r.text().contains("Wrong user name or password."),
            "{}",
            r.text()
        );
        assert!(!w.cookies.contains_key("opsd_panel"));
    }
    // A login POST without the token its login cookie holds (a cross-site form).
    let mut forged = Web::new(&s);
    let r = forged.post(
        "/panel/login",
        &[
            ("login_token", "abc"),
            ("username", USER),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
    assert!(r.text().contains("The login form expired."));
    // A POST without a session changes nothing.
    let r = forged.post(
        "/panel/push-settings",
        &[("csrf", "x"), ("op", "add"), ("username", USER)],
    );
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
}

#[test]
fn session_cookie_is_http_only_strict_and_logout_ends_it() {
    let s = setup();
    let mut w = Web::new(&s);
    let r = w.login("/panel/login", USER, PASSWORD);
    let set: Vec<&str> = r
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("opsd_panel="))
        .expect("session cookie");
    assert!(
        session.ends_with("; Path=/panel; HttpOnly; SameSite=Strict"),
        "{session}"
    );
    assert_eq!(
        session.len(),
        "opsd_panel=".len() + 64 + "; Path=/panel; HttpOnly; SameSite=Strict".len()
    );
    // The database keeps a hash, never the cookie value.
    let value = &session["opsd_panel=".len().."opsd_panel=".len() + 64];
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM sessions WHERE token_hash = '{value}'"
        )),
        0
    );
    assert_eq!(s.count("SELECT count(*) FROM sessions"), 1);
    let page = w.get("/panel/domains");
    assert!(page.status_line.ends_with("200 OK"));
    assert_eq!(page.header("X-Frame-Options"), Some("DENY"));
    let token = hidden(&page, "csrf").expect("csrf");
    let stolen = w.cookies.clone();
    let r = w.post("/panel/logout", &[("csrf", &token)]);
    assert_eq!(r.header("Location"), Some("/panel/login"));
    let mut replay = Web::new(&s);
    replay.cookies = stolen;
    assert_eq!(
        replay.get("/panel/domains").header("Location"),
        Some("/panel/login")
    );
}

#[test]
fn posts_without_the_session_csrf_token_change_nothing() {
    let s = setup();
    let mut g = logged_in(&s, GAINING, GAINING_PASSWORD);
    for token in ["", "0123456789abcdef0123456789abcdef"] {
        let r = g.post(
            "/panel/push-settings",
            &[("csrf", token), ("op", "add"), ("username", USER)],
        );
        assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
        assert!(r.text().contains("This form has expired."));
    }
    let gid = reseller_id(&s, GAINING);
    assert!(s.app.store.push_allow_list(gid).expect("store").is_empty());
    // Another session's token does not work either.
    let mut other = logged_in(&s, USER, PASSWORD);
    let theirs = csrf(&mut other, "/panel/domains");
    let r = g.post(
        "/panel/push-settings",
        &[("csrf", &theirs), ("op", "add"), ("username", USER)],
    );
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
}

#[test]
fn push_domain_settings_add_and_remove_losing_resellers() {
    let s = setup();
    let gid = reseller_id(&s, GAINING);
    let mut g = logged_in(&s, GAINING, GAINING_PASSWORD);
    let token = csrf(&mut g, "/panel/push-settings");
    let add = |g: &mut Web<'_>, name: &str| {
        g.post(
            "/panel/push-settings",
            &[("csrf", &token), ("op", "add"), ("username", name)],
        )
    };
    let r = add(&mut g, "nobody");
    assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
    assert!(
        r.text()
            .contains("There is no reseller named &#x27;nobody&#x27;."),
        "{}",
        r.text()
    );
    let r = add(&mut g, GAINING);
    assert!(r.text().contains("That is your own account"));
    let r = add(&mut g, "");
    assert!(
        r.text()
            .contains("Enter the losing reseller&#x27;s username.")
    );
    let r = add(&mut g, USER);
    assert_eq!(
        r.header("Location"),
        Some("/panel/push-settings?added=testuser")
    );
    let page = g.get("/panel/push-settings?added=testuser");
    assert!(
        page.text()
            .contains("testuser may now push domains to your account.")
    );
    assert!(page.text().contains("id=\"remove-testuser\""));
    assert_eq!(
        s.app.store.push_allow_list(gid).expect("store"),
        vec![USER.to_string()]
    );
    let audit = s.app.store.audit_log(Some(USER), 10).expect("store");
    assert_eq!(audit[0].action, "push_allow");
    assert_eq!(audit[0].actor, GAINING);
    assert_eq!(audit[0].client_ip, "127.0.0.1");
    let r = g.post(
        "/panel/push-settings",
        &[("csrf", &token), ("op", "remove"), ("username", USER)],
    );
    assert_eq!(
        r.header("Location"),
        Some("/panel/push-settings?removed=testuser")
    );
    assert!(s.app.store.push_allow_list(gid).expect("store").is_empty());
    // A reseller without the feature is told so.
    s.panel_password(OTHER_USER, "other-secret-1");
    let mut o = logged_in(&s, OTHER_USER, "other-secret-1");
    let page = o.get("/panel/push-settings");
    assert!(
        page.text()
            .contains("The domain push feature is not enabled for your account.")
    );
    assert!(
        !g.get("/panel/push-settings")
            .text()
            .contains("id=\"disabled\"")
    );
}

#[test]
fn the_domain_list_shows_only_this_resellers_domains() {
    let s = setup();
    let mut w = logged_in(&s, USER, PASSWORD);
    let page = w.get("/panel/domains").text();
    // profile-domain.com comes from the common seed.
    for d in [
        "move-a.com",
        "move-b.net",
        "move-c.org",
        "stay-d.com",
        "move-locked.com",
        "profile-domain.com",
    ] {
        assert!(page.contains(&format!("value=\"{d}\"")), "{d}");
    }
    assert!(page.contains("6 domains"));
    assert!(!page.contains("their-own.com") && !page.contains("other-only.com"));
    let filtered = w.get("/panel/domains?q=move-").text();
    assert!(filtered.contains("4 domains") && !filtered.contains("stay-d.com"));
    // A LIKE wildcard in the search is a literal.
    assert!(w.get("/panel/domains?q=%25").text().contains("0 domains"));
}

#[test]
fn domain_list_pages_through_a_large_portfolio() {
    let s = setup();
    let uid = reseller_id(&s, USER);
    let pid = s
        .app
        .store
        .profile_by_username(uid, "owner1")
        .expect("store")
        .expect("store")
        .id;
    for i in 0..230 {
        s.app
            .store
            .add_domain(
                uid,
                pid,
                &format!("bulk{i:03}.com"),
                false,
                0,
                opsd::clock::add_years(0, 1),
            )
            .expect("store");
    }
    let mut w = logged_in(&s, USER, PASSWORD);
    let first = w.get("/panel/domains").text();
    assert!(first.contains("236 domains · page 1 of 3"), "{first}");
    assert!(first.contains("value=\"bulk099.com\"") && !first.contains("value=\"bulk100.com\""));
    let third = w.get("/panel/domains?q=&page=3").text();
    assert!(third.contains("value=\"stay-d.com\"") && !third.contains("id=\"next\""));
}

#[test]
fn ticked_domains_move_to_another_reseller_through_the_queue() {
    let s = setup();
    allow(&s);
    let mut w = logged_in(&s, USER, PASSWORD);
    let token = csrf(&mut w, "/panel/domains");
    let form = w.post(
        "/panel/domains",
        &[
            ("csrf", &token),
            ("bulk_action", "move"),
            ("domain", "move-a.com"),
            ("domain", "move-b.net"),
            ("domain", "move-locked.com"),
        ],
    );
    assert!(form.status_line.ends_with("200 OK"));
    let html = form.text();
    assert!(
        html.contains("move-a.com\nmove-b.net\nmove-locked.com</textarea>"),
        "{html}"
    );
    for label in [
        "Gaining reseller's username",
        "Put accounts into an existing profile",
        "Create new profile for each domain",
        "Apply to locked domains",
        "Email results to",
        "Move domain",
    ] {
        assert!(html.contains(label), "{label}");
    }
    let r = w.post(
        "/panel/move",
        &[
            ("csrf", &token),
            ("domains", "move-a.com\nmove-b.net\nmove-locked.com"),
            ("gaining", GAINING),
            ("profile_mode", "new"),
            ("contact_email", "ops@losing.example"),
        ],
    );
    assert_eq!(r.status_line, "HTTP/1.1 303 See Other", "{}", r.text());
    let id = job_id(&r);
    let before = w.get(&format!("/panel/queue/{id}")).text();
    assert!(before.contains("id=\"status\">queued<"), "{before}");
    assert!(before.contains("id=\"cancel\""));
    s.run_due();
    let after = w.get(&format!("/panel/queue/{id}")).text();
    assert!(after.contains("id=\"status\">completed<"), "{after}");
    assert!(after.contains("2 pushed, 1 skipped, 0 failed, 0 cancelled, 0 waiting."));
    assert!(after.contains("Domain is locked; skipped (apply_to_locked_domains not set)."));
    assert!(!after.contains("id=\"cancel\""));
    assert!(s.holder("move-a.com").starts_with("gainingrsp/"));
    assert_eq!(s.holder("move-locked.com"), "testuser/owner1");
    let queue = w.get("/panel/queue").text();
    assert!(queue.contains(&format!("id=\"job-{id}\"")));
    assert!(queue.contains("<td class=\"status\">completed</td>"));
    // The audit log: who, what, when, from where.
    assert!(
        queue.contains("bulk_push</td><td>move-a.com</td>"),
        "{queue}"
    );
    assert!(queue.contains("<td>127.0.0.1</td>"));
    assert!(queue.contains("2014-07-03 18:34:34"));
    // The results email went to the given address.
    let mails = s.app.store.outbox().expect("store");
    assert!(mails.iter().any(|(_, m, _)| m.to == "ops@losing.example"));
    // The gaining reseller sees the pushes in its own audit log, not the job.
    let mut g = logged_in(&s, GAINING, GAINING_PASSWORD);
    let theirs = g.get("/panel/queue").text();
    assert!(theirs.contains("bulk_push</td><td>move-b.net</td>"));
    assert!(!theirs.contains(&format!("id=\"job-{id}\"")));
    assert_eq!(
        g.get(&format!("/panel/queue/{id}")).status_line,
        "HTTP/1.1 404 Not Found"
    );
    let their_list = g.get("/panel/domains").text();
    assert!(their_list.contains("value=\"move-a.com\""));
}

#[test]
fn a_pasted_list_into_an_existing_profile_with_locked_domains() {
    let s = setup();
    allow(&s);
    let mut w = logged_in(&s, USER, PASSWORD);
    // Ticking without choosing an action is explained.
    let token = csrf(&mut w, "/panel/domains");
    let r = w.post(
        "/panel/domains",
        &[("csrf", &token), ("domain", "move-a.com")],
    );
    assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
    assert!(
        r.text()
            .contains("role=\"alert\">Choose a bulk action.</p>")
    );
    // Choosing the action with nothing ticked opens the form for a pasted list.
    let form = w.post(
        "/panel/domains",
        &[("csrf", &token), ("bulk_action", "move")],
    );
    assert!(form.text().contains("></textarea>"));
    let r = submit_move(
        &mut w,
        &[
            ("domains", "MOVE-C.org, move-locked.com move-c.org"),
            ("gaining", GAINING),
            ("profile_mode", "existing"),
            ("reg_domain", "their-own.com"),
            ("reg_username", "theirs"),
            ("reg_password", "theirpw"),
            ("apply_to_locked", "1"),
        ],
    );
    let id = job_id(&r);
    s.run_due();
    let page = w.get(&format!("/panel/queue/{id}")).text();
    assert!(page.contains("2 pushed, 0 skipped"), "{page}");
    assert_eq!(s.holder("move-c.org"), "gainingrsp/theirs");
    assert_eq!(s.holder("move-locked.com"), "gainingrsp/theirs");
    assert_eq!(
        s.count("SELECT locked FROM domains WHERE name = 'move-locked.com'"),
        1
    );
}

#[test]
fn the_move_form_explains_every_refusal() {
    let s = setup();
    let mut w = logged_in(&s, USER, PASSWORD);
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("domains", ""), ("gaining", GAINING)],
            "Tick domains in the domain list, or enter at least one domain.",
        ),
        (
            &[("domains", "move-a.com"), ("gaining", "")],
            "Enter the gaining reseller&#x27;s username.",
        ),
        (
            &[("domains", "not a domain!"), ("gaining", GAINING)],
            "Invalid value for &#x27;change_items[0]&#x27;",
        ),
        (
            &[("domains", "move-a.com"), ("gaining", GAINING)],
            "Push transfer permission denied: &#x27;gainingrsp&#x27; has not authorized your account",
        ),
        (
            &[("domains", "move-a.com"), ("gaining", "nobody")],
            // Unknown names are refused as pushes nobody allowed (issue 28).
            "Push transfer permission denied",
        ),
        (
            &[
                ("domains", "move-a.com"),
                ("gaining", GAINING),
                ("profile_mode", "existing"),
                ("reg_username", "theirs"),
            ],
            "Enter the domain, username and password of the existing profile.",
        ),
        (
            &[
                ("domains", "move-a.com"),
                ("gaining", GAINING),
                ("contact_email", "not-an-address"),
            ],
            "&#x27;not-an-address&#x27; is not an email address.",
        ),
    ];
    for (fields, text) in cases {
        let r = submit_move(&mut w, fields);
        assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request", "{text}");
        assert!(r.text().contains(text), "{text}\n{}", r.text());
    }
    allow(&s);
    let r = submit_move(
        &mut w,
        &[
            ("domains", "move-a.com"),
            ("gaining", GAINING),
            ("profile_mode", "existing"),
            ("reg_domain", "their-own.com"),
            ("reg_username", "theirs"),
            ("reg_password", "wrong"),
        ],
    );
    assert!(
        r.text()
            .contains("The existing profile&#x27;s domain, username or password is not correct.")
    );
    // The typed password never comes back in the page.
    assert!(!r.text().contains("value=\"wrong\""));
    assert_eq!(s.count("SELECT count(*) FROM bulk_changes"), 0);
}

#[test]
fn cancel_stops_a_queued_job_and_only_its_owner_may() {
    let s = setup();
    allow(&s);
    let mut w = logged_in(&s, USER, PASSWORD);
    let r = submit_move(
        &mut w,
        &[("domains", "move-a.com\nmove-b.net"), ("gaining", GAINING)],
    );
    let id = job_id(&r);
    let page = w.get(&format!("/panel/queue/{id}"));
    let token = hidden(&page, "csrf").expect("csrf token");
    // Another reseller cannot cancel it (nor learn that it exists).
    s.panel_password(OTHER_USER, "other-secret-1");
    let mut o = logged_in(&s, OTHER_USER, "other-secret-1");
    let their_token = csrf(&mut o, "/panel/domains");
    let r = o.post(
        &format!("/panel/queue/{id}/cancel"),
        &[("csrf", &their_token)],
    );
    assert_eq!(r.status_line, "HTTP/1.1 404 Not Found");
    let r = w.post(&format!("/panel/queue/{id}/cancel"), &[("csrf", &token)]);
    assert_eq!(
        r.header("Location"),
        Some(format!("/panel/queue/{id}?cancelled=1").as_str())
    );
    let page = w.get(&format!("/panel/queue/{id}?cancelled=1")).text();
    assert!(page.contains("id=\"status\">cancelled<"));
    assert!(page.contains("0 pushed, 0 skipped, 0 failed, 2 cancelled"));
    assert!(page.contains("Cancelled. Domains already processed stay moved."));
    s.run_due();
    assert_eq!(s.holder("move-a.com"), "testuser/owner1");
    let r = w.post(&format!("/panel/queue/{id}/cancel"), &[("csrf", &token)]);
    assert_eq!(r.status_line, "HTTP/1.1 409 Conflict");
    let queue = w.get("/panel/queue").text();
    assert!(queue.contains("bulk_cancel"));
    assert_eq!(
        w.get("/panel/queue/999").status_line,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        w.get("/panel/nowhere").status_line,
        "HTTP/1.1 404 Not Found"
    );
}

#[test]
fn reseller_passwd_cli_turns_the_login_on_and_off() {
    let s = setup();
    let db = s.db();
    let run = |args: &[&str], input: &str| opsd_cli(&db, args, input);
    let short = run(&["reseller", "passwd", OTHER_USER], "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"));
    let ok = run(&["reseller", "passwd", OTHER_USER], "a long enough one\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    logged_in(&s, OTHER_USER, "a long enough one");
    let off = run(&["reseller", "passwd", OTHER_USER, "--clear"], "");
    assert!(off.status.success());
    let mut w = Web::new(&s);
    let r = w.login("/panel/login", OTHER_USER, "a long enough one");
    assert_eq!(r.status_line, "HTTP/1.1 401 Unauthorized");
}

/// Issue 30: a domain's page shows its state, its registrant verification, its
/// orders and its notes, as the API answers them; another reseller's domain is a
/// page that does not exist.
#[test]
fn a_domains_page_shows_its_orders_notes_and_verification() {
    let s = setup();
    let r = s.ops(&crate::portfolio::register("shown-here.com", 2, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let order = r.item("id").expect("order id");
    let mut w = logged_in(&s, USER, PASSWORD);
    let list = w.get("/panel/domains?q=shown").text();
    assert!(
        list.contains("href=\"/panel/domains/shown-here.com\""),
        "{list}"
    );
    let page = w.get("/panel/domains/shown-here.com");
    assert!(page.status_line.ends_with("200 OK"), "{}", page.text());
    let html = page.text();
    assert!(html.contains(&format!("id=\"order-{order}\"")), "{html}");
    assert!(html.contains("<td>new</td><td class=\"status\">completed</td>"));
    assert!(html.contains("Domain registration successfully completed."));
    assert!(html.contains(&format!("Order #{order}: Domain Registration (2 years")));
    assert!(
        html.contains("<td class=\"status\">verifying</td>"),
        "{html}"
    );
    assert!(html.contains("(15 days left)"), "{html}");
    assert!(html.contains("The DNS service is not enabled"), "{html}");
    // Its zone and forwarding, once made over OPS.
    let call = |action: &str, attrs: &str| {
        s.ops(&envelope(
            action,
            "DOMAIN",
            &format!("<item key=\"domain\">shown-here.com</item>{attrs}"),
        ))
    };
    let made = call(
        "CREATE_DNS_ZONE",
        "<item key=\"records\"><dt_assoc><item key=\"MX\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\"></item><item key=\"hostname\">mx.shown.net</item><item key=\"priority\">10</item></dt_assoc></item></dt_array></item><item key=\"TXT\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"text\">&lt;b&gt;hi&lt;/b&gt;</item></dt_assoc></item></dt_array></item></dt_assoc></item>",
    );
    assert_eq!(made.code(), Some(200), "{}", made.text());
    call("CREATE_DOMAIN_FORWARDING", "");
    call(
        "SET_DOMAIN_FORWARDING",
        "<item key=\"forwarding\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">go</item><item key=\"destination_url\">https://example.org/x</item><item key=\"masked\">1</item></dt_assoc></item></dt_array></item>",
    );
    let html = w.get("/panel/domains/shown-here.com").text();
    assert!(
        html.contains("<td>shown-here.com</td><td>MX</td><td>10 mx.shown.net.</td>"),
        "{html}"
    );
    // Escaped: a record's text never becomes markup.
    assert!(html.contains("&lt;b&gt;hi&lt;&#x2f;b&gt;"), "{html}");
    assert!(
        html.contains(
            "<td>go.shown-here.com</td><td>https:&#x2f;&#x2f;example.org&#x2f;x</td><td>yes</td>"
        ),
        "{html}"
    );
    // Its profile, with the profile's domains and its sub-user.
    assert!(
        html.contains("<tr><th>User name</th><td>shopper</td></tr>"),
        "{html}"
    );
    let added = s.ops(&envelope(
        "ADD",
        "SUBUSER",
        "<item key=\"domain\">shown-here.com</item><item key=\"sub_username\">accountant</item><item key=\"sub_password\">sums4ever</item><item key=\"sub_permission\">6</item>",
    ));
    assert_eq!(added.code(), Some(200), "{}", added.text());
    let html = w.get("/panel/domains/shown-here.com").text();
    assert!(
        html.contains("<td id=\"subuser\">accountant (admin, billing)</td>"),
        "{html}"
    );
    assert!(html.contains("<a href=\"shown-here.com\">"), "{html}");
    // Not this reseller's: no such page.
    let theirs = w.get("/panel/domains/other-only.com");
    assert!(theirs.status_line.contains("404"), "{}", theirs.status_line);
    assert!(!theirs.text().contains("other-only.com"));
}
