//! The pages in a real headless Chromium (Debian's chromium + chromium-driver), driven
//! over WebDriver with fantoccini. Screenshots go to `test-artifacts/`.

use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::common::*;

/// A chromedriver process on a free loopback port.
struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        let port = free_port();
        let mut child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver must be installed (chromium-driver); .ci/run installs it");
        if port_opens(port) {
            let profile = tempfile::tempdir().expect("profile dir");
            return Driver {
                child,
                port,
                profile,
            };
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("chromedriver did not start");
    }

    async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1000,800",
                    format!("--user-data-dir={}", self.profile.path().display()),
                ],
            }),
        );
        ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("WebDriver session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A test that panics before closing its session leaves Chromium running after
        // chromedriver is gone; its profile directory names it.
        let _ = Command::new("pkill")
            .args(["-f", "--"])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .status();
    }
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

#[test]
fn registrant_opens_the_email_link_and_accepts() {
    let s = Server::start();
    let r = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[("alpha-owner3.com", "a"), ("beta-owner3.net", "b")]),
    ));
    assert_eq!(r.code(), Some(200));
    s.run_due();
    // The link exactly as the email carries it.
    let mail = s.app.store.outbox().expect("outbox").remove(0).1;
    let link = mail
        .body
        .split_whitespace()
        .find(|w| w.contains("/approve/"))
        .expect("a link in the email")
        .to_string();
    in_browser(async |c: &Client| {
        let step = Steps(c);
        c.goto(&link).await.expect("open the link");
        let listed = step.text("domains").await;
        assert!(
            listed.contains("alpha-owner3.com") && listed.contains("beta-owner3.net"),
            "{listed}"
        );
        let body = c
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .expect("text");
        assert!(body.contains("Listed below are the domains that will be transferred:"));
        screenshot(c, "approval-page.png").await;
        step.click("accept").await;
        let result = step.text("result").await;
        assert!(
            result.contains("Thank you for confirming batch transfer"),
            "{result}"
        );
        screenshot(c, "approval-accepted.png").await;
    });
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_domains WHERE status = 'pending_registry'"),
        2
    );
}

/// Issue 30: the registrant opens the verification email's link and verifies.
#[test]
fn registrant_verifies_from_the_email_link() {
    let s = Server::start();
    let c = crate::portfolio::contact("Jane", "jane@example.net");
    let r = s.ops(&envelope(
        "SW_REGISTER",
        "DOMAIN",
        &format!(
            "<item key=\"reg_type\">new</item><item key=\"domain\">browser-verify.com</item><item key=\"reg_username\">shopper</item><item key=\"reg_password\">shopper-pass</item><item key=\"handle\">process</item><item key=\"period\">1</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{c}</item><item key=\"admin\">{c}</item><item key=\"billing\">{c}</item><item key=\"tech\">{c}</item></dt_assoc></item>"
        ),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let mail = s.app.store.outbox().expect("outbox").remove(0).1;
    let link = mail
        .body
        .split_whitespace()
        .find(|w| w.contains("/verify/"))
        .expect("a link in the email")
        .to_string();
    in_browser(async |c: &Client| {
        let step = Steps(c);
        c.goto(&link).await.expect("open the link");
        let asked = step.text("request").await;
        assert!(asked.contains("browser-verify.com"), "{asked}");
        step.click("verify").await;
        let result = step.text("result").await;
        assert!(result.contains("is verified"), "{result}");
        screenshot(c, "registrant-verified.png").await;
    });
    assert_eq!(
        s.count("SELECT count(*) FROM registrant_verifications WHERE status = 'verified'"),
        1
    );
}

/// Issue 30: the registrant of a name with a trademark claim opens the notice's
/// link and accepts it; the registration goes ahead.
#[test]
fn registrant_accepts_a_claims_notice() {
    let s = Server::start();
    let r = s.ops(&crate::portfolio::register("browser-claim.com", 1, ""));
    assert_eq!(r.code(), Some(260), "{}", r.text());
    let mail = s.app.store.outbox().expect("outbox").remove(0).1;
    let link = mail
        .body
        .split_whitespace()
        .find(|w| w.contains("/claims/"))
        .expect("a link in the email")
        .to_string();
    in_browser(async |c: &Client| {
        let step = Steps(c);
        c.goto(&link).await.expect("open the link");
        let notice = step.text("notice").await;
        assert!(notice.contains("browser-claim.com"), "{notice}");
        step.click("accept").await;
        let result = step.text("result").await;
        assert!(result.contains("is registered"), "{result}");
        screenshot(c, "claims-accepted.png").await;
    });
    assert_eq!(
        s.count("SELECT count(*) FROM domains WHERE name = 'browser-claim.com'"),
        1
    );
}

/// Runs `f` in a fresh headless Chromium session, then closes it.
fn in_browser(f: impl AsyncFnOnce(&Client)) {
    let driver = Driver::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = driver.browser().await;
        f(&c).await;
        c.close().await.expect("close");
    });
}

