//! The statuses opsd's records go through, as enums: compared as values in the code,
//! written to the database and shown to clients as the same lower-case strings as
//! always (`as_str`, `FromStr`, serde). The status view of a job (SIMPLE_TRANSFER_STATUS,
//! up to 10,000 rows) passes the stored strings through to the reply unparsed: it
//! shows them and compares none.

/// Declares a status enum with its strings.
macro_rules! statuses {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every status, in lifecycle order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The string stored and shown.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownStatus;

            fn from_str(s: &str) -> Result<Self, UnknownStatus> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownStatus(s.to_string())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

/// A string that names no status of the type read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status '{0}'")]
pub struct UnknownStatus(pub String);

statuses! {
    /// A domain of a SIMPLE_TRANSFER job: pending → failed | processed → cancelled |
    /// pending_registry → completed | failed.
    DomainStatus {
        Pending = "pending",
        Processed = "processed",
        PendingRegistry = "pending_registry",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

statuses! {
    /// A registrant asked to approve: pending → completed once it has decided (or
    /// timed out) and none of its domains waits.
    RegistrantStatus {
        Pending = "pending",
        Completed = "completed",
    }
}

statuses! {
    /// A SIMPLE_TRANSFER job: completed once every domain and registrant is final.
    JobStatus {
        Pending = "pending",
        Completed = "completed",
    }
}

statuses! {
    /// A bulk push job.
    BulkStatus {
        Queued = "queued",
        Running = "running",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

/// A new job is queued.
impl Default for BulkStatus {
    fn default() -> Self {
        BulkStatus::Queued
    }
}

impl BulkStatus {
    /// Whether it has ended (nothing more can be cancelled).
    pub fn is_final(self) -> bool {
        matches!(self, BulkStatus::Completed | BulkStatus::Cancelled)
    }
}

statuses! {
    /// One domain of a bulk change: pushed (`push_domains`) or completed (any other
    /// change type: changed, or checked), else skipped, failed or cancelled.
    BulkItemStatus {
        Queued = "queued",
        Pushed = "pushed",
        Completed = "completed",
        Skipped = "skipped",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

statuses! {
    /// A transfer away from opsd (the losing side): its owner answers or the
    /// window ends.
    AwayStatus {
        PendingOwner = "pending_owner",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

statuses! {
    /// The owner's answer to a transfer away, or the window's end.
    AwayDecision {
        Accept = "accept",
        Decline = "decline",
        Timeout = "timeout",
    }
}

statuses! {
    /// A registrant's answer to a transfer in, or the window's end.
    RegistrantDecision {
        Accept = "accept",
        Cancel = "cancel",
        Timeout = "timeout",
    }
}

statuses! {
    /// What a portfolio order is for.
    OrderKind {
        New = "new",
        Renewal = "renewal",
        Redemption = "redemption",
        /// TRADE_DOMAIN: the registrant changed, as some ccTLDs sell it.
        Trade = "trade",
    }
}

statuses! {
    /// A portfolio order: carried out, kept for later (`handle=save`, forced
    /// pending), queued while its registry is unavailable (QUERY_QUEUED_REQUEST),
    /// or a kept one cancelled before it was carried out.
    OrderStatus {
        Saved = "saved",
        Queued = "queued",
        /// Waiting for the registrant to accept a trademark claims notice.
        AwaitingClaim = "awaiting_claim",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

statuses! {
    /// Whose notes a note is (GET_NOTES `type`): the domain's, an order's or a
    /// transfer's.
    NoteScope {
        Domain = "domain",
        Order = "order",
        Transfer = "transfer",
    }
}

statuses! {
    /// A registrant verification (GET_REGISTRANT_VERIFICATION_STATUS): waiting for
    /// the registrant, done, or past its deadline with the domain suspended.
    VerificationStatus {
        Verifying = "verifying",
        Verified = "verified",
        Suspended = "suspended",
    }
}

statuses! {
    /// A setting some TLDs give a domain (`domain_settings`): set by MODIFY and
    /// ACTIVATE, read by GET.
    DomainSetting {
        /// .de: when ACTIVATE activated the parked domain (epoch seconds).
        Activated = "activated",
        /// MODIFY data=parkpage_state: `on` or `off`.
        ParkPage = "parkpage_state",
        /// .ca: `FULL` or `PRIVATE`.
        CaWhoisDisplay = "ca_whois_display_setting",
        /// .it: `1` (published) or `0`.
        ItWhoisDisplay = "it_whois_display_setting",
        /// .name: the address mail to the name is forwarded to.
        ForwardingEmail = "forwarding_email",
        /// .uk: the IPS tag the domain was released to.
        IpsTag = "ips_tag",
        /// The reseller's contact details shown in the domain's WHOIS: `Y` or `N`.
        RspWhois = "rsp_whois_info",
    }
}

statuses! {
    /// The registrant's answer to a trademark claims notice.
    ClaimDecision {
        Accepted = "accepted",
        Declined = "declined",
        /// Nobody answered within the notice's 48 hours.
        Expired = "expired",
    }
}

statuses! {
    /// Why a domain left the registry (GET_DELETED_DOMAINS `reason`).
    DeletionReason {
        ByRequest = "By-Request",
    }
}

statuses! {
    /// A transfer order's `handle`: started now or kept.
    OrderHandle {
        Process = "process",
        Save = "save",
    }
}

statuses! {
    /// A registrar's invoice (the registry-push scenario).
    InvoiceStatus {
        Outstanding = "outstanding",
        Paid = "paid",
        Credited = "credited",
    }
}

statuses! {
    /// The kind of change a bulk job makes.
    BulkChangeType {
        PushDomains = "push_domains",
        AvailabilityCheck = "availability_check",
        DomainContacts = "domain_contacts",
        DomainLock = "domain_lock",
        DomainNameservers = "domain_nameservers",
        DomainParkedPages = "domain_parked_pages",
        DomainRenew = "domain_renew",
        WhoisPrivacy = "whois_privacy",
        DnsZone = "dns_zone",
        DnsZoneRecord = "dns_zone_record",
        DomainForwarding = "domain_forwarding",
    }
}

statuses! {
    /// A hosted email user's type (the Email API's `type`).
    MailUserKind {
        Mailbox = "mailbox",
        Forward = "forward",
        Filter = "filter",
    }
}

statuses! {
    /// How a webhook delivery attempt ended.
    WebhookOutcome {
        Delivered = "delivered",
        Retry = "retry",
        GaveUp = "gave_up",
    }
}

statuses! {
    /// The kinds of background task (the `tasks` table).
    TaskKind {
        /// Analyse the pending domains of a transfer job (subject: job id).
        AnalyseJob = "analyse_job",
        /// Deliver one outbox message (subject: outbox id).
        SendMail = "send_mail",
        /// The approval window of a registrant is over (subject: registrant id).
        ApprovalTimeout = "approval_timeout",
        /// Ask the registry to settle an accepted transfer (subject: job, item: position).
        RegistryStep = "registry_step",
        /// Work through a bulk change's queued items, of any change type (subject:
        /// bulk change id; named when pushes were the only bulk change).
        BulkPush = "bulk_push",
        /// Send an event to its reseller's webhook (subject: event row id).
        Webhook = "webhook",
        /// The owner's window of a transfer away is over (subject: transfers_away id).
        AwayTimeout = "away_timeout",
        /// Start a transfer away the scenario asked for (subject: away_requests id).
        AwayRequest = "away_request",
        /// A registrant verification's deadline (subject: registrant_verifications id).
        VerificationDeadline = "verification_deadline",
        /// Try a registration queued while its registry was down (subject: order id).
        QueuedRequest = "queued_request",
        /// A claims notice's 48 hours are over (subject: order id).
        ClaimDeadline = "claim_deadline",
    }
}

impl DomainStatus {
    /// The statuses of a transfer still on its way (not yet completed or ended):
    /// its price is held, and its job is not final.
    pub const ON_THE_WAY: [DomainStatus; 3] = [
        DomainStatus::Pending,
        DomainStatus::Processed,
        DomainStatus::PendingRegistry,
    ];

    /// Whether the transfer is still on its way.
    pub fn in_progress(self) -> bool {
        DomainStatus::ON_THE_WAY.contains(&self)
    }
}

/// The values of every status type above, for the check that no SQL of the store
/// spells one out.
pub fn every_value() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    v.extend(DomainStatus::ALL.iter().map(|s| s.as_str()));
    v.extend(RegistrantStatus::ALL.iter().map(|s| s.as_str()));
    v.extend(JobStatus::ALL.iter().map(|s| s.as_str()));
    v.extend(BulkStatus::ALL.iter().map(|s| s.as_str()));
    v.extend(BulkItemStatus::ALL.iter().map(|s| s.as_str()));
    v.extend(AwayStatus::ALL.iter().map(|s| s.as_str()));
    v.extend(AwayDecision::ALL.iter().map(|s| s.as_str()));
    v.extend(RegistrantDecision::ALL.iter().map(|s| s.as_str()));
    v.extend(OrderKind::ALL.iter().map(|s| s.as_str()));
    v.extend(OrderStatus::ALL.iter().map(|s| s.as_str()));
    v.extend(OrderHandle::ALL.iter().map(|s| s.as_str()));
    v.extend(NoteScope::ALL.iter().map(|s| s.as_str()));
    v.extend(DeletionReason::ALL.iter().map(|s| s.as_str()));
    v.extend(DomainSetting::ALL.iter().map(|s| s.as_str()));
    v.extend(VerificationStatus::ALL.iter().map(|s| s.as_str()));
    v.extend(ClaimDecision::ALL.iter().map(|s| s.as_str()));
    v.extend(InvoiceStatus::ALL.iter().map(|s| s.as_str()));
    v.extend(BulkChangeType::ALL.iter().map(|s| s.as_str()));
    v.extend(WebhookOutcome::ALL.iter().map(|s| s.as_str()));
    v.extend(MailUserKind::ALL.iter().map(|s| s.as_str()));
    v.extend(TaskKind::ALL.iter().map(|s| s.as_str()));
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        for s in DomainStatus::ALL {
            assert_eq!(s.as_str().parse::<DomainStatus>(), Ok(*s));
        }
        for s in BulkItemStatus::ALL {
            assert_eq!(s.to_string().parse::<BulkItemStatus>(), Ok(*s));
        }
        assert_eq!(DomainStatus::PendingRegistry.as_str(), "pending_registry");
        assert!("Pending".parse::<JobStatus>().is_err());
    }
}
