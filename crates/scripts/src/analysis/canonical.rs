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

use oxc_allocator::{Allocator, TakeIn};
use oxc_ast::ast::{
    AssignmentOperator, BinaryExpression, BinaryOperator, Expression, ExpressionStatement,
    IfStatement, LogicalOperator, UnaryOperator,
};
use oxc_ast::builder::AstBuilder;
use oxc_ast_visit::{walk_mut, VisitMut};
use oxc_codegen::{Codegen, CodegenOptions};
use oxc_minifier::{CompressOptions, CompressOptionsUnused, Compressor, TreeShakeOptions};
use oxc_parser::{ParseOptions, Parser};
use oxc_span::SourceType;
use oxc_span::SPAN;

use super::normalize::is_literal_operand;
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
    Canon {
        builder: AstBuilder::new(&allocator),
    }
    .visit_program(&mut program);
    Some(
        Codegen::new()
            .with_options(CodegenOptions::minify())
            .build(&program)
            .code,
    )
}

/// Spellings that minifiers choose differently for the same test, brought to one, after
/// compression (each rule keeps what the code does):
///
/// - `x !== void 0` is `typeof x < "u"` (esbuild's "is defined", which oxc writes for
///   `typeof x !== "undefined"`), and `x === void 0` is `typeof x > "u"`. (They differ only
///   for a name never declared, which `typeof` tolerates: not a difference of behaviour a
///   change could hide anything in.)
/// - `x === null || typeof x > "u"` is `x == null`, and `x !== null && typeof x < "u"` is
///   `x != null`, as oxc writes them.
/// - An equality or comparison with a constant on the left has it on the right (`1/0 === x`
///   is `x === 1/0`, terser's `0 > r` is `r < 0`): a constant runs nothing, so the order of
///   evaluation is kept.
/// - A statement `a || b`, whose value nobody reads, is `!a && b`, with a negated equality
///   flipped (`x === -1 || f()` is `x !== -1 && f()`): compressors pick either.
/// - Where a value is thrown away (a statement; every element of a sequence but the last),
///   what only shapes the value goes: `!x` is `x`, an equality is `===` or `==` whichever
///   it was negated from, `typeof x < "u"` is `typeof x > "u"` (the same operands are
///   evaluated, in the same order, with the same coercions); the right side of `&&`, `||`
///   and `??`, and both branches of `?:`, are thrown away in turn. Then `x != null ||
///   (x = e)` and `x == null && (x = e)` are `x ??= e`, as oxc writes it and esbuild does
///   not.
/// - `a || b ? x : y`, where `a` and `b` are tests whose negation costs no `!` (equalities,
///   `typeof x < "u"`), is `!a && !b ? y : x` (De Morgan, branches swapped); so is an `if`
///   with an `else`. The same operands run in the same order either way.
struct Canon<'a> {
    builder: AstBuilder<'a>,
}

impl<'a> VisitMut<'a> for Canon<'a> {
    fn visit_expression(&mut self, e: &mut Expression<'a>) {
        walk_mut::walk_expression(self, e);
        if let Expression::BinaryExpression(b) = e {
            let b = &mut **b;
            let mirrored = match b.operator {
                op if op.is_equality() => Some(op),
                BinaryOperator::LessThan => Some(BinaryOperator::GreaterThan),
                BinaryOperator::GreaterThan => Some(BinaryOperator::LessThan),
                BinaryOperator::LessEqualThan => Some(BinaryOperator::GreaterEqualThan),
                BinaryOperator::GreaterEqualThan => Some(BinaryOperator::LessEqualThan),
                _ => None,
            };
            if let Some(op) = mirrored.filter(|_| is_constant(&b.left) && !is_constant(&b.right)) {
                std::mem::swap(&mut b.left, &mut b.right);
                b.operator = op;
            }
        }
        self.defined_test(e);
        self.nullish_test(e);
        if let Expression::ConditionalExpression(c) = e {
            let c = &mut **c;
            if self.conjunction_of(&mut c.test) {
                std::mem::swap(&mut c.consequent, &mut c.alternate);
            }
        }
        if let Expression::SequenceExpression(seq) = e {
            let n = seq.expressions.len();
            for x in seq.expressions.iter_mut().take(n.saturating_sub(1)) {
                self.discard(x);
            }
        }
    }

    fn visit_if_statement(&mut self, it: &mut IfStatement<'a>) {
        walk_mut::walk_if_statement(self, it);
        if let Some(alternate) = &mut it.alternate {
            if self.conjunction_of(&mut it.test) {
                std::mem::swap(&mut it.consequent, alternate);
            }
        }
    }

    fn visit_expression_statement(&mut self, it: &mut ExpressionStatement<'a>) {
        walk_mut::walk_expression_statement(self, it);
        if let Expression::LogicalExpression(l) = &mut it.expression {
            if l.operator == LogicalOperator::Or {
                l.operator = LogicalOperator::And;
                self.negate(&mut l.left);
            }
        }
        self.discard(&mut it.expression);
    }
}

