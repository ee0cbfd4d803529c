//! Response codes and the fixed texts of every reply, in one table. These texts are
//! API: clients match on some of them, and golden files pin them.

/// A code with its fixed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed {
    pub code: u16,
    pub text: &'static str,
}

const fn fixed(code: u16, text: &'static str) -> Fixed {
    Fixed { code, text }
}

// Protocol level (protocol.md §5).
pub const AUTH_FAILED: Fixed = fixed(401, "Authentication Failed");
pub const IP_DENIED: Fixed = fixed(400, "Access denied: invalid IP address.");
pub const INTERNAL: Fixed = fixed(400, "Internal server error");
pub const RATE_LIMITED: Fixed = fixed(300, "Exceeded max command rate");
pub const PROFILE_AUTH: Fixed = fixed(415, "Authentication Error.");
/// Too many password checks at once (our text).
pub const BUSY: Fixed = fixed(400, "Server busy; please try again shortly.");
/// 400 `Invalid Command: <action>.`
pub const INVALID_COMMAND: u16 = 400;
/// 400 `OPS Decode Error: …`
pub const DECODE_ERROR: u16 = 400;
/// 460 `Required field '<name>' not provided.`
pub const MISSING_FIELD: u16 = 460;
/// 465: an attribute's value, or a limit of the request.
pub const INVALID_VALUE: u16 = 465;
/// 480: the object asked for does not exist for this reseller.
pub const NOT_FOUND: u16 = 480;

// SIMPLE_TRANSFER / SIMPLE_TRANSFER_STATUS (actions.md §1–2).
pub const TRANSFER_ADDED: Fixed = fixed(200, "Simple transfer job successfully added");
pub const TRANSFER_LOADED: Fixed =
    fixed(200, "Simple transfer job information successfully loaded");
pub const TRANSFER_JOB_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Simple transfer job not found.");

// RSP2RSP_PUSH_TRANSFER (actions.md §4).
/// `{grsp}` stands for the gaining reseller's user name.
pub const PUSH_DONE: Fixed = fixed(200, "Domain pushed to {grsp}.");
/// Recorded from the real server.
pub const PUSH_DENIED: Fixed = fixed(INVALID_VALUE, "Push transfer permission denied");
pub const PUSH_LOCKED: Fixed = fixed(552, "Domain is locked.");
pub const PUSH_DOMAIN_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Domain not found in your portfolio.");

// Bulk change push_domains (actions.md §5; texts are our choice).
pub const BULK_SUBMITTED: Fixed = fixed(200, "Bulk change request submitted.");
pub const BULK_LOADED: Fixed = fixed(200, "Bulk change request information successfully loaded.");
pub const BULK_CANCELLED: Fixed = fixed(200, "Bulk change request cancelled.");
pub const BULK_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Bulk change request not found.");
pub const BULK_ALREADY_FINISHED: Fixed =
    fixed(INVALID_VALUE, "Bulk change request has already finished.");

// SW_REGISTER reg_type=transfer (integrations.md B §1.3). The success text is the
// one PROCESS_TRANSFER's capture shows; the others are ours.
/// `{email}` stands for the address the approval request goes to.
/// Captured (SW_REGISTER reg_type=transfer).
pub const TRANSFER_INITIATED: Fixed = fixed(200, "Transfer request initiated");
pub const TRANSFER_SENT: Fixed = fixed(
    200,
    "Transfer request has been successfully sent. Admin contact email: {email}",
);
pub const TRANSFER_SAVED: Fixed =
    fixed(200, "Transfer order saved; it starts when it is processed.");
pub const TRANSFER_NO_FUNDS: Fixed = fixed(
    200,
    "Insufficient funds: the transfer order is saved until the balance covers it.",
);
/// 487: the domain cannot be transferred now (the detail follows).
pub const NOT_TRANSFERABLE: u16 = 487;

