//! One module per action: its request struct, its `Handler` (`parse`, `apply`) and
//! its tests; and the table of everything opsd answers, one line per `(action,
//! object[, variant])` (see `api::table`).

/// What the transfer-order verbs share (the order a request names): not an action.
pub mod orders;

use crate::api::fields::Fields;
use crate::api::table::Line;
use crate::api::{Action, ApiError};
use crate::ops::Envelope;

// What other modules use of the actions (the table names the rest by path).
pub use bulk_change::{BulkChangeSubmit, Items as BulkItems, normalize_items};
pub use event::EventAck;
pub use simple_transfer::SimpleTransfer;
pub use simple_transfer_status::{SimpleTransferStatus, status_reply};
pub use sw_register::{Retried, accept_claim, retry_queued};

crate::api::table::table! {
    mod simple_transfer "SIMPLE_TRANSFER" "DOMAIN" => simple_transfer::SimpleTransfer;
    mod simple_transfer_status "SIMPLE_TRANSFER_STATUS" "DOMAIN" => simple_transfer_status::SimpleTransferStatus;
    mod bulk_transfer "BULK_TRANSFER" "DOMAIN" => bulk_transfer::BulkTransfer;
    mod bulk_change "SUBMIT" "BULK_CHANGE" [change_type = "push_domains"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "availability_check"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "domain_contacts"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "domain_lock"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "domain_nameservers"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "domain_parked_pages"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "domain_renew"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "whois_privacy"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "dns_zone"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "dns_zone_record"] => bulk_change::BulkSubmit;
    "SUBMIT" "BULK_CHANGE" [change_type = "domain_forwarding"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "push_domains"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "availability_check"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "domain_contacts"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "domain_lock"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "domain_nameservers"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "domain_parked_pages"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "domain_renew"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "whois_privacy"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "dns_zone"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "dns_zone_record"] => bulk_change::BulkSubmit;
    "SUBMIT_BULK_CHANGE" "BULK_CHANGE" [change_type = "domain_forwarding"] => bulk_change::BulkSubmit;
    "GET_BULK_CHANGE" "BULK_CHANGE" => bulk_change::BulkChangeGet;
    "CANCEL_BULK_CHANGE" "BULK_CHANGE" => bulk_change::BulkChangeCancel;
    mod event "POLL" "EVENT" => event::EventPoll;
    "ACK" "EVENT" => event::EventAck;
    mod rsp2rsp_push_transfer "RSP2RSP_PUSH_TRANSFER" "*" => rsp2rsp_push_transfer::Rsp2RspPushTransfer;
    mod balance "GET_BALANCE" "BALANCE" => balance::GetBalance;
    "GET_BALANCE" "DOMAIN" => balance::GetBalance;
    "GET_BALANCE" "" => balance::GetBalance;
    mod check_transfer "CHECK_TRANSFER" "DOMAIN" => check_transfer::CheckTransfer;
    mod sw_register "SW_REGISTER" "DOMAIN" [reg_type = "new"] => sw_register::SwRegister;
    "SW_REGISTER" "DOMAIN" [reg_type = "transfer"] => sw_register::SwRegister;
    "SW_REGISTER" "DOMAIN" [reg_type = "premium"] => sw_register::SwRegister;
    "SW_REGISTER" "DOMAIN" [reg_type = "sunrise"] => sw_register::SwRegister;
    "SW_REGISTER" "DOMAIN" [reg_type = "whois_privacy"] => sw_register::SwRegister;
    mod cancel_transfer "CANCEL_TRANSFER" "TRANSFER" => cancel_transfer::CancelTransfer;
    mod send_password "SEND_PASSWORD" "TRANSFER" => send_password::SendPassword;
    "SEND_PASSWORD" "DOMAIN" => send_password::SendDomainPassword;
    mod process_transfer "PROCESS_TRANSFER" "TRANSFER" => process_transfer::ProcessTransfer;
    mod transfers_in "GET_TRANSFERS_IN" "DOMAIN" => transfers_in::GetTransfersIn;
    mod transfers_away "GET_TRANSFERS_AWAY" "DOMAIN" => transfers_away::GetTransfersAway;
    mod lookup "LOOKUP" "DOMAIN" => lookup::Lookup;
    mod name_suggest "NAME_SUGGEST" "DOMAIN" => name_suggest::NameSuggest;
    mod get_price "GET_PRICE" "DOMAIN" => get_price::GetPrice;
    mod get_domain "GET" "DOMAIN" [type = "all_info"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "status"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "nameservers"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "domain_auth_info"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "whois_privacy_state"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "owner"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "admin"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "billing"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "tech"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "registry_dates"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "expire_action"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "auto_renew_flag"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "list"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "dnssec"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "tld_data"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "nexus_info"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "ced_info"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "forwarding_email"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "rsp_whois_info"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "xpack_waiting_history"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "ca_whois_display_setting"] => get_domain::GetDomain;
    "GET" "DOMAIN" [type = "it_whois_display_setting"] => get_domain::GetDomain;
    mod modify "MODIFY" "DOMAIN" [data = "status"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "whois_privacy_state"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "contact_info"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "expire_action"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "domain_auth_info"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "dnssec"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "parkpage_state"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "rsp_whois_info"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "tld_data"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "forwarding_email"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "ca_whois_display_setting"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "it_whois_display_setting"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "change_ips_tag"] => modify::Modify;
    "MODIFY" "DOMAIN" [data = "cira_registrant"] => modify::Modify;
    mod renew "RENEW" "DOMAIN" => renew::Renew;
    mod update_nameservers "ADVANCED_UPDATE_NAMESERVERS" "DOMAIN" => update_nameservers::UpdateNameservers;
    "ADVANCED_UPDATE_NAMESERVERS" "NAMESERVER" => update_nameservers::UpdateNameservers;
    mod nameserver "CREATE" "NAMESERVER" => nameserver::Nameserver;
    "MODIFY" "NAMESERVER" => nameserver::Nameserver;
    "DELETE" "NAMESERVER" => nameserver::Nameserver;
    "GET" "NAMESERVER" => nameserver::Nameserver;
    "REGISTRY_ADD_NS" "NAMESERVER" => nameserver::RegistryNameserver;
    "REGISTRY_CHECK_NAMESERVER" "NAMESERVER" => nameserver::RegistryNameserver;
    mod contacts "GET_DOMAINS_CONTACTS" "DOMAIN" => contacts::GetDomainsContacts;
    "UPDATE_CONTACTS" "DOMAIN" => contacts::UpdateContacts;
    mod update_all_info "UPDATE_ALL_INFO" "DOMAIN" => update_all_info::UpdateAllInfo;
    mod activate "ACTIVATE" "DOMAIN" => activate::Activate;
    mod trade_domain "TRADE_DOMAIN" "DOMAIN" => trade_domain::TradeDomain;
    mod ca "GET_CA_BLOCKER_LIST" "DOMAIN" => ca::GetCaBlockerList;
    "SEND_CIRA_APPROVAL_EMAIL" "DOMAIN" => ca::SendCiraApprovalEmail;
    mod send_authcode "SEND_AUTHCODE" "DOMAIN" => send_authcode::SendAuthcode;
    mod get_notes "GET_NOTES" "DOMAIN" => get_notes::GetNotes;
    mod revoke "REVOKE" "DOMAIN" => revoke::Revoke;
    mod redeem "REDEEM" "DOMAIN" => redeem::Redeem;
    mod deleted_domains "GET_DELETED_DOMAINS" "DOMAIN" => deleted_domains::GetDeletedDomains;
    mod belongs_to_rsp "BELONGS_TO_RSP" "DOMAIN" => belongs_to_rsp::BelongsToRsp;
    mod order_lookup "GET_ORDER_INFO" "DOMAIN" => order_lookup::GetOrderInfo;
    mod queued_request "QUERY_QUEUED_REQUEST" "DOMAIN" => queued_request::QueryQueuedRequest;
    mod dns_zone "CREATE_DNS_ZONE" "DOMAIN" => dns_zone::CreateDnsZone;
    "GET_DNS_ZONE" "DOMAIN" => dns_zone::GetDnsZone;
    "SET_DNS_ZONE" "DOMAIN" => dns_zone::SetDnsZone;
    "RESET_DNS_ZONE" "DOMAIN" => dns_zone::ResetDnsZone;
    "DELETE_DNS_ZONE" "DOMAIN" => dns_zone::DeleteDnsZone;
    "FORCE_DNS_NAMESERVERS" "DOMAIN" => dns_zone::ForceDnsNameservers;
    mod forwarding "CREATE_DOMAIN_FORWARDING" "DOMAIN" => forwarding::CreateDomainForwarding;
    "GET_DOMAIN_FORWARDING" "DOMAIN" => forwarding::GetDomainForwarding;
    "SET_DOMAIN_FORWARDING" "DOMAIN" => forwarding::SetDomainForwarding;
    "UPDATE_DOMAIN_FORWARDING" "DOMAIN" => forwarding::SetDomainForwarding;
    "DELETE_DOMAIN_FORWARDING" "DOMAIN" => forwarding::DeleteDomainForwarding;
    "GET_ORDERS_BY_DOMAIN" "DOMAIN" => order_lookup::GetOrdersByDomain;
    mod process_pending "PROCESS_PENDING" "DOMAIN" => process_pending::ProcessPending;
    mod cancel_pending "CANCEL_PENDING_ORDERS" "ORDER" => cancel_pending::CancelPendingOrders;
    "CANCEL_ACTIVE_PROCESS" "DOMAIN" => cancel_pending::CancelActiveProcess;
    mod registrant_verification "GET_REGISTRANT_VERIFICATION_STATUS" "DOMAIN" => registrant_verification::GetVerificationStatus;
    "SEND_REGISTRANT_VERIFICATION_EMAIL" "DOMAIN" => registrant_verification::SendVerificationEmail;
    mod domains_by_expiredate "GET_DOMAINS_BY_EXPIREDATE" "DOMAIN" => domains_by_expiredate::DomainsByExpiredate;
    mod cookie "SET" "COOKIE" => cookie::SetCookie;
    "DELETE" "COOKIE" => cookie::DeleteCookie;
    "UPDATE" "COOKIE" => cookie::UpdateCookie;
    "QUIT" "SESSION" => cookie::QuitSession;
    mod user_info "GET" "USERINFO" => user_info::GetUserInfo;
    "GET" "USER_INFO" => user_info::GetUserInfo;
    "GET_USER_ACCESS_INFO" "USERINFO" => user_info::GetUserAccessInfo;
    "CHECK" "VERSION" => user_info::CheckVersion;
    mod profile_change "CHANGE" "PASSWORD" => profile_change::ChangePassword;
    "CHANGE" "OWNERSHIP" => profile_change::ChangeOwnership;
    mod subuser "ADD" "SUBUSER" => subuser::AddSubuser;
    "GET" "SUBUSER" => subuser::GetSubuser;
    "MODIFY" "SUBUSER" => subuser::ModifySubuser;
    "DELETE" "SUBUSER" => subuser::DeleteSubuser;
    mod subreseller "CREATE" "SUBRESELLER" => subreseller::CreateSubreseller;
    "GET" "SUBRESELLER" => subreseller::GetSubreseller;
    "MODIFY" "SUBRESELLER" => subreseller::ModifySubreseller;
    "PAY" "SUBRESELLER" => subreseller::PaySubreseller;
}

/// The dispatch: the table read by a request's `(action, object)`.
impl Action {
    /// The line answering the envelope's `(action, object)`, case-insensitively.
    fn line(env: &Envelope) -> Option<&'static Line> {
        let action = env.action().to_ascii_uppercase();
        let object = env.object().to_ascii_uppercase();
        TABLE.iter().find(|l| l.answers(&action, &object))
    }

    /// The name of the action that answers the envelope's pair, if any.
    pub fn handler_name(env: &Envelope) -> Option<&'static str> {
        Self::line(env).map(|l| l.name)
    }

    /// Picks the action by its `(action, object)` pair and parses its attributes.
    pub fn from_request(env: &Envelope) -> Result<Action, ApiError> {
        let attrs = Fields::attributes(env.attributes())?;
        match Self::line(env) {
            Some(line) => line.parse(env, &attrs),
            // Echoed back, so cut to what an action name can be.
            None => Err(ApiError::InvalidCommand(
                env.action()
                    .chars()
                    .take(crate::api::MAX_ACTION_ECHO)
                    .collect(),
            )),
        }
    }

    /// The name of every action, once each, in table order.
    pub fn names() -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for l in TABLE {
            if !out.contains(&l.name) {
                out.push(l.name);
            }
        }
        out
    }
}
