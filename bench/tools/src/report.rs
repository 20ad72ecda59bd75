//! Markdown tables from the JSON lines of one `bench/gateway.sh` run.
//!
//! Ratios are "this target / nginx" and "this target / haproxy", measured in the same run.
//! For rates (requests or handshakes per CPU-second) higher is better; for latency and
//! memory lower is better. Each table says which.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

/// Targets in the order they are shown; "direct" is the upstream without a proxy; "nginx"
/// and "haproxy" do Parapet's per-request work (forwarding headers, a request id both ways),
/// the "-bare" ones proxy with nothing added; "parapet-access" is Parapet with an access
/// policy and a signed-in session; "nginx-twin", a second nginx configured like the first,
/// is the latency phase's control.
const ORDER: [&str; 8] = [
    "direct",
    "nginx",
    "nginx-twin",
    "haproxy",
    "nginx-bare",
    "haproxy-bare",
    "parapet",
    "parapet-access",
];

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn f(v: &Value, path: &[&str]) -> Option<f64> {
    let mut cur = v;
    for k in path {
        cur = cur.get(*k)?;
    }
    cur.as_f64()
}

fn u(v: &Value, k: &str) -> u64 {
    v.get(k).and_then(Value::as_u64).unwrap_or(0)
}

fn rank(target: &str) -> usize {
    ORDER
        .iter()
        .position(|t| *t == target)
        .unwrap_or(ORDER.len())
}

fn name(target: &str) -> &str {
    if target == "direct" {
        "upstream (direct)"
    } else {
        target
    }
}

fn num(x: Option<f64>) -> String {
    match x {
        None => "–".into(),
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) if x >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.2}"),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 && a / b < 0.1 => format!("{:.3}x", a / b),
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "–".into(),
    }
}

/// The medians of each measurement (`.0`) and every record as measured (`.1`), which keeps
/// the `round` tag for paired comparisons.
struct Records(Vec<Value>, Vec<Value>);

/// The ratio of two targets taken round by round: each round measures both, seconds apart,
/// so the ratio of the pair cancels the machine's slow drift that the ratio of the two
/// medians keeps.
struct Paired {
    median: f64,
    lo: f64,
    hi: f64,
    rounds: usize,
}

impl Records {
    /// `a / b` of `metric` per round in which both were measured (records with the same
    /// `mode`, `key` = `value` and `round` tag); the median (lower middle) over the rounds.
    fn paired(
        &self,
        mode: &str,
        (key, value): (&str, &str),
        (a, b): (&str, &str),
        metric: &[&str],
    ) -> Option<Paired> {
        let of = |t: &str| {
            self.1
                .iter()
                .filter(move |r| {
                    s(r, "mode") == mode
                        && s(r, "target") == t
                        && s(r, key) == value
                        && !s(r, "round").is_empty()
                })
                .filter_map(|r| Some((s(r, "round"), f(r, metric)?)))
                .collect::<Vec<_>>()
        };
        let bs = of(b);
        let mut ratios: Vec<f64> = of(a)
            .into_iter()
            .filter_map(|(round, x)| {
                let (_, y) = bs.iter().find(|(r, _)| *r == round)?;
                (*y > 0.0).then(|| x / y)
            })
            .collect();
        if ratios.is_empty() {
            return None;
        }
        ratios.sort_by(|x, y| x.partial_cmp(y).unwrap_or(Ordering::Equal));
        Some(Paired {
            median: ratios[(ratios.len() - 1) / 2],
            lo: ratios[0],
            hi: ratios[ratios.len() - 1],
            rounds: ratios.len(),
        })
    }

    /// The `q` quantile (µs) of the latency of `target` over `proto`, read from every
    /// round's histogram pooled (`latency_buckets`), and how many rounds were pooled; `None`
    /// when no record has a histogram. A round's p99 is set by the one or two stalls of the
    /// host that fall in its slices; pooled, every stall counts once, for whichever server
    /// it hit.
    fn pooled_latency(&self, target: &str, proto: &str, q: f64) -> Option<(f64, usize)> {
        let mut buckets: Vec<(f64, u64)> = Vec::new();
        let mut rounds = 0;
        for r in self.1.iter().filter(|r| {
            s(r, "mode") == "latency" && s(r, "target") == target && s(r, "proto") == proto
        }) {
            let Some(list) = r.get("latency_buckets").and_then(Value::as_array) else {
                continue;
            };
            rounds += 1;
            buckets.extend(
                list.iter()
                    .filter_map(|pair| Some((pair.get(0)?.as_f64()?, pair.get(1)?.as_u64()?))),
            );
        }
        buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
        let total: u64 = buckets.iter().map(|b| b.1).sum();
        let want = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        buckets.into_iter().find_map(|(us, n)| {
            seen += n;
            (seen >= want).then_some((us, rounds))
        })
    }

