//! Shared test helpers: start the real server on a loopback port, sign and send raw
//! request bytes over real sockets, and compare replies with golden files.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use opsd::clock::{FakeClock, parse_timestamp};
use opsd::config::Config;
use opsd::store::{Sequence, Store};
use opsd::{AppState, auth};

pub const USER: &str = "testuser";
pub const KEY: &str = "testkey";
pub const OTHER_USER: &str = "otheruser";
pub const OTHER_KEY: &str = "otherkey";
pub const PROFILE_USER: &str = "reguser";
pub const PROFILE_PASS: &str = "p&ss<wd>";
pub const PROFILE_DOMAIN: &str = "profile-domain.com";
pub const DNS_TEMPLATE: &str = "default-template";
pub const ADMIN_TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// Where a test's database lives: a file in a fresh temporary directory, or, with
/// `OPSD_TEST_POSTGRES` set (CI runs the suite both ways), a fresh database in
/// that PostgreSQL cluster, dropped with this. The directory is there either way,
/// for the files a test keeps beside its database.
pub struct TestDb {
    dir: tempfile::TempDir,
    pg: Option<opsd::store::scratch::ScratchDb>,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let pg = opsd::store::scratch::backend_cluster().map(|admin| {
            let label = std::thread::current().name().unwrap_or("e2e").to_string();
            opsd::store::scratch::ScratchDb::create(&admin, &label)
                .unwrap_or_else(|e| panic!("OPSD_TEST_POSTGRES is set, but: {e}"))
        });
        TestDb { dir, pg }
    }

    /// The temporary directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The `db` setting: the file `opsd.db` in the directory, or the URL.
    pub fn db(&self) -> PathBuf {
        match &self.pg {
            Some(pg) => PathBuf::from(pg.url()),
            None => self.dir.path().join("opsd.db"),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }
}

/// Whether this run of the suite is on PostgreSQL.
pub fn on_postgres() -> bool {
    opsd::store::scratch::backend_cluster().is_some()
}