// CANCEL_TRANSFER, SEND_PASSWORD, PROCESS_TRANSFER, GET_TRANSFERS_IN
// (integrations.md A §6.2–6.5): captured texts, except where marked.
/// `{id}` stands for the order id.
pub const TRANSFER_CANCELLED: Fixed = fixed(200, "Transfer with order id: {id} has been canceled.");
pub const CANCEL_PROHIBITED: Fixed =
    fixed(400, "Command Failed: Transfer State Prohibits Cancellation");
pub const TRANSFER_NOT_FOUND: Fixed = fixed(INVALID_VALUE, "Can't find transfer request.");
pub const PASSWORD_SENT: Fixed = fixed(200, "Message sent.");
/// The documentation's example (SEND_PASSWORD on DOMAIN: no period).
pub const DOMAIN_PASSWORD_SENT: Fixed = fixed(200, "Message sent");
/// Ours: SEND_PASSWORD `sub_user=1` for a domain without a sub-user.
pub const NO_SUB_USER: Fixed = fixed(NOT_FOUND, "No sub-user is associated with this domain.");
/// Ours: the documentation says only that an error is returned.
pub const RESEND_PROHIBITED: Fixed = fixed(
    400,
    "Command Failed: the transfer is not pending owner approval",
);
pub const RESUBMIT_PROHIBITED: Fixed = fixed(
    400,
    "Transfer cannot be resubmitted. Transfer status does not allow for resubmit.",
);
/// Ours: the balance does not cover the new order.
pub const RESUBMIT_NO_FUNDS: Fixed = fixed(400, "Insufficient funds for the new transfer order.");
pub const TRANSFERS_LISTED: Fixed = fixed(200, "Command successful");

// CHECK_TRANSFER (integrations.md A §6.1): captured.
pub const CHECK_TRANSFER_OK: Fixed = fixed(200, "Query successful");

// GET_BALANCE (integrations.md B §1.3).
pub const BALANCE_OK: Fixed = fixed(200, "Command successful");

// POLL / ACK, object EVENT (actions.md §6).
pub const EVENT_OK: Fixed = fixed(200, "Command successful");
/// Our text: the documentation gives none.
pub const EVENT_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Event not found.");

// The portfolio calls (integrations.md B §1.3). Captured texts, except where marked.
pub const LOOKUP_AVAILABLE: Fixed = fixed(210, "Domain available");
pub const LOOKUP_TAKEN: Fixed = fixed(211, "Domain taken");
/// Ours: the documentation names the code (an asynchronous registry holds a
/// registration that is not finished) but shows no text.
/// .ca, as Tucows' own client names the two codes (the texts are its notes).
pub const LOOKUP_CA_BLOCKED: Fixed = fixed(246, "Domain names of other level exist.");
pub const LOOKUP_CA_MUNICIPAL: Fixed =
    fixed(247, "Domain name is restricted to municipal government");
pub const LOOKUP_WAITING: Fixed = fixed(221, "Domain taken, waiting for registration");
/// Ours: a TLD the sandbox registry does not offer.
pub const TLD_NOT_SUPPORTED: Fixed =
    fixed(INVALID_VALUE, "Invalid domain syntax: TLD not supported");
