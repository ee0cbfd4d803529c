//! Prometheus metrics (`GET /metrics`): OPS requests by action and response code,
//! their latency, emails sent and failed, and — read from the store at scrape time —
//! the task queue's depth and how late its oldest due task is.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    // Borrowed action names and a numeric code: counting a request allocates nothing.
    action: &'static str,
    code: u16,
}

/// The server's metrics; one per [`crate::App`].
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histogram,
    mails_sent: Counter,
    mails_failed: Counter,
    webhooks: Family<OutcomeLabels, Counter>,
    queue_depth: Gauge,
    task_lag: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("opsd");
        let requests = Family::<RequestLabels, Counter>::default();
        // 100 µs to ~3 s: a status request takes ~40 µs of work, a 10,000-domain
        // submit ~50 ms.
        let latency = Histogram::new([
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            3.0,
        ]);
        let (mails_sent, mails_failed) = (Counter::default(), Counter::default());
        let (queue_depth, task_lag) = (Gauge::default(), Gauge::default());
        registry.register(
            "ops_requests",
            "OPS requests by action and response code",
            requests.clone(),
        );
        registry.register(
            "ops_request_duration_seconds",
            "Time from the request body read to the reply built",
            latency.clone(),
        );
        registry.register(
            "mails_sent",
            "Emails handed to the relay",
            mails_sent.clone(),
        );
        registry.register(
            "mails_failed",
            "Email delivery attempts that failed (retried later)",
            mails_failed.clone(),
        );
        let webhooks = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "webhook_attempts",
            "Webhook deliveries by outcome (delivered, retry, gave_up)",
            webhooks.clone(),
        );
        registry.register(
            "task_queue_depth",
            "Background tasks not done yet",
            queue_depth.clone(),
        );
        registry.register(
            "task_lag_seconds",
            "How long the oldest due task has been waiting (0 when none is due)",
            task_lag.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            mails_sent,
            mails_failed,
            webhooks,
            queue_depth,
            task_lag,
        }
    }

    pub fn request(&self, action: &'static str, code: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels { action, code })
            .inc();
        self.latency.observe(seconds);
    }

    pub fn mails(&self, sent: usize, failed: usize) {
        self.mails_sent.inc_by(sent as u64);
        self.mails_failed.inc_by(failed as u64);
    }

    pub fn webhook(&self, outcome: &'static str) {
        self.webhooks
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// The text exposition, with the queue gauges set from `depth` and `lag`.
    pub fn render(&self, depth: i64, lag: i64) -> String {
        self.queue_depth.set(depth);
        self.task_lag.set(lag.max(0));
        let mut out = String::new();
        if let Err(e) = encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_renders() {
        let m = Metrics::new();
        m.request("SIMPLE_TRANSFER_STATUS", 200, 0.0004);
        m.request("SIMPLE_TRANSFER_STATUS", 200, 0.0004);
        m.request("-", 401, 0.0001);
        m.mails(3, 1);
        let text = m.render(7, 42);
        for line in [
            "opsd_ops_requests_total{action=\"SIMPLE_TRANSFER_STATUS\",code=\"200\"} 2",
            "opsd_ops_requests_total{action=\"-\",code=\"401\"} 1",
            "opsd_ops_request_duration_seconds_count 3",
            "opsd_mails_sent_total 3",
            "opsd_mails_failed_total 1",
            "opsd_task_queue_depth 7",
            "opsd_task_lag_seconds 42",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
    }
}
