//! The forwarding web server of the domain forwarding service, on
//! `forward_listen`: a request whose Host is a forwarded name — `sub.domain`, the
//! bare domain, or any subdomain under a `*` entry — of a domain its reseller
//! still holds is answered 301 to the entry's `destination_url` with the
//! request's path and query kept, or, when the entry is masked, with a page that
//! frames the destination under the entry's title, description and keywords
//! (escaped by the template engine). Anything else: 404. The forwards are read
//! again as `dns::Served` keeps them: when they change, and every
//! `dns::FULL_RELOAD` whatever changed.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};

use crate::app::App;
use crate::rules::forwarding::{self, Forward};

/// Connections served at once (*chosen*); more wait to be accepted.
const MAX_CONNECTIONS: usize = 1_024;

/// How long a client has to send its request head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The page a masked forward answers with.
const MASKED: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<meta name="description" content="{{ description }}">
<meta name="keywords" content="{{ keywords }}">
<style>html, body, iframe { margin: 0; padding: 0; border: 0; width: 100%; height: 100%; }</style>
</head>
<body>
<iframe src="{{ url }}" title="{{ title }}"></iframe>
</body>
</html>
"#;

/// Every forward served: by domain, its entries.
pub type ForwardMap = HashMap<String, Vec<Forward>>;

/// The forwards as the store keeps them, for the servers.
fn load(app: &App) -> Result<ForwardMap, crate::store::StoreError> {
    Ok(app
        .store
        .served_forwards()?
        .into_iter()
        .map(|(domain, entries)| (domain, forwarding::from_json(&entries)))
        .collect())
}

/// The entry of `map` that forwards `host` (lower case, no port), if one does.
fn find(map: &ForwardMap, host: &str) -> Option<Forward> {
    // The closest domain holding the host, then its entry for the host.
    let mut rest = host;
    loop {
        if let Some(entries) = map.get(rest) {
            let sub = host.strip_suffix(rest).unwrap_or("").trim_end_matches('.');
            let exact = entries.iter().find(|f| f.subdomain == sub);
            let any = (!sub.is_empty())
                .then(|| entries.iter().find(|f| f.subdomain == "*"))
                .flatten();
            return exact.or(any).filter(|f| f.enabled).cloned();
        }
        rest = rest.split_once('.')?.1;
    }
}

/// The answer to one request.
fn answer(forwards: &ForwardMap, req: &Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("");
    let host = host
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let Some(f) = find(forwards, &host) else {
        return plain(StatusCode::NOT_FOUND, "No forward for this name.\n");
    };
    let url = target(&f.destination_url, req.uri());
    if f.masked {
        // Every value escaped: render_str has no file name to infer it from.
        let mut env = minijinja::Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        let page = env.render_str(
            MASKED,
            minijinja::context! {
                url, title => f.title, description => f.description, keywords => f.keywords,
            },
        );
        return match page {
            Ok(body) => Response::builder()
                .status(StatusCode::OK)
                .header(hyper::header::CONTENT_TYPE, "text/html; charset=utf-8")
                .body(Full::new(Bytes::from(body)))
                .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "error\n")),
            Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "error\n"),
        };
    }
    Response::builder()
        .status(StatusCode::MOVED_PERMANENTLY)
        .header(hyper::header::LOCATION, url.as_str())
        .body(Full::new(Bytes::new()))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "error\n"))
}

/// The destination with the request's path and query kept.
fn target(destination: &str, uri: &hyper::Uri) -> String {
    let rest = uri
        .path_and_query()
        .map_or("/", hyper::http::uri::PathAndQuery::as_str);
    if rest == "/" {
        return destination.to_string();
    }
    format!("{}{rest}", destination.trim_end_matches('/'))
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Serves forwards on `listener` until `shutdown` resolves.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let forwards = crate::dns::Served::new(crate::store::Hosted::Forwarding, load);
    let poller = forwards.watch(app);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = slots.clone().acquire_owned() => p,
        };
        let Ok(permit) = permit else { break };
        let (stream, _peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::debug!(error = %e, "forward accept failed");
                    continue;
                }
            },
        };
        let forwards = forwards.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let r = answer(&forwards.get(), &req);
                async move { Ok::<_, Infallible>(r) }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            let _ = conn.await;
            drop(permit);
        });
    }
    poller.abort();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwards() -> ForwardMap {
        let f = |sub: &str, url: &str, enabled: bool| Forward {
            subdomain: sub.into(),
            destination_url: url.into(),
            enabled,
            masked: false,
            title: String::new(),
            description: String::new(),
            keywords: String::new(),
        };
        let mut map = HashMap::new();
        map.insert(
            "fw.test".to_string(),
            vec![
                f("", "https://bare.example/", true),
                f("www", "https://www.example/", true),
                f("*", "https://any.example/", true),
                f("off", "https://off.example/", false),
            ],
        );
        map
    }

    #[test]
    fn hosts_find_their_entry() {
        let f = forwards();
        let url = |h: &str| find(&f, h).map(|e| e.destination_url);
        assert_eq!(url("fw.test").as_deref(), Some("https://bare.example/"));
        assert_eq!(url("www.fw.test").as_deref(), Some("https://www.example/"));
        assert_eq!(url("a.b.fw.test").as_deref(), Some("https://any.example/"));
        assert_eq!(url("off.fw.test"), None, "disabled");
        assert_eq!(url("other.test"), None);
    }

    #[test]
    fn the_path_and_query_are_kept() {
        let uri: hyper::Uri = "/a/b?x=1".parse().unwrap_or_default();
        assert_eq!(
            target("https://d.example/", &uri),
            "https://d.example/a/b?x=1"
        );
        let root: hyper::Uri = "/".parse().unwrap_or_default();
        assert_eq!(
            target("https://d.example/page", &root),
            "https://d.example/page"
        );
    }
}