pub const QUERY_OK: Fixed = fixed(200, "Query Successful");
pub const COMMAND_OK: Fixed = fixed(200, "Command successful");
pub const SUGGEST_OK: Fixed = fixed(200, "Command completed successfully");
/// NAME_SUGGEST's `tlds` sent as a dt_assoc (captured).
pub const SUGGEST_NO_TLDS: Fixed = fixed(INVALID_VALUE, "Missing tld list.");
pub const REGISTERED: Fixed = fixed(200, "Domain registration successfully completed.");
/// Ours: `handle=save` keeps the order.
/// Captured (`handle=save`).
pub const REGISTRATION_SAVED: Fixed = fixed(200, "Order created");
pub const DOMAIN_TAKEN: Fixed = fixed(485, "Domain taken");
/// Captured (SW_REGISTER with nameservers the registry does not know): the prefix,
/// then one sentence per host, `{host}` standing for it.
pub const NAMESERVER_UNKNOWN_PREFIX: &str = "Request failed validation: ";
pub const NAMESERVER_UNKNOWN: Fixed = fixed(
    435,
    "Name server '{host}' is not found at the registry. Please double check the nameserver and re-submit.",
);
/// Ours: the WHOIS privacy order of a registration (its failure is captured, its
/// success not).
pub const WHOIS_PRIVACY_ENABLED: Fixed = fixed(200, "WHOIS Privacy successfully enabled.");
/// Ours: the balance does not cover the price.
pub const NO_FUNDS: Fixed = fixed(INVALID_VALUE, "Insufficient funds to complete the order.");
pub const RENEWED: Fixed = fixed(200, "Command completed successfully");
pub const RENEW_YEAR_MISMATCH: Fixed = fixed(
    541,
    "Domain expiration year does not match the current expiration year at the registry",
);
/// The production code; yola also knows Horizon's 465 "Domain Already Renewed…".
pub const ALREADY_RENEWED: Fixed = fixed(555, "Domain Already Renewed");
/// yola reads 480 on the auto-renew TLDs (.de, .at, …) as "already renewed".
pub const NOT_RENEWABLE: Fixed = fixed(NOT_FOUND, "Renewals are not enabled for this TLD");
/// Captured (MODIFY expire_action).
pub const MODIFIED: Fixed = fixed(200, "Update successful");
/// Captured (UPDATE_CONTACTS, and each domain under its `details`).
pub const CONTACTS_UPDATED: Fixed = fixed(200, "Command completed successfully");
/// Captured (GET_DOMAINS_CONTACTS, a name not the caller's): `{reseller}` stands
/// for the caller's user name.
pub const NOT_YOUR_DOMAIN: &str = "Domain does not belong to the reseller {reseller}";
pub const NAMESERVERS_UPDATED: Fixed = fixed(200, "Command completed successfully");
/// Captured, for each verb.
pub const NAMESERVER_CREATED: Fixed = fixed(200, "Nameserver Created");
pub const NAMESERVER_MODIFIED: Fixed = fixed(200, "Command successful");
pub const NAMESERVER_DELETED: Fixed = fixed(200, "Nameserver deleted");
pub const NAMESERVER_ADDED: Fixed = fixed(200, "Successfully added.");
/// Ours.
pub const NAMESERVER_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Nameserver not found.");
/// Ours.
pub const NAMESERVER_IN_USE: Fixed = fixed(
    INVALID_VALUE,
    "Nameserver is in use by a domain and cannot be deleted",
);
pub const AUTHCODE_SENT: Fixed = fixed(200, "Message sent");
pub const COOKIE_SET: Fixed = fixed(200, "Command Successful");
/// Captured.
pub const COOKIE_DELETED: Fixed = fixed(200, "Command Successful");
/// Captured (QUIT SESSION).
pub const SESSION_CLOSED: Fixed = fixed(200, "Closing connection");
pub const COOKIE_INVALID: Fixed = fixed(PROFILE_AUTH.code, "Invalid Cookie Supplied.");
pub const COOKIE_MISSING: Fixed = fixed(MISSING_FIELD, "No Cookie Supplied.");
/// Captured: a wrong profile password (or a domain not the profile's) is the
/// general 415.
pub const COOKIE_BAD_PASSWORD: Fixed = PROFILE_AUTH;
/// A domain that is not the caller's, whoever has it (the captured MODIFY failure).
pub const DOMAIN_NOT_YOURS: Fixed = PROFILE_AUTH;
/// Ours: the caller's transfer of it has not completed (integrations.md B §0.3: a
/// success here would make WHMCS mark the domain active too early).
pub const TRANSFER_NOT_ACTIVE: Fixed = fixed(
    NOT_FOUND,
    "Domain transfer is in progress; the domain is not active yet.",
);
/// Ours: the sandbox registry is down (marker `-regdown`).
pub const REGISTRY_DOWN: Fixed = fixed(705, "Timed out, resubmit request.");
/// Ours.
pub const NAMESERVER_EXISTS: Fixed = fixed(485, "Nameserver already exists");
/// Ours: REGISTRY_CHECK_NAMESERVER's two answers.
pub const NAMESERVER_AT_REGISTRY: Fixed = fixed(200, "Nameserver exists at the registry.");
pub const NAMESERVER_NOT_AT_REGISTRY: Fixed =
    fixed(212, "Nameserver does not exist at the registry.");