    fn of(&self, mode: &str) -> Vec<&Value> {
        let mut v: Vec<&Value> = self.0.iter().filter(|r| s(r, "mode") == mode).collect();
        v.sort_by_key(|r| (rank(s(r, "target")), s(r, "proto") != "plain"));
        v
    }

    fn find(&self, mode: &str, target: &str, key: &str, value: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|r| s(r, "mode") == mode && s(r, "target") == target && s(r, key) == value)
    }
}

fn parse(text: &str) -> Result<Records> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(serde_json::from_str(line).with_context(|| format!("line {}", i + 1))?);
    }
    Ok(Records(median_rounds(out.clone()), out))
}

/// The measure that ranks repeated runs of one measurement.
fn metric(v: &Value) -> Option<f64> {
    match s(v, "mode") {
        "wrk" => f(v, &["requests_per_cpu_s"]),
        "latency" => f(v, &["latency_us", "p99"]),
        "handshake" => f(v, &["handshakes_per_cpu_s"]),
        _ => None,
    }
}

/// With several rounds, one measurement (mode, target, proto, group) has several records:
/// keep the median one by its ranking measure (the lower middle for an even count), whole,
/// so that its columns stay consistent, with `rounds` set to the count. Records without a
/// ranking measure (memory) keep the last one.
fn median_rounds(all: Vec<Value>) -> Vec<Value> {
    let key = |v: &Value| {
        [s(v, "mode"), s(v, "target"), s(v, "proto"), s(v, "group")].map(str::to_string)
    };
    let mut groups: Vec<([String; 4], Vec<Value>)> = Vec::new();
    for v in all {
        let k = key(&v);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, list)) => list.push(v),
            None => groups.push((k, vec![v])),
        }
    }
    groups
        .into_iter()
        .filter_map(|(_, mut list)| {
            let n = list.len();
            let mut range = None;
            let mut chosen = if list.iter().all(|v| metric(v).is_some()) {
                list.sort_by(|a, b| metric(a).partial_cmp(&metric(b)).unwrap_or(Ordering::Equal));
                range = list
                    .first()
                    .and_then(metric)
                    .zip(list.last().and_then(metric));
                list.swap_remove((n - 1) / 2)
            } else {
                list.pop()?
            };
            if let Some(o) = chosen.as_object_mut() {
                o.insert("rounds".into(), n.into());
                if let Some((lo, hi)) = range.filter(|_| n > 1) {
                    o.insert("range".into(), serde_json::json!([lo, hi]));
                }
            }
            Some(chosen)
        })
        .collect()
}

/// "min–max" of the ranking measure over the rounds, or "–" for a single round.
fn spread(v: &Value) -> String {
    let lo = v
        .get("range")
        .and_then(|r| r.get(0))
        .and_then(Value::as_f64);
    let hi = v
        .get("range")
        .and_then(|r| r.get(1))
        .and_then(Value::as_f64);
    match (lo, hi) {
        (Some(lo), Some(hi)) => format!("{}–{}", num(Some(lo)), num(Some(hi))),
        _ => "–".into(),
    }
}

fn rounds_note(rows: &[&Value]) -> String {
    let n = rows.iter().map(|r| u(r, "rounds")).max().unwrap_or(1);
    if n > 1 {
        format!(" Each row is the median of {n} rounds.")
    } else {
        String::new()
    }
}

pub fn render(input: &Path) -> Result<String> {
    let text = fs::read_to_string(input).with_context(|| format!("reading {}", input.display()))?;
    Ok(render_records(&parse(&text)?))
}

fn render_records(r: &Records) -> String {
    let mut o = String::new();
    throughput(r, &mut o);
    access(r, &mut o);
    latency(r, &mut o);
    handshakes(r, &mut o);
    memory(r, &mut o);
    targets(r, &mut o);
    o
}

