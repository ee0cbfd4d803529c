//! One module per action: its request struct, `parse`, `apply`, and its tests.

mod balance;
mod bulk_change;
mod check_transfer;
mod event;
mod rsp2rsp_push_transfer;
mod simple_transfer;
mod simple_transfer_status;
mod sw_register;

pub use balance::GetBalance;
pub use bulk_change::{
    BulkChangeCancel, BulkChangeGet, BulkChangeSubmit, Items as BulkItems, normalize_items,
};
pub use check_transfer::CheckTransfer;
pub use event::{EventAck, EventPoll};
pub use rsp2rsp_push_transfer::Rsp2RspPushTransfer;
pub use simple_transfer::SimpleTransfer;
pub use simple_transfer_status::{SimpleTransferStatus, status_reply};
pub use sw_register::SwRegister;