// REVOKE, REDEEM, GET_DELETED_DOMAINS, BELONGS_TO_RSP (issue 30).
/// Captured; `{domain}` stands for the name.
pub const REVOKED: Fixed = fixed(200, "Domain {domain} revoked successfully");
/// Captured; `{reseller}` stands for the caller's user name.
pub const REVOKE_NOT_YOURS: Fixed = fixed(
    463,
    "The Domain you specified does not belong to this Reseller. {reseller}",
);
/// The documentation's example.
pub const REDEEMED: Fixed = fixed(200, "Command completed successfully");
/// Ours; 400 is what clients expect (yola's CODE_CANNOT_REDEEM_DOMAIN).
pub const NOT_REDEEMABLE: Fixed = fixed(
    400,
    "Domain cannot be redeemed: it is not in its redemption period.",
);
/// Captured.
pub const QUERY_OK_LOWER: Fixed = fixed(200, "Query successful");

// GET_ORDER_INFO, GET_ORDERS_BY_DOMAIN (issue 30).
/// Captured.
pub const ORDER_INFO_OK: Fixed = fixed(200, "Command completed successfully");
/// Ours.
pub const ORDER_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Order not found.");

/// Ours, in the style of the other update replies (UPDATE_ALL_INFO).
pub const ALL_INFO_UPDATED: Fixed = fixed(200, "Command completed successfully");

// ACTIVATE (.de, issue 30): the documentation shows only a refusal; ours.
pub const ACTIVATED: Fixed = fixed(200, "Domain activated");
/// The documentation's example (its line break is the page's layout).
pub const REQUEST_WAITING: Fixed = fixed(437, "A request is currently waiting on this domain");
pub const ALREADY_ACTIVE: Fixed = fixed(400, "Domain is already active.");
pub const ACTIVATE_TOO_LATE: Fixed = fixed(
    400,
    "A .de domain can be activated only within thirty days of its registration.",
);

/// Ours: TRADE_DOMAIN, completed at once in the sandbox.
pub const TRADED: Fixed = fixed(200, "Domain trade completed");

/// Ours: BULK_TRANSFER's job started; none of the names could move.
pub const BULK_TRANSFER_SUBMITTED: Fixed = fixed(200, "Bulk transfer submitted");
pub const BULK_TRANSFER_NONE: Fixed = fixed(
    INVALID_VALUE,
    "None of the domains can be transferred here.",
);

// PROCESS_PENDING, CANCEL_PENDING_ORDERS, CANCEL_ACTIVE_PROCESS (issue 30).
/// Captured (PROCESS_PENDING of a saved registration).
pub const PENDING_PROCESSED: Fixed = fixed(200, "Domain registration successfully completed");
/// Ours: a saved transfer order started by PROCESS_PENDING.
pub const PENDING_TRANSFER_STARTED: Fixed = fixed(200, "Transfer order processed");
/// Ours: PROCESS_PENDING `command=cancel`, CANCEL_ACTIVE_PROCESS.
pub const PENDING_CANCELLED: Fixed = fixed(200, "Order cancelled");
/// Ours; 400, as OpenSRS refuses an order that cannot be processed.
pub const ORDER_NOT_PENDING: Fixed = fixed(
    400,
    "Order is not pending: only a saved, declined or cancelled order can be processed.",
);
/// Ours: an order saved before opsd kept saved orders whole.
pub const ORDER_NOT_KEPT: Fixed = fixed(
    400,
    "This saved order was kept without its data and cannot be processed; place it again.",
);
/// Ours: CANCEL_ACTIVE_PROCESS with nothing to cancel.
pub const NOTHING_ACTIVE: Fixed = fixed(
    NOT_FOUND,
    "No pending order or active process for this domain.",
);