impl<'a> Canon<'a> {
    /// `x !== void 0` as `typeof x < "u"`, `x === void 0` as `typeof x > "u"`, and the long
    /// forms with `"undefined"` as the short ones: oxc already writes a `typeof` test so,
    /// and the strings stay those the compressor itself writes (the name check counts them).
    fn defined_test(&mut self, e: &mut Expression<'a>) {
        let Expression::BinaryExpression(b) = e else {
            return;
        };
        let b = &mut **b;
        let is_typeof = matches!(&b.left, Expression::UnaryExpression(t) if t.operator == UnaryOperator::Typeof);
        let defined = match (&b.right, b.operator) {
            (
                Expression::UnaryExpression(v),
                BinaryOperator::StrictInequality | BinaryOperator::StrictEquality,
            ) if !is_typeof && v.operator == UnaryOperator::Void && is_constant(&v.argument) => {
                b.operator == BinaryOperator::StrictInequality
            }
            (Expression::StringLiteral(s), op) if is_typeof && s.value.as_str() == "undefined" => {
                match op {
                    BinaryOperator::StrictInequality | BinaryOperator::Inequality => true,
                    BinaryOperator::StrictEquality | BinaryOperator::Equality => false,
                    _ => return,
                }
            }
            _ => return,
        };
        if !is_typeof {
            let tested = b.left.take_in(&self.builder);
            b.left = Expression::new_unary_expression(
                SPAN,
                UnaryOperator::Typeof,
                tested,
                &self.builder,
            );
        }
        b.right = Expression::new_string_literal(SPAN, "u", None, &self.builder);
        b.operator = if defined {
            BinaryOperator::LessThan
        } else {
            BinaryOperator::GreaterThan
        };
    }

    /// `x === null || typeof x > "u"` as `x == null`, and `x !== null && typeof x < "u"` as
    /// `x != null` (also with `(x = y)` first): what oxc writes for them, where esbuild
    /// keeps the long form.
    fn nullish_test(&mut self, e: &mut Expression<'a>) {
        let Expression::LogicalExpression(l) = e else {
            return;
        };
        let (null_op, typeof_op, loose) = match l.operator {
            LogicalOperator::Or => (
                BinaryOperator::StrictEquality,
                BinaryOperator::GreaterThan,
                BinaryOperator::Equality,
            ),
            LogicalOperator::And => (
                BinaryOperator::StrictInequality,
                BinaryOperator::LessThan,
                BinaryOperator::Inequality,
            ),
            LogicalOperator::Coalesce => return,
        };
        let (Expression::BinaryExpression(n), Expression::BinaryExpression(t)) =
            (&l.left, &l.right)
        else {
            return;
        };
        let tested = match (&t.left, &t.right) {
            (Expression::UnaryExpression(u), Expression::StringLiteral(s))
                if t.operator == typeof_op
                    && u.operator == UnaryOperator::Typeof
                    && s.value.as_str() == "u" =>
            {
                match &u.argument {
                    Expression::Identifier(i) => i.name,
                    _ => return,
                }
            }
            _ => return,
        };
        let named = match &n.left {
            Expression::Identifier(i) => i.name == tested,
            Expression::AssignmentExpression(a) => {
                a.operator == AssignmentOperator::Assign
                    && a.left
                        .get_identifier_name()
                        .is_some_and(|name| name == tested)
            }
            _ => false,
        };
        if n.operator != null_op || !matches!(n.right, Expression::NullLiteral(_)) || !named {
            return;
        }
        let mut test = l.left.take_in(&self.builder);
        if let Expression::BinaryExpression(b) = &mut test {
            b.operator = loose;
        }
        *e = test;
    }

