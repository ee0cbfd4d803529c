//! The page routes' plumbing: page handlers run off the async workers, their
//! HTML wrapped with the headers every page gets; small form bodies; the
//! logged-in areas' requests with their cookies and forms.

use super::routes::*;
use crate::pages::{self, Form, Page, PageRequest};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};

/// Largest form body the pages accept.
pub(super) const FORM_MAX: usize = 64 * 1024;

impl Service {
    /// Runs a page handler off the async workers (it reads SQLite) and wraps the HTML.
    pub(super) async fn page(
        &self,
        f: impl FnOnce(&crate::app::App) -> Page + Send + 'static,
    ) -> Reply200 {
        let state = self.state.clone();
        let page = tokio::task::spawn_blocking(move || f(&state))
            .await
            .unwrap_or_else(|_| pages::message(500, "Error", "Something went wrong on our side."));
        let mut r = respond(
            StatusCode::from_u16(page.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "text/html; charset=utf-8",
            page.html,
        );
        for (name, value) in page.headers {
            match HeaderValue::from_str(&value) {
                Ok(v) => {
                    r.headers_mut().append(name, v);
                }
                Err(_) => tracing::error!(header = name, "page produced an invalid header value"),
            }
        }
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r.headers_mut()
            .insert("X-Frame-Options", HeaderValue::from_static("DENY"));
        r
    }

    /// A body of at most `FORM_MAX` bytes, or `None` when it is larger or does not
    /// arrive within the body timeout.
    pub(super) async fn small_body(&self, req: Request<Incoming>) -> Option<Bytes> {
        let collected = tokio::time::timeout(
            self.state.config.body_timeout,
            Limited::new(req.into_body(), FORM_MAX).collect(),
        )
        .await
        .ok()?
        .ok()?;
        Some(collected.to_bytes())
    }

    /// A form body (see `small_body`).
    pub(super) async fn form_body(&self, req: Request<Incoming>) -> Option<Form> {
        Some(Form::parse(&self.small_body(req).await?))
    }

    /// A page area with logins (the control panel): the request becomes a
    /// [`PageRequest`] with its cookies and form, and `handler` answers it.
    pub(super) async fn area(&self, req: Request<Incoming>, handler: AreaHandler) -> Reply200 {
        let post = req.method() == Method::POST;
        let path = req.uri().path().to_string();
        let query = Form::parse(req.uri().query().unwrap_or("").as_bytes());
        let cookies = req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| pages::cookies(v).into_iter())
            .collect();
        let form = if post {
            match self.form_body(req).await {
                Some(f) => f,
                None => return plain(StatusCode::PAYLOAD_TOO_LARGE, "form too large\n"),
            }
        } else {
            Form::default()
        };
        let preq = PageRequest {
            post,
            path,
            query,
            form,
            cookies,
            peer: self.peer.ip(),
            secure: self.secure,
        };
        self.page(move |app| handler(app, &preq)).await
    }
}