fn throughput(r: &Records, o: &mut String) {
    let rows = r.of("wrk");
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## Throughput: closed loop, HTTP/1.1 keep-alive (wrk)\n\n\
         Requests per proxy CPU-second is the comparison: the load generator and the upstream \
         share one CPU, so requests/s may be capped by them rather than by the proxy. For \
         `upstream (direct)` the CPU-seconds are the upstream's. `nginx` and `haproxy` are \
         configured to do what Parapet does on every request (set `X-Forwarded-For`, \
         `X-Real-IP`, `X-Forwarded-Proto`, `X-Forwarded-Host`, `Forwarded` and `X-Request-Id` \
         toward the upstream, and return the request id); the ratios are to them. \
         `nginx-bare` and `haproxy-bare` are the same processes proxying with nothing added, \
         shown for reference. Higher is better. *User µs/req* is \
         the proxy's own code per request (its utime), without the kernel's loopback work that \
         every proxy pays alike; the kernel samples it per clock tick, so read it as an \
         estimate.{}\n\n\
         | target | proto | req/s | proxy CPU-s | req per CPU-s | vs nginx | vs haproxy | user µs/req | errors | req per CPU-s over rounds |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        rounds_note(&rows),
    );
    for x in rows {
        let (t, p) = (s(x, "target"), s(x, "proto"));
        let per = f(x, &["requests_per_cpu_s"]);
        let base = |b: &str| {
            r.find("wrk", b, "proto", p)
                .and_then(|y| f(y, &["requests_per_cpu_s"]))
        };
        let (vn, vh) = if t == "direct" {
            ("".into(), "".into())
        } else {
            (ratio(per, base("nginx")), ratio(per, base("haproxy")))
        };
        let _ = writeln!(
            o,
            "| {} | {p} | {} | {} | {} | {vn} | {vh} | {} | {} | {} |",
            name(t),
            num(f(x, &["requests_per_s"])),
            num(f(x, &["server_cpu_s"])),
            num(per),
            num(f(x, &["user_us_per_request"])),
            u(x, "socket_errors") + u(x, "non_2xx_3xx"),
            spread(x),
        );
    }
    o.push('\n');
}

/// Parapet with access control against plain Parapet and nginx, and what the policy check
/// costs per request: the difference of CPU time per request between the two Parapets.
fn access(r: &Records, o: &mut String) {
    let per = |t: &str, p: &str| {
        r.find("wrk", t, "proto", p)
            .and_then(|y| f(y, &["requests_per_cpu_s"]))
    };
    if ["plain", "tls"]
        .iter()
        .all(|p| per("parapet-access", p).is_none())
    {
        return;
    }
    let _ = writeln!(
        o,
        "## Access: a policy of several rules, a signed-in session\n\n\
         `parapet-access` is Parapet with one access application covering every request: a \
         bypass, a service-auth, a block and an allow policy (include by email domain or \
         address, require an address range and the provider, exclude a group), and wrk sending \
         a valid session cookie, so every request is opened, checked, granted and forwarded \
         with a signed identity header. *Check cost* is the extra proxy CPU time per request \
         against plain Parapet (1/rate difference), in nanoseconds.\n\n\
         | proto | access req per CPU-s | Parapet plain | nginx | vs Parapet plain (target >= 0.90x) | vs nginx (target > 1.00x) | check cost ns/req |\n\
         |---|--:|--:|--:|--:|--:|--:|"
    );
    for p in ["plain", "tls"] {
        let (a, pl, n) = (per("parapet-access", p), per("parapet", p), per("nginx", p));
        let cost = a
            .zip(pl)
            .filter(|(a, pl)| *a > 0.0 && *pl > 0.0)
            .map(|(a, pl)| 1e9 / a - 1e9 / pl);
        let _ = writeln!(
            o,
            "| {p} | {} | {} | {} | {} | {} | {} |",
            num(a),
            num(pl),
            num(n),
            ratio(a, pl),
            ratio(a, n),
            cost.map_or("–".into(), |c| format!("{c:.0}")),
        );
    }
    o.push('\n');
}

fn latency(r: &Records, o: &mut String) {
    let rows = r.of("latency");
    let Some(first) = rows.first() else { return };
    let _ = writeln!(
        o,
        "## Latency at a fixed offered load: {} req/s, open loop\n\n\
         Measured from each request's intended send time (no coordinated omission), over {} \
         keep-alive connections; microseconds. Lower is better; the ratios are of p99.{} \
         *Stolen* is CPU time the hypervisor took from this machine during the run (ms, all \
         CPUs): a run that caught a burst of it has its tail set by the host, not the server.{}\n\n\
         | target | proto | achieved req/s | p50 | p90 | p99 | max | p99 vs nginx | p99 vs haproxy | req per CPU-s | errors | stolen ms | p99 over rounds |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        u(first, "rate"),
        u(first, "connections"),
        match first.get("interleaved").and_then(Value::as_u64) {
            Some(n) => format!(
                " In each round the {n} servers of a protocol were loaded in turn, {} ms at a \
                 time, so that a stall of the host falls on all of them alike.",
                f(first, &["slice_ms"]).unwrap_or_default()
            ),
            None => String::new(),
        },
        rounds_note(&rows),
    );
    for x in rows {
        let (t, p) = (s(x, "target"), s(x, "proto"));
        let p99 = f(x, &["latency_us", "p99"]);
        let base = |b: &str| {
            r.find("latency", b, "proto", p)
                .and_then(|y| f(y, &["latency_us", "p99"]))
        };
        let (vn, vh) = if t == "direct" {
            ("".into(), "".into())
        } else {
            (ratio(p99, base("nginx")), ratio(p99, base("haproxy")))
        };
        let _ = writeln!(
            o,
            "| {} | {p} | {} | {} | {} | {} | {} | {vn} | {vh} | {} | {} | {} | {} |",
            name(t),
            num(f(x, &["achieved_rps"])),
            num(f(x, &["latency_us", "p50"])),
            num(f(x, &["latency_us", "p90"])),
            num(p99),
            num(f(x, &["latency_us", "max"])),
            num(f(x, &["requests_per_cpu_s"])),
            u(x, "errors") + u(x, "non_2xx") + u(x, "unfinished"),
            num(f(x, &["machine_steal_ms"])),
            spread(x),
        );
    }
    o.push('\n');
}

