//! The parity test (issue 28): every real OpenSRS reply of `fixtures/parity/`
//! replayed against a sandbox seeded to the world its case assumes, over a real
//! socket, and compared in shape — outcome, the keys at every level, the form of
//! every value. Differences listed in `fixtures/parity/DIFFERENCES.md` (each with
//! its reason) are allowed; any other fails the test with a readable report.

use opsd::parity::{self, Allowed, Case, replay};

use crate::common::*;

/// Replays one case on a fresh sandbox; opsd's reply.
fn replayed(case: &Case) -> Vec<u8> {
    let s = Server::start_scenario(&replay::scenario(case), |_| {});
    let mut send = |body: &[u8]| -> Result<Vec<u8>, String> {
        Ok(s.send(&http11(body, replay::USER, replay::KEY)).body)
    };
    replay::run(case, &mut send).unwrap_or_else(|e| panic!("{}: {e}", case.id))
}

#[test]
fn every_real_reply_of_the_corpus_is_matched_in_shape() {
    let corpus = fixture("parity");
    let cases = Case::all(&corpus).unwrap_or_else(|e| panic!("{e}"));
    let allowed = Allowed::load(&corpus.join("DIFFERENCES.md")).expect("DIFFERENCES.md");
    let mut report = String::new();
    let mut failed = 0;
    let mut whole = 0;
    for case in &cases {
        let ours = replayed(case);
        let o = parity::judge(case, &ours, &allowed);
        if o.differences.is_empty() {
            whole += 1;
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