/// A running server with its own database in a temporary directory.
pub struct Server {
    pub addr: SocketAddr,
    pub app: AppState,
    /// The OPS API the server runs (its caches).
    pub api: Arc<opsd::api::Api>,
    pub clock: Arc<FakeClock>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub dir: TestDb,
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(|_| {})
    }

    /// Starts a server with its background workers running.
    pub fn start_with_workers() -> Server {
        Server::start_with(|c| c.workers = true)
    }

    /// Starts a server after `tune` has adjusted its configuration. The database holds
    /// the two test resellers, a profile and a DNS template, and job ids start at 134
    /// as in the seed documents.
    pub fn start_with(tune: impl FnOnce(&mut Config)) -> Server {
        Server::start_scenario("", tune)
    }

    /// Starts a server whose sandbox world is the scenario `toml` (see
    /// fixtures/scenarios/); its resellers, profiles and ids are seeded too.
    pub fn start_scenario(toml: &str, tune: impl FnOnce(&mut Config)) -> Server {
        let scenario = opsd::sandbox::Scenario::parse(toml).expect("scenario");
        let dir = TestDb::new();
        let db = dir.db();
        let store = Store::open(&db).expect("open store");
        seed(&store);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let mut config = Config::new(addr, db);
        config.snapshot_dir = Some(dir.path().join("snapshots"));
        // The request-path tests look at jobs as submitted; lifecycle tests turn the
        // workers on (or run the tasks themselves with `run_due`).
        config.workers = false;
        tune(&mut config);
        // The scenario's clock when it sets one, else the seed documents' moment.
        let start = scenario
            .clock_start
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .unwrap_or_else(|| parse_timestamp("2014-07-03 18:34:34").expect("time"));
        let clock = Arc::new(FakeClock::new(start));
        let app = Arc::new(
            opsd::app::build(store, clock.clone(), config, &scenario).expect("build the app"),
        );
        app.store
            .set_setting(opsd::app::ADMIN_TOKEN, ADMIN_TOKEN)
            .expect("admin token");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let api = Arc::new(opsd::api::Api::new(app.clone()));
        let served = api.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                let shutdown = async {
                    let _ = rx.await;
                };
                opsd::serve_api(listener, None, shutdown, served)
                    .await
                    .expect("serve");
            });
        });
        Server {
            addr,
            app,
            api,
            clock,
            shutdown: Some(tx),
            thread: Some(thread),
            dir,
        }
    }

    /// Signals shutdown and waits until `serve` has returned.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().expect("server thread");
        }
    }

    /// Begins shutdown without waiting for it.
    pub fn begin_stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub fn connect(&self) -> Conn {
        Conn::open(self.addr)
    }

    /// Sends one request on a new connection and reads the reply.
    pub fn send(&self, raw: &[u8]) -> Response {
        let mut c = self.connect();
        c.send(raw)
    }

    /// Signs `body` as testuser and sends it as HTTP/1.0, like the PHP toolkit.
    pub fn ops(&self, body: &[u8]) -> Response {
        self.send(&http10(body, USER, KEY))
    }

    /// Runs every background task that is due (tests run with the workers off).
    pub fn run_due(&self) -> usize {
        opsd::jobs::run_due(&self.app).expect("run due tasks")
    }

    /// `POST /admin/clock/advance`, as `opsd clock advance` sends it.
    pub fn advance(&self, duration: &str) -> Response {
        let raw = format!(
            "POST /admin/clock/advance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\nContent-Length: {}\r\n\r\n{duration}",
            duration.len()
        );
        self.send(raw.as_bytes())
    }

    /// GET `path` over HTTP/1.1.
    /// An operator API call (`/admin/…`) with the admin token; `body` is a form
    /// or, for a reset, a scenario.
    pub fn admin(&self, method: &str, path: &str, body: &str) -> Response {
        let raw = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        self.send(raw.as_bytes())
    }

    /// The JSON body of an operator API answer.
    pub fn admin_json(&self, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
        let r = self.admin(method, path, body);
        let status = r
            .status_line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (
            status,
            serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null),
        )
    }

    pub fn get(&self, path: &str) -> Response {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
    }

    /// POST a form to `path`.
    pub fn post_form(&self, path: &str, form: &str) -> Response {
        let raw = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        );
        self.send(raw.as_bytes())
    }

    /// Answers a page with a decision form (the approval page, the transfer-away
    /// page): GET `path`, then POST its form with its CSRF token and `decision`.
    pub fn answer_page(&self, path: &str, decision: &str) -> Response {
        let csrf = csrf_of(&self.get(path).text());
        self.post_form(path, &format!("csrf={csrf}&decision={decision}"))
    }

    /// The outbox's links under `prefix` (`/verify/`, `/claims/`), in order:
    /// `(to, token)`.
    pub fn mail_links(&self, prefix: &str) -> Vec<(String, String)> {
        self.app
            .store
            .outbox()
            .expect("outbox")
            .into_iter()
            .filter_map(|(_, m, _)| {
                let at = m.body.find(prefix)? + prefix.len();
                Some((m.to.clone(), m.body.get(at..at + 32)?.to_string()))
            })
            .collect()
    }

    /// CHECK_TRANSFER's `status` (with `check_status=1`) of the test reseller's
    /// transfer of `domain`.
    pub fn transfer_status(&self, domain: &str) -> String {
        self.ops(&envelope(
            "CHECK_TRANSFER",
            "DOMAIN",
            &format!("<item key=\"domain\">{domain}</item><item key=\"check_status\">1</item>"),
        ))
        .item("status")
        .unwrap_or_default()
    }

    /// The approval links of the outbox, in order: `(to, token)`.
    pub fn approval_links(&self) -> Vec<(String, String)> {
        self.app
            .store
            .outbox()
            .expect("outbox")
            .into_iter()
            .filter_map(|(_, m, _)| {
                let at = m.body.find("/approve/")? + "/approve/".len();
                Some((m.to.clone(), m.body[at..at + 32].to_string()))
            })
            .collect()
    }

    /// The server's `db` setting (a file or a PostgreSQL URL).
    pub fn db(&self) -> PathBuf {
        self.dir.db()
    }

    /// `reseller/profile` holding a portfolio domain.
    pub fn holder(&self, domain: &str) -> String {
        let sql = format!(
            "SELECT r.username || '/' || p.username FROM domains d JOIN resellers r ON r.id = d.reseller_id
             JOIN profiles p ON p.id = d.profile_id WHERE d.name = '{}'",
            domain.replace('\'', "''")
        );
        opsd::store::peek::<String>(&self.db(), &sql)
            .expect("query")
            .expect("domain row")
    }

    pub fn count(&self, sql: &str) -> i64 {
        db_count(&self.db(), sql)
    }

    /// `count(sql)` once it reaches `at_least`, waiting up to 10 seconds (the
    /// journal is written by a flusher, behind the requests).
    pub fn count_reaching(&self, sql: &str, at_least: i64) -> i64 {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let n = self.count(sql);
            if n >= at_least || std::time::Instant::now() > until {
                return n;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn seed(store: &Store) {
    let a = store.add_reseller(USER, KEY, &[], 0).expect("reseller");
    store
        .add_reseller(OTHER_USER, OTHER_KEY, &[], 0)
        .expect("reseller");
    let hash = auth::hash_password(PROFILE_PASS).expect("hash");
    let p = store
        .add_profile(a, PROFILE_USER, &hash, 0)
        .expect("profile");
    store
        .add_domain(a, p, PROFILE_DOMAIN, false, 0, opsd::clock::add_years(0, 1))
        .expect("domain");
    store.add_dns_template(a, DNS_TEMPLATE).expect("template");
    store
        .set_next_id(Sequence::TransferJobs, 134)
        .expect("sequence");
}

/// `md5_hex(md5_hex(body ++ key) ++ key)`.
pub fn sign(body: &[u8], key: &str) -> String {
    String::from_utf8(auth::signature(body, key).to_vec()).expect("hex")
}

/// An HTTP/1.0 request without Host, as the PHP toolkit sends it.
pub fn http10(body: &[u8], user: &str, key: &str) -> Vec<u8> {
    let mut r = format!(
        "POST / HTTP/1.0\r\nContent-Type: text/xml\r\nX-Username: {user}\r\nX-Signature: {}\r\nContent-Length: {}\r\n\r\n",
        sign(body, key),
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// An HTTP/1.1 keep-alive request with lower-case headers, as the Python client sends.
pub fn http11(body: &[u8], user: &str, key: &str) -> Vec<u8> {
    let mut r = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: text/xml\r\nx-username: {user}\r\nx-signature: {}\r\ncontent-length: {}\r\n\r\n",
        sign(body, key),
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// Reads a captured client request (`fixtures/clients/**.http`), re-signs its body
/// with `key` and fixes Content-Length; every other byte stays as captured.
pub fn resign_capture(path: &Path, key: &str) -> Vec<u8> {
    resign_bytes(&std::fs::read(path).expect("read capture"), key)
}

/// A captured request with `from` replaced by `to` in its body (a cookie the
/// client was given), signed again for `key`.
pub fn resign_capture_with(path: &Path, key: &str, from: &str, to: &str) -> Vec<u8> {
    let raw = std::fs::read(path).expect("read capture");
    let split = find(&raw, b"\r\n\r\n").expect("capture has a head") + 4;
    let body = String::from_utf8(raw[split..].to_vec()).expect("utf-8 body");
    assert!(body.contains(from), "the capture has no {from}");
    let mut out = raw[..split].to_vec();
    out.extend_from_slice(body.replace(from, to).as_bytes());
    resign_bytes(&out, key)
}

/// Raw request bytes with X-Signature and Content-Length made right for `key`.
pub fn resign_bytes(raw: &[u8], key: &str) -> Vec<u8> {
    let raw = raw.to_vec();
    let split = find(&raw, b"\r\n\r\n").expect("capture has a head") + 4;
    let (head, body) = raw.split_at(split);
    let head = String::from_utf8(head.to_vec()).expect("ascii head");
    let mut out = String::new();
    for line in head.split_inclusive("\r\n") {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("x-signature:") {
            let name = &line[..line.find(':').expect("colon")];
            out.push_str(&format!("{name}: {}\r\n", sign(body, key)));
        } else if lower.starts_with("content-length:") {
            let name = &line[..line.find(':').expect("colon")];
            out.push_str(&format!("{name}: {}\r\n", body.len()));
        } else {
            out.push_str(line);
        }
    }
    let mut r = out.into_bytes();
    r.extend_from_slice(body);
    r
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

pub fn fixture_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A reply as read off the socket.
#[derive(Debug)]
pub struct Response {
    pub status_line: String,
    /// Header lines in order, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Every byte of the head, for exact checks.
    pub head: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A scalar of the OPS reply, at the top level or in `attributes`, read with
    /// opsd's own reader (which also proves the reply is readable).
    pub fn item(&self, key: &str) -> Option<String> {
        // Replies are bigger than any request may be (a 10,000-domain status): read
        // them without the request limits.
        let limits = opsd::ops::Limits {
            max_bytes: usize::MAX,
            max_depth: 64,
            max_items: usize::MAX,
        };
        let env = opsd::ops::Envelope::parse(&self.body, &limits).ok()?;
        let top = env.top().get(key);
        let nested = || env.attributes()?.as_map()?.get(key);
        top.or_else(nested)?.as_str().map(str::to_string)
    }

    /// A scalar at a path from the top of the reply, list items by index:
    /// `attributes/nameserver_list/0/name` (slashes: domain names, which are keys
    /// too, have dots).
    pub fn path(&self, path: &str) -> Option<String> {
        let limits = opsd::ops::Limits {
            max_bytes: usize::MAX,
            max_depth: 64,
            max_items: usize::MAX,
        };
        let env = opsd::ops::Envelope::parse(&self.body, &limits).ok()?;
        let mut parts = path.split('/');
        let mut at = env.top().get(parts.next()?)?;
        for p in parts {
            at = match at {
                opsd::ops::Value::Map(m) => m.get(p)?,
                opsd::ops::Value::List(l) => l.get(p.parse::<usize>().ok()?)?,
                opsd::ops::Value::Scalar(_) => return None,
            };
        }
        at.as_str().map(str::to_string)
    }

    /// How many entries the map or list at `path` has (0 when there is none).
    pub fn len_at(&self, path: &str) -> usize {
        let limits = opsd::ops::Limits {
            max_bytes: usize::MAX,
            max_depth: 64,
            max_items: usize::MAX,
        };
        let Ok(env) = opsd::ops::Envelope::parse(&self.body, &limits) else {
            return 0;
        };
        let mut parts = path.split('/');
        let Some(mut at) = parts.next().and_then(|p| env.top().get(p)) else {
            return 0;
        };
        for p in parts {
            let next = match at {
                opsd::ops::Value::Map(m) => m.get(p),
                opsd::ops::Value::List(l) => p.parse::<usize>().ok().and_then(|i| l.get(i)),
                opsd::ops::Value::Scalar(_) => None,
            };
            let Some(n) = next else { return 0 };
            at = n;
        }
        match at {
            opsd::ops::Value::Map(m) => m.len(),
            opsd::ops::Value::List(l) => l.len(),
            opsd::ops::Value::Scalar(_) => 0,
        }
    }

    pub fn code(&self) -> Option<u16> {
        self.item("response_code").and_then(|c| c.parse().ok())
    }

    /// Asserts the reply is what the PHP toolkit accepts: its status-line regex, then
    /// headers read up to the blank line, then exactly Content-Length bytes.
    pub fn assert_php_parses(&self) {
        let line = format!("{}\r\n", self.status_line);
        let ok = line.starts_with("HTTP/1.1 ")
            && line.as_bytes()[9..12].iter().all(u8::is_ascii_digit)
            && line.as_bytes()[12] == b' '
            && line.ends_with("\r\n")
            && !line[13..line.len() - 2].contains('\n');
        assert!(
            ok,
            "PHP toolkit would reject status line {:?}",
            self.status_line
        );
        let len: usize = self
            .header("content-length")
            .expect("Content-Length header")
            .trim()
            .parse()
            .expect("numeric Content-Length");
        assert_eq!(len, self.body.len());
    }
}

/// A client connection that can carry several requests (keep-alive).
pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write request");
    }

    pub fn send(&mut self, raw: &[u8]) -> Response {
        self.write(raw);
        self.read_response()
    }

    fn fill(&mut self) -> usize {
        let mut chunk = [0u8; 65536];
        let n = self.stream.read(&mut chunk).expect("read reply");
        self.buf.extend_from_slice(&chunk[..n]);
        n
    }

    pub fn read_response(&mut self) -> Response {
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            assert!(
                self.fill() > 0,
                "connection closed before a reply head: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
        };
        let head: Vec<u8> = self.buf.drain(..head_end).collect();
        let head_text = String::from_utf8(head.clone()).expect("ascii head");
        let mut lines = head_text.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (k, v) = l.split_once(':').expect("header line has a colon");
                (k.to_string(), v.trim().to_string())
            })
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().expect("Content-Length"))
            .unwrap_or(0);
        while self.buf.len() < len {
            assert!(self.fill() > 0, "connection closed inside the body");
        }
        let body = self.buf.drain(..len).collect();
        Response {
            status_line,
            headers,
            body,
            head,
        }
    }

    /// True when the server closes the connection (read returns 0) with no more bytes.
    pub fn is_closed_by_server(&mut self) -> bool {
        self.buf.is_empty() && self.fill() == 0
    }
}

/// Compares `got` with the golden file `fixtures/<rel>` byte for byte, printing a line
/// diff on mismatch. With `OPSD_BLESS=1` the golden file is rewritten instead.
pub fn assert_golden(rel: &str, got: &[u8]) {
    let path = fixture(rel);
    if std::env::var_os("OPSD_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, got).expect("bless golden");
        return;
    }
    let want = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("golden {rel}: {e} (run with OPSD_BLESS=1 to create)"));
    if want != got {
        let want_s = String::from_utf8_lossy(&want);
        let got_s = String::from_utf8_lossy(got);
        let diff = similar::TextDiff::from_lines(want_s.as_ref(), got_s.as_ref());
        let mut out = String::new();
        for change in diff.iter_all_changes() {
            let sign = match change.tag() {
                similar::ChangeTag::Delete => "-",
                similar::ChangeTag::Insert => "+",
                similar::ChangeTag::Equal => " ",
            };
            out.push_str(&format!("{sign}{}", change.to_string_lossy()));
            if change.missing_newline() {
                out.push_str("⏎ (no newline at end)\n");
            }
        }
        panic!(
            "reply differs from golden {rel} (- golden, + got):\n{}\n{out}{}",
            "=".repeat(72),
            "=".repeat(72)
        );
    }
}