/// The OpenSRS announcement of trademark claims handling (2014): the order waits
/// for its registrant to accept the claims notice.
pub const CLAIM_PENDING: Fixed = fixed(
    260,
    "Registration is pending registrant review before completing due to claim/trademark",
);

// The DNS service and domain forwarding (issue 31).
/// The documentation's examples (FORCE_DNS_NAMESERVERS, CREATE_DOMAIN_FORWARDING)
/// and the captured CREATE_DNS_ZONE replies.
pub const DNS_ZONE_OK: Fixed = fixed(200, "Command Successful");
pub const DNS_NAMESERVERS_FORCED: Fixed = fixed(200, "Command Successful");
pub const FORWARDING_OK: Fixed = fixed(200, "Command Successful");
/// Ours; 485, OpenSRS's code for what exists already (the WHMCS module reads it so).
pub const DNS_ZONE_EXISTS: Fixed = fixed(485, "DNS zone already exists for domain");
pub const FORWARDING_EXISTS: Fixed = fixed(485, "Domain forwarding already exists for domain");
/// The text the WHMCS module's comments quote; the DNS one ours, in its style.
pub const FORWARDING_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Domain forwarding not found for domain");
pub const DNS_ZONE_NOT_FOUND: Fixed = fixed(NOT_FOUND, "DNS zone not found for domain");

/// Accounts (docs/accounts.md). The texts of OpenSRS's codes page.
pub const SUBUSER_DENIED: Fixed = fixed(435, "Permission denied, subuser permissions.");
pub const NOT_OWNER: Fixed = fixed(435, "Permission Denied: not owner.");
pub const SUBUSER_LIMIT: Fixed = fixed(447, "Sub-user limit exceeded.");
pub const SUBUSER_IS_OWNER: Fixed =
    fixed(INVALID_VALUE, "Subuser cannot be the same as the owner.");
pub const SUBUSER_BAD_NAME: Fixed = fixed(INVALID_VALUE, "Invalid syntax for subuser name.");
pub const SUBUSER_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Subuser not found.");
pub const USERNAME_BAD: Fixed = fixed(INVALID_VALUE, "Invalid syntax for username.");
pub const ACCOUNT_OK: Fixed = fixed(200, "Command Successful");
/// The PAY example's text.
pub const FUNDS_TRANSFERRED: Fixed = fixed(200, "Funds Transferred");
/// Ours (*chosen*): the documentation gives no texts for these.
pub const SUBRESELLER_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Sub-reseller not found.");
pub const USERNAME_TAKEN: Fixed = fixed(485, "Username already taken.");
pub const SUBRESELLER_INACTIVE: Fixed = fixed(435, "Sub-reseller account is not active.");
pub const PROFILE_TAKEN: Fixed = fixed(485, "Profile username already taken.");

// Queued requests (issue 30). OpenSRS's own client shows a registration queued
// while the registry is unavailable from a failed reply that carries
// `queue_request_id`; the code and texts are ours.
/// Ours: the registration is kept in the queue and tried again until the
/// registry answers.
pub const REQUEST_QUEUED: Fixed = fixed(
    705,
    "Registry unavailable: the request has been queued and will be processed when the registry answers.",
);
/// Ours: QUERY_QUEUED_REQUEST, by the state of the request.
pub const QUEUED_WAITING: Fixed = fixed(200, "Request is queued");
pub const QUEUED_PROCESSED: Fixed = fixed(200, "Request has been processed");
pub const QUEUED_PENDING: Fixed = fixed(
    200,
    "Request is pending: the order is kept until PROCESS_PENDING processes it",
);
pub const QUEUED_CANCELLED: Fixed = fixed(200, "Request has been cancelled");
pub const QUEUED_NOT_FOUND: Fixed = fixed(NOT_FOUND, "Queued request not found.");

// Registrant verification (issue 30).
/// The documentation's example.
pub const VERIFICATION_RESENT: Fixed =
    fixed(200, "Verification email has been resent successfully.");
