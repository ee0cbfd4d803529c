use crate::common::*;

#[test]
fn just_submitted_job_shows_pending_domains() {
    let s = Server::start();
    s.ops(&fixture_bytes("seed/simple_transfer.request.004.xml"));
    let r = s.ops(&status_body("134"));
    assert_golden(
        "replies/simple_transfer_status.004.pending.reply.xml",
        &r.body,
    );
}

#[test]
fn another_resellers_job_is_not_found() {
    let s = Server::start();
    s.ops(&fixture_bytes("seed/simple_transfer.request.004.xml"));
    let theirs = s.send(&http10(&status_body("134"), OTHER_USER, OTHER_KEY));
    let missing = s.ops(&status_body("999"));
    assert_golden(
        "replies/simple_transfer_status.not_found.reply.xml",
        &theirs.body,
    );
    assert_eq!(
        theirs.body, missing.body,
        "another reseller's job looks exactly like a missing one"
    );
    assert!(!theirs.text().contains("newtransfer"));
}

#[test]
fn bad_job_ids() {
    let s = Server::start();
    let r = s.ops(&envelope("SIMPLE_TRANSFER_STATUS", "DOMAIN", ""));
    assert_eq!(r.code(), Some(460));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Required field 'simple_transfer_job_id' not provided.")
    );
    let r = s.ops(&status_body("12x"));
    assert_eq!(r.code(), Some(465));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Invalid value for 'simple_transfer_job_id': expected digits.")
    );
    let r = s.ops(&status_body("99999999999999999999999"));
    assert_eq!(r.code(), Some(465));
}