/// An OPS request body in the compact form most clients send.
pub fn envelope(action: &str, object: &str, attributes: &str) -> Vec<u8> {
    format!(
        "<?xml version='1.0' encoding='UTF-8' standalone='no' ?><!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'><OPS_envelope><header><version>0.9</version></header><body><data_block><dt_assoc><item key=\"protocol\">XCP</item><item key=\"action\">{action}</item><item key=\"object\">{object}</item><item key=\"attributes\"><dt_assoc>{attributes}</dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>"
    )
    .into_bytes()
}

/// `domain_list` items for `envelope`.
pub fn domain_list(domains: &[(&str, &str)]) -> String {
    let items: String = domains
        .iter()
        .enumerate()
        .map(|(i, (d, a))| {
            format!("<item key=\"{i}\"><dt_assoc><item key=\"domain_name\">{d}</item><item key=\"auth_info\">{a}</item></dt_assoc></item>")
        })
        .collect();
    format!("<item key=\"domain_list\"><dt_array>{items}</dt_array></item>")
}

pub fn status_body(job: &str) -> Vec<u8> {
    envelope(
        "SIMPLE_TRANSFER_STATUS",
        "DOMAIN",
        &format!("<item key=\"simple_transfer_job_id\">{job}</item>"),
    )
}

