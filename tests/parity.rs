//! The parity test (issue 28): every real OpenSRS reply of `fixtures/parity/`
//! replayed against a sandbox seeded to the world its case assumes, over a real
//! socket, and compared in shape — outcome, the keys at every level, the form of
//! every value. Differences listed in `fixtures/parity/DIFFERENCES.md` (each with
//! its reason) are allowed; any other fails the test with a readable report.

use opsd::parity::{self, Allowed, Case, replay};

use crate::common::*;

/// A sandbox reached over a real socket.
struct OverHttp<'a>(&'a Server);

impl replay::Sandbox for OverHttp<'_> {
    fn ops(&mut self, body: &[u8], anonymous: bool) -> Result<Vec<u8>, String> {
        let raw = if anonymous {
            let mut r = format!(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(body);
            r
        } else {
            http11(body, replay::USER, replay::KEY)
        };
        Ok(self.0.send(&raw).body)
    }

    fn operator(&mut self, method: &str, path: &str, body: &str) -> Result<String, String> {
        let r = self.0.admin(method, &format!("/admin/{path}"), body);
        if r.status_line.contains(" 200 ") {
            Ok(r.text())
        } else {
            Err(format!(
                "{method} /admin/{path}: {} {}",
                r.status_line,
                r.text()
            ))
        }
    }
}

/// Replays one case on a fresh sandbox; opsd's reply.
fn replayed(case: &Case) -> Vec<u8> {
    let s = Server::start_scenario(&replay::scenario(case), |_| {});
    replay::run(case, &mut OverHttp(&s)).unwrap_or_else(|e| panic!("{}: {e}", case.id))
}

#[test]
fn every_real_reply_of_the_corpus_is_matched_in_shape() {
    let corpus = fixture("parity");
    let cases = Case::all(&corpus).unwrap_or_else(|e| panic!("{e}"));
    let allowed = Allowed::load(&corpus.join("DIFFERENCES.md")).expect("DIFFERENCES.md");
    let known = parity::KnownKeys::of(&cases);
    let mut report = String::new();
    let mut failed = 0;
    let mut whole = 0;
    for case in &cases {
        let ours = replayed(case);
        let o = parity::judge(case, &ours, &allowed, &known);
        if o.differences.is_empty() {
            whole += 1;
        }
        if let Some((real, ours)) = &o.texts
            && o.differences.is_empty()
        {
            println!("text {}: real {real:?}, opsd {ours:?}", case.id);
        }
        if !o.unexpected.is_empty() {
            failed += 1;
            report.push_str(&format!("\n{} ({})\n", case.id, case.label()));
            for d in &o.unexpected {
                report.push_str(&format!("    {d}\n"));
            }
        }
    }
    println!(
        "parity: {} cases; {whole} match in every key and form; {} differ only as DIFFERENCES.md allows; {failed} differ otherwise",
        cases.len(),
        cases.len() - whole - failed
    );
    assert!(cases.len() >= 80, "the corpus has {} cases", cases.len());
    assert!(
        failed == 0,
        "{failed} cases differ from the real replies:\n{report}"
    );
}
