//! The recording proxy (`opsd record`, issue 29): an integration under test keeps
//! its real OpenSRS user name and key and points at opsd instead; opsd forwards
//! each request byte for byte (body, `X-Username`, `X-Signature`: it never needs
//! or sees the key) to the real server over TLS, checking its certificate, returns
//! the real reply unchanged, and writes the pair as a parity case (see
//! `parity::recorded`), its secrets masked.
//!
//! Bounded: a body is at most `max_body_bytes` either way, at most `concurrency`
//! requests are forwarded at once (others wait), and each has `timeout`. An
//! upstream that fails or does not answer in time gets the client OpenSRS's own
//! answer to an outage (705 `Timed out, resubmit request.`) and nothing is
//! recorded. It is a tool for a developer's machine: it refuses production mode
//! and listens on loopback unless told otherwise.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// What the proxy needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The real server: `https://horizon.opensrs.net:55443`.
    pub upstream: String,
    /// Where the cases go.
    pub out: PathBuf,
    /// PEM certificates to trust for the upstream instead of the public roots.
    pub upstream_ca: Option<PathBuf>,
    pub timeout: Duration,
    pub max_body_bytes: usize,
    pub concurrency: usize,
}

/// Why the proxy cannot start.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("the upstream must be an https:// URL (the real server, over TLS): {0}")]
    NotHttps(String),
    #[error("reading the upstream CA {0}: {1}")]
    Ca(String, String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The proxy's state.
#[derive(Debug)]
pub struct Recorder {
    settings: Settings,
    /// The upstream's host, as the cases' `source` names it.
    host: String,
    agent: ureq::Agent,
    slots: tokio::sync::Semaphore,
    seq: AtomicU64,
}

/// OpenSRS's answer when the registry side does not answer in time.
fn outage() -> Vec<u8> {
    crate::api::Reply::error(&crate::api::ApiError::Refused(
        crate::api::codes::REGISTRY_DOWN,
    ))
    .to_bytes()
}

impl Recorder {
    pub fn new(settings: Settings) -> Result<Recorder, RecordError> {
        let rest = settings
            .upstream
            .strip_prefix("https://")
            .ok_or_else(|| RecordError::NotHttps(settings.upstream.clone()))?;
        let host = rest
            .split(['/', ':'])
            .next()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| RecordError::NotHttps(settings.upstream.clone()))?
            .to_string();
        let roots = match &settings.upstream_ca {
            None => ureq::tls::RootCerts::WebPki,
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| RecordError::Ca(path.display().to_string(), e.to_string()))?;
                let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
                    .filter_map(|item| match item {
                        Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                        _ => None,
                    })
                    .collect();
                if certs.is_empty() {
                    return Err(RecordError::Ca(
                        path.display().to_string(),
                        "no certificate in it".into(),
                    ));
                }
                ureq::tls::RootCerts::new_with_certs(&certs)
            }
        };
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
            .build()
            .new_agent();
        Ok(Recorder {
            slots: tokio::sync::Semaphore::new(settings.concurrency.max(1)),
            seq: AtomicU64::new(1),
            host,
            agent,
            settings,
        })
    }

    /// Forwards one request (blocking: on the blocking pool): the upstream's
    /// status, content type and body, or `None` when it failed or was too slow.
    fn forward(
        &self,
        path: &str,
        headers: &[(String, Vec<u8>)],
        body: &[u8],
    ) -> Option<(u16, String, Vec<u8>)> {
        let url = format!("{}{path}", self.settings.upstream.trim_end_matches('/'));
        let mut req = self.agent.post(&url);
        for (name, value) in headers {
            req = req.header(name.as_str(), value.as_slice());
        }
        let mut reply = match req.send(body) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(upstream = %self.host, error = %e, "upstream failed; nothing recorded");
                return None;
            }
        };
        let status = reply.status().as_u16();
        let kind = reply
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("text/xml")
            .to_string();
        match reply
            .body_mut()
            .with_config()
            .limit(self.settings.max_body_bytes as u64)
            .read_to_vec()
        {
            Ok(bytes) => Some((status, kind, bytes)),
            Err(e) => {
                tracing::warn!(upstream = %self.host, error = %e, "upstream reply unreadable; nothing recorded");
                None
            }
        }
    }

    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let plain = |status: StatusCode, text: &'static str| {
            let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
            *r.status_mut() = status;
            r
        };
        if req.method() != hyper::Method::POST {
            return plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "opsd record: POST your OPS requests here\n",
            );
        }
        let path = req
            .uri()
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string());
        // The client's own headers, as it sent them: the upstream checks the
        // signature, opsd never does.
        let headers: Vec<(String, Vec<u8>)> = req
            .headers()
            .iter()
            .filter(|(n, _)| {
                matches!(
                    n.as_str(),
                    "x-username" | "x-signature" | "content-type" | "accept"
                )
            })
            .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
            .collect();
        let collected = tokio::time::timeout(
            self.settings.timeout,
            Limited::new(req.into_body(), self.settings.max_body_bytes).collect(),
        )
        .await;
        let Ok(Ok(body)) = collected else {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large or too slow\n",
            );
        };
        let body = body.to_bytes();
        let Ok(_slot) = tokio::time::timeout(self.settings.timeout, self.slots.acquire()).await
        else {
            return xml(outage());
        };
        let me = self.clone();
        let sent = body.clone();
        let forwarded = tokio::task::spawn_blocking(move || me.forward(&path, &headers, &sent))
            .await
            .ok()
            .flatten();
        let Some((status, kind, reply)) = forwarded else {
            return xml(outage());
        };
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let now = crate::clock::Clock::now(&crate::clock::SystemClock);
        match crate::parity::recorded::write_case(
            &self.settings.out,
            &self.host,
            now,
            seq,
            &body,
            &reply,
        ) {
            Ok(Some(dir)) => tracing::info!(case = %dir.display(), "recorded"),
            Ok(None) => tracing::warn!("not an OPS envelope: forwarded, not recorded"),
            Err(e) => tracing::error!(error = %e, "could not write the case"),
        }
        let mut r = Response::new(Full::new(Bytes::from(reply)));
        *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        if let Ok(v) = hyper::header::HeaderValue::from_str(&kind) {
            r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
        }
        r
    }
}

fn xml(body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/xml"),
    );
    r
}

/// Serves the proxy on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
    recorder: Arc<Recorder>,
) -> std::io::Result<()> {
    let mut shutdown = std::pin::pin!(shutdown);
    // At most this many client connections at once (a developer's test suite).
    let connections = Arc::new(tokio::sync::Semaphore::new(256));
    loop {
        let (stream, peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            a = listener.accept() => a?,
            () = &mut shutdown => return Ok(()),
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let recorder = recorder.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let r = recorder.clone();
                async move { Ok::<_, std::convert::Infallible>(r.handle(req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "recording connection ended with an error");
            }
            drop(permit);
        });
    }
}