/// `opsd serve` as a separate process on a database file, on a free loopback port
/// (it logs the address it bound; the log is drained so it never blocks).
pub struct Proc {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    /// The HTTPS address, when TLS is on.
    pub tls: Option<SocketAddr>,
    /// The DNS server's address, when DNS is on.
    pub dns: Option<SocketAddr>,
    /// The forwarding web server's address, when it is on.
    pub forward: Option<SocketAddr>,
    /// What it wrote to standard output, and to standard error after it started
    /// listening.
    pub stderr: Arc<std::sync::Mutex<Vec<String>>>,
    /// A directory of its own (snapshots, on PostgreSQL), removed with it.
    scratch: Option<tempfile::TempDir>,
}

impl Proc {
    pub fn start(db: &Path) -> Proc {
        Proc::start_env(db, &[])
    }

    /// Like [`Proc::start`] with further environment variables.
    pub fn start_env(db: &Path, env: &[(&str, &str)]) -> Proc {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_opsd"));
        cmd.arg("serve")
            .env("OPSD_DB", db)
            .env("OPSD_LISTEN", "127.0.0.1:0")
            .env("OPSD_TLS_LISTEN", "127.0.0.1:0")
            .env("OPSD_DNS_LISTEN", "127.0.0.1:0")
            .env("OPSD_FORWARD_LISTEN", "127.0.0.1:0");
        // Beside a file the snapshots have their place; for a database URL they
        // go to a directory of the test's, not the working one.
        let scratch = opsd::store::is_postgres_url(&db.to_string_lossy()).then(|| {
            let d = tempfile::tempdir().expect("snapshot dir");
            cmd.env("OPSD_SNAPSHOT_DIR", d.path());
            d
        });
        cmd.envs(env.iter().copied());
        let mut p = Proc::spawn(cmd);
        p.scratch = scratch;
        p
    }

