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
    let driver = Driver::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = driver.browser().await;
        c.goto(&link).await.expect("open the link");
        let listed = c
            .find(Locator::Id("domains"))
            .await
            .expect("domain list")
            .text()
            .await
            .expect("text");
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
        screenshot(&c, "approval-page.png").await;
        c.find(Locator::Id("accept"))
            .await
            .expect("Accept button")
            .click()
            .await
            .expect("click");
        let result = c
            .wait()
            .for_element(Locator::Id("result"))
            .await
            .expect("result page")
            .text()
            .await
            .expect("text");
        assert!(
            result.contains("Thank you for confirming batch transfer"),
            "{result}"
        );
        screenshot(&c, "approval-accepted.png").await;
        c.close().await.expect("close");
    });
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_domains WHERE status = 'pending_registry'"),
        2
    );
}