/// Small steps of the walk-through, each failing with what it was doing.
struct Steps<'a>(&'a Client);

impl Steps<'_> {
    async fn click(&self, id: &str) {
        self.0
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click #{id}: {e}"));
    }

    async fn type_into(&self, id: &str, text: &str) {
        let field = self
            .0
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"));
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear #{id}: {e}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    }

    async fn text(&self, id: &str) -> String {
        self.0
            .wait()
            .for_element(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of #{id}: {e}"))
    }

    /// Logs in to the page area at `login_url` (`{base}/panel/login`, …).
    async fn login(&self, login_url: &str, user: &str, password: &str) {
        self.0.goto(login_url).await.expect("login page");
        self.type_into("username", user).await;
        self.type_into("password", password).await;
        self.click("login").await;
        assert_eq!(self.text("me").await, user);
    }
}

/// Seed 000 end to end in a real browser: the gaining reseller authorizes the losing
/// one, the losing one ticks domains and moves them, watches the queue, then submits
/// a pasted list and cancels that job.
#[test]
fn seed_000_walk_through_in_the_control_panel() {
    use crate::panel::{GAINING, GAINING_PASSWORD, PASSWORD, setup};
    let s = setup();
    let panel = format!("http://{}/panel/login", s.addr);
    in_browser(async |c: &Client| {
        let step = Steps(c);

        // Step 1: the gaining reseller authorizes the losing reseller.
        step.login(&panel, GAINING, GAINING_PASSWORD).await;
        step.click("nav-push-settings").await;
        step.type_into("losing", USER).await;
        step.click("add").await;
        let flash = step.text("flash").await;
        assert_eq!(flash, "testuser may now push domains to your account.");
        assert!(step.text("allowed").await.contains(USER));
        screenshot(c, "panel-1-push-settings.png").await;
        step.click("logout").await;

        // Step 2: the losing reseller ticks domains and moves them.
        step.login(&panel, USER, PASSWORD).await;
        for d in ["move-a.com", "move-b.net", "move-locked.com"] {
            step.click(&format!("pick-{d}")).await;
        }
        c.wait()
            .for_element(Locator::Id("bulk_action"))
            .await
            .expect("bulk actions")
            .select_by_value("move")
            .await
            .expect("choose Move to another reseller");
        screenshot(c, "panel-2-domains-ticked.png").await;
        step.click("apply").await;
        let listed = c
            .wait()
            .for_element(Locator::Id("domain-list"))
            .await
            .expect("domain list")
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default();
        assert_eq!(listed, "move-a.com\nmove-b.net\nmove-locked.com");
        step.type_into("gaining", GAINING).await;
        step.click("profile-new").await;
        step.type_into("contact_email", "ops@losing.example").await;
        screenshot(c, "panel-3-move-form.png").await;
        step.click("move").await;
        assert_eq!(step.text("status").await, "queued");
        screenshot(c, "panel-4-job-queued.png").await;

        // The workers run the job; the queue shows the results.
        s.run_due();
        c.refresh().await.expect("reload");
        assert_eq!(step.text("status").await, "completed");
        assert_eq!(
            step.text("counts").await,
            "2 pushed, 1 skipped, 0 failed, 0 cancelled, 0 waiting."
        );
        let items = step.text("items").await;
        assert!(
            items.contains("move-locked.com skipped Domain is locked"),
            "{items}"
        );
        screenshot(c, "panel-5-job-completed.png").await;
        step.click("nav-queue").await;
        let audit = step.text("audit").await;
        assert!(audit.contains("bulk_push move-a.com"), "{audit}");
        screenshot(c, "panel-6-queue-and-audit.png").await;

        // Another job, from a pasted list, cancelled before it runs.
        step.click("nav-domains").await;
        c.wait()
            .for_element(Locator::Id("bulk_action"))
            .await
            .expect("bulk actions")
            .select_by_value("move")
            .await
            .expect("choose");
        step.click("apply").await;
        step.text("domain-list").await;
        step.type_into("domain-list", "move-c.org\nstay-d.com")
            .await;
        step.type_into("gaining", GAINING).await;
        step.click("move").await;
        assert_eq!(step.text("status").await, "queued");
        step.click("cancel").await;
        assert_eq!(
            step.text("flash").await,
            "Cancelled. Domains already processed stay moved."
        );
        assert_eq!(step.text("status").await, "cancelled");
        screenshot(c, "panel-7-job-cancelled.png").await;
    });
    assert!(s.holder("move-a.com").starts_with("gainingrsp/"));
    assert_eq!(s.holder("move-c.org"), "testuser/owner1");
}

/// Seed 001's three steps in a real browser: the losing company reads its
/// company_id, the gaining company allows it and sets a notification address, the
/// losing company pushes a branded domain after confirming; the gaining company sees
/// it with an unlabelled brand and assigns a new one.
#[test]
fn seed_001_walk_through_in_the_mail_administration_console() {
    use crate::email_push::{ADMIN_PW, GAINING_ADMIN, LOSING_ADMIN, setup};
    let s = setup();
    let base = format!("http://{}", s.addr);
    let mac = format!("{base}/mac/login");
    in_browser(async |c: &Client| {
        let step = Steps(c);

        // Step 1: the losing company notes its company_id.
        step.login(&mac, LOSING_ADMIN, ADMIN_PW).await;
        let company_id = step.text("company-id").await;
        assert_eq!(company_id, "1001");
        screenshot(c, "mac-1-losing-company-id.png").await;
        step.click("logout").await;

        // Step 2: the gaining company allows it and sets a notification address.
        step.login(&mac, GAINING_ADMIN, ADMIN_PW).await;
        step.type_into("allowed_companies", &company_id).await;
        step.type_into("notify", "notices@gaining.example").await;
        step.click("update").await;
        assert_eq!(step.text("flash").await, "Domain Push settings updated.");
        screenshot(c, "mac-2-gaining-allows.png").await;
        step.click("logout").await;

        // Step 3: the losing company pushes the domain, confirming first.
        step.login(&mac, LOSING_ADMIN, ADMIN_PW).await;
        step.click("nav-domains").await;
        c.wait()
            .for_element(Locator::Id("push-domain"))
            .await
            .expect("domain choice")
            .select_by_value("branded.example.com")
            .await
            .expect("choose the domain");
        step.type_into("new_company", "1002").await;
        step.click("push-domain-button").await;
        let question = step.text("confirm-title").await;
        assert!(
            question.contains("branded.example.com") && question.contains("1002"),
            "{question}"
        );
        screenshot(c, "mac-3-confirm-push.png").await;
        step.click("confirm-push").await;
        let flash = step.text("flash").await;
        assert!(
            flash.starts_with("branded.example.com was pushed"),
            "{flash}"
        );
        assert!(!step.text("domains").await.contains("branded.example.com"));
        screenshot(c, "mac-4-pushed.png").await;
        step.click("logout").await;

        // The gaining company sees it, with the brand unlabelled, and assigns one.
        step.login(&mac, GAINING_ADMIN, ADMIN_PW).await;
        step.click("nav-domains").await;
        assert!(
            step.text("domains")
                .await
                .contains("branded.example.com unlabelled 2 4")
        );
        c.goto(&format!("{base}/mac/domains/branded.example.com"))
            .await
            .expect("domain page");
        let state = step.text("brand-state").await;
        assert!(
            state.starts_with("Unlabelled brand (not editable)"),
            "{state}"
        );
        screenshot(c, "mac-5-unlabelled-brand.png").await;
        step.type_into("brand_name", "Gaining Acme").await;
        step.click("create-brand").await;
        assert_eq!(step.text("flash").await, "Brand created and assigned.");
        assert_eq!(step.text("brand-state").await, "Gaining Acme");
        screenshot(c, "mac-6-new-brand.png").await;
    });
    let d = s
        .app
        .store
        .mail_domain("branded.example.com")
        .expect("store")
        .expect("domain");
    assert_eq!((d.company_id, d.mailboxes, d.messages), (1002, 2, 4));
    let mails = s.app.store.outbox().expect("outbox");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].1.to, "notices@gaining.example");
}