    /// `opsd serve` configured by a config file alone.
    pub fn start_with_config(file: &Path) -> Proc {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_opsd"));
        cmd.arg("serve").arg("--config").arg(file);
        Proc::spawn(cmd)
    }

    /// Any `opsd` command that logs a ` listen=ADDR` line when it is ready (`opsd
    /// record`), run until dropped.
    pub fn start_args(args: &[&str]) -> Proc {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_opsd"));
        cmd.args(args);
        Proc::spawn(cmd)
    }

    fn spawn(mut cmd: std::process::Command) -> Proc {
        use std::io::{BufRead, BufReader};
        let mut child = cmd
            .env("RUST_LOG", "opsd=info")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn opsd serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let field = |line: &str, name: &str| {
            let i = line.find(name)? + name.len();
            line[i..]
                .split_whitespace()
                .next()?
                .parse::<SocketAddr>()
                .ok()
        };
        let (addr, tls, dns, forward) = loop {
            let line = lines
                .next()
                .expect("opsd exited before listening")
                .expect("log line");
            if let Some(addr) = field(&line, " listen=") {
                break (
                    addr,
                    field(&line, " tls="),
                    field(&line, " dns="),
                    field(&line, " forward="),
                );
            }
        };
        let stderr = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(mut v) = kept.lock() {
                    v.push(line);
                }
            }
        });
        let kept = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(mut v) = kept.lock() {
                    v.push(line);
                }
            }
        });
        Proc {
            child,
            addr,
            tls,
            dns,
            forward,
            stderr,
            scratch: None,
        }
    }

    /// Waits (a few seconds at most) until standard error has a line containing
    /// `needle`, and returns everything written so far.
    pub fn stderr_until(&self, needle: &str) -> String {
        for _ in 0..200 {
            let text = self.stderr.lock().map(|v| v.join("\n")).unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("opsd never wrote '{needle}'");
    }

    fn signal(&self, sig: &str) {
        let _ = std::process::Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status();
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill9(mut self) {
        self.signal("-KILL");
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        self.signal("-TERM");
        self.child.wait().expect("wait for opsd")
    }
}

/// A test that fails midway must not leave a server behind holding its pipes.
impl Drop for Proc {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `sql`'s count in the database `db` (a file or a URL), read beside a running
/// server.
pub fn db_count(db: &Path, sql: &str) -> i64 {
    opsd::store::peek::<i64>(db, sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or(0)
}

/// Waits (30 s at most) until `sql` counts `want`.
pub fn wait_for(db: &Path, sql: &str, want: i64) {
    wait_for_within(db, sql, want, Duration::from_secs(30));
}

/// Waits (`limit` at most) until `sql` counts `want`.
pub fn wait_for_within(db: &Path, sql: &str, want: i64, limit: Duration) {
    let start = std::time::Instant::now();
    let mut got = db_count(db, sql);
    while got != want {
        assert!(start.elapsed() < limit, "{sql}: {got}, want {want}");
        std::thread::sleep(Duration::from_millis(50));
        got = db_count(db, sql);
    }
}

/// A push scenario: `gainingrsp` accepts pushes from each of `from`, both it and
/// testuser have the push feature on, and testuser's profile owner1 (password pw1)
/// holds `domains` and the transfer-locked `locked`. `gaining_extra` is added to
/// gainingrsp's table (a webhook, a panel password); `more` is appended (further
/// resellers and profiles).
#[derive(Default)]
pub struct PushScenario<'a> {
    pub from: &'a [&'a str],
    pub gaining_extra: &'a str,
    pub domains: &'a [&'a str],
    pub locked: &'a [&'a str],
    pub more: &'a str,
}

