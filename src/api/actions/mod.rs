//! One module per action: its request struct, `parse`, `apply`, and its tests.

mod simple_transfer;
mod simple_transfer_status;

pub use simple_transfer::SimpleTransfer;
pub use simple_transfer_status::SimpleTransferStatus;