fn handshakes(r: &Records, o: &mut String) {
    let rows = r.of("handshake");
    let unsupported = r.of("handshake-unsupported");
    if rows.is_empty() && unsupported.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## TLS 1.3 full handshakes (no resumption, ECDSA P-256 certificate)\n\n\
         The client offers exactly one key-exchange group and checks that it was negotiated. \
         The client also pays for each handshake on the load CPU, so handshakes per server \
         CPU-second is the comparison. Ratios are to nginx and haproxy with X25519. Higher is \
         better.{}\n\n\
         | target | group | handshakes/s | server CPU-s | per CPU-s | vs nginx X25519 | vs haproxy X25519 | p50 ms | errors | per CPU-s over rounds |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        rounds_note(&rows),
    );
    let base = |b: &str| {
        r.find("handshake", b, "group", "X25519")
            .and_then(|y| f(y, &["handshakes_per_cpu_s"]))
    };
    for x in rows {
        let per = f(x, &["handshakes_per_cpu_s"]);
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s(x, "target"),
            s(x, "group"),
            num(f(x, &["handshakes_per_s"])),
            num(f(x, &["server_cpu_s"])),
            num(per),
            ratio(per, base("nginx")),
            ratio(per, base("haproxy")),
            num(f(x, &["latency_us", "p50"]).map(|us| us / 1000.0)),
            u(x, "errors"),
            spread(x),
        );
    }
    for x in unsupported {
        let _ = writeln!(
            o,
            "| {} | {} | not offered by its OpenSSL | | | | | | | |",
            s(x, "target"),
            s(x, "group"),
        );
    }
    o.push('\n');
}

fn memory(r: &Records, o: &mut String) {
    let rows = r.of("proc");
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## Peak memory (VmHWM after all runs)\n\n\
         Summed over the target's processes (nginx: master and worker, which share pages, so \
         its sum overstates it). Lower is better.\n\n\
         | target | processes | threads | VmHWM MiB | vs nginx | vs haproxy |\n\
         |---|--:|--:|--:|--:|--:|"
    );
    let base = |b: &str| {
        r.find("proc", b, "mode", "proc")
            .and_then(|y| f(y, &["vmhwm_kb"]))
    };
    for x in rows {
        let t = s(x, "target");
        let kb = f(x, &["vmhwm_kb"]);
        let (vn, vh) = if t == "direct" {
            ("".into(), "".into())
        } else {
            (ratio(kb, base("nginx")), ratio(kb, base("haproxy")))
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {vn} | {vh} |",
            name(t),
            u(x, "processes"),
            u(x, "threads"),
            num(kb.map(|k| k / 1024.0)),
        );
    }
    o.push('\n');
}

fn verdict(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "**met**",
        Some(false) => "**not met**",
        None => "not measured",
    }
}

/// A ratio target's figure and verdict: with three or more paired rounds, the median of the
/// per-round ratios decides (the ratio of the medians is shown beside it); otherwise the
/// ratio of the medians does.
fn judged(of_medians: Option<f64>, paired: Option<Paired>, ok: impl Fn(f64) -> bool) -> String {
    match paired.filter(|p| p.rounds >= 3) {
        Some(p) => format!(
            "{:.2}x, the median of {} paired rounds ({:.2}–{:.2}x; ratio of the medians {}) ({})",
            p.median,
            p.rounds,
            p.lo,
            p.hi,
            of_medians.map_or("–".into(), |x| format!("{x:.2}x")),
            verdict(Some(ok(p.median))),
        ),
        None => format!(
            "{} ({})",
            of_medians.map_or("–".into(), |x| format!("{x:.2}x")),
            verdict(of_medians.map(ok)),
        ),
    }
}