/// A 10,000-item bulk push as the kill tests run it: the scenario file (in `dir`)
/// that gives USER the domains `bulk-NNNNN.com` and lets it push them to
/// gainingrsp, and the signed SUBMIT_BULK_CHANGE of them all.
pub fn big_bulk_push(dir: &Path, items: usize) -> (PathBuf, Vec<u8>) {
    let names: Vec<String> = (0..items).map(|i| format!("bulk-{i:05}.com")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let scenario = dir.join("push.toml");
    std::fs::write(
        &scenario,
        PushScenario {
            from: &[USER],
            domains: &refs,
            ..PushScenario::default()
        }
        .toml(),
    )
    .expect("scenario");
    let list: String = names
        .iter()
        .enumerate()
        .map(|(i, d)| format!("<item key=\"{i}\">{d}</item>"))
        .collect();
    let body = envelope(
        "SUBMIT_BULK_CHANGE",
        "BULK_CHANGE",
        &format!(
            "<item key=\"change_type\">push_domains</item><item key=\"change_items\"><dt_array>{list}</dt_array></item><item key=\"gaining_reseller_username\">gainingrsp</item>"
        ),
    );
    (scenario, http10(&body, USER, KEY))
}

impl PushScenario<'_> {
    pub fn toml(&self) -> String {
        let quoted = |l: &[&str]| {
            l.iter()
                .map(|d| format!("\"{d}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            r#"
        [[reseller]]
        username = "gainingrsp"
        key = "gainkey"
        push_enabled = true
        accepts_pushes_from = [{from}]
        {gaining_extra}
        [[reseller]]
        username = "{USER}"
        key = "{KEY}"
        push_enabled = true
        [[profile]]
        reseller = "{USER}"
        username = "owner1"
        password = "pw1"
        domains = [{domains}]
        locked_domains = [{locked}]
        {more}
        "#,
            from = quoted(self.from),
            gaining_extra = self.gaining_extra,
            domains = quoted(self.domains),
            locked = quoted(self.locked),
            more = self.more,
        )
    }
}

/// gainingrsp's own profile `theirs` (password theirpw) holding their-own.com.
pub const THEIR_PROFILE: &str = r#"
        [[profile]]
        reseller = "gainingrsp"
        username = "theirs"
        password = "theirpw"
        domains = ["their-own.com"]
"#;

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Waits (bounded, 10 s) until something accepts connections on `port`.
pub fn port_opens(port: u16) -> bool {
    (0..200).any(|_| {
        let up = TcpStream::connect(("127.0.0.1", port)).is_ok();
        if !up {
            std::thread::sleep(Duration::from_millis(50));
        }
        up
    })
}

/// The CSRF token of a page's form.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no csrf field in {html}"))
        .to_string()
}

/// A page client that keeps cookies, like a browser without JavaScript.
pub struct Web<'a> {
    pub server: &'a Server,
    pub cookies: std::collections::BTreeMap<String, String>,
    /// Extra raw header lines for every request (e.g. a forged Origin).
    pub extra: String,
}