    /// `e`, whose value nobody reads, with what only shapes that value taken away (see
    /// [`Canon`]).
    fn discard(&mut self, e: &mut Expression<'a>) {
        if self.nullish_assignment(e) {
            return;
        }
        match e {
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
                *e = u.argument.take_in(&self.builder);
                self.discard(e);
            }
            Expression::LogicalExpression(l) => self.discard(&mut l.right),
            Expression::ConditionalExpression(c) => {
                self.discard(&mut c.consequent);
                self.discard(&mut c.alternate);
            }
            Expression::SequenceExpression(seq) => {
                for x in seq.expressions.iter_mut() {
                    self.discard(x);
                }
            }
            Expression::BinaryExpression(b) => match b.operator {
                BinaryOperator::StrictInequality => b.operator = BinaryOperator::StrictEquality,
                BinaryOperator::Inequality => b.operator = BinaryOperator::Equality,
                BinaryOperator::LessThan if is_typeof_test(b) => {
                    b.operator = BinaryOperator::GreaterThan;
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// `x != null || (x = e)` and `x == null && (x = e)`, whose value nobody reads, as
    /// `x ??= e`; whether `e` was one.
    fn nullish_assignment(&mut self, e: &mut Expression<'a>) -> bool {
        let Expression::LogicalExpression(l) = e else {
            return false;
        };
        let wanted = match l.operator {
            LogicalOperator::Or => BinaryOperator::Inequality,
            LogicalOperator::And => BinaryOperator::Equality,
            LogicalOperator::Coalesce => return false,
        };
        let (Expression::BinaryExpression(test), Expression::AssignmentExpression(a)) =
            (&l.left, &l.right)
        else {
            return false;
        };
        let tested = match (&test.left, &test.right) {
            (Expression::Identifier(x), Expression::NullLiteral(_))
            | (Expression::NullLiteral(_), Expression::Identifier(x)) => x.name,
            _ => return false,
        };
        if test.operator != wanted
            || a.operator != AssignmentOperator::Assign
            || a.left
                .get_identifier_name()
                .is_none_or(|name| name != tested)
        {
            return false;
        }
        let mut assignment = l.right.take_in(&self.builder);
        if let Expression::AssignmentExpression(a) = &mut assignment {
            a.operator = AssignmentOperator::LogicalNullish;
        }
        *e = assignment;
        true
    }

    /// A disjunction of tests that negate without a `!` (see [`negates_plainly`]) turned into
    /// the conjunction of their negations, which is its negation; whether it was one.
    fn conjunction_of(&mut self, e: &mut Expression<'a>) -> bool {
        fn plain_disjunction(e: &Expression<'_>) -> bool {
            match e {
                Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or => {
                    plain_disjunction(&l.left) && plain_disjunction(&l.right)
                }
                e => negates_plainly(e),
            }
        }
        if !matches!(e, Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or)
            || !plain_disjunction(e)
        {
            return false;
        }
        self.de_morgan(e);
        true
    }

    /// `a || b || ...` as `!a && !b && ...`, each test negated plainly.
    fn de_morgan(&mut self, e: &mut Expression<'a>) {
        match e {
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or => {
                l.operator = LogicalOperator::And;
                self.de_morgan(&mut l.left);
                self.de_morgan(&mut l.right);
            }
            e => self.negate(e),
        }
    }

    /// `e` replaced by its negation, as the compressor would write it.
    fn negate(&mut self, e: &mut Expression<'a>) {
        match e {
            Expression::BinaryExpression(b) if b.operator.is_equality() => {
                b.operator = match b.operator {
                    BinaryOperator::StrictEquality => BinaryOperator::StrictInequality,
                    BinaryOperator::StrictInequality => BinaryOperator::StrictEquality,
                    BinaryOperator::Equality => BinaryOperator::Inequality,
                    _ => BinaryOperator::Equality,
                };
            }
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
                *e = u.argument.take_in(&self.builder);
            }
            // `typeof x` is never the string "u": `<` and `>` are each other's negation.
            Expression::BinaryExpression(b) if is_typeof_test(b) => {
                b.operator = if b.operator == BinaryOperator::LessThan {
                    BinaryOperator::GreaterThan
                } else {
                    BinaryOperator::LessThan
                };
            }
            _ => {
                let inner = e.take_in(&self.builder);
                *e = Expression::new_unary_expression(
                    SPAN,
                    UnaryOperator::LogicalNot,
                    inner,
                    &self.builder,
                );
            }
        }
    }
}

/// Whether a test's negation needs no `!`: an equality, or `typeof x < "u"` / `> "u"`.
fn negates_plainly(e: &Expression<'_>) -> bool {
    let Expression::BinaryExpression(b) = e else {
        return false;
    };
    b.operator.is_equality() || is_typeof_test(b)
}

/// `typeof x < "u"` or `typeof x > "u"`: whether `x` is defined, as compressors write it.
fn is_typeof_test(b: &BinaryExpression<'_>) -> bool {
    matches!(
        b.operator,
        BinaryOperator::LessThan | BinaryOperator::GreaterThan
    ) && matches!(&b.left, Expression::UnaryExpression(t) if t.operator == UnaryOperator::Typeof)
        && matches!(&b.right, Expression::StringLiteral(s) if s.value.as_str() == "u")
}

/// Whether `e` is a constant: a literal operand as the normaliser reads one (`void 0`, `-1`,
/// `undefined`), or operators on constants (`1/0`).
fn is_constant(e: &Expression<'_>) -> bool {
    match e {
        Expression::BinaryExpression(b) => is_constant(&b.left) && is_constant(&b.right),
        e => is_literal_operand(e),
    }
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

    #[test]
    fn minifiers_spellings_of_one_test_meet() {
        let same = |a: &str, b: &str| {
            let (ca, cb) = (compressed(a).unwrap(), compressed(b).unwrap());
            assert_eq!(ca, cb, "{a} / {b}");
        };
        // esbuild's "is defined", and the source's.
        same(
            "function f(a){return a&&typeof a.getElementsByTagName<'u'&&a}",
            "function f(a){return a&&a.getElementsByTagName!==undefined&&a}",
        );
        same(
            "function f(g){if(typeof g>'u')throw TypeError('no')}",
            "function f(g){if(typeof g==='undefined')throw TypeError('no')}",
        );
        // A constant on either side of an equality.
        same(
            "function f(u,o,i){return o>u||1/0===u&&1/0===i}",
            "function f(u,o,i){return o>u||u===1/0&&i===1/0}",
        );
        same(
            "function f(r,g){return 0>r&&g()}",
            "function f(r,g){return r<0&&g()}",
        );
        same(
            "function f(r,g){return 2<=r.x&&g()}",
            "function f(r,g){return r.x>=2&&g()}",
        );
        // `||` and `&&` statements.
        same(
            "function f(i,a,b){(i=a.indexOf(1))===-1&&(i=b.indexOf(1))===-1}",
            "function f(i,a,b){(i=a.indexOf(1))!==-1||(i=b.indexOf(1))!==-1}",
        );
        same("function f(a,g){a||g()}", "function f(a,g){if(!a)g()}");
        // esbuild's long "is null or undefined".
        same(
            "function f(b,g){return b===null||typeof b>'u'||g(b)}",
            "function f(b,g){return b==null||g(b)}",
        );
        same(
            "function f(a,l){return(l=a)===null||typeof l>'u'?''+l:l.x}",
            "function f(a,l){return(l=a)==null?''+l:l.x}",
        );
        same(
            "function f(b,g){return b!==null&&b!==undefined&&g(b)}",
            "function f(b,g){return b!=null&&g(b)}",
        );
        // Values thrown away.
        same(
            "function f(o,n,a,b){typeof(o=a.get(n))>'u'&&typeof(o=b(n))>'u'}",
            "function f(o,n,a,b){typeof(o=a.get(n))<'u'||typeof(o=b(n))<'u'}",
        );
        same(
            "function f(p,d,g,h){for(;;){if(g[p])d=g[p];else n??=h(),d=g[p+1];d.x()}var n}",
            "function f(p,d,g,h){for(;;){if(g[p])d=g[p];else n!=null||(n=h()),d=g[p+1];d.x()}var n}",
        );
        same(
            "function f(a,g){g(a),a.x}",
            "function f(a,g){g(a)===void 0,a.x}",
        );
        // A disjunction of plain tests, negated with its branches swapped.
        same(
            "function f(o,n,a,b){var t;return typeof(t=a.get(o,n))>'u'&&typeof(t=b(o,n))>'u'?void 0:t}",
            "function f(o,n,a,b){var t;return typeof(t=a.get(o,n))<'u'||typeof(t=b(o,n))<'u'?t:void 0}",
        );
        same(
            "function f(a,b,g,h){if(a===1&&b!==2)g();else h()}",
            "function f(a,b,g,h){if(a!==1||b===2)h();else g()}",
        );
        // What differs stays different.
        let c = |s: &str| compressed(s).unwrap();
        assert_ne!(
            c("function f(a,b){return a===1||b===2?a:b}"),
            c("function f(a,b){return a===1||b===2?b:a}")
        );
        assert_ne!(
            c("function f(a,g){return a===g()&&g()}"),
            c("function f(a,g){return a!==g()&&g()}"),
            "a value that is read keeps its test"
        );
        assert_ne!(
            c("function f(a,g){a!==g()&&g()}"),
            c("function f(a,g){a===g()&&g()}"),
            "a test that decides what runs is kept"
        );
        assert_ne!(
            c("function f(a){return a.b!==void 0}"),
            c("function f(a){return a.b===void 0}")
        );
        assert_ne!(c("function f(a,g){a&&g()}"), c("function f(a,g){a||g()}"));
        assert_ne!(
            c("function f(a,g){a()===1&&g()}"),
            c("function f(a,g){a()!==1&&g()}")
        );
        assert_ne!(
            c("function f(a){return typeof a<'u'}"),
            c("function f(a){return typeof a<'v'}")
        );
        assert_ne!(
            c("function f(a){return a.b!=null}"),
            c("function f(a){return a.b!==void 0}")
        );
        assert_ne!(
            c("function f(r){return 0>r}"),
            c("function f(r){return 0<r}")
        );
        assert_ne!(
            c("function f(a,b){return a===null||typeof b>'u'}"),
            c("function f(a,b){return a==null}")
        );
    }
}
