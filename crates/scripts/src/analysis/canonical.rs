//! A compressed canonical form, for the diff's second opinion.
//!
//! When two versions of a script normalise differently, the diff asks once more: run oxc's
//! compressor on both, then normalise and compare again. Another build's minifier restructures
//! code (inlines single-use functions, merges loop guards, rewrites `null==x?void 0:x.y` as
//! `x?.y`) in ways the normaliser does not undo, and compressing both sides brings most of
//! those back together. It costs about as much as a whole analysis, so it is never part of
//! the fingerprint: only a changed script, a rare event, pays for it.
//!
//! The compressor is attack surface: whatever it drops cannot be seen in the canonical form,
//! so a hostile script that could make it drop injected code would be judged unchanged. It is
//! configured to drop as little as it can while still converging (see [`options`]), and the
//! diff does not trust it alone: a new version that names something more often than the old
//! one did is a change whatever the compressor says (`diff.rs`).
//!
//! Everything here fails closed: too big, too deep, unparsable, or a compressor that panics
//! all give `None`, which the diff reads as "changed".

use oxc_allocator::Allocator;
use oxc_codegen::{Codegen, CodegenOptions};
use oxc_minifier::{CompressOptions, CompressOptionsUnused, Compressor, TreeShakeOptions};
use oxc_parser::{ParseOptions, Parser};
use oxc_span::SourceType;

use super::{on_big_stack, prescan};

/// Largest script (each side) the diff compresses, in bytes. The second opinion costs about
/// 0.15 s per MB of both versions on the development machine (two compressions and two more
/// analyses), so this bounds it near a second; the npm corpus's largest build is 281 kB.
pub const MAX_CANONICAL_BYTES: usize = 2 * 1024 * 1024;

/// Most compressor passes. oxc iterates its peephole passes to a fixed point and
/// otherwise stops after about ten (asserting in debug builds); a bound of our own keeps a
/// hostile script from choosing.
const MAX_PASSES: u8 = 8;

/// The compressor's options: as conservative as oxc allows.
///
/// - Pure annotations (`/*#__PURE__*/`, `@__NO_SIDE_EFFECTS__`) are ignored: they are
///   comments, and a hostile script writes whatever comments it likes.
/// - Every property read may run a getter, every unknown global may be a getter or throw,
///   every property write may run a setter.
/// - `debugger` and `console` calls stay, labels stay.
///
/// Unused local declarations are still removed: a compressor that built the served version
/// removed them too, and a local nothing references runs nothing. oxc also assumes that
/// `valueOf`/`toString` are pure when it judges a comparison unused (`o == 1;` is dropped
/// even if `o.valueOf` sends the cookies), which no option turns off; that is why the diff also compares the names both versions touch.
pub fn options() -> CompressOptions {
    CompressOptions {
        drop_debugger: false,
        drop_console: false,
        unused: CompressOptionsUnused::Remove,
        treeshake: TreeShakeOptions {
            annotations: false,
            manual_pure_functions: Vec::new(),
            property_read_side_effects: oxc_minifier::PropertyReadSideEffects::All,
            property_write_side_effects: true,
            unknown_global_side_effects: true,
            invalid_import_side_effects: true,
        },
        max_iterations: Some(MAX_PASSES),
        // Local names are not something the normaliser keeps (it numbers symbols), and
        // keeping them stops single-use functions from being inlined: with names kept, 135
        // of the 179 oxc builds of the npm corpus converged; without, 179.
        keep_names: oxc_minifier::CompressOptionsKeepNames::all_false(),
        ..CompressOptions::safest()
    }
}

/// The script compressed by oxc and printed, or `None` when it cannot be (too big, too
/// deep, unparsable, or the compressor failed).
///
/// The compressor runs on a thread of its own with a large stack: it recurses like the
/// analysis does, so the same depth bound applies, and a panic in it ends that thread, not
/// the caller.
pub fn compressed(source: &str) -> Option<String> {
    if source.len() > MAX_CANONICAL_BYTES {
        return None;
    }
    prescan(source).ok()?;
    on_big_stack("script-canonical", || compress_here(source)).flatten()
}

fn compress_here(source: &str) -> Option<String> {
    let allocator = Allocator::default();
    let parse_options = ParseOptions {
        preserve_parens: false,
        ..ParseOptions::default()
    };
    // As the analysis does: a classic script first, then a module.
    let mut ret = Parser::new(&allocator, source, SourceType::script())
        .with_options(parse_options)
        .parse();
    if ret.panicked || ret.diagnostics.has_errors() {
        ret = Parser::new(&allocator, source, SourceType::mjs())
            .with_options(parse_options)
            .parse();
    }
    if ret.panicked || ret.diagnostics.has_errors() {
        return None;
    }
    let mut program = ret.program;
    Compressor::new(&allocator).build(&mut program, options());
    Some(
        Codegen::new()
            .with_options(CodegenOptions::minify())
            .build(&program)
            .code,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_cannot_be_compressed_is_none() {
        assert!(compressed("function (").is_none());
        assert!(compressed(&"[".repeat(super::super::MAX_NESTING + 1)).is_none());
        let big = format!("var x = 1;{}", " ".repeat(MAX_CANONICAL_BYTES));
        assert!(compressed(&big).is_none());
        assert!(compressed("var x = 1;").is_some());
    }
}