/// The mail console shows and edits what the Email API changes: a user added
/// from a domain's page, its settings saved, a message deleted (and offered for
/// restore by the API), the user deleted — each checked through the API.
#[test]
fn mail_console_users_in_a_browser() {
    use crate::email_push::{ADMIN_PW, LOSING_ADMIN, setup};
    let s = setup();
    let base = format!("http://{}", s.addr);
    let api = |method: &str, body: serde_json::Value| -> serde_json::Value {
        let mut body = body;
        body["credentials"] = serde_json::json!({"user": LOSING_ADMIN, "password": ADMIN_PW});
        let text = body.to_string();
        let r = s.send(
            format!(
                "POST /api/{method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                text.len()
            )
            .as_bytes(),
        );
        serde_json::from_slice(&r.body).expect("JSON")
    };
    // A change made through the API shows in the console.
    api(
        "change_user",
        serde_json::json!({"user": "user1@plain.example.com", "attributes": {"title": "Boss"}}),
    );
    in_browser(async |c: &Client| {
        let step = Steps(c);
        step.login(&format!("{base}/mac/login"), LOSING_ADMIN, ADMIN_PW)
            .await;
        c.goto(&format!("{base}/mac/domains/second.example.com"))
            .await
            .expect("domain page");
        assert!(
            step.text("users")
                .await
                .contains("user1@second.example.com")
        );
        step.type_into("new-local", "jane").await;
        step.type_into("new-name", "Jane Doe").await;
        step.type_into("new-password", "Jane-pw-1").await;
        step.click("add-user").await;
        assert_eq!(step.text("flash").await, "User added.");
        assert_eq!(step.text("user-address").await, "jane@second.example.com");
        screenshot(c, "mac-7-user-added.png").await;
        step.type_into("user-title", "Ms.").await;
        step.click("save-user").await;
        assert_eq!(step.text("flash").await, "Changes saved.");

        c.goto(&format!("{base}/mac/users/user1%40plain.example.com"))
            .await
            .expect("user page");
        let title = c
            .find(Locator::Id("user-title"))
            .await
            .expect("title field")
            .attr("value")
            .await
            .expect("value");
        assert_eq!(title.as_deref(), Some("Boss"));
        assert_eq!(step.text("user-deleted").await, "0");
        c.find(Locator::Css("#messages button"))
            .await
            .expect("a message")
            .click()
            .await
            .expect("delete it");
        assert_eq!(
            step.text("flash").await,
            "Message deleted; it can be restored for 14 days."
        );
        assert_eq!(step.text("user-deleted").await, "1");
        screenshot(c, "mac-8-message-deleted.png").await;

        c.goto(&format!("{base}/mac/users/jane%40second.example.com"))
            .await
            .expect("user page");
        step.click("delete-user").await;
        assert_eq!(step.text("flash").await, "User deleted.");
    });
    let jane = api(
        "search_users",
        serde_json::json!({"criteria": {"domain": "second.example.com", "deleted": true}}),
    );
    assert_eq!(
        jane["users"][0]["user"],
        serde_json::json!("jane@second.example.com"),
        "{jane}"
    );
    let restored = api(
        "restore_user",
        serde_json::json!({"user": "jane@second.example.com", "id": jane["users"][0]["id"], "new_name": "jane@second.example.com"}),
    );
    assert_eq!(restored["success"], serde_json::json!(true), "{restored}");
    let got = api(
        "get_user",
        serde_json::json!({"user": "jane@second.example.com"}),
    );
    assert_eq!(
        (
            got["attributes"]["name"].clone(),
            got["attributes"]["title"].clone()
        ),
        (serde_json::json!("Jane Doe"), serde_json::json!("Ms."))
    );
    let gone = api(
        "get_deleted_messages",
        serde_json::json!({"user": "user1@plain.example.com"}),
    );
    assert_eq!(gone["count"], serde_json::json!(1), "{gone}");
}

