//! Every reply opsd writes is valid against the shipped `ops.dtd` (checked by xmllint,
//! which `.ci/run` installs).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::*;

fn assert_valid(what: &str, xml: &[u8]) {
    let mut child = Command::new("xmllint")
        .args(["--noout", "--nonet", "--dtdvalid", "ops.dtd", "-"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xmllint must be installed (libxml2-utils); .ci/run installs it");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(xml)
        .expect("write");
    let out = child.wait_with_output().expect("xmllint");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{what} is not valid against ops.dtd:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn golden_replies_follow_the_dtd() {
    let mut n = 0;
    for dir in ["replies", "seed", "events"] {
        for entry in std::fs::read_dir(fixture(dir)).expect("fixtures dir") {
            let path = entry.expect("entry").path();
            if path.to_string_lossy().ends_with(".reply.xml") {
                assert_valid(
                    &path.display().to_string(),
                    &std::fs::read(&path).expect("read"),
                );
                n += 1;
            }
        }
    }
    assert!(n >= 5, "expected the golden replies, found {n}");
}

#[test]
fn live_replies_follow_the_dtd() {
    let s = Server::start();
    let submit = s.ops(&fixture_bytes("seed/simple_transfer.request.004.xml"));
    assert_valid("submit reply", &submit.body);
    assert_valid("status reply", &s.ops(&status_body("134")).body);
    assert_valid("decode error", &s.ops(b"<x").body);
    assert_valid("auth failure", &s.send(&http10(b"", "nobody", "x")).body);
}

#[test]
fn the_checker_rejects_a_broken_reply() {
    let bad = b"<?xml version='1.0'?><!DOCTYPE OPS_envelope SYSTEM \"ops.dtd\"><OPS_envelope><body><data_block><dt_assoc/></data_block></body></OPS_envelope>";
    let result = std::panic::catch_unwind(|| assert_valid("header-less envelope", bad));
    assert!(
        result.is_err(),
        "an envelope without a header must fail validation"
    );
}
