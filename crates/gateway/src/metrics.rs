//! Prometheus metrics of the gateway. Hot-path counters are resolved once at
//! start so that a request touches atomics only, never a label map.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClassLabel {
    class: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TlsLabels {
    group: &'static str,
    version: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServerLabels {
    upstream: String,
    server: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NameLabel {
    name: &'static str,
}

/// Every metric the gateway exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    by_class: [Counter; 5],
    duration: Histogram,
    pub connections_active: Gauge,
    connections: Family<NameLabel, Counter>,
    connection_errors: Family<NameLabel, Counter>,
    tls_handshakes: Family<TlsLabels, Counter>,
    pub tls_handshake_failures: Counter,
    upstream_failures: Family<ServerLabels, Counter>,
    server_up: Family<ServerLabels, Gauge>,
    reloads: Family<NameLabel, Counter>,
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        Self::with_modules(&[])
    }

    /// The gateway's metrics and those the `modules` register.
    pub fn with_modules(modules: &[Arc<dyn crate::HttpModule>]) -> Arc<Self> {
        let mut registry = Registry::with_prefix("parapet");
        for m in modules {
            m.register_metrics(&mut registry);
        }
        let requests = Family::<ClassLabel, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by status class",
            requests.clone(),
        );
        let by_class = ["1xx", "2xx", "3xx", "4xx", "5xx"]
            .map(|class| requests.get_or_create(&ClassLabel { class }).clone());
        let duration = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        registry.register(
            "http_request_duration_seconds",
            "Time from request head to response head",
            duration.clone(),
        );
        let connections_active = Gauge::default();
        registry.register(
            "connections_active",
            "Client connections open now",
            connections_active.clone(),
        );
        let connections = Family::default();
        registry.register(
            "connections",
            "Client connections accepted, by listener",
            connections.clone(),
        );
        let connection_errors = Family::default();
        registry.register(
            "connection_errors",
            "Client connections ended by an error, by kind (tls, timeout, protocol, io)",
            connection_errors.clone(),
        );
        let tls_handshakes = Family::default();
        registry.register(
            "tls_handshakes",
            "Completed TLS handshakes, by negotiated key-exchange group and version",
            tls_handshakes.clone(),
        );
        let tls_handshake_failures = Counter::default();
        registry.register(
            "tls_handshake_failures",
            "TLS handshakes that failed",
            tls_handshake_failures.clone(),
        );
        let upstream_failures = Family::default();
        registry.register(
            "upstream_failures",
            "Failed attempts to reach an upstream server (connect error or timeout)",
            upstream_failures.clone(),
        );
        let server_up = Family::default();
        registry.register(
            "upstream_server_up",
            "1 when active health checks find the server up",
            server_up.clone(),
        );
        let reloads = Family::default();
        registry.register(
            "config_reloads",
            "Configuration reloads, by result",
            reloads.clone(),
        );
        Arc::new(Self {
            registry,
            by_class,
            duration,
            connections_active,
            connections,
            connection_errors,
            tls_handshakes,
            tls_handshake_failures,
            upstream_failures,
            server_up,
            reloads,
        })
    }

    pub fn request(&self, status: u16, seconds: f64) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.by_class[class].inc();
        self.duration.observe(seconds);
    }

    pub fn connection(&self, listener: &'static str) {
        self.connections
            .get_or_create(&NameLabel { name: listener })
            .inc();
    }

    pub fn connection_error(&self, kind: &'static str) {
        self.connection_errors
            .get_or_create(&NameLabel { name: kind })
            .inc();
    }

    pub fn tls_handshake(&self, group: &'static str, version: &'static str) {
        self.tls_handshakes
            .get_or_create(&TlsLabels { group, version })
            .inc();
    }

    pub fn upstream_failure(&self, upstream: &str, server: &str) {
        self.upstream_failures
            .get_or_create(&ServerLabels {
                upstream: upstream.into(),
                server: server.into(),
            })
            .inc();
    }

    pub fn set_server_up(&self, upstream: &str, server: &str, up: bool) {
        self.server_up
            .get_or_create(&ServerLabels {
                upstream: upstream.into(),
                server: server.into(),
            })
            .set(i64::from(up));
    }

    pub fn reload(&self, ok: bool) {
        self.reloads
            .get_or_create(&NameLabel {
                name: if ok { "ok" } else { "error" },
            })
            .inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
