//! Runs `wrk` (closed loop, maximum throughput over keep-alive) and turns its text output
//! into JSON, with the server's CPU time over the run.

use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::procstat::Meter;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The wrk binary.
    #[arg(long, default_value = "wrk")]
    wrk: String,
    #[command(flatten)]
    common: crate::Common,
    /// Arguments passed to wrk as they are (after `--`).
    #[arg(last = true, required = true)]
    wrk_args: Vec<String>,
}

/// What we read from wrk's report.
#[derive(Debug, Default, PartialEq)]
struct Report {
    requests: u64,
    seconds: f64,
    requests_per_s: f64,
    socket_errors: u64,
    non_2xx_3xx: u64,
    /// `--latency`'s distribution: (percentile, milliseconds).
    percentiles: Vec<(f64, f64)>,
}

fn parse_seconds(s: &str) -> Option<f64> {
    // wrk prints the run time as "10.00s", "1.00m" or "500.00ms".
    if let Some(v) = s.strip_suffix("ms") {
        v.parse::<f64>().ok().map(|v| v / 1000.0)
    } else if let Some(v) = s.strip_suffix('s') {
        v.parse().ok()
    } else if let Some(v) = s.strip_suffix('m') {
        v.parse::<f64>().ok().map(|v| v * 60.0)
    } else {
        None
    }
}

/// A wrk latency: "850.00us", "1.23ms", "2.00s", in milliseconds.
fn parse_millis(s: &str) -> Option<f64> {
    if let Some(v) = s.strip_suffix("us") {
        v.parse::<f64>().ok().map(|v| v / 1000.0)
    } else if let Some(v) = s.strip_suffix("ms") {
        v.parse().ok()
    } else if let Some(v) = s.strip_suffix('s') {
        v.parse::<f64>().ok().map(|v| v * 1000.0)
    } else {
        None
    }
}

fn parse(out: &str) -> Result<Report> {
    let mut r = Report::default();
    let mut seen_total = false;
    let mut seen_rate = false;
    for line in out.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() >= 4 && words[1] == "requests" && words[2] == "in" {
            r.requests = words[0].parse().context("request count")?;
            r.seconds = parse_seconds(words[3].trim_end_matches(','))
                .with_context(|| format!("run time in {line:?}"))?;
            seen_total = true;
        } else if let Some(v) = line.strip_prefix("Requests/sec:") {
            r.requests_per_s = v.trim().parse().context("Requests/sec")?;
            seen_rate = true;
        } else if let Some(v) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            r.socket_errors = v
                .split(',')
                .filter_map(|kv| kv.split_whitespace().nth(1))
                .filter_map(|n| n.parse::<u64>().ok())
                .sum();
        } else if words.len() == 2 && words[0].ends_with('%') {
            // `--latency`: "99%    3.45ms"
            if let (Ok(p), Some(ms)) = (
                words[0].trim_end_matches('%').parse::<f64>(),
                parse_millis(words[1]),
            ) {
                r.percentiles.push((p, ms));
            }
        } else if let Some(v) = line.strip_prefix("Non-2xx or 3xx responses:") {
            r.non_2xx_3xx = v.trim().parse().context("Non-2xx count")?;
        }
    }
    if !seen_total || !seen_rate {
        bail!("wrk printed no result:\n{out}");
    }
    Ok(r)
}

pub fn run(args: Args) -> Result<Value> {
    let meter = args.common.pid.map(Meter::start).transpose()?;
    let out = Command::new(&args.wrk)
        .args(&args.wrk_args)
        .output()
        .with_context(|| format!("running {}", args.wrk))?;
    let mut server = meter.map(|m| m.finish(0, "unused")).transpose()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}{}",
            args.wrk,
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let r = parse(&stdout)?;
    let mut v = json!({
        "mode": "wrk",
        "args": args.wrk_args,
        "requests": r.requests,
        "seconds": r.seconds,
        "requests_per_s": r.requests_per_s,
        "socket_errors": r.socket_errors,
        "non_2xx_3xx": r.non_2xx_3xx,
    });
    for (p, ms) in &r.percentiles {
        crate::extend(&mut v, json!({ format!("p{p}_ms"): ms }));
    }
    if let Some(s) = server.as_mut().and_then(Value::as_object_mut) {
        s.remove("unused_per_cpu_s");
        s.remove("user_us_per_unused");
        let cpu = s.get("server_cpu_s").and_then(Value::as_f64).unwrap_or(0.0);
        let user = s.get("server_user_cpu_s").and_then(Value::as_f64);
        let user_us = match user {
            Some(u) if r.requests > 0 => json!(u * 1e6 / r.requests as f64),
            _ => Value::Null,
        };
        s.insert("user_us_per_request".into(), user_us);
        let per = if cpu > 0.0 {
            json!(r.requests as f64 / cpu)
        } else {
            Value::Null
        };
        s.insert("requests_per_cpu_s".into(), per);
    }
    if let Some(s) = server {
        crate::extend(&mut v, s);
    }
    crate::extend(&mut v, args.common.tags()?);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Running 10s test @ http://127.0.0.1:8080/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms  310.00us  12.00ms   90.00%
    Req/Sec    30.51k     1.20k   32.00k    80.00%
  303456 requests in 10.00s, 60.12MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  30345.60
Transfer/sec:      6.01MB
";

    #[test]
    fn parses_a_full_report() {
        let r = parse(SAMPLE).expect("valid report");
        assert_eq!(
            r,
            Report {
                requests: 303456,
                seconds: 10.0,
                requests_per_s: 30345.60,
                socket_errors: 6,
                non_2xx_3xx: 7,
                percentiles: Vec::new(),
            }
        );
    }

    #[test]
    fn parses_the_latency_distribution() {
        let with = SAMPLE.replace(
            "  303456 requests",
            "  Latency Distribution\n     50%  850.00us\n     99%    3.45ms\n  303456 requests",
        );
        let r = parse(&with).expect("valid report");
        assert_eq!(r.percentiles, [(50.0, 0.85), (99.0, 3.45)]);
    }

    #[test]
    fn clean_report_has_no_errors() {
        let clean: String = SAMPLE
            .lines()
            .filter(|l| !l.contains("errors") && !l.contains("Non-2xx"))
            .map(|l| format!("{l}\n"))
            .collect();
        let r = parse(&clean).expect("valid report");
        assert_eq!((r.socket_errors, r.non_2xx_3xx), (0, 0));
    }

    #[test]
    fn no_result_is_an_error() {
        assert!(parse("unable to connect to 127.0.0.1:1 Connection refused\n").is_err());
    }

    #[test]
    fn run_times() {
        assert_eq!(parse_seconds("10.00s"), Some(10.0));
        assert_eq!(parse_seconds("500.00ms"), Some(0.5));
        assert_eq!(parse_seconds("1.00m"), Some(60.0));
        assert_eq!(parse_seconds("x"), None);
    }
}
