//! CPU time and peak memory of a server's process tree, read from `/proc`.
//!
//! Requests per CPU-second is the fair throughput measure when the load generator, not the
//! proxy, may be the bottleneck: a proxy that needs fewer cycles per request wins even when
//! every proxy reaches the same requests per second. `utime + stime` of `/proc/PID/stat`
//! already sums every thread of the process; worker processes (nginx) are added by walking
//! the children.

use std::fs;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

/// USER_HZ when `getconf CLK_TCK` cannot be asked; it is 100 on every Linux we run on.
const DEFAULT_CLK_TCK: u64 = 100;

/// One reading of a process tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sample {
    /// utime + stime summed over the tree, in clock ticks.
    pub cpu_ticks: u64,
    /// utime alone: the process's own code, without the kernel's work for it.
    pub user_ticks: u64,
    /// VmHWM (peak resident set) summed over the tree, in KiB.
    pub vmhwm_kb: u64,
    /// How many processes the tree had.
    pub processes: usize,
    /// Threads summed over the tree.
    pub threads: u64,
}

/// Clock ticks per second, as `/proc/PID/stat` counts them.
pub fn clk_tck() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(DEFAULT_CLK_TCK)
}

/// Reads `pid` and all its descendants.
pub fn sample(pid: u32) -> Result<Sample> {
    let pids = tree(pid)?;
    let mut s = Sample::default();
    for p in &pids {
        // A child may exit between listing and reading; the root may not.
        let stat = match fs::read_to_string(format!("/proc/{p}/stat")) {
            Ok(stat) => stat,
            Err(_) if *p != pid => continue,
            Err(e) => return Err(e).with_context(|| format!("reading /proc/{p}/stat")),
        };
        let f = parse_stat(&stat).with_context(|| format!("parsing /proc/{p}/stat"))?;
        s.cpu_ticks += f.utime + f.stime;
        s.user_ticks += f.utime;
        s.threads += f.threads;
        if let Ok(status) = fs::read_to_string(format!("/proc/{p}/status")) {
            s.vmhwm_kb += parse_vmhwm(&status).unwrap_or(0);
        }
        s.processes += 1;
    }
    Ok(s)
}

/// The fields of `/proc/PID/stat` we use.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    ppid: u32,
    utime: u64,
    stime: u64,
    threads: u64,
}

/// Parses a stat line; the command name may hold spaces and parentheses, so fields are
/// counted after its last `)`.
fn parse_stat(line: &str) -> Result<Stat> {
    let rest = line
        .rfind(')')
        .map(|i| &line[i + 1..])
        .context("no ')' after the command name")?;
    // After ")": state(3) ppid(4) ... utime(14) stime(15) ... num_threads(20), so
    // index = field - 3.
    let f: Vec<&str> = rest.split_whitespace().collect();
    if f.len() < 18 {
        bail!("only {} fields after the command name", f.len());
    }
    Ok(Stat {
        ppid: f[1].parse().context("ppid")?,
        utime: f[11].parse().context("utime")?,
        stime: f[12].parse().context("stime")?,
        threads: f[17].parse().context("num_threads")?,
    })
}

fn parse_vmhwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// `pid` followed by every descendant (breadth first).
fn tree(pid: u32) -> Result<Vec<u32>> {
    if !fs::metadata(format!("/proc/{pid}")).is_ok_and(|m| m.is_dir()) {
        bail!("no process {pid}");
    }
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in fs::read_dir("/proc").context("listing /proc")?.flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) {
            if let Ok(s) = parse_stat(&stat) {
                parents.push((p, s.ppid));
            }
        }
    }
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    Ok(out)
}

/// A CPU-time meter over a window: `start`, run the load, `finish`.
pub struct Meter {
    pid: u32,
    before: Sample,
    steal_before: Option<u64>,
}

/// Time the hypervisor gave this virtual machine's CPUs to others (`steal` of the `cpu`
/// line of `/proc/stat`, all CPUs, in clock ticks). On a shared host it comes in bursts
/// that stall every process for milliseconds: the tail latency of a run that caught one
/// says more about the host than about the server.
pub fn machine_steal_ticks() -> Option<u64> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().find(|l| l.starts_with("cpu "))?;
    cpu.split_whitespace().nth(8)?.parse().ok()
}

impl Meter {
    pub fn start(pid: u32) -> Result<Meter> {
        Ok(Meter {
            pid,
            before: sample(pid)?,
            steal_before: machine_steal_ticks(),
        })
    }

    /// JSON fields `server_cpu_s`, `server_user_cpu_s`, `user_us_per_<unit>` (the server's
    /// own code per unit, in microseconds), `server_vmhwm_kb`, `server_processes`,
    /// `machine_steal_ms` (null where the kernel does not tell), and
    /// `<unit>_per_cpu_s` when `count` is given.
    pub fn finish(&self, count: u64, unit: &str) -> Result<Value> {
        let after = sample(self.pid)?;
        let ticks = after.cpu_ticks.saturating_sub(self.before.cpu_ticks);
        let cpu_s = ticks as f64 / clk_tck() as f64;
        let user_s =
            after.user_ticks.saturating_sub(self.before.user_ticks) as f64 / clk_tck() as f64;
        // The server's own code per unit, without the kernel's share (sampled per tick by the
        // kernel, so take it as an estimate; it is where servers differ most on loopback).
        let user_us = if count > 0 {
            json!(user_s * 1e6 / count as f64)
        } else {
            Value::Null
        };
        let per = if cpu_s > 0.0 {
            json!(count as f64 / cpu_s)
        } else {
            Value::Null
        };
        let steal_ms = self
            .steal_before
            .zip(machine_steal_ticks())
            .map(|(a, b)| b.saturating_sub(a) * 1000 / clk_tck());
        Ok(json!({
            "machine_steal_ms": steal_ms,
            "server_pid": self.pid,
            "server_cpu_s": cpu_s,
            "server_user_cpu_s": user_s,
            format!("user_us_per_{}", unit.trim_end_matches('s')): user_us,
            "server_vmhwm_kb": after.vmhwm_kb,
            "server_processes": after.processes,
            "server_threads": after.threads,
            format!("{unit}_per_cpu_s"): per,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_in_name() {
        let line = "4242 (nginx: worker (x) ) S 4241 4241 4241 0 -1 4194624 \
                    100 0 0 0 731 129 0 0 20 0 1 0 5000 10000 300 18446744073709551615";
        assert_eq!(
            parse_stat(line).expect("valid line"),
            Stat {
                ppid: 4241,
                utime: 731,
                stime: 129,
                threads: 1,
            }
        );
    }

    #[test]
    fn stat_truncated_is_an_error() {
        assert!(parse_stat("1 (init) S 0 1").is_err());
        assert!(parse_stat("garbage").is_err());
    }

    #[test]
    fn vmhwm() {
        let status = "Name:\tnginx\nVmPeak:\t  20000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(parse_vmhwm(status), Some(5120));
        assert_eq!(parse_vmhwm("Name: x\n"), None);
    }

    #[test]
    fn own_process_is_measurable() {
        let s = sample(std::process::id()).expect("our own /proc entry");
        assert!(s.processes >= 1);
        assert!(s.vmhwm_kb > 0);
    }
}
