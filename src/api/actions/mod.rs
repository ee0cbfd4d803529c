//! One module per action: its request struct, `parse`, `apply`, and its tests.

mod balance;
mod bulk_change;
mod cancel_transfer;
mod check_transfer;
mod event;
mod orders;
mod process_transfer;
mod rsp2rsp_push_transfer;
mod send_password;
mod simple_transfer;
mod simple_transfer_status;
mod sw_register;
mod transfers_away;
mod transfers_in;

pub use balance::GetBalance;
pub use bulk_change::{
    BulkChangeCancel, BulkChangeGet, BulkChangeSubmit, Items as BulkItems, normalize_items,
};
pub use cancel_transfer::CancelTransfer;
pub use check_transfer::CheckTransfer;
pub use event::{EventAck, EventPoll};
pub use process_transfer::ProcessTransfer;
pub use rsp2rsp_push_transfer::Rsp2RspPushTransfer;
pub use send_password::SendPassword;
pub use simple_transfer::SimpleTransfer;
pub use simple_transfer_status::{SimpleTransferStatus, status_reply};
pub use sw_register::SwRegister;
pub use transfers_away::GetTransfersAway;
pub use transfers_in::GetTransfersIn;
