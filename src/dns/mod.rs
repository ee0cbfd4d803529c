//! The DNS server of the DNS service: authoritative for every zone opsd hosts
//! (`dns_zones` whose domain its reseller still holds), over UDP and TCP on one
//! address. hickory-server reads and writes the wire (framing, malformed
//! packets, TCP timeouts); [`zone`] answers from memory. The zones are read
//! again when they change: at once on the instance that changed them (woken by
//! `App::zones_changed`), and within [`POLL`] on every other instance sharing
//! the database; and every [`FULL_RELOAD`] whatever changed (a domain that left
//! its reseller changes no zone). Queries are rate
//! limited per client address; those over the limit get no reply.

mod served;
pub mod zone;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;

use crate::app::App;
use crate::ratelimit::RateLimiter;

pub use served::Served;
pub use zone::{Answer, Zones};

/// How often an instance looks for zones changed by another.
pub const POLL: Duration = Duration::from_millis(250);

/// How often the zones are read again whatever the change counter says: a
/// domain that left its reseller (revoked, pushed, transferred away) takes its
/// zone out of service without a zone change.
pub const FULL_RELOAD: Duration = Duration::from_secs(10);

/// Queries a second one client address may send (*chosen*); twice that in a burst.
pub const PER_ADDRESS: u32 = 20_000;

/// How long a TCP connection may stay silent.
const TCP_TIMEOUT: Duration = Duration::from_secs(10);

/// Answers queries from the app's zones.
struct Handler {
    zones: Arc<Served<Zones>>,
    limit: RateLimiter<IpAddr>,
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response: R,
    ) -> ResponseInfo {
        let failed = |code| {
            let mut metadata = Metadata::response_from_request(&request.metadata);
            metadata.response_code = code;
            ResponseInfo::from(Header {
                metadata,
                counts: HeaderCounts::default(),
            })
        };
        if !self.limit.allow(request.src().ip(), Instant::now()) {
            // Over the limit: no reply at all (a reflected flood gains nothing).
            return failed(ResponseCode::Refused);
        }
        let builder = MessageResponseBuilder::from_message_request(request);
        let info = match request.request_info() {
            Ok(info) => info,
            Err(_) => {
                let msg = builder.error_msg(&request.metadata, ResponseCode::FormErr);
                return response
                    .send_response(msg)
                    .await
                    .unwrap_or_else(|_| failed(ResponseCode::FormErr));
            }
        };
        let answer = self
            .zones
            .get()
            .answer(&info.query.name().into(), info.query.query_type());
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.response_code = answer.code;
        metadata.authoritative = answer.authoritative;
        let msg = builder.build(
            metadata,
            answer.answers.iter(),
            std::iter::empty(),
            answer.authority.iter(),
            std::iter::empty(),
        );
        response
            .send_response(msg)
            .await
            .unwrap_or_else(|_| failed(ResponseCode::ServFail))
    }
}

/// Serves DNS on `udp` and `tcp` (bound to one address) until `shutdown`
/// resolves, reading the zones first and again as they change.
pub async fn serve(
    app: Arc<App>,
    udp: tokio::net::UdpSocket,
    tcp: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let zones = Served::new(crate::store::Hosted::Zone, |app| {
        Ok(Zones::build(&app.store.served_zones()?))
    });
    let poller = zones.watch(app);
    let mut server = hickory_server::Server::new(Handler {
        zones,
        limit: RateLimiter::new(PER_ADDRESS),
    });
    server.register_socket(udp);
    server.register_listener(tcp, TCP_TIMEOUT, 64);
    shutdown.await;
    poller.abort();
    server
        .shutdown_gracefully()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// Binds UDP and TCP on `addr` (port 0: the same free port for both).
pub async fn bind(
    addr: SocketAddr,
) -> std::io::Result<(tokio::net::UdpSocket, tokio::net::TcpListener)> {
    if addr.port() != 0 {
        let udp = tokio::net::UdpSocket::bind(addr).await?;
        let tcp = tokio::net::TcpListener::bind(addr).await?;
        return Ok((udp, tcp));
    }
    // Any free port: one free for both.
    let mut last = None;
    for _ in 0..20 {
        let udp = tokio::net::UdpSocket::bind(addr).await?;
        let at = udp.local_addr()?;
        match tokio::net::TcpListener::bind(at).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free port for DNS")))
}

/// The address DNS answers on, for logs.
pub fn address(udp: &tokio::net::UdpSocket) -> String {
    udp.local_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string())
}