/// The operator dashboard in a real browser: every page, with a screenshot of each,
/// and its three controls (cancel a bulk change, switch pushes, advance the clock).
#[test]
fn operator_dashboard_walk_through() {
    use crate::dashboard::{GAINING, OPERATOR, OPERATOR_PASS, world};
    let s = world();
    let order = s.send(&resign_capture(
        &fixture("clients/php-osrs-toolkit/sw_register.transfer.http"),
        KEY,
    ));
    assert_eq!(order.code(), Some(200), "{}", order.text());
    let base = format!("http://{}", s.addr);
    in_browser(async |c: &Client| {
        let step = Steps(c);
        step.login(&format!("{base}/dashboard/login"), OPERATOR, OPERATOR_PASS)
            .await;
        let jobs = step.text("jobs").await;
        assert!(jobs.contains("#134") && jobs.contains("testuser"), "{jobs}");
        screenshot(c, "dashboard-transfers.png").await;

        c.goto(&format!("{base}/dashboard/transfers/134"))
            .await
            .expect("job");
        let registrants = step.text("registrants").await;
        assert!(registrants.contains("owner1@example.net"), "{registrants}");
        assert!(
            step.text("domains")
                .await
                .contains("Incorrect authorization code.")
        );
        screenshot(c, "dashboard-transfer-job.png").await;

        step.click("nav-orders").await;
        let orders = step.text("orders").await;
        assert!(
            orders.contains("transfer-me-owner1.com") && orders.contains("10.00"),
            "{orders}"
        );
        screenshot(c, "dashboard-orders.png").await;

        step.click("nav-bulk").await;
        screenshot(c, "dashboard-bulk.png").await;
        step.click("cancel-1").await;
        assert!(step.text("flash").await.contains("Bulk change 1 cancelled"));
        assert!(step.text("bulk-1").await.contains("cancelled"));

        step.click("nav-resellers").await;
        screenshot(c, "dashboard-resellers.png").await;
        step.click(&format!("push-{GAINING}")).await;
        assert!(step.text("flash").await.contains(GAINING));
        assert!(
            step.text(&format!("reseller-{GAINING}"))
                .await
                .contains("disabled")
        );

        step.click("nav-webhooks").await;
        assert!(step.text("attempts").await.contains("PUSHED_IN"));
        screenshot(c, "dashboard-webhooks.png").await;

        step.click("nav-outbox").await;
        screenshot(c, "dashboard-outbox.png").await;
        c.find(Locator::LinkText("1"))
            .await
            .expect("first mail")
            .click()
            .await
            .expect("open");
        assert!(step.text("body").await.contains("/approve/"));
        screenshot(c, "dashboard-mail.png").await;

        step.click("nav-clock").await;
        step.type_into("duration", "7d").await;
        step.click("advance").await;
        assert!(step.text("flash").await.contains("Clock advanced"));
        assert!(step.text("now").await.contains("2014-07-10"));
        screenshot(c, "dashboard-clock.png").await;

        step.click("nav-audit").await;
        let audit = step.text("audit").await;
        for want in ["bulk_cancel", "push_disable", "clock_advance"] {
            assert!(audit.contains(want), "{want} in {audit}");
        }
        screenshot(c, "dashboard-audit.png").await;
    });
}

