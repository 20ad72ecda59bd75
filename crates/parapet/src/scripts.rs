//! `parapet scripts ...`: the offline script-analysis commands (fingerprint, diff,
//! classify). Reading files and printing is all that happens here; the analysis lives in
//! `parapet_scripts::analysis`.
//!
//! Exit status: 0 when every file was read (a file that does not parse is not an error: it is
//! reported with its raw hash), 1 when a file could not be read (the others are still
//! processed and printed) or the arguments are wrong.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use parapet_scripts::analysis::analyse;
use parapet_scripts::analysis::classify::{classify, Context, Verdict};
use parapet_scripts::analysis::diff::ScriptDiff;
use parapet_scripts::analysis::fingerprint::Fingerprint;
use parapet_scripts::read_script;

#[derive(Subcommand)]
pub enum ScriptsCommand {
    /// Fingerprint scripts: normalised hash, unit hashes, family. JSON: one object a line.
    Fingerprint {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Compare two versions of a script by behaviour, not bytes.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Score scripts for skimming, cryptojacking, malvertising and obfuscation.
    /// JSON: one object a line.
    Classify {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The previous version: score only what each FILE adds to it.
        #[arg(long, value_name = "OLD")]
        baseline: Option<PathBuf>,
        /// The site's host (like www.example.com), to tell first-party hosts and
        /// look-alikes of it.
        #[arg(long, value_name = "HOST")]
        site: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Runs one `scripts` command; `Ok(false)` when some file could not be read.
pub fn run(command: ScriptsCommand) -> anyhow::Result<bool> {
    let mut out = std::io::stdout().lock();
    match command {
        ScriptsCommand::Fingerprint { files, format } => {
            let mut all_read = true;
            for file in &files {
                let Some(source) = read_or_report(file, &mut all_read) else {
                    continue;
                };
                let fp = Fingerprint::of(&name(file), &analyse(&source));
                match format {
                    Format::Json => writeln!(out, "{}", serde_json::to_string(&fp)?)?,
                    Format::Text => write!(out, "{}", fingerprint_text(&fp))?,
                }
            }
            Ok(all_read)
        }
        ScriptsCommand::Diff { old, new, format } => {
            let old_src = read_script(&old)?;
            let new_src = read_script(&new)?;
            let d = ScriptDiff::between(
                &name(&old),
                &analyse(&old_src),
                &name(&new),
                &analyse(&new_src),
            );
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string(&d)?)?,
                Format::Text => write!(out, "{}", d.to_text())?,
            }
            Ok(true)
        }
        ScriptsCommand::Classify {
            files,
            baseline,
            site,
            format,
        } => {
            let baseline_src = match &baseline {
                Some(path) => Some(
                    read_script(path).with_context(|| format!("baseline {}", path.display()))?,
                ),
                None => None,
            };
            let baseline = baseline_src.as_deref().map(analyse);
            let ctx = Context {
                site: site.as_deref(),
            };
            let mut all_read = true;
            for file in &files {
                let Some(source) = read_or_report(file, &mut all_read) else {
                    continue;
                };
                let v = classify(&name(file), &analyse(&source), baseline.as_ref(), ctx);
                match format {
                    Format::Json => writeln!(out, "{}", serde_json::to_string(&v)?)?,
                    Format::Text => write!(out, "{}", verdict_text(&v))?,
                }
            }
            Ok(all_read)
        }
    }
}

fn read_or_report(file: &Path, all_read: &mut bool) -> Option<String> {
    match read_script(file) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("parapet: {:#}", anyhow::Error::from(e));
            *all_read = false;
            None
        }
    }
}

/// The file as given on the command line.
fn name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn fingerprint_text(fp: &Fingerprint) -> String {
    let family = fp.family.as_ref().map_or("-", |f| f.signature.as_str());
    match &fp.normalized_hash {
        Some(h) => format!(
            "{}: {h} family {family}, {} functions, {} statements, hosts [{}]\n",
            fp.file,
            fp.functions.len(),
            fp.statements.len(),
            fp.hosts.join(", ")
        ),
        None => format!(
            "{}: not parsed ({}), sha256 {} family {family}\n",
            fp.file,
            fp.error.as_deref().unwrap_or("unknown error"),
            fp.sha256
        ),
    }
}

fn verdict_text(v: &Verdict) -> String {
    let verdict = if v.malicious { "MALICIOUS" } else { "ok" };
    let mut s = format!("{}: {verdict} risk {:.3}", v.file, v.risk);
    if !v.categories.is_empty() {
        s.push_str(&format!(" [{}]", v.categories.join(", ")));
    }
    s.push('\n');
    for r in &v.reasons {
        s.push_str(&format!("  - {r}\n"));
    }
    s
}