impl<'a> Web<'a> {
    pub fn new(server: &'a Server) -> Web<'a> {
        Web {
            server,
            cookies: Default::default(),
            extra: String::new(),
        }
    }

    fn cookie_line(&self) -> String {
        if self.cookies.is_empty() {
            return String::new();
        }
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("Cookie: {}\r\n", pairs.join("; "))
    }

    fn absorb(&mut self, r: &Response) {
        for (k, v) in &r.headers {
            if !k.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let first = v.split(';').next().unwrap_or("");
            if let Some((name, value)) = first.split_once('=') {
                if value.is_empty() || v.contains("Max-Age=0") {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_string(), value.trim().to_string());
                }
            }
        }
    }

    pub fn get(&mut self, path: &str) -> Response {
        let raw = format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\n{}{}\r\n",
            self.cookie_line(),
            self.extra
        );
        let r = self.server.send(raw.as_bytes());
        self.absorb(&r);
        r
    }

    pub fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Response {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let raw = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{}{}\r\n{body}",
            body.len(),
            self.cookie_line(),
            self.extra
        );
        let r = self.server.send(raw.as_bytes());
        self.absorb(&r);
        r
    }

    /// Opens the login page at `login` and logs in; returns the reply to the POST.
    pub fn login(&mut self, login: &str, user: &str, password: &str) -> Response {
        let page = self.get(login);
        let token = hidden(&page, "login_token").expect("login form token");
        self.post(
            login,
            &[
                ("login_token", &token),
                ("username", user),
                ("password", password),
            ],
        )
    }
}

/// The value of the first hidden input named `name` in an HTML page.
pub fn hidden(r: &Response, name: &str) -> Option<String> {
    let html = r.text();
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

/// Runs the `opsd` binary on `db` with `input` on its standard input.
pub fn opsd_cli(db: &Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_opsd"))
        .args(args)
        .env("OPSD_DB", db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start opsd");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("opsd output")
}

impl Server {
    /// Sets a reseller's control-panel password as `opsd reseller passwd` does.
    pub fn panel_password(&self, reseller: &str, password: &str) {
        let id = self
            .app
            .store
            .reseller_by_name(reseller)
            .expect("store")
            .unwrap_or_else(|| panic!("no reseller {reseller}"))
            .id;
        let hash = opsd::auth::hash_password(password).expect("hash");
        self.app
            .store
            .set_reseller_password(id, Some(&hash))
            .expect("set password");
    }
}

/// Runs the `opsd` binary like [`opsd_cli`], asserts it succeeded, returns stdout.
pub fn opsd_ok(db: &Path, args: &[&str], input: &str) -> String {
    let out = opsd_cli(db, args, input);
    assert!(
        out.status.success(),
        "opsd {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