/// The sandbox tools' pages in a real browser, with a screenshot of each: the
/// reseller's request journal (an error's explanation) and coverage, the
/// operator's journal, coverage and fault rules (one added through the form,
/// answering the next call, then removed).
#[test]
fn sandbox_tools_pages_walk_through() {
    let s = Server::start();
    s.ops(&envelope("GET_BALANCE", "BALANCE", ""));
    s.ops(&envelope(
        "MODIFY",
        "DOMAIN",
        &format!("<item key=\"domain\">{PROFILE_DOMAIN}</item><item key=\"data\">status</item>"),
    ));
    s.panel_password(USER, "panel-pass-1");
    let hash = opsd::auth::hash_password("operator-pass-1").expect("hash");
    s.app.store.add_operator("op", &hash, 0).expect("operator");
    let base = format!("http://{}", s.addr);
    in_browser(async |c: &Client| {
        let step = Steps(c);
        step.login(&format!("{base}/panel/login"), USER, "panel-pass-1")
            .await;
        step.click("nav-journal").await;
        let rows = step.text("journal").await;
        assert!(
            rows.contains("GET_BALANCE") && rows.contains("MODIFY"),
            "{rows}"
        );
        screenshot(c, "panel-journal.png").await;
        c.find(Locator::Css("tr.failed a"))
            .await
            .expect("the failed request")
            .click()
            .await
            .expect("open");
        let why = step.text("explanation").await;
        assert!(
            why.contains("lock_state") && why.contains("required"),
            "{why}"
        );
        assert!(step.text("request").await.contains("x-signature: ***"));
        screenshot(c, "panel-journal-entry.png").await;
        step.click("nav-coverage").await;
        assert!(step.text("summary").await.contains("actions tried"));
        screenshot(c, "panel-coverage.png").await;

        step.login(&format!("{base}/dashboard/login"), "op", "operator-pass-1")
            .await;
        step.click("nav-journal").await;
        assert!(step.text("journal").await.contains(USER));
        screenshot(c, "dashboard-journal.png").await;
        c.goto(&format!("{base}/dashboard/coverage?reseller={USER}"))
            .await
            .expect("coverage");
        assert!(step.text("actions").await.contains("GET_BALANCE"));
        screenshot(c, "dashboard-coverage.png").await;
        step.click("nav-faults").await;
        step.type_into("fault-action", "GET_BALANCE").await;
        step.type_into("fault-count", "1").await;
        step.type_into("fault-code", "400").await;
        step.type_into("fault-text", "From the dashboard").await;
        step.click("fault-add").await;
        assert!(step.text("flash").await.contains("added"));
        assert!(step.text("faults").await.contains("reply on GET_BALANCE"));
        screenshot(c, "dashboard-faults.png").await;
    });
    let r = s.ops(&envelope("GET_BALANCE", "BALANCE", ""));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("From the dashboard")
    );
    assert_eq!(
        s.ops(&envelope("GET_BALANCE", "BALANCE", "")).code(),
        Some(200)
    );
}