/// Ours; 400 is what clients expect when nothing waits for the registrant.
pub const VERIFICATION_NOT_STARTED: Fixed = fixed(
    400,
    "The verification process has not been initiated for this domain.",
);
/// Ours.
pub const VERIFICATION_BOUNCED: Fixed = fixed(
    400,
    "The verification email bounced: correct the registrant's email address first.",
);

/// Captured: the note a registration leaves in the domain's notes (also what a
/// domain the sandbox world starts with shows).
pub const NOTE_REGISTERED: &str = "Domain registration successfully completed.";

/// Top-level items the real server adds to some refusals: `(code, action or "*",
/// key, value)`. Captured: a 415 carries an empty `support_message` (SET COOKIE,
/// MODIFY), and MODIFY's also `mwi_reset_password_allowed`.
pub const REFUSAL_EXTRAS: &[(u16, &str, &str, &str)] = &[
    (415, "*", "support_message", ""),
    (415, "MODIFY", "mwi_reset_password_allowed", "0"),
];

/// The `reason` of a domain in a SIMPLE_TRANSFER job or a transfer order, as
/// SIMPLE_TRANSFER_STATUS, GET_TRANSFERS_IN and the pages show it; the analysis's
/// as actions.md §2 lists them (`Could not parse whois` is the documented one).
pub mod transfer_reasons {
    pub const BAD_AUTH: &str = "Incorrect authorization code.";
    pub const LOCKED: &str = "Domain is locked (clientTransferProhibited).";
    pub const YOUNG_REGISTRATION: &str = "Domain was registered less than 60 days ago.";
    pub const YOUNG_TRANSFER: &str = "Domain was transferred less than 60 days ago.";
    pub const NO_BYPASS: &str = "The TLD does not allow F_BYPASS_CONFIRM.";
    pub const REGISTRY_CONFIRMS: &str = "The registry sends its own confirmation emails.";
    pub const WHOIS_UNREACHABLE: &str = "WHOIS not retrievable.";
    pub const WHOIS_UNPARSEABLE: &str = "Could not parse whois";
    pub const REGISTRY_DOWN: &str = "Registry unavailable; the domain could not be processed.";
    pub const NOT_AT_REGISTRY: &str = "Domain not found at the registry.";
    pub const NO_SERVICE: &str = "Transfers of this TLD are not offered.";
    /// Accepted: the registry has it (also CHECK_TRANSFER's, as captured).
    pub const IN_PROGRESS: &str = "Transfer in progress";
    pub const CANCELLED_BY_REGISTRANT: &str = "Cancelled by the registrant.";
    pub const CANCELLED_BY_RESELLER: &str = "Cancelled by the reseller.";
    pub const TIMED_OUT: &str =
        "No answer within the approval window; the transfer was not started.";
    pub const ALREADY_HELD: &str = "The domain is already in a reseller's portfolio.";
}

/// The `reason` of an item of a bulk push (GET_BULK_CHANGE, the panel, the report).
pub mod item_reasons {
    pub const NOT_IN_PORTFOLIO: &str = "Domain not found in your portfolio.";
    pub const LOCKED_SKIPPED: &str = "Domain is locked; skipped (apply_to_locked_domains not set).";
    pub const DENIED: &str = "Push transfer permission denied";
    pub const CANCELLED: &str = "Cancelled before it was processed.";
    // Other change types (ours).
    pub const AVAILABLE: &str = "available";
    pub const TAKEN: &str = "taken";
    pub const NOT_ANSWERED: &str = "The registry did not answer for this name.";
    pub const ALREADY_LOCKED: &str = "Domain is already locked.";
    pub const ALREADY_UNLOCKED: &str = "Domain is already unlocked.";
    pub const NO_NAMESERVER_LEFT: &str = "A domain keeps at least one nameserver.";
    pub const NOTHING_TO_DO: &str = "Nothing to change.";
    pub const TOO_FAR: &str = "The new expiry would be too far away.";
}