/// The pooled p99 verdict: met at or below nginx's; above it, met only within the measure's
/// noise, which is how far the control (a second nginx, configured the same) lies from the
/// first in the same run, in either direction.
fn pooled_verdict(ratio: f64, noise: Option<f64>) -> String {
    let spread = noise.filter(|x| *x > 0.0).map(|x| x.max(1.0 / x));
    match spread {
        _ if ratio <= 1.0 => match noise {
            Some(x) => format!("**met**; the control, a second nginx, {x:.2}x the first"),
            None => "**met**".into(),
        },
        Some(s) if ratio <= s => format!(
            "**met within the measure's noise**: the control, a second nginx configured the \
             same, is {:.2}x the first",
            noise.unwrap_or(s)
        ),
        Some(_) => format!(
            "**not met**; the control, a second nginx, {:.2}x the first",
            noise.unwrap_or(1.0)
        ),
        None => "**not met**".into(),
    }
}

fn targets(r: &Records, o: &mut String) {
    let _ = writeln!(o, "## Targets\n");
    let rps = ["requests_per_cpu_s"];
    let wrk = |t: &str| r.find("wrk", t, "proto", "plain").and_then(|y| f(y, &rps));
    let div =
        |a: Option<f64>, b: Option<f64>| a.zip(b).filter(|(_, b)| *b > 0.0).map(|(a, b)| a / b);
    // Plain keep-alive requests per CPU-second of `a` over `b`, judged by `ok`.
    let plain = |a: &str, b: &str, ok: fn(f64) -> bool| {
        judged(
            div(wrk(a), wrk(b)),
            r.paired("wrk", ("proto", "plain"), (a, b), &rps),
            ok,
        )
    };
    let _ = writeln!(
        o,
        "- Plain keep-alive requests per proxy CPU-second >= 1.0x haproxy (aim 1.2x): {}.",
        plain("parapet", "haproxy", |x| x >= 1.0),
    );
    let bare = wrk("nginx-bare").is_some() || wrk("haproxy-bare").is_some();
    if bare {
        let _ = writeln!(
            o,
            "- For reference, the same against the bare peers (no forwarding headers, no request id): \
             Parapet plain / haproxy-bare {}; Parapet plain / nginx-bare {}.",
            plain("parapet", "haproxy-bare", |x| x >= 1.0),
            plain("parapet", "nginx-bare", |x| x >= 1.0),
        );
    }
    if wrk("parapet-access").is_some() {
        let _ = writeln!(
            o,
            "- Access (policy of several rules, valid session), plain: >= 0.9x Parapet plain: {}; ahead of nginx plain: {}.",
            plain("parapet-access", "parapet", |x| x >= 0.9),
            plain("parapet-access", "nginx", |x| x > 1.0),
        );
        if bare {
            let _ = writeln!(
                o,
                "- For reference, access against bare nginx plain: {}.",
                plain("parapet-access", "nginx-bare", |x| x > 1.0),
            );
        }
    }
    for proto in ["plain", "tls"] {
        let p99 = |t: &str| {
            r.find("latency", t, "proto", proto)
                .and_then(|y| f(y, &["latency_us", "p99"]))
        };
        let (p, n) = (p99("parapet"), p99("nginx"));
        let by_round = judged(
            div(p, n),
            r.paired(
                "latency",
                ("proto", proto),
                ("parapet", "nginx"),
                &["latency_us", "p99"],
            ),
            |x| x <= 1.0,
        );
        let pooled = r
            .pooled_latency("parapet", proto, 0.99)
            .zip(r.pooled_latency("nginx", proto, 0.99))
            .filter(|((_, a), (_, b))| *a >= 3 && *b >= 3);
        // The control: how far a second nginx, configured the same, lies from the first.
        let noise = r
            .pooled_latency("nginx-twin", proto, 0.99)
            .zip(r.pooled_latency("nginx", proto, 0.99))
            .filter(|((_, a), (_, b))| *a >= 3 && *b >= 3)
            .map(|((t, _), (n, _))| t / n);
        let _ = match pooled {
            // Three rounds or more: the p99 of every request of every round decides.
            Some(((pp, rounds), (np, _))) => writeln!(
                o,
                "- p99 at the fixed rate, {proto}, no worse than nginx: over all {rounds} rounds \
                 pooled, Parapet {} µs, nginx {} µs; Parapet / nginx {:.2}x ({}). By round: \
                 Parapet {} µs, nginx {} µs (medians); {by_round}.",
                num(Some(pp)),
                num(Some(np)),
                pp / np,
                pooled_verdict(pp / np, noise),
                num(p),
                num(n),
            ),
            None => writeln!(
                o,
                "- p99 at the fixed rate, {proto}, no worse than nginx: Parapet {} µs, nginx {} µs; Parapet / nginx {by_round}.",
                num(p),
                num(n),
            ),
        };
    }
    let hs =
        |t: &str, g: &str, k: &str| r.find("handshake", t, "group", g).and_then(|y| f(y, &[k]));
    let (p, n) = (
        hs("parapet", "X25519MLKEM768", "handshakes_per_cpu_s"),
        hs("nginx", "X25519", "handshakes_per_cpu_s"),
    );
    let (ps, ns) = (
        hs("parapet", "X25519MLKEM768", "handshakes_per_s"),
        hs("nginx", "X25519", "handshakes_per_s"),
    );
    let _ = writeln!(
        o,
        "- Handshakes, Parapet with X25519MLKEM768 no worse than nginx with X25519: \
         {} vs {} per server CPU-second, {} ({}); {} vs {} per second.",
        num(p),
        num(n),
        ratio(p, n),
        verdict(p.zip(n).map(|(p, n)| p >= n)),
        num(ps),
        num(ns),
    );
    if !r.of("handshake-unsupported").is_empty() {
        let _ = writeln!(
            o,
            "- nginx and haproxy here link Debian's OpenSSL 3.0, which has no ML-KEM: a client \
             offering only X25519MLKEM768 fails to handshake with them, so they are compared \
             with X25519."
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = r#"
{"mode":"wrk","target":"direct","proto":"plain","requests_per_s":50000.0,"requests_per_cpu_s":90000.0,"server_cpu_s":5.5}
{"mode":"wrk","target":"haproxy","proto":"plain","requests_per_s":30000.0,"requests_per_cpu_s":40000.0,"server_cpu_s":7.5}
{"mode":"wrk","target":"nginx","proto":"plain","requests_per_s":25000.0,"requests_per_cpu_s":25000.0,"server_cpu_s":10.0}
{"mode":"wrk","target":"parapet","proto":"plain","requests_per_s":30000.0,"requests_per_cpu_s":48000.0,"server_cpu_s":6.25,"user_us_per_request":4.2}
{"mode":"latency","target":"nginx","proto":"plain","rate":5000,"connections":32,"latency_us":{"p50":100.0,"p90":150.0,"p99":400.0,"max":900.0}}
{"mode":"latency","target":"parapet","proto":"plain","rate":5000,"connections":32,"latency_us":{"p50":90.0,"p90":120.0,"p99":500.0,"max":800.0},"machine_steal_ms":30}
{"mode":"handshake","target":"nginx","group":"X25519","handshakes_per_s":2000.0,"handshakes_per_cpu_s":4000.0}
{"mode":"handshake","target":"parapet","group":"X25519MLKEM768","handshakes_per_s":1800.0,"handshakes_per_cpu_s":4400.0}
{"mode":"handshake-unsupported","target":"nginx","group":"X25519MLKEM768","handshakes":0}
{"mode":"proc","target":"nginx","vmhwm_kb":10240,"processes":2}
{"mode":"proc","target":"parapet","vmhwm_kb":20480,"processes":1,"threads":3}
"#;

    fn rendered() -> String {
        render_records(&parse(RUN).expect("valid JSON lines"))
    }

    #[test]
    fn ratios_are_per_cpu_second() {
        let md = rendered();
        // parapet 48000 / nginx 25000 and / haproxy 40000.
        assert!(
            md.contains(
                "| parapet | plain | 30000 | 6.25 | 48000 | 1.92x | 1.20x | 4.20 | 0 | – |"
            ),
            "{md}"
        );
        assert!(md.contains("1.20x (**met**)"), "{md}");
    }

    /// With histograms from three rounds or more, the p99 of all rounds pooled decides: a
    /// stall that sets one server's p99 in one round weighs once, not as that round's p99.
    #[test]
    fn pooled_rounds_decide_the_p99() {
        // 1 000 requests a round: nginx 990 at 100 µs and 10 at 5 000 µs in round 1 only,
        // 995 + 5 at 300 µs otherwise; Parapet 990 at 120 µs and 10 at 200 µs each round.
        let mut run = String::new();
        for round in 1..=3 {
            let nginx = if round == 1 {
                r#"[[100.0,990],[5000.0,10]]"#
            } else {
                r#"[[100.0,995],[300.0,5]]"#
            };
            let (np99, pp99) = (if round == 1 { 5000.0 } else { 300.0 }, 200.0);
            run.push_str(&format!(
                "{{\"mode\":\"latency\",\"target\":\"nginx\",\"proto\":\"plain\",\"round\":\"{round}\",\"rate\":5000,\"connections\":32,\"latency_us\":{{\"p50\":100.0,\"p99\":{np99}}},\"latency_buckets\":{nginx}}}\n\
                 {{\"mode\":\"latency\",\"target\":\"parapet\",\"proto\":\"plain\",\"round\":\"{round}\",\"rate\":5000,\"connections\":32,\"latency_us\":{{\"p50\":120.0,\"p99\":{pp99}}},\"latency_buckets\":[[120.0,990],[200.0,10]]}}\n"
            ));
        }
        let r = parse(&run).unwrap();
        // Pooled, the p99 is the 2 970th of 3 000 requests: nginx has 2 980 at 100 µs,
        // Parapet 2 970 at 120 µs. By round, nginx's median p99 is 300 µs.
        assert_eq!(r.pooled_latency("nginx", "plain", 0.99), Some((100.0, 3)));
        assert_eq!(r.pooled_latency("parapet", "plain", 0.99), Some((120.0, 3)));
        assert_eq!(r.pooled_latency("nginx", "plain", 0.999), Some((5000.0, 3)));
        assert_eq!(r.pooled_latency("nginx", "tls", 0.99), None);
        let md = render_records(&r);
        assert!(
            md.contains("over all 3 rounds pooled, Parapet 120 µs, nginx 100 µs; Parapet / nginx 1.20x (**not met**)"),
            "{md}"
        );
    }

    /// A second nginx, configured the same, says how far two equal servers lie apart; a
    /// ratio above 1 within that spread is met as noise, one beyond it is not.
    #[test]
    fn the_nginx_twin_sets_the_noise() {
        assert_eq!(pooled_verdict(0.97, None), "**met**");
        assert_eq!(pooled_verdict(1.01, None), "**not met**");
        assert!(pooled_verdict(1.04, Some(0.95)).starts_with("**met within the measure's noise**"));
        assert!(pooled_verdict(1.04, Some(1.05)).starts_with("**met within"));
        assert!(pooled_verdict(1.10, Some(0.95))
            .starts_with("**not met**; the control, a second nginx, 0.95x"));
        let mut run = String::new();
        for round in 1..=3 {
            for (t, us) in [("nginx", 500.0), ("nginx-twin", 480.0), ("parapet", 510.0)] {
                run.push_str(&format!(
                    "{{\"mode\":\"latency\",\"target\":\"{t}\",\"proto\":\"tls\",\"round\":\"{round}\",\"rate\":5000,\"connections\":32,\"latency_us\":{{\"p50\":100.0,\"p99\":{us}}},\"latency_buckets\":[[100.0,980],[{us},20]]}}\n"
                ));
            }
        }
        let md = render_records(&parse(&run).unwrap());
        assert!(
            md.contains("Parapet / nginx 1.02x (**met within the measure's noise**: the control, a second nginx configured the same, is 0.96x the first)"),
            "{md}"
        );
        // The twin has its own row in the latency table, after nginx.
        let (n, t) = (
            md.find("| nginx | tls |").unwrap(),
            md.find("| nginx-twin | tls |").unwrap(),
        );
        assert!(n < t, "{md}");
    }

    #[test]
    fn access_is_compared_with_plain_parapet_and_nginx() {
        let with = format!(
            "{RUN}{}",
            r#"{"mode":"wrk","target":"parapet-access","proto":"plain","requests_per_s":29000.0,"requests_per_cpu_s":40000.0,"server_cpu_s":7.0}"#
        );
        let md = render_records(&parse(&with).unwrap());
        // 40000 / 48000 = 0.83x; / nginx 25000 = 1.60x; 1e9/40000 - 1e9/48000 = 4167 ns.
        assert!(
            md.contains("| plain | 40000 | 48000 | 25000 | 0.83x | 1.60x | 4167 |"),
            "{md}"
        );
        assert!(
            md.contains(
                "Parapet plain: 0.83x (**not met**); ahead of nginx plain: 1.60x (**met**)"
            ),
            "{md}"
        );
        assert!(md.contains("\n| proto | access req per CPU-s |"), "{md}");
        // Without the access target there is no access section.
        assert!(!rendered().contains("## Access"));
    }

    #[test]
    fn direct_comes_first_and_has_no_ratio() {
        let md = rendered();
        let direct = md
            .find("| upstream (direct) | plain | 50000")
            .expect("direct row");
        let nginx = md.find("| nginx | plain | 25000").expect("nginx row");
        assert!(direct < nginx);
    }

    #[test]
    fn latency_rows_show_the_stolen_time() {
        let md = rendered();
        // p99 500 / nginx 400; 30 ms stolen; the nginx run did not say.
        assert!(
            md.contains("| 500 | 800 | 1.25x | – | – | 0 | 30.0 |"),
            "{md}"
        );
        assert!(md.contains("| 400 | 900 | 1.00x | – | – | 0 | – |"), "{md}");
    }

    #[test]
    fn interleaved_latency_runs_say_so() {
        assert!(!rendered().contains("loaded in turn"));
        let run = RUN.replace(
            r#""mode":"latency","#,
            r#""mode":"latency","interleaved":3,"slice_ms":250.0,"#,
        );
        let md = render_records(&parse(&run).expect("valid JSON lines"));
        assert!(
            md.contains("the 3 servers of a protocol were loaded in turn, 250 ms at a time"),
            "{md}"
        );
    }

    #[test]
    fn latency_and_handshake_verdicts() {
        let md = rendered();
        assert!(
            md.contains("Parapet 500 µs, nginx 400 µs; Parapet / nginx 1.25x (**not met**)"),
            "{md}"
        );
        assert!(
            md.contains("tls, no worse than nginx: Parapet – µs, nginx – µs; Parapet / nginx – (not measured)"),
            "{md}"
        );
        assert!(
            md.contains("4400 vs 4000 per server CPU-second, 1.10x (**met**)"),
            "{md}"
        );
        assert!(
            md.contains("| nginx | X25519MLKEM768 | not offered by its OpenSSL"),
            "{md}"
        );
        assert!(
            md.contains("| parapet | 1 | 3 | 20.0 | 2.00x | – |"),
            "{md}"
        );
    }

    #[test]
    fn rounds_keep_the_median_record() {
        let three = r#"
{"mode":"wrk","target":"nginx","proto":"plain","requests_per_s":1.0,"requests_per_cpu_s":300.0}
{"mode":"wrk","target":"nginx","proto":"plain","requests_per_s":2.0,"requests_per_cpu_s":100.0}
{"mode":"wrk","target":"nginx","proto":"plain","requests_per_s":3.0,"requests_per_cpu_s":200.0}
{"mode":"wrk","target":"nginx","proto":"tls","requests_per_s":9.0,"requests_per_cpu_s":900.0}
"#;
        let r = parse(three).expect("valid JSON lines");
        assert_eq!(r.0.len(), 2);
        let plain = r.find("wrk", "nginx", "proto", "plain").expect("plain row");
        assert_eq!(f(plain, &["requests_per_s"]), Some(3.0));
        assert_eq!(u(plain, "rounds"), 3);
        let md = render_records(&r);
        assert!(md.contains("median of 3 rounds"), "{md}");
        assert!(md.contains("| 200 | 1.00x | – | – | 0 | 100–300 |"), "{md}");
    }

    #[test]
    fn targets_pair_the_targets_round_by_round() {
        // haproxy drifts: its median (200) against Parapet's (190) reads 0.95x, but in
        // every round Parapet did better than haproxy in the same round.
        let rounds = r#"
{"mode":"wrk","target":"haproxy","proto":"plain","round":"1","requests_per_cpu_s":100.0}
{"mode":"wrk","target":"parapet","proto":"plain","round":"1","requests_per_cpu_s":110.0}
{"mode":"wrk","target":"haproxy","proto":"plain","round":"2","requests_per_cpu_s":200.0}
{"mode":"wrk","target":"parapet","proto":"plain","round":"2","requests_per_cpu_s":190.0}
{"mode":"wrk","target":"haproxy","proto":"plain","round":"3","requests_per_cpu_s":300.0}
{"mode":"wrk","target":"parapet","proto":"plain","round":"3","requests_per_cpu_s":330.0}
{"mode":"wrk","target":"parapet","proto":"plain","round":"4","requests_per_cpu_s":190.0}
"#;
        let md = render_records(&parse(rounds).unwrap());
        // Rounds 1..3 pair up (1.10, 0.95, 1.10); round 4 has no haproxy and is left out.
        assert!(
            md.contains(
                "1.0x haproxy (aim 1.2x): 1.10x, the median of 3 paired rounds (0.95–1.10x; \
                 ratio of the medians 0.95x) (**met**)"
            ),
            "{md}"
        );
        // Without round tags the ratio of the medians decides.
        assert!(
            rendered().contains("(aim 1.2x): 1.20x (**met**)"),
            "{}",
            rendered()
        );
    }

    #[test]
    fn bad_line_is_an_error_with_its_number() {
        let e = parse("{}\nnot json\n").err().expect("an error");
        assert!(format!("{e:#}").contains("line 2"));
    }
}
