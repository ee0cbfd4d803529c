//! One module per action: its request struct, `parse`, `apply`, and its tests.

mod balance;
mod bulk_change;
mod cancel_transfer;
mod check_transfer;
mod contacts;
mod cookie;
mod domains_by_expiredate;
mod event;
mod get_domain;
mod get_price;
mod lookup;
mod modify;
mod name_suggest;
mod nameserver;
pub mod orders;
mod process_transfer;
mod registration;
mod renew;
mod rsp2rsp_push_transfer;
mod send_authcode;
mod send_password;
mod simple_transfer;
mod simple_transfer_status;
mod sw_register;
mod transfers_away;
mod transfers_in;
mod update_nameservers;

pub use balance::GetBalance;
pub use bulk_change::{
    BulkChangeCancel, BulkChangeGet, BulkChangeSubmit, Items as BulkItems, normalize_items,
};
pub use cancel_transfer::CancelTransfer;
pub use check_transfer::CheckTransfer;
pub use contacts::{GetDomainsContacts, UpdateContacts};
pub use cookie::{DeleteCookie, SetCookie};
pub use domains_by_expiredate::DomainsByExpiredate;
pub use event::{EventAck, EventPoll};
pub use get_domain::GetDomain;
pub use get_price::GetPrice;
pub use lookup::Lookup;
pub use modify::Modify;
pub use name_suggest::NameSuggest;
pub use nameserver::{Nameserver, RegistryNameserver};
pub use process_transfer::ProcessTransfer;
pub use renew::Renew;
pub use rsp2rsp_push_transfer::Rsp2RspPushTransfer;
pub use send_authcode::SendAuthcode;
pub use send_password::SendPassword;
pub use simple_transfer::SimpleTransfer;
pub use simple_transfer_status::{SimpleTransferStatus, status_reply};
pub use sw_register::SwRegister;
pub use transfers_away::GetTransfersAway;
pub use transfers_in::GetTransfersIn;
pub use update_nameservers::UpdateNameservers;
