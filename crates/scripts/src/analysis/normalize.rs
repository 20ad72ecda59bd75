//! From source text to a normalised token stream.
//!
//! The stream is what every hash is computed over. It keeps what a script *does* and drops
//! how it is written:
//!
//! - node types (the tree's shape) and operators stay;
//! - identifiers bound in the script become symbol numbers ([`Tok::Sym`]); the hasher renumbers
//!   them by first appearance inside each hashed unit, so renaming a local (as every minifier
//!   does) never changes a hash, and a unit's hash does not depend on code around it;
//! - globals (`document`, `XMLHttpRequest`), member and property names (`.value`,
//!   `addEventListener`) stay as written: they are the script's contact with the page;
//! - literals become their class (string, number, regex, template, bigint) except booleans,
//!   URL hosts found in strings and a few strings that select behaviour (event and tag names);
//! - minifier idioms converge: `!0`/`true`, `void 0`/`undefined`, `a(),b()`/`a();b()`,
//!   `a&&b()`/`if(a)b()`, `a?b():c()`/`if..else`, `x["k"]`/`x.k`, `{"k":v}`/`{k:v}`,
//!   `!function(){}()`/`(function(){})()`, braces or none around a single statement,
//!   `var a,b`/`var a;var b` and `let`/`const`/`var`, `return a(),b`/`a();return b`.
//!
//! While walking, the normaliser also records per unit (each function and each statement that
//! sits directly in a function body or at top level) the behaviour [`signals`](super::signals),
//! notable API names and URL hosts it contains, for the diff and the classifier.

use std::cell::{Cell, RefCell};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use oxc_ast::ast::*;
use oxc_ast::{AstKind, AstType};
use oxc_ast_visit::{walk, Visit};
use oxc_semantic::Scoping;
use oxc_span::{GetSpan, Span};
use oxc_syntax::reference::ReferenceId;
use oxc_syntax::scope::ScopeFlags;
use oxc_syntax::symbol::SymbolId;

use super::signals::{self, Signals};

/// One token of the normalised stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A node starts; its type (an [`AstType`], as its number).
    Open(u8),
    /// The last opened node ends. A leaf ([`is_leaf`]) has exactly one token and no `Close`.
    Close,
    /// A symbol bound in the script (by semantic symbol id).
    Sym(u32),
    /// A name or value kept verbatim: global, member, operator, host, kept string (interned).
    Atom(u32),
    /// A literal replaced by its class (a [`LitClass`], as its number).
    Lit(u8),
}

/// A [`Tok`] in 32 bits: its kind in the low three, its value above. The stream has about
/// one token per byte of source and every hash and profile reads it again, so its size is
/// memory traffic. Symbol ids and atom numbers fit in the 29 bits left: a script has fewer
/// symbols and distinct atoms than bytes, and at most [`MAX_SCRIPT_BYTES`] of those.
///
/// [`MAX_SCRIPT_BYTES`]: super::MAX_SCRIPT_BYTES
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Packed(u32);

impl Packed {
    pub(crate) const OPEN: u32 = 0;
    pub(crate) const CLOSE: u32 = 1;
    pub(crate) const SYM: u32 = 2;
    pub(crate) const ATOM: u32 = 3;
    pub(crate) const LIT: u32 = 4;

    /// The 32 bits: the kind in the low three, the value above.
    pub(crate) fn raw(self) -> u32 {
        self.0
    }

    /// The token.
    pub fn tok(self) -> Tok {
        let value = self.0 >> 3;
        match self.0 & 7 {
            Self::OPEN => Tok::Open(value as u8),
            Self::CLOSE => Tok::Close,
            Self::SYM => Tok::Sym(value),
            Self::ATOM => Tok::Atom(value),
            _ => Tok::Lit(value as u8),
        }
    }
}

impl From<Tok> for Packed {
    fn from(tok: Tok) -> Packed {
        let (kind, value) = match tok {
            Tok::Open(ty) => (Packed::OPEN, u32::from(ty)),
            Tok::Close => (Packed::CLOSE, 0),
            Tok::Sym(id) => (Packed::SYM, id),
            Tok::Atom(id) => (Packed::ATOM, id),
            Tok::Lit(class) => (Packed::LIT, u32::from(class)),
        };
        Packed(value << 3 | kind)
    }
}

/// The class a literal is replaced by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LitClass {
    String = 1,
    Number = 2,
    Regex = 3,
    Template = 4,
    BigInt = 5,
    Null = 6,
}

/// What a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    /// A function, method, getter or arrow function.
    Function,
    /// A statement at top level or directly in a function body.
    Statement,
}

/// A hashed piece of the script: its token range and what it contains.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub kind: UnitKind,
    pub span: Span,
    pub start: usize,
    pub end: usize,
    /// Leaves inside (while the unit is open: leaves in the stream before it).
    pub leaves: usize,
    /// Its nodes' types: `Normalized::types[nodes_start..nodes_end]`.
    pub nodes_start: u32,
    pub nodes_end: u32,
    pub parent: Option<usize>,
    /// Signals anywhere inside.
    pub signals: Signals,
    /// Signals in the unit's own code, not counting nested functions.
    pub own_signals: Signals,
    /// Notable API names inside (interned atoms).
    pub apis: Vec<u32>,
    /// URL hosts inside (interned atoms).
    pub hosts: Vec<u32>,
}

impl Unit {
    /// Its size: tokens, plus one for each leaf (as if leaves had a close). Sizes are what
    /// the diff's and the classifier's bounds on "small" code are measured in.
    pub fn size(&self) -> usize {
        self.end - self.start + self.leaves
    }
}

/// The normalised form of one parsed script.
#[derive(Debug, Default)]
pub(crate) struct Normalized {
    pub toks: Vec<Packed>,
    /// The type of every node, in the stream's order (the rows the n-grams are counted in).
    pub types: Vec<u8>,
    pub atoms: Atoms,
    pub units: Vec<Unit>,
    /// Signals of the whole script.
    pub signals: Signals,
    /// Symbols in the script (the size of a renumbering table).
    pub symbols: usize,
    /// Calls of a local function by its name that pass strings shaped like names (`F("date",
    /// 9)`): the function's symbol and those strings. A minifier that copies the function
    /// into the call writes them as member names (`H.date = 9` for `H[e] = t`); the diff
    /// counts them as what such a copy may write (see `diff::explained_by_inlining`).
    pub call_strings: Vec<(u32, Vec<String>)>,
}

impl Normalized {
    pub fn atom(&self, id: u32) -> &str {
        self.atoms.get(id).unwrap_or("")
    }
}

/// The atoms' texts, numbered in the order they were interned: one buffer of text and where
/// each ends, rather than a `String` each (an allocation per distinct name, and a pointer
/// to follow at every comparison while interning).
#[derive(Debug, Default)]
pub(crate) struct Atoms {
    text: String,
    ends: Vec<usize>,
}

impl Atoms {
    /// How many there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The text of atom `id`.
    pub fn get(&self, id: u32) -> Option<&str> {
        let i = id as usize;
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// Every atom's text, in order of number.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i as u32).unwrap_or(""))
    }

    /// Adds a text and returns its number.
    fn push(&mut self, s: &str) -> u32 {
        let id = u32::try_from(self.ends.len()).unwrap_or(u32::MAX);
        self.text.push_str(s);
        self.ends.push(self.text.len());
        id
    }

    fn reserve(&mut self, atoms: usize, bytes: usize) {
        self.ends.reserve(atoms);
        self.text.reserve(bytes);
    }
}

/// Most strings [`Normalizer::call_strings`] records of one call, and the longest.
const MAX_CALL_STRINGS: usize = 8;
const MAX_CALL_STRING_BYTES: usize = 64;

/// Strings kept verbatim: they choose which events, tags and methods a script deals with,
/// which is behaviour, not data.
const KEPT_STRINGS: &[&str] = &[
    "submit",
    "click",
    "mousedown",
    "mouseup",
    "touchend",
    "keydown",
    "keyup",
    "keypress",
    "input",
    "change",
    "blur",
    "focus",
    "paste",
    "load",
    "message",
    "beforeunload",
    "unload",
    "script",
    "img",
    "iframe",
    "form",
    "select",
    "textarea",
    "POST",
    "GET",
    "PUT",
];

pub(crate) struct Normalizer<'s> {
    scoping: &'s Scoping,
    /// The script being normalised, where a binding read before its declaration is looked
    /// up (see [`Self::binding`]).
    program: Option<&'s Program<'s>>,
    out: Normalized,
    /// The atoms' numbers, found by their text in `out.atoms` (each text is kept once).
    interned: hashbrown::HashTable<u32>,
    /// Atoms of fixed texts (operators, keywords, kinds of function), found by the
    /// text's address and length before the table is asked (see [`Self::atom`]).
    fixed: [(usize, usize, u32); FIXED_ATOMS],
    /// Signals of each interned name, computed on first use.
    name_signals: Vec<Option<Signals>>,
    /// Open units, innermost last.
    open_units: Vec<usize>,
    /// For each open unit, the signals of the code it keeps in strings (see
    /// [`signals::code_text_signals`]): they count for the innermost unit around them that
    /// runs code (`eval`, `Function`, a worker), and for none if none does.
    latent: Vec<Signals>,
    /// Tables of strings read by index, by symbol id: what their strings name, and their
    /// URL hosts, interned (see [`string_table`]).
    tables: HashMap<u32, (Signals, Vec<u32>)>,
    /// Functions that reverse the string they are given (`s => s.split("").reverse().join("")`),
    /// by symbol id: a call of one on a constant is decoded.
    reversers: HashSet<u32>,
    /// Inside an assignment target: `x.value = ...` writes a field, it does not read one.
    writing: bool,
    /// Inside the argument of something that runs or renders a string (`eval`,
    /// `document.write`, `innerHTML =`...): such strings are code, and keep a digest of
    /// their text, so that a payload changed inside one changes the hash. A function
    /// passed to one (`setTimeout(function () {..})`) is code already: its strings are not.
    code_strings: bool,
    /// `code_strings` outside each open unit, restored when it ends.
    code_strings_outside: Vec<bool>,
    /// Inside the argument of `encodeURIComponent`, `encodeURI` or `escape`: a value being
    /// put into a URL is being sent, not tested, so reading the referrer or the user agent
    /// there is no visitor check.
    url_encoding: bool,
    /// How each symbol's reads are written (see [`Binding`]), decided where it is declared;
    /// behind a cell because reads are looked at from methods that only read the walk.
    bindings: RefCell<Bindings>,
    /// How many looks around a position [`Self::look_around`] has made, and the whole
    /// tree's decisions once there have been too many.
    looks: Cell<usize>,
    everywhere: RefCell<Option<ConstantFinder<'s>>>,
    /// Leaves in the stream so far (see [`Unit::size`]).
    leaves: usize,
    /// The tokens (and what they contain) of each inlined value, waiting for the read.
    buffered: HashMap<u32, Buffered>,
    /// The private names (`#field`) of each class being walked, innermost last, each with
    /// the symbol number it was given. Private names are bound by their class as variables
    /// by their scope, and minifiers rename them alike (`#provider` becomes `#t`); oxc's
    /// scopes do not hold them, so they get numbers after oxc's symbols.
    private_names: Vec<Vec<(String, u32)>>,
}

/// An inlined variable's value, normalised.
#[derive(Debug)]
struct Buffered {
    toks: Vec<Packed>,
    /// Leaves in `toks`.
    leaves: usize,
    /// The types of the nodes in `toks`.
    types: Vec<u8>,
    signals: Signals,
    apis: Vec<u32>,
    hosts: Vec<u32>,
}

/// Looks around a position ([`Normalizer::look_around`]) one script may make before the
/// whole tree is walked once instead. The npm corpus makes about 200 per MB.
const MAX_LOOKS: usize = 1024;

/// How the reads of one symbol are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binding {
    /// Not decided yet: its declaration has not been met.
    Undecided,
    /// As the symbol.
    Plain,
    /// As its constant value: a variable bound once to a constant and never written, or an
    /// IIFE's parameter given one. Minifiers inline them, so their declarations are dropped
    /// and every read stands for the constant.
    Constant,
    /// As its value's tokens: a local variable read exactly once, after its declaration,
    /// never written. Minifiers inline them (where it is safe; here always, so both
    /// spellings agree), so the declaration is dropped and the value stands at the read.
    Inline,
    /// As a browser global: an IIFE's parameter given one (`(function (w) {..})(window)`),
    /// for telling what a member path names (see [`Normalizer::replaced_api`]).
    Alias,
}

/// The decisions about symbols, by symbol id.
#[derive(Debug, Default)]
struct Bindings {
    state: Vec<Binding>,
    constants: HashMap<u32, Constant>,
    aliases: HashMap<u32, &'static str>,
}

impl Bindings {
    fn get(&self, sym: u32) -> Binding {
        // A number oxc did not hand out (a private name's) is never replaced.
        self.state
            .get(sym as usize)
            .copied()
            .unwrap_or(Binding::Plain)
    }

    fn set(&mut self, sym: u32, b: Binding) {
        if let Some(slot) = self.state.get_mut(sym as usize) {
            *slot = b;
        }
    }

    /// Decides that `sym` stands for the constant `c`.
    fn constant(&mut self, sym: u32, c: Constant) -> Binding {
        self.constants.insert(sym, c);
        self.set(sym, Binding::Constant);
        Binding::Constant
    }

    /// Decides that `sym` stands for the browser global `global`.
    fn alias(&mut self, sym: u32, global: &'static str) -> Binding {
        self.aliases.insert(sym, global);
        self.set(sym, Binding::Alias);
        Binding::Alias
    }
}

/// The value of a constant variable.
#[derive(Debug, Clone)]
enum Constant {
    String(String),
    Number,
    Boolean(bool),
    Null,
}

impl<'s> Normalizer<'s> {
    pub fn new(scoping: &'s Scoping) -> Self {
        Normalizer {
            scoping,
            program: None,
            out: Normalized {
                symbols: scoping.symbols_len(),
                ..Normalized::default()
            },
            interned: hashbrown::HashTable::new(),
            fixed: [(0, 0, 0); FIXED_ATOMS],
            name_signals: Vec::new(),
            open_units: Vec::new(),
            latent: Vec::new(),
            reversers: HashSet::default(),
            tables: HashMap::default(),
            writing: false,
            code_strings: false,
            code_strings_outside: Vec::new(),
            url_encoding: false,
            bindings: RefCell::new(Bindings {
                state: vec![Binding::Undecided; scoping.symbols_len()],
                ..Bindings::default()
            }),
            buffered: HashMap::default(),
            looks: Cell::new(0),
            leaves: 0,
            everywhere: RefCell::new(None),
            private_names: Vec::new(),
        }
    }

    pub fn run(mut self, program: &'s Program<'s>) -> Normalized {
        self.program = Some(program);
        // About one token per byte of source (at most 1.11 on the npm corpus), a unit per 30
        // (at most one per 20) and a distinct atom per 130: reserved, so that the lists are
        // not copied, nor the table rehashed, as they grow (a grown list is copied, and its
        // new pages are faulted in, every script). What is reserved and never written costs
        // address space, not memory.
        let len = program.source_text.len();
        self.out.toks.reserve(len + len / 4);
        self.out.types.reserve(len / 2);
        self.out.units.reserve(len / 20);
        self.out.atoms.reserve(len / 128, len / 16);
        let atoms = &self.out.atoms;
        self.interned.reserve(len / 128, |&id| atom_hash(atoms, id));
        self.visit_program(program);
        self.out
    }

    /// The symbol number of the private name `name` where it is used: the innermost class
    /// that declares it, or else (a name no enclosing class declares: invalid, but
    /// numbered all the same) the innermost class.
    fn private_symbol(&mut self, name: &str) -> u32 {
        let found = self
            .private_names
            .iter()
            .rev()
            .find_map(|class| class.iter().find(|(n, _)| n == name).map(|&(_, sym)| sym));
        if let Some(sym) = found {
            return sym;
        }
        let sym = self.new_symbol();
        if self.private_names.is_empty() {
            self.private_names.push(Vec::new());
        }
        if let Some(class) = self.private_names.last_mut() {
            class.push((name.to_owned(), sym));
        }
        sym
    }

    /// How reads of `sym` are written.
    ///
    /// Decided where the symbol is declared ([`Self::declarator_binding`], the IIFE and
    /// parameter hooks), which the walk meets first for nearly every symbol. A symbol read
    /// before its declaration (a hoisted `var` used by a function above it) is decided at
    /// that read, by a look at the few nodes around its declaration ([`ConstantFinder`]):
    /// the same answer either way.
    fn binding(&self, sym: u32) -> Binding {
        let b = self.bindings.borrow().get(sym);
        if b != Binding::Undecided {
            return b;
        }
        let id = SymbolId::from_usize(sym as usize);
        let flags = self.scoping.symbol_flags(id);
        // Only a variable (a declarator's or an IIFE parameter's) can be anything but plain.
        let mut found = None;
        if flags.is_variable() && !flags.is_catch_variable() && is_stable(self.scoping, id) {
            found = self
                .look_around(self.scoping.symbol_span(id).start, |finder| {
                    finder
                        .found
                        .get(&sym)
                        .cloned()
                        .map(Ok)
                        .or_else(|| finder.aliases.get(&sym).copied().map(Err))
                })
                .flatten();
        }
        let mut bindings = self.bindings.borrow_mut();
        match found {
            Some(Ok(c)) => bindings.constant(sym, c),
            Some(Err(global)) => bindings.alias(sym, global),
            None => {
                bindings.set(sym, Binding::Plain);
                Binding::Plain
            }
        }
    }

    /// The constant `sym` stands for, if it is one.
    fn constant_of(&self, sym: u32) -> Option<Constant> {
        (self.binding(sym) == Binding::Constant)
            .then(|| self.bindings.borrow().constants.get(&sym).cloned())
            .flatten()
    }

    /// The browser global `sym` stands for, if it is an IIFE parameter given one.
    fn alias_of(&self, sym: u32) -> Option<&'static str> {
        (self.binding(sym) == Binding::Alias)
            .then(|| self.bindings.borrow().aliases.get(&sym).copied())
            .flatten()
    }

    /// Decides a declarator's symbol where the walk meets it (unless a read before it did).
    fn declarator_binding(&self, sym: u32, d: &VariableDeclarator<'_>) -> Binding {
        let b = self.bindings.borrow().get(sym);
        if b != Binding::Undecided {
            return b;
        }
        let id = SymbolId::from_usize(sym as usize);
        let b = match &d.init {
            Some(init) if is_stable(self.scoping, id) => match literal_constant(init) {
                Some(c) => return self.bindings.borrow_mut().constant(sym, c),
                None if self.read_once_after(id, d, init) => Binding::Inline,
                None => Binding::Plain,
            },
            _ => Binding::Plain,
        };
        self.bindings.borrow_mut().set(sym, b);
        b
    }

    /// Whether the variable `id`, declared by `d`, is read exactly once, after `d`, and its
    /// value holds no function or class (whose units could not be moved).
    fn read_once_after(
        &self,
        id: SymbolId,
        d: &VariableDeclarator<'_>,
        init: &Expression<'_>,
    ) -> bool {
        let [r] = self.scoping.get_resolved_reference_ids(id) else {
            return false;
        };
        // Node ids number the tree in walk order: a read numbered below the declarator
        // comes before it; above, it is after it or inside its value.
        self.scoping.get_reference(*r).node_id() > d.node_id.get()
            && !holds_function_or_read(init, *r)
    }

    /// Marks the names a pattern binds as plain, unless decided already.
    fn mark_plain(&self, pattern: &BindingPattern<'_>) {
        let mut bindings = self.bindings.borrow_mut();
        let mut mark = |id: &BindingIdentifier<'_>| {
            if let Some(s) = id.symbol_id.get() {
                let sym = s.index() as u32;
                if bindings.get(sym) == Binding::Undecided {
                    bindings.set(sym, Binding::Plain);
                }
            }
        };
        match pattern {
            BindingPattern::BindingIdentifier(id) => mark(id),
            p => p.get_binding_identifiers().into_iter().for_each(mark),
        }
    }

    /// Decides the parameters of an IIFE given constants or browser globals.
    fn decide_iife(&self, call: &CallExpression<'_>) {
        let mut bindings = self.bindings.borrow_mut();
        iife_arguments(self.scoping, call, |sym, given| {
            match given {
                Ok(c) => bindings.constant(sym, c),
                Err(global) => bindings.alias(sym, global),
            };
        });
    }

    /// Whether the assignment `span` installs a missing API (see [`ConstantFinder::installs`]).
    fn is_install(&self, span: Span) -> bool {
        self.look_around(span.start, |finder| finder.installs.contains(&span.start))
            .unwrap_or(false)
    }

    /// `answer` asked of a [`ConstantFinder`] that has looked at the nodes around `at`.
    ///
    /// Each look walks down the tree's depth. After [`MAX_LOOKS`] of them in one script, the
    /// whole tree is walked once and kept for every later question, so that a hostile
    /// script's many reads before declarations (or API assignments) cost at most that, not a
    /// walk down its depth each.
    fn look_around<R>(&self, at: u32, answer: impl FnOnce(&ConstantFinder<'s>) -> R) -> Option<R> {
        let program = self.program?;
        let mut everywhere = self.everywhere.borrow_mut();
        if everywhere.is_none() {
            let looks = self.looks.get();
            if looks < MAX_LOOKS {
                self.looks.set(looks + 1);
                let mut finder =
                    ConstantFinder::around(self.scoping, program.source_text, Some(at));
                finder.visit_program(program);
                return Some(answer(&finder));
            }
            let mut finder = ConstantFinder::around(self.scoping, program.source_text, None);
            finder.visit_program(program);
            *everywhere = Some(finder);
        }
        everywhere.as_ref().map(answer)
    }

    /// A symbol number after oxc's, for a name its scopes do not hold.
    fn new_symbol(&mut self) -> u32 {
        let sym = u32::try_from(self.out.symbols).unwrap_or(u32::MAX);
        self.out.symbols += 1;
        sym
    }

    /// Whether a declarator is dropped: a `var` without a value below top level (a no-op
    /// that minifiers move or merge into other declarations and `for` heads), or see
    /// [`Self::is_constant_declarator`].
    fn drops_declarator(
        &mut self,
        kind: VariableDeclarationKind,
        d: &VariableDeclarator<'_>,
    ) -> bool {
        let bare_local = kind == VariableDeclarationKind::Var
            && d.init.is_none()
            && match &d.id {
                BindingPattern::BindingIdentifier(id) => id.symbol_id.get().is_some_and(|s| {
                    self.scoping.symbol_scope_id(s) != self.scoping.root_scope_id()
                }),
                _ => false,
            };
        if bare_local {
            self.mark_plain(&d.id);
        }
        bare_local || self.is_constant_declarator(d)
    }

    /// Whether a declarator is dropped: a constant, or a single-use value (which is then
    /// normalised aside, to be put where it is read).
    fn is_constant_declarator(&mut self, d: &VariableDeclarator<'_>) -> bool {
        let Some(sym) = declared_symbol(d) else {
            self.mark_plain(&d.id);
            return false;
        };
        match self.declarator_binding(sym, d) {
            Binding::Constant => return true,
            Binding::Inline => {}
            _ => return false,
        }
        let Some(init) = &d.init else {
            return false;
        };
        // Normalise the value into a scratch unit, then take it out of the stream.
        self.begin_unit(UnitKind::Statement, d.span);
        self.visit_expression(init);
        self.open_units.pop();
        // Code kept in strings in the value is the enclosing unit's.
        let latent = self.leave_unit_state();
        if let Some(outer) = self.latent.last_mut() {
            *outer |= latent;
        }
        if let Some(unit) = self.out.units.pop() {
            let toks = self.out.toks.split_off(unit.start);
            let types = self.out.types.split_off(unit.nodes_start as usize);
            let leaves = self.leaves - unit.leaves;
            self.leaves = unit.leaves;
            self.buffered.insert(
                sym,
                Buffered {
                    toks,
                    leaves,
                    types,
                    signals: unit.signals,
                    apis: unit.apis,
                    hosts: unit.hosts,
                },
            );
        }
        true
    }

    fn constant(&mut self, c: &Constant) {
        match c {
            Constant::String(v) => {
                self.open(AstType::StringLiteral);
                self.string_value(v);
                self.close();
            }
            Constant::Number => {
                self.open(AstType::NumericLiteral);
                self.lit(LitClass::Number);
            }
            Constant::Boolean(b) => self.boolean(*b),
            Constant::Null => {
                self.open(AstType::NullLiteral);
                self.lit(LitClass::Null);
            }
        }
    }

    fn intern(&mut self, s: &str) -> u32 {
        let hash = text_hash(s);
        let atoms = &self.out.atoms;
        let same = |&id: &u32| atoms.get(id) == Some(s);
        if let Some(&id) = self.interned.find(hash, same) {
            return id;
        }
        let id = self.out.atoms.push(s);
        let atoms = &self.out.atoms;
        self.interned
            .insert_unique(hash, id, |&id| atom_hash(atoms, id));
        id
    }

    fn open(&mut self, ty: AstType) {
        self.leaves += usize::from(is_leaf(ty as u8));
        self.out.toks.push(Tok::Open(ty as u8).into());
        self.out.types.push(ty as u8);
    }

    /// Nodes in the stream so far (a script has fewer than `u32::MAX`: it has fewer bytes).
    fn nodes(&self) -> u32 {
        u32::try_from(self.out.types.len()).unwrap_or(u32::MAX)
    }

    fn close(&mut self) {
        self.out.toks.push(Tok::Close.into());
    }

    /// Writes the atom of a fixed text. A text that lives as long as the program keeps its
    /// address, so the address and length name it: a direct-mapped cache of those gives
    /// the number without hashing or comparing the text.
    fn atom(&mut self, s: &'static str) {
        let at = s.as_ptr() as usize;
        let slot = (at >> 3 ^ at >> 10 ^ s.len()) & (FIXED_ATOMS - 1);
        let id = match self.fixed[slot] {
            (a, len, id) if a == at && len == s.len() => id,
            _ => {
                let id = self.intern(s);
                self.fixed[slot] = (at, s.len(), id);
                id
            }
        };
        self.out.toks.push(Tok::Atom(id).into());
    }

    /// Writes the atom of any text.
    fn atom_text(&mut self, s: &str) {
        let id = self.intern(s);
        self.out.toks.push(Tok::Atom(id).into());
    }

    fn symbol(&mut self, id: u32) {
        self.out.toks.push(Tok::Sym(id).into());
    }

    fn lit(&mut self, class: LitClass) {
        self.out.toks.push(Tok::Lit(class as u8).into());
    }

    fn signal(&mut self, s: Signals) {
        if s == 0 {
            return;
        }
        self.out.signals |= s;
        if let Some(&u) = self.open_units.last() {
            self.out.units[u].own_signals |= s;
            self.out.units[u].signals |= s;
        }
    }

    /// A global or member name: its token, its signals, and the name itself when notable
    /// (interned once for all three).
    fn atom_name(&mut self, name: &str) {
        let id = self.intern(name);
        self.out.toks.push(Tok::Atom(id).into());
        self.name(id, name);
    }

    /// Records a global or member name (interned as `id`): its signals, and the name itself
    /// when notable.
    fn name(&mut self, id: u32, name: &str) {
        let slot = id as usize;
        if self.name_signals.len() <= slot {
            self.name_signals.resize(slot + 1, None);
        }
        let mut s = match self.name_signals[slot] {
            Some(s) => s,
            None => {
                let s = signals::name_signals(name);
                self.name_signals[slot] = Some(s);
                s
            }
        };
        if self.writing {
            s &= !signals::SRC_VALUE;
        }
        if self.url_encoding {
            s &= !signals::VISITOR_CHECK;
        }
        if s != 0 {
            self.signal(s);
            if let Some(&u) = self.open_units.last() {
                push_unique(&mut self.out.units[u].apis, id);
            }
        }
    }

    fn host(&mut self, host: &str) {
        let id = self.intern(&format!("host:{host}"));
        self.out.toks.push(Tok::Atom(id).into());
        let host_id = self.intern(host);
        if let Some(&u) = self.open_units.last() {
            push_unique(&mut self.out.units[u].hosts, host_id);
        }
    }

    /// A host found in decoded text: listed for the unit, with no token (the stream keeps
    /// the literal as written).
    fn hidden_host(&mut self, host: &str) {
        let host_id = self.intern(host);
        if let Some(&u) = self.open_units.last() {
            push_unique(&mut self.out.units[u].hosts, host_id);
        }
    }

    fn begin_unit(&mut self, kind: UnitKind, span: Span) {
        let parent = self.open_units.last().copied();
        self.out.units.push(Unit {
            kind,
            span,
            start: self.out.toks.len(),
            end: self.out.toks.len(),
            leaves: self.leaves,
            nodes_start: self.nodes(),
            nodes_end: self.nodes(),
            parent,
            signals: 0,
            own_signals: 0,
            apis: Vec::new(),
            hosts: Vec::new(),
        });
        self.open_units.push(self.out.units.len() - 1);
        self.latent.push(0);
        self.code_strings_outside.push(self.code_strings);
        if kind == UnitKind::Function {
            self.code_strings = false;
        }
    }

    /// Restores what [`Self::begin_unit`] set aside for the unit being left, and returns
    /// the code signals kept in strings inside it.
    fn leave_unit_state(&mut self) -> Signals {
        if let Some(outside) = self.code_strings_outside.pop() {
            self.code_strings = outside;
        }
        self.latent.pop().unwrap_or(0)
    }

    fn end_unit(&mut self) {
        let Some(u) = self.open_units.pop() else {
            return;
        };
        self.out.units[u].end = self.out.toks.len();
        self.out.units[u].leaves = self.leaves - self.out.units[u].leaves;
        self.out.units[u].nodes_end = self.nodes();
        let latent = self.leave_unit_state();
        if latent != 0 {
            let unit = &mut self.out.units[u];
            if unit.signals & (signals::DYN_EVAL | signals::WORKER) != 0 {
                // Code kept in strings, in a unit that runs code: its behaviour is the unit's.
                unit.signals |= latent;
                unit.own_signals |= latent;
                self.out.signals |= latent;
            } else if let Some(outer) = self.latent.last_mut() {
                *outer |= latent;
            }
        }
        let Some(&p) = self.open_units.last() else {
            return;
        };
        // A parent is begun before its children: it comes first in the list.
        if p >= u {
            return;
        }
        let (head, tail) = self.out.units.split_at_mut(u);
        let (Some(parent), Some(child)) = (head.get_mut(p), tail.first()) else {
            return;
        };
        parent.signals |= child.signals;
        if child.kind == UnitKind::Statement {
            parent.own_signals |= child.own_signals;
        }
        for &a in &child.apis {
            push_unique(&mut parent.apis, a);
        }
        for &h in &child.hosts {
            push_unique(&mut parent.hosts, h);
        }
    }

    /// Signals of code kept in a string: the unit's own when the string is run where it
    /// stands (`eval("...")`), else waiting for a unit around it that runs code.
    fn code_text(&mut self, value: &str) {
        let Some((s, host)) = signals::code_text_signals(value) else {
            return;
        };
        if self.code_strings {
            self.signal(s);
        } else if let Some(latent) = self.latent.last_mut() {
            *latent |= s;
        }
        if let Some(host) = host {
            self.hidden_host(&host);
        }
    }

    /// Text a script decodes from a constant at run time (a reversed string): what it
    /// names, as if written plainly, with [`signals::DECODE`].
    fn decoded_text(&mut self, text: &str) {
        let mut s = signals::DECODE | signals::string_signals(text);
        if is_identifier_name(text) {
            s |= signals::name_signals(text);
        }
        let (hidden, host) = signals::hidden_signals(text);
        s |= hidden;
        let host = host.or_else(|| signals::url_host(text));
        if s != signals::DECODE || host.is_some() {
            s |= signals::HIDDEN_TEXT;
        }
        if let Some(host) = host {
            self.hidden_host(&host);
        }
        self.signal(s);
        self.code_text(text);
    }

    /// A string literal's value: a host, a kept word, or its class.
    fn string_value(&mut self, value: &str) {
        self.signal(signals::string_signals(value));
        let (hidden, host) = signals::hidden_signals(value);
        if hidden != 0 {
            self.signal(hidden);
            if let Some(host) = host {
                self.hidden_host(&host);
            }
        }
        self.code_text(value);
        if self.code_strings {
            if let Some(host) = signals::url_host(value) {
                self.host(&host);
            }
            self.atom_text(&format!("code:{:016x}", text_digest(value)));
        } else if let Some(host) = signals::url_host(value) {
            self.host(&host);
        } else if KEPT_STRINGS.contains(&value) {
            self.atom_text(value);
        } else {
            self.lit(LitClass::String);
        }
    }

    /// Records a call of a local function by its name with string arguments shaped like
    /// names (see [`Normalized::call_strings`]); at most [`MAX_CALL_STRINGS`] of them, each
    /// at most [`MAX_CALL_STRING_BYTES`] long.
    fn call_strings(&mut self, it: &CallExpression<'_>) {
        let Expression::Identifier(callee) = &it.callee else {
            return;
        };
        let Some(symbol) = callee
            .reference_id
            .get()
            .and_then(|r| self.scoping.get_reference(r).symbol_id())
        else {
            return;
        };
        let strings: Vec<String> = it
            .arguments
            .iter()
            .filter_map(|a| match a {
                Argument::StringLiteral(s)
                    if s.value.len() <= MAX_CALL_STRING_BYTES && is_identifier_name(&s.value) =>
                {
                    Some(s.value.to_string())
                }
                _ => None,
            })
            .take(MAX_CALL_STRINGS)
            .collect();
        if !strings.is_empty() {
            self.out.call_strings.push((symbol.index() as u32, strings));
        }
    }

    /// What replacing an assignment target replaces: a network API, [`signals::HOOK`] (`fetch`
    /// or `window.fetch`, `XMLHttpRequest.prototype.open`/`send`/`setRequestHeader`,
    /// `WebSocket.prototype.send`, `navigator.sendBeacon`, `ethereum.request`); another
    /// object's `request`, [`signals::REQUEST_HOOK`]; or nothing watched, 0.
    fn replaced_api(&self, target: &AssignmentTarget<'_>) -> Signals {
        const HOOKED: &[&str] = &[
            "fetch",
            "open",
            "send",
            "setRequestHeader",
            "sendBeacon",
            "request",
        ];
        let (object, name) = match target {
            AssignmentTarget::AssignmentTargetIdentifier(id) => {
                let global = id
                    .reference_id
                    .get()
                    .is_some_and(|r| self.scoping.get_reference(r).symbol_id().is_none());
                return if global && id.name == "fetch" {
                    signals::HOOK
                } else {
                    0
                };
            }
            // Most assignments are to other members: decided on the name, without copies.
            AssignmentTarget::StaticMemberExpression(m) => {
                if !HOOKED.contains(&m.property.name.as_str()) {
                    return 0;
                }
                (&m.object, m.property.name.to_string())
            }
            AssignmentTarget::ComputedMemberExpression(m) => match self.member_key(&m.expression) {
                Some(k) if HOOKED.contains(&&*k) => (&m.object, k.into_owned()),
                _ => return 0,
            },
            _ => return 0,
        };
        let path = self.member_path(object, 0).unwrap_or_default();
        // `window.X`, `self.X`, `globalThis.X` are `X`.
        let path = ["window.", "self.", "globalThis."]
            .iter()
            .find_map(|p| path.strip_prefix(p))
            .unwrap_or(&path);
        let hook = match name.as_str() {
            "fetch" => matches!(path, "window" | "self" | "globalThis"),
            "send" => matches!(path, "XMLHttpRequest.prototype" | "WebSocket.prototype"),
            "open" | "setRequestHeader" => path == "XMLHttpRequest.prototype",
            "sendBeacon" => matches!(path, "navigator" | "Navigator.prototype"),
            _ => path == "ethereum",
        };
        match (hook, name.as_str()) {
            (true, _) => signals::HOOK,
            // Any other object's `request`: a provider handed over as a parameter
            // (`patch(window.ethereum)`) is not followed by name.
            (false, "request") => signals::REQUEST_HOOK,
            _ => 0,
        }
    }

    /// Whether an expression is a variable the script declares.
    fn is_local(&self, e: &Expression<'_>) -> bool {
        matches!(e, Expression::Identifier(id) if id
            .reference_id
            .get()
            .is_some_and(|r| self.scoping.get_reference(r).symbol_id().is_some()))
    }

    /// `a.b.c` as written, for names and static members (at most 8 deep), with an IIFE's
    /// parameter given a browser global written as that global.
    fn member_path(&self, e: &Expression<'_>, depth: usize) -> Option<String> {
        match e {
            Expression::Identifier(id) => {
                let alias = id
                    .reference_id
                    .get()
                    .and_then(|r| self.scoping.get_reference(r).symbol_id())
                    .and_then(|s| self.alias_of(s.index() as u32));
                Some(alias.map_or_else(|| id.name.to_string(), |g| g.to_owned()))
            }
            Expression::StaticMemberExpression(m) if depth < 8 => Some(format!(
                "{}.{}",
                self.member_path(&m.object, depth + 1)?,
                m.property.name
            )),
            Expression::ParenthesizedExpression(p) => self.member_path(&p.expression, depth + 1),
            _ => None,
        }
    }

    /// The name a computed member key stands for: a string literal, or a variable bound once
    /// to a string constant, that is a valid identifier name.
    fn member_key<'k>(&self, key: &'k Expression<'_>) -> Option<std::borrow::Cow<'k, str>> {
        let value = match key {
            Expression::StringLiteral(s) => std::borrow::Cow::Borrowed(s.value.as_str()),
            Expression::Identifier(id) => {
                let sym = id
                    .reference_id
                    .get()
                    .and_then(|r| self.scoping.get_reference(r).symbol_id())?;
                match self.constant_of(sym.index() as u32)? {
                    Constant::String(v) => std::borrow::Cow::Owned(v),
                    _ => return None,
                }
            }
            _ => return None,
        };
        is_identifier_name(&value).then_some(value)
    }

    /// `x.name`, however it was written.
    fn static_member(&mut self, object: &Expression<'_>, name: &str) {
        self.open(AstType::StaticMemberExpression);
        self.visit_expression(object);
        self.identifier_name(name);
        self.close();
    }

    fn identifier_name(&mut self, name: &str) {
        self.open(AstType::IdentifierName);
        self.atom_name(name);
    }

    /// A list of statements; at unit level (top level or a function body) each canonical
    /// statement becomes a unit.
    fn statement_list(&mut self, list: &[Statement<'_>], units: bool) {
        for s in list {
            self.statement(s, units);
        }
    }

    /// A function body: a unit-level list whose end is also a return, so that the ways of
    /// writing a final branch converge: `if(c){X;return} Y` (early return),
    /// `if(c){X}else{Y}`, `c?X:Y`, `c&&X`, `if(c)return a;return b` and `return c?a:b`.
    /// See [`Self::branch_tail`].
    fn function_body(&mut self, list: &[Statement<'_>]) {
        let list = strip_bare_return(list);
        for (i, s) in list.iter().enumerate() {
            let rest = &list[i + 1..];
            if rest.is_empty() {
                match s {
                    Statement::ExpressionStatement(e) => return self.tail_expr(&e.expression),
                    Statement::ReturnStatement(r) => {
                        if let Some(e) = &r.argument {
                            return self.tail_return(e, r.span);
                        }
                    }
                    Statement::IfStatement(it) => {
                        let els = match &it.alternate {
                            Some(alt) => Piece::Stmt(alt),
                            None => Piece::Rest(&[]),
                        };
                        return self.branch_tail(&it.test, Piece::Stmt(&it.consequent), els);
                    }
                    _ => {}
                }
            } else if let Statement::IfStatement(it) = s {
                if it.alternate.is_none() && ends_with_return(&it.consequent) {
                    return self.branch_tail(
                        &it.test,
                        Piece::Stmt(&it.consequent),
                        Piece::Rest(rest),
                    );
                }
            }
            self.statement(s, true);
        }
    }

    /// A final branch `if (test) A else B` of a function, in canonical form: a negated test
    /// is turned around (A and B swapped); an empty branch disappears (`if(c){A}` or
    /// `if(!c){B}`); otherwise `if(c){A;return}` then B's statements. Statements inside stay
    /// units, so an injection into a guarded function body is still found alone.
    fn branch_tail(&mut self, test: &Expression<'_>, a: Piece<'_, '_>, b: Piece<'_, '_>) {
        let mut list = Vec::new();
        conjuncts(test, false, &mut list);
        let (a, b) = if orient(&mut list) { (b, a) } else { (a, b) };
        let span = test.span();
        if b.is_empty() {
            let a = merge_ifs(&mut list, a);
            if let Some((op, asg)) = self.guarded_assignment(&list, a) {
                return self.wrap(true, span, |this| {
                    this.open(AstType::ExpressionStatement);
                    this.expanded_assignment(true, op, &asg.left, &asg.right);
                    this.close();
                });
            }
            self.wrap(true, span, |this| {
                this.open(AstType::IfStatement);
                this.conj(&list);
                this.open(AstType::BlockStatement);
                this.tail_piece(a);
                this.close();
                this.close();
            });
        } else if a.is_empty() {
            let b = if list.len() == 1 {
                list[0].1 = !list[0].1;
                merge_ifs(&mut list, b)
            } else {
                b
            };
            if let Some((op, asg)) = self.guarded_assignment(&list, b) {
                return self.wrap(true, span, |this| {
                    this.open(AstType::ExpressionStatement);
                    this.expanded_assignment(true, op, &asg.left, &asg.right);
                    this.close();
                });
            }
            self.wrap(true, span, |this| {
                this.open(AstType::IfStatement);
                if list.len() == 1 {
                    this.conj(&list);
                } else {
                    this.open(AstType::UnaryExpression);
                    this.atom("!");
                    this.conj(&list);
                    this.close();
                }
                this.open(AstType::BlockStatement);
                this.tail_piece(b);
                this.close();
                this.close();
            });
        } else {
            self.wrap(true, span, |this| {
                this.open(AstType::IfStatement);
                this.conj(&list);
                this.open(AstType::BlockStatement);
                this.tail_piece(a);
                if !a.ends_with_value_return() {
                    this.open(AstType::ReturnStatement);
                    this.close();
                }
                this.close();
                this.close();
            });
            self.tail_piece(b);
        }
    }

    /// A piece in tail position: its statements are units and end the function.
    fn tail_piece(&mut self, piece: Piece<'_, '_>) {
        match piece {
            Piece::Stmt(Statement::BlockStatement(b)) => self.function_body(&b.body),
            Piece::Stmt(s) => self.function_body(std::slice::from_ref(s)),
            Piece::Rest(list) => self.function_body(list),
            Piece::Expr(e) => self.tail_expr(e),
            Piece::Return(e) => self.tail_return(e, e.span()),
            Piece::LoopRest(list) => self.loop_list(list),
        }
    }

    /// A piece inside a block, not in tail position.
    fn inner_piece(&mut self, piece: Piece<'_, '_>) {
        match piece {
            Piece::Stmt(s) => self.statement(s, false),
            Piece::Expr(e) => self.expression_statement(e, false),
            Piece::Return(e) => {
                self.open(AstType::ReturnStatement);
                self.visit_expression(e);
                self.close();
            }
            Piece::Rest(list) => self.statement_list(list, false),
            Piece::LoopRest(list) => self.loop_list(list),
        }
    }

    /// `if (test) body` without `else`, nested ifs merged into one conjunction
    /// (`if(a){if(b)X}`, `if(a&&b)X`, `a&&b&&X` and `!(!a||!b)||...` converge).
    fn if_then<'b, 'x>(&mut self, mut list: Vec<(Cond<'b, 'x>, bool)>, body: Piece<'b, 'x>) {
        let body = merge_ifs(&mut list, body);
        if let Some((op, a)) = self.guarded_assignment(&list, body) {
            self.open(AstType::ExpressionStatement);
            self.expanded_assignment(true, op, &a.left, &a.right);
            self.close();
            return;
        }
        self.open(AstType::IfStatement);
        self.conj(&list);
        self.open(AstType::BlockStatement);
        self.inner_piece(body);
        self.close();
        self.close();
    }

    /// The statements of a loop body: `if (c) continue; rest` is `if (!c) { rest }`, and a
    /// final bare `continue;` is nothing.
    fn loop_list(&mut self, list: &[Statement<'_>]) {
        let list = match list.split_last() {
            Some((Statement::ContinueStatement(c), init)) if c.label.is_none() => init,
            _ => list,
        };
        for (i, s) in list.iter().enumerate() {
            let rest = &list[i + 1..];
            if let Some(test) = continue_guard(s) {
                if !rest.is_empty() {
                    let mut conj = Vec::new();
                    conjuncts(test, true, &mut conj);
                    self.if_then(conj, Piece::LoopRest(rest));
                    return;
                }
            }
            self.statement(s, false);
        }
    }

    /// A loop body, always as a block.
    fn loop_body(&mut self, s: &Statement<'_>) {
        self.open(AstType::BlockStatement);
        match s {
            Statement::BlockStatement(b) => self.loop_list(&b.body),
            s => self.loop_list(std::slice::from_ref(s)),
        }
        self.close();
    }

    /// The last expression statement of a function.
    fn tail_expr(&mut self, e: &Expression<'_>) {
        match e {
            Expression::SequenceExpression(seq) => {
                if let Some((last, init)) = seq.expressions.split_last() {
                    for part in init {
                        self.expression_statement(part, true);
                    }
                    self.tail_expr(last);
                }
            }
            Expression::ConditionalExpression(c) => {
                self.branch_tail(
                    &c.test,
                    Piece::Expr(&c.consequent),
                    Piece::Expr(&c.alternate),
                );
            }
            Expression::LogicalExpression(l) if self.logical_assignment(l).is_some() => {
                self.expression_statement(e, true);
            }
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::And => {
                self.branch_tail(&l.left, Piece::Expr(&l.right), Piece::Rest(&[]));
            }
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or => {
                self.branch_tail(&l.left, Piece::Rest(&[]), Piece::Expr(&l.right));
            }
            Expression::UnaryExpression(u) if discards_result(u) => self.tail_expr(&u.argument),
            Expression::ParenthesizedExpression(p) => self.tail_expr(&p.expression),
            _ => self.expression_statement(e, true),
        }
    }

    /// `return e` as the last statement of a function.
    fn tail_return(&mut self, e: &Expression<'_>, span: Span) {
        match e {
            // `return void f()` at the end is `f()`.
            Expression::UnaryExpression(u)
                if u.operator == UnaryOperator::Void && !is_pure_literal(&u.argument) =>
            {
                self.tail_expr(&u.argument)
            }
            Expression::SequenceExpression(seq) => {
                if let Some((last, init)) = seq.expressions.split_last() {
                    for part in init {
                        self.expression_statement(part, true);
                    }
                    self.tail_return(last, span);
                }
            }
            Expression::ConditionalExpression(c) => {
                self.branch_tail(
                    &c.test,
                    Piece::Return(&c.consequent),
                    Piece::Return(&c.alternate),
                );
            }
            Expression::ParenthesizedExpression(p) => self.tail_return(&p.expression, span),
            _ => self.wrap(true, span, |this| {
                this.open(AstType::ReturnStatement);
                this.visit_expression(e);
                this.close();
            }),
        }
    }

    /// One conjunct of a test: `!=` read as `==`, negated once at most.
    fn cond(&mut self, cond: Cond<'_, '_>, negate: bool) {
        if negate {
            self.open(AstType::UnaryExpression);
            self.atom("!");
        }
        match cond {
            Cond::Expr(e) => self.visit_expression(e),
            Cond::Undefined(t) => self.typeof_is_undefined(t, true),
            Cond::Eq(b) => {
                let (left, right) = equality_operands(b);
                self.open(AstType::BinaryExpression);
                self.atom("==");
                self.visit_expression(left);
                self.visit_expression(right);
                self.close();
            }
        }
        if negate {
            self.close();
        }
    }

    /// `a = a <op> b`, the form `a <op>= b`, `a || (a = b)` and `if (!a) a = b` take.
    fn expanded_assignment(
        &mut self,
        logical: bool,
        op: &'static str,
        left: &AssignmentTarget<'_>,
        right: &Expression<'_>,
    ) {
        // What `enter_node` emits for a plain `=`.
        self.open(AstType::AssignmentExpression);
        self.atom("=");
        self.visit_assignment_target(left);
        self.open(if logical {
            AstType::LogicalExpression
        } else {
            AstType::BinaryExpression
        });
        self.atom(op);
        // The target read as a value: the same tokens as the target itself, unless writing
        // them again would repeat something that runs (`(n = f()).d *= 2` calls `f` once).
        if target_is_path(left) {
            walk::walk_assignment_target(self, left);
        } else {
            self.atom(SAME_TARGET);
        }
        self.visit_expression(right);
        self.close();
        self.close();
    }

    /// `x || (x = y)`, `x && (x = y)`, `x ?? (x = y)` with `x` a plain name: the
    /// assignment (minifiers write `x ||= y`).
    fn logical_assignment<'b, 'x>(
        &self,
        l: &'b LogicalExpression<'x>,
    ) -> Option<&'b AssignmentExpression<'x>> {
        let mut right = &l.right;
        while let Expression::ParenthesizedExpression(p) = right {
            right = &p.expression;
        }
        let (Expression::Identifier(read), Expression::AssignmentExpression(a)) = (&l.left, right)
        else {
            return None;
        };
        self.assigns_to(a, read).then_some(a)
    }

    /// `a` is `x = ...` with `x` the name `read` reads.
    fn assigns_to(&self, a: &AssignmentExpression<'_>, read: &IdentifierReference<'_>) -> bool {
        let AssignmentTarget::AssignmentTargetIdentifier(target) = &a.left else {
            return false;
        };
        let symbol = |r: &IdentifierReference<'_>| {
            r.reference_id
                .get()
                .and_then(|id| self.scoping.get_reference(id).symbol_id())
        };
        a.operator == AssignmentOperator::Assign
            && match (symbol(read), symbol(target)) {
                (Some(x), Some(y)) => x == y,
                (None, None) => read.name == target.name,
                _ => false,
            }
    }

    /// `if (!x) x = y` (or `if (x) x = y`): the assignment and its logical operator.
    fn guarded_assignment<'b, 'x>(
        &self,
        list: &[(Cond<'b, 'x>, bool)],
        body: Piece<'b, 'x>,
    ) -> Option<(&'static str, &'b AssignmentExpression<'x>)> {
        let [(Cond::Expr(Expression::Identifier(read)), negated)] = list else {
            return None;
        };
        let stmt = match body {
            Piece::Stmt(s) => Some(s),
            Piece::Rest([s]) | Piece::LoopRest([s]) => Some(s),
            _ => None,
        };
        let expr = match (stmt, body) {
            (Some(Statement::ExpressionStatement(e)), _) => &e.expression,
            (None, Piece::Expr(e)) => e,
            _ => return None,
        };
        let Expression::AssignmentExpression(a) = expr else {
            return None;
        };
        self.assigns_to(a, read)
            .then_some((if *negated { "||" } else { "&&" }, a))
    }

    /// `typeof x == "undefined"` (or `!=`), as written in full.
    fn typeof_is_undefined(&mut self, typeof_expr: &Expression<'_>, equal: bool) {
        self.open(AstType::BinaryExpression);
        self.atom(if equal { "==" } else { "!=" });
        self.visit_expression(typeof_expr);
        self.open(AstType::StringLiteral);
        self.string_value("undefined");
        self.close();
        self.close();
    }

    /// A conjunction, as a left-leaning `&&` chain.
    fn conj(&mut self, list: &[(Cond<'_, '_>, bool)]) {
        for _ in 1..list.len() {
            self.open(AstType::LogicalExpression);
            self.atom("&&");
        }
        for (i, &(c, negate)) in list.iter().enumerate() {
            self.cond(c, negate);
            if i > 0 {
                self.close();
            }
        }
    }

    /// A test used as is.
    fn test(&mut self, e: &Expression<'_>) {
        let mut list = Vec::new();
        conjuncts(e, false, &mut list);
        self.conj(&list);
    }

    /// A two-way branch outside tail position, with a negated test turned around.
    fn branch(&mut self, test: &Expression<'_>, a: Piece<'_, '_>, b: Piece<'_, '_>) {
        let mut list = Vec::new();
        conjuncts(test, false, &mut list);
        let (a, b) = if orient(&mut list) { (b, a) } else { (a, b) };
        self.open(AstType::IfStatement);
        self.conj(&list);
        for p in [a, b] {
            self.open(AstType::BlockStatement);
            self.inner_piece(p);
            self.close();
        }
        self.close();
    }

    /// A `for` loop; `var` declarations in its head become statements before it (where
    /// minifiers move them from), and a `for` with neither head nor update is a `while`.
    fn for_loop(&mut self, it: &ForStatement<'_>, unit: bool) {
        let hoisted = match &it.init {
            Some(ForStatementInit::VariableDeclaration(d))
                if d.kind == VariableDeclarationKind::Var =>
            {
                for decl in &d.declarations {
                    if self.drops_declarator(d.kind, decl) {
                        continue;
                    }
                    self.wrap(unit, decl.span, |this| {
                        this.open(AstType::VariableDeclaration);
                        this.visit_variable_declarator(decl);
                        this.close();
                    });
                }
                true
            }
            _ => false,
        };
        self.wrap(unit, it.span, |this| {
            let init = if hoisted { None } else { it.init.as_ref() };
            if init.is_none() && it.update.is_none() {
                this.open(AstType::WhileStatement);
                match &it.test {
                    Some(t) => this.test(t),
                    None => this.boolean(true),
                }
            } else {
                this.open(AstType::ForStatement);
                if let Some(init) = init {
                    this.visit_for_statement_init(init);
                }
                if let Some(t) = &it.test {
                    this.test(t);
                }
                if let Some(update) = &it.update {
                    this.visit_expression(update);
                }
            }
            this.loop_body(&it.body);
            this.close();
        });
    }

    fn statement(&mut self, s: &Statement<'_>, unit: bool) {
        match s {
            Statement::EmptyStatement(_) => {}
            Statement::BlockStatement(b) => self.statement_list(&b.body, unit),
            Statement::ExpressionStatement(e) => self.expression_statement(&e.expression, unit),
            Statement::VariableDeclaration(d) => {
                for decl in &d.declarations {
                    if self.drops_declarator(d.kind, decl) {
                        continue;
                    }
                    self.wrap(unit, decl.span, |this| {
                        this.open(AstType::VariableDeclaration);
                        this.visit_variable_declarator(decl);
                        this.close();
                    });
                }
            }
            Statement::ReturnStatement(r) => match &r.argument {
                // `return void f()` is `f(); return`.
                Some(Expression::UnaryExpression(u))
                    if u.operator == UnaryOperator::Void && !is_pure_literal(&u.argument) =>
                {
                    self.expression_statement(&u.argument, unit);
                    self.wrap(unit, r.span, |this| {
                        this.open(AstType::ReturnStatement);
                        this.close();
                    });
                }
                Some(Expression::SequenceExpression(seq)) if seq.expressions.len() > 1 => {
                    let (last, init) = match seq.expressions.split_last() {
                        Some(parts) => parts,
                        None => return,
                    };
                    for e in init {
                        self.expression_statement(e, unit);
                    }
                    self.wrap(unit, r.span, |this| {
                        this.open(AstType::ReturnStatement);
                        this.visit_expression(last);
                        this.close();
                    });
                }
                _ => self.wrap(unit, s.span(), |this| this.visit_statement(s)),
            },
            // A function nobody calls, inside another function, never runs: minifiers drop
            // it. (At top level it is a property of `window` and may be called by name.)
            Statement::FunctionDeclaration(f)
                if !self.open_units.is_empty()
                    && f.id.as_ref().is_some_and(|id| {
                        id.symbol_id
                            .get()
                            .is_some_and(|sym| self.scoping.symbol_is_unused(sym))
                    }) => {}
            // A function declaration is a function unit already.
            Statement::FunctionDeclaration(_) => self.visit_statement(s),
            Statement::ForStatement(f) => self.for_loop(f, unit),
            _ => self.wrap(unit, s.span(), |this| this.visit_statement(s)),
        }
    }

    fn wrap(&mut self, unit: bool, span: Span, f: impl FnOnce(&mut Self)) {
        if unit {
            self.begin_unit(UnitKind::Statement, span);
        }
        f(self);
        if unit {
            self.end_unit();
        }
    }

    /// An expression used as a statement, in canonical form.
    fn expression_statement(&mut self, e: &Expression<'_>, unit: bool) {
        match e {
            Expression::SequenceExpression(seq) => {
                for part in &seq.expressions {
                    self.expression_statement(part, unit);
                }
            }
            Expression::LogicalExpression(l)
                if matches!(l.operator, LogicalOperator::And | LogicalOperator::Or)
                    && self.logical_assignment(l).is_none() =>
            {
                self.wrap(unit, l.span, |this| {
                    let mut list = Vec::new();
                    conjuncts(&l.left, l.operator == LogicalOperator::Or, &mut list);
                    this.if_then(list, Piece::Expr(&l.right));
                });
            }
            Expression::ConditionalExpression(c) => {
                self.wrap(unit, c.span, |this| {
                    this.branch(
                        &c.test,
                        Piece::Expr(&c.consequent),
                        Piece::Expr(&c.alternate),
                    );
                });
            }
            // `!function(){}()`, `void f()`: the operator's result is thrown away.
            Expression::UnaryExpression(u) if discards_result(u) => {
                self.expression_statement(&u.argument, unit);
            }
            Expression::ParenthesizedExpression(p) => {
                self.expression_statement(&p.expression, unit)
            }
            _ => self.wrap(unit, e.span(), |this| {
                this.open(AstType::ExpressionStatement);
                this.visit_expression(e);
                this.close();
            }),
        }
    }

    fn boolean(&mut self, value: bool) {
        self.open(AstType::BooleanLiteral);
        self.atom(if value { "true" } else { "false" });
    }

    /// What a call says: packed code run by `eval`, navigation, pop-ups.
    fn call_signals(&mut self, c: &CallExpression<'_>) {
        // `eval(f(...))`, `Function(g(...))`: code computed by a call (packers).
        let evaluates = matches!(&c.callee, Expression::Identifier(id)
            if id.name == "eval" || id.name == "Function");
        if evaluates
            && matches!(
                c.arguments.first().and_then(|a| a.as_expression()),
                Some(Expression::CallExpression(_))
            )
        {
            self.signal(signals::DECODE);
        }
        if let Expression::StaticMemberExpression(m) = &c.callee {
            // `el.setAttribute("src", url)` sets a source as `el.src = url` does.
            if m.property.name == "setAttribute"
                && c.arguments
                    .first()
                    .and_then(|a| a.as_expression())
                    .and_then(|e| self.const_str(e))
                    .is_some_and(|name| name == "src" || name == "action")
            {
                self.signal(signals::SINK_SRC_ATTR);
            }
            let redirect = matches!(m.property.name.as_str(), "replace" | "assign")
                && is_location(&m.object)
                && !c
                    .arguments
                    .first()
                    .and_then(|a| a.as_expression())
                    .is_some_and(is_app_link);
            self.navigation(redirect);
            // `window.open(...)` (an XMLHttpRequest's `open` is not a window).
            if m.property.name == "open"
                && matches!(&m.object, Expression::Identifier(id) if id.name == "window")
            {
                self.signal(signals::POPUP);
            }
        }
    }

    /// The value of a concatenation of string constants, local constant variables included
    /// (`u + "v="` with `var u = "https://x.example/"`), if it is one.
    fn const_str(&self, e: &Expression<'_>) -> Option<String> {
        match e {
            Expression::Identifier(id) => {
                let sym = id
                    .reference_id
                    .get()
                    .and_then(|r| self.scoping.get_reference(r).symbol_id())?;
                match self.constant_of(sym.index() as u32) {
                    Some(Constant::String(v)) => Some(v),
                    _ => None,
                }
            }
            Expression::ParenthesizedExpression(p) => self.const_str(&p.expression),
            Expression::CallExpression(c) => self.reversed_call(c).or_else(|| self.joined_call(c)),
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                let mut left = self.const_str(&b.left)?;
                let right = self.const_str(&b.right)?;
                if left.len() + right.len() > MAX_FOLDED_STRING {
                    return None;
                }
                left.push_str(&right);
                Some(left)
            }
            e => constant_string(e),
        }
    }

    /// The text of a call that reverses a constant string: `"hctef".split("").reverse().join("")`,
    /// or a call of a function that does so (`r("hctef")`), is `"fetch"`.
    fn reversed_call(&self, c: &CallExpression<'_>) -> Option<String> {
        let operand = match (reversed_operand(c), &c.callee, c.arguments.as_slice()) {
            (Some(x), _, _) => x,
            (None, Expression::Identifier(id), [arg]) if !self.reversers.is_empty() => {
                let sym = id
                    .reference_id
                    .get()
                    .and_then(|r| self.scoping.get_reference(r).symbol_id())?;
                if !self.reversers.contains(&(sym.index() as u32)) {
                    return None;
                }
                arg.as_expression()?
            }
            _ => return None,
        };
        Some(self.const_str(operand)?.chars().rev().collect())
    }

    /// The value of `[a, b, ...].join(sep)` over constant strings, also with `.reverse()`
    /// and `.map(f)` for a function that reverses its argument in between: a string put
    /// together from pieces at run time (`["https://", "cdn-", "stats", ".example"].join("")`).
    fn joined_call(&self, c: &CallExpression<'_>) -> Option<String> {
        let Expression::StaticMemberExpression(j) = &c.callee else {
            return None;
        };
        if j.property.name != "join" || c.arguments.len() > 1 {
            return None;
        }
        let separator = match c.arguments.first() {
            None => ",".to_owned(),
            Some(a) => self.const_str(a.as_expression()?)?,
        };
        let text = self.constant_pieces(&j.object)?.join(&separator);
        (text.len() <= MAX_FOLDED_STRING).then_some(text)
    }

    /// The strings of an array of constant strings (see [`Self::joined_call`]).
    fn constant_pieces(&self, e: &Expression<'_>) -> Option<Vec<String>> {
        match e {
            Expression::ParenthesizedExpression(p) => self.constant_pieces(&p.expression),
            Expression::ArrayExpression(a) if a.elements.len() <= MAX_JOINED_PIECES => a
                .elements
                .iter()
                .map(|el| self.const_str(el.as_expression()?))
                .collect(),
            Expression::CallExpression(c) => {
                let Expression::StaticMemberExpression(m) = &c.callee else {
                    return None;
                };
                let mut pieces = self.constant_pieces(&m.object)?;
                match (m.property.name.as_str(), c.arguments.as_slice()) {
                    ("reverse", []) => pieces.reverse(),
                    ("map", [f]) if f.as_expression().is_some_and(is_reverser) => {
                        for p in &mut pieces {
                            *p = p.chars().rev().collect();
                        }
                    }
                    _ => return None,
                }
                Some(pieces)
            }
            _ => None,
        }
    }

    /// Records `sym` as a reverser when `f` is one.
    fn note_reverser(&mut self, sym: Option<oxc_syntax::symbol::SymbolId>, f: &Expression<'_>) {
        let Some(sym) = sym else {
            return;
        };
        if is_reverser(f) {
            self.reversers.insert(sym.index() as u32);
        }
    }

    /// A binding nobody reads or writes (a plain identifier only).
    fn is_unused(&self, pattern: &BindingPattern<'_>) -> bool {
        match pattern {
            BindingPattern::BindingIdentifier(id) => id
                .symbol_id
                .get()
                .is_some_and(|s| self.scoping.symbol_is_unused(s)),
            _ => false,
        }
    }

    /// Records what an assignment or call says about navigation.
    fn navigation(&mut self, target_is_location: bool) {
        if target_is_location {
            self.signal(signals::REDIRECT);
        }
    }
}

/// A branch of an `if`, however it was spelled.
#[derive(Clone, Copy)]
enum Piece<'b, 'a> {
    Stmt(&'b Statement<'a>),
    Expr(&'b Expression<'a>),
    /// `return e`.
    Return(&'b Expression<'a>),
    Rest(&'b [Statement<'a>]),
    /// The rest of a loop body (where `continue` ends it).
    LoopRest(&'b [Statement<'a>]),
}

impl Piece<'_, '_> {
    /// Nothing but empty statements and a bare `return;` (at the end of a function, nothing).
    fn is_empty(&self) -> bool {
        match self {
            Piece::Stmt(s) => is_empty_statement(s),
            Piece::Rest(list) | Piece::LoopRest(list) => list.iter().all(is_empty_statement),
            Piece::Expr(_) | Piece::Return(_) => false,
        }
    }

    /// Ends with `return <value>`.
    fn ends_with_value_return(&self) -> bool {
        match self {
            Piece::Stmt(s) => ends_with_value_return(s),
            Piece::Expr(_) => false,
            Piece::Return(_) => true,
            Piece::Rest(list) | Piece::LoopRest(list) => {
                list.last().is_some_and(ends_with_value_return)
            }
        }
    }
}

fn is_empty_statement(s: &Statement<'_>) -> bool {
    match s {
        Statement::EmptyStatement(_) => true,
        Statement::ReturnStatement(r) => r.argument.is_none(),
        Statement::BlockStatement(b) => b.body.iter().all(is_empty_statement),
        _ => false,
    }
}

fn ends_with_return(s: &Statement<'_>) -> bool {
    match s {
        Statement::ReturnStatement(_) => true,
        Statement::BlockStatement(b) => b.body.last().is_some_and(ends_with_return),
        _ => false,
    }
}

fn ends_with_value_return(s: &Statement<'_>) -> bool {
    match s {
        Statement::ReturnStatement(r) => r.argument.is_some(),
        Statement::BlockStatement(b) => b.body.last().is_some_and(ends_with_value_return),
        _ => false,
    }
}

/// A list without its final bare `return;` (a no-op at the end of a function).
fn strip_bare_return<'b, 'a>(list: &'b [Statement<'a>]) -> &'b [Statement<'a>] {
    match list.split_last() {
        Some((Statement::ReturnStatement(r), init)) if r.argument.is_none() => init,
        _ => list,
    }
}

/// A test with its negations peeled off.
#[derive(Clone, Copy)]
enum Cond<'b, 'a> {
    Expr(&'b Expression<'a>),
    /// `typeof x < "u"` (minified `typeof x != "undefined"`), read as `typeof x == "u"`
    /// (the negation is returned beside it); the `typeof` expression.
    Undefined(&'b Expression<'a>),
    /// `a != b`, read as `a == b` (the negation is returned beside it).
    Eq(&'b BinaryExpression<'a>),
}

/// A test as a list of conjuncts, each with its negation: `!!x` is `x`, `a != b` is
/// `!(a == b)`, `a && b` is [a, b], and `!(a || b)` is [!a, !b].
fn conjuncts<'b, 'a>(e: &'b Expression<'a>, negated: bool, out: &mut Vec<(Cond<'b, 'a>, bool)>) {
    match e {
        Expression::UnaryExpression(u)
            if u.operator == UnaryOperator::LogicalNot
                && !matches!(u.argument, Expression::NumericLiteral(_)) =>
        {
            conjuncts(&u.argument, !negated, out);
        }
        Expression::ParenthesizedExpression(p) => conjuncts(&p.expression, negated, out),
        Expression::LogicalExpression(l)
            if (l.operator == LogicalOperator::And && !negated)
                || (l.operator == LogicalOperator::Or && negated) =>
        {
            conjuncts(&l.left, negated, out);
            conjuncts(&l.right, negated, out);
        }
        Expression::BinaryExpression(b)
            if matches!(
                b.operator,
                BinaryOperator::Inequality | BinaryOperator::StrictInequality
            ) =>
        {
            out.push((Cond::Eq(b), !negated));
        }
        Expression::BinaryExpression(b) if typeof_undefined(b).is_some() => {
            if let Some((t, defined)) = typeof_undefined(b) {
                out.push((Cond::Undefined(t), negated ^ defined));
            }
        }
        _ => out.push((Cond::Expr(e), negated)),
    }
}

/// Turns a single negated conjunct around; says whether it did (the branches then swap).
fn orient(list: &mut [(Cond<'_, '_>, bool)]) -> bool {
    match list {
        [(_, negated)] if *negated => {
            *negated = false;
            true
        }
        _ => false,
    }
}

/// While the body is one `if` without `else` (however spelled), moves its test into the
/// conjunction and returns what is left of the body.
fn merge_ifs<'b, 'a>(
    list: &mut Vec<(Cond<'b, 'a>, bool)>,
    mut body: Piece<'b, 'a>,
) -> Piece<'b, 'a> {
    loop {
        let single = match body {
            Piece::Stmt(s) => Some(s),
            Piece::Rest(l) | Piece::LoopRest(l) => match l {
                [s] => Some(s),
                _ => None,
            },
            _ => None,
        };
        let loop_context = matches!(body, Piece::LoopRest(_));
        let next = match (single, body) {
            (Some(Statement::BlockStatement(b)), _) => match b.body.as_slice() {
                [s] => Some((None, Piece::Stmt(s))),
                _ => None,
            },
            (Some(Statement::IfStatement(i)), _) if i.alternate.is_none() => {
                Some((Some((&i.test, false)), Piece::Stmt(&i.consequent)))
            }
            (Some(Statement::ExpressionStatement(e)), _) => logical_if(&e.expression),
            (None, Piece::Expr(e)) => logical_if(e),
            (None, Piece::LoopRest(l)) => match l.split_first() {
                Some((first, rest)) if !rest.is_empty() => {
                    continue_guard(first).map(|t| (Some((t, true)), Piece::LoopRest(rest)))
                }
                _ => None,
            },
            _ => None,
        };
        let Some((test, inner)) = next else {
            return body;
        };
        if let Some((t, negated)) = test {
            conjuncts(t, negated, list);
        }
        body = match (inner, loop_context) {
            (Piece::Stmt(s), true) => Piece::LoopRest(std::slice::from_ref(s)),
            (p, _) => p,
        };
    }
}

/// `a && X` and `a || X` as statements: `if (a) X` and `if (!a) X`.
fn logical_if<'b, 'a>(
    e: &'b Expression<'a>,
) -> Option<(Option<(&'b Expression<'a>, bool)>, Piece<'b, 'a>)> {
    match e {
        Expression::LogicalExpression(l) if l.operator == LogicalOperator::And => {
            Some((Some((&l.left, false)), Piece::Expr(&l.right)))
        }
        Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or => {
            Some((Some((&l.left, true)), Piece::Expr(&l.right)))
        }
        Expression::ParenthesizedExpression(p) => logical_if(&p.expression),
        _ => None,
    }
}

/// The test of `if (test) continue;` (unlabelled, no `else`).
fn continue_guard<'b, 'a>(s: &'b Statement<'a>) -> Option<&'b Expression<'a>> {
    let Statement::IfStatement(i) = s else {
        return None;
    };
    if i.alternate.is_some() {
        return None;
    }
    let is_continue =
        |s: &Statement<'_>| matches!(s, Statement::ContinueStatement(c) if c.label.is_none());
    let guard = match &i.consequent {
        Statement::BlockStatement(b) => matches!(b.body.as_slice(), [c] if is_continue(c)),
        c => is_continue(c),
    };
    guard.then_some(&i.test)
}

/// `!f()`, `void f()`, `-f()` as a statement: the operator's result is thrown away.
fn discards_result(u: &UnaryExpression<'_>) -> bool {
    matches!(
        u.operator,
        UnaryOperator::LogicalNot
            | UnaryOperator::Void
            | UnaryOperator::UnaryPlus
            | UnaryOperator::UnaryNegation
            | UnaryOperator::BitwiseNot
    ) && matches!(u.argument, Expression::CallExpression(_))
}

/// Whether a URL being navigated to opens an application, not a page: its constant start
/// names a scheme other than the web's (`ledgerlive://wc?uri=...`, `metamask://`, `tg:`,
/// `mailto:`). Wallet connectors and share buttons hand the visitor to an app this way;
/// the page stays.
fn is_app_link(e: &Expression<'_>) -> bool {
    let start = match e {
        Expression::StringLiteral(s) => s.value.as_str(),
        Expression::TemplateLiteral(t) => t.quasis.first().map_or("", |q| q.value.raw.as_str()),
        Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
            return is_app_link(&b.left)
        }
        Expression::ParenthesizedExpression(p) => return is_app_link(&p.expression),
        _ => return false,
    };
    let Some((scheme, _)) = start.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme.as_bytes()[0].is_ascii_alphabetic()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && ![
            "http",
            "https",
            "javascript",
            "data",
            "blob",
            "file",
            "about",
            "ftp",
        ]
        .iter()
        .any(|w| scheme.eq_ignore_ascii_case(w))
}

fn push_unique(v: &mut Vec<u32>, x: u32) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// `location`, `window.location`, `top.location`, `document.location`.
fn is_location(e: &Expression<'_>) -> bool {
    match e {
        Expression::Identifier(id) => id.name == "location",
        Expression::StaticMemberExpression(m) => m.property.name == "location",
        _ => false,
    }
}

/// Whether nodes of type `ty` (an [`AstType`] as its number) are leaves: always exactly one
/// token (a symbol, an atom or a literal class) after their `Open`, and so no `Close`. A
/// sixth of the stream's tokens would be their closes.
#[inline(always)]
pub(crate) fn is_leaf(ty: u8) -> bool {
    LEAF[usize::from(ty)]
}

const LEAF: [bool; 256] = {
    const LEAVES: [AstType; 10] = [
        AstType::IdentifierName,
        AstType::IdentifierReference,
        AstType::BindingIdentifier,
        AstType::LabelIdentifier,
        AstType::PrivateIdentifier,
        AstType::BooleanLiteral,
        AstType::NullLiteral,
        AstType::NumericLiteral,
        AstType::BigIntLiteral,
        AstType::RegExpLiteral,
    ];
    let mut table = [false; 256];
    let mut i = 0;
    while i < LEAVES.len() {
        table[LEAVES[i] as usize] = true;
        i += 1;
    }
    table
};

/// The hash an atom's text is interned under.
fn text_hash(s: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(s)
}

/// [`text_hash`] of the atom numbered `id`.
fn atom_hash(atoms: &Atoms, id: u32) -> u64 {
    atoms.get(id).map_or(0, text_hash)
}

fn is_identifier_name(s: &str) -> bool {
    oxc_syntax::identifier::is_identifier_name(s)
}

impl<'a> Visit<'a> for Normalizer<'_> {
    fn enter_node(&mut self, kind: AstKind<'a>) {
        self.open(kind.ty());
        match kind {
            // Minifiers turn `===` into `==` where both sides have one type; so do we, always.
            AstKind::BinaryExpression(b) => self.atom(match b.operator {
                BinaryOperator::StrictEquality => "==",
                BinaryOperator::StrictInequality => "!=",
                op => op.as_str(),
            }),
            AstKind::LogicalExpression(l) => self.atom(l.operator.as_str()),
            AstKind::UnaryExpression(u) => self.atom(u.operator.as_str()),
            AstKind::UpdateExpression(u) => {
                self.atom(u.operator.as_str());
                self.atom(if u.prefix { "prefix" } else { "postfix" });
            }
            AstKind::AssignmentExpression(a) => {
                self.atom(a.operator.as_str());
                let to_location = match &a.left {
                    AssignmentTarget::AssignmentTargetIdentifier(id) => id.name == "location",
                    AssignmentTarget::StaticMemberExpression(m) => {
                        m.property.name == "location"
                            || (m.property.name == "href" && is_location(&m.object))
                    }
                    _ => false,
                };
                self.navigation(to_location && !is_app_link(&a.right));
            }
            AstKind::CallExpression(c) => self.call_signals(c),
            AstKind::Function(f) => {
                self.atom(if f.generator { "generator" } else { "function" });
                if f.r#async {
                    self.atom("async");
                }
            }
            AstKind::MethodDefinition(m) => self.atom(match m.kind {
                MethodDefinitionKind::Constructor => "constructor",
                MethodDefinitionKind::Method => "method",
                MethodDefinitionKind::Get => "get",
                MethodDefinitionKind::Set => "set",
            }),
            AstKind::ObjectProperty(p) if p.kind != PropertyKind::Init => {
                self.atom(if p.kind == PropertyKind::Get {
                    "get"
                } else {
                    "set"
                });
            }
            _ => {}
        }
    }

    fn leave_node(&mut self, kind: AstKind<'a>) {
        let ty = kind.ty() as u8;
        if !is_leaf(ty) {
            self.close();
            return;
        }
        // Leaves write their tokens in their own visit methods below and never come here;
        // one walked directly (`walk::walk_identifier_name`...) wrote its open and nothing.
        debug_assert!(
            self.out
                .toks
                .len()
                .checked_sub(2)
                .map(|i| self.out.toks[i].tok())
                == Some(Tok::Open(ty)),
            "a leaf is its open and one token"
        );
    }

    // Names and literals write their tokens here rather than through `enter_node`: their
    // walks have nothing inside, and the tree's most frequent nodes then skip the
    // dispatch on the node's kind.

    fn visit_binding_identifier(&mut self, id: &BindingIdentifier<'a>) {
        self.open(AstType::BindingIdentifier);
        if id.name.starts_with("_0x") {
            self.signal(signals::HEX_NAMES);
        }
        match id.symbol_id.get() {
            Some(sym) => self.symbol(sym.index() as u32),
            None => self.atom_text(&id.name),
        }
    }

    fn visit_identifier_name(&mut self, id: &IdentifierName<'a>) {
        self.open(AstType::IdentifierName);
        self.atom_name(&id.name);
    }

    fn visit_label_identifier(&mut self, _: &LabelIdentifier<'a>) {
        self.open(AstType::LabelIdentifier);
        self.atom("label");
    }

    fn visit_private_identifier(&mut self, id: &PrivateIdentifier<'a>) {
        self.open(AstType::PrivateIdentifier);
        let sym = self.private_symbol(&id.name);
        self.symbol(sym);
    }

    fn visit_boolean_literal(&mut self, b: &BooleanLiteral) {
        self.open(AstType::BooleanLiteral);
        self.atom(if b.value { "true" } else { "false" });
    }

    fn visit_null_literal(&mut self, _: &NullLiteral) {
        self.open(AstType::NullLiteral);
        self.lit(LitClass::Null);
    }

    fn visit_numeric_literal(&mut self, _: &NumericLiteral<'a>) {
        self.open(AstType::NumericLiteral);
        self.lit(LitClass::Number);
    }

    fn visit_big_int_literal(&mut self, _: &BigIntLiteral<'a>) {
        self.open(AstType::BigIntLiteral);
        self.lit(LitClass::BigInt);
    }

    fn visit_reg_exp_literal(&mut self, r: &RegExpLiteral<'a>) {
        self.open(AstType::RegExpLiteral);
        self.lit(LitClass::Regex);
        // `/checkout|onepage/.test(location.href)`: the words still count.
        let pattern = r.regex.pattern.text.as_str();
        if pattern.len() <= 256 {
            self.signal(signals::regex_signals(pattern));
            for word in pattern.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
                if !word.is_empty() {
                    self.signal(signals::string_signals(word) & !signals::HIGH_ENTROPY);
                }
            }
        }
    }

    fn visit_string_literal(&mut self, s: &StringLiteral<'a>) {
        self.open(AstType::StringLiteral);
        self.string_value(&s.value);
        self.close();
    }

    fn visit_program(&mut self, it: &Program<'a>) {
        self.open(AstType::Program);
        self.statement_list(&it.body, true);
        self.close();
    }

    fn visit_assignment_target(&mut self, it: &AssignmentTarget<'a>) {
        let outer = self.writing;
        self.writing = true;
        walk::walk_assignment_target(self, it);
        self.writing = outer;
    }

    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        let symbol = it
            .reference_id
            .get()
            .and_then(|r| self.scoping.get_reference(r).symbol_id());
        if !self.tables.is_empty() {
            // Code that reads a string table reaches whatever the table names.
            let key = symbol.map(|s| s.index() as u32);
            if let Some((s, hosts)) = key.and_then(|k| self.tables.get(&k)) {
                let s = *s;
                if let Some(&u) = self.open_units.last() {
                    for &h in hosts {
                        push_unique(&mut self.out.units[u].hosts, h);
                    }
                }
                self.signal(s);
            }
        }
        let binding = symbol.map(|s| (s.index() as u32, self.binding(s.index() as u32)));
        let sym = binding
            .filter(|(_, b)| matches!(b, Binding::Constant | Binding::Inline))
            .map(|(s, _)| s);
        if let Some(b) = sym.and_then(|s| self.buffered.remove(&s)) {
            self.out.toks.extend_from_slice(&b.toks);
            self.out.types.extend_from_slice(&b.types);
            self.leaves += b.leaves;
            self.signal(b.signals);
            if let Some(&u) = self.open_units.last() {
                for a in b.apis {
                    push_unique(&mut self.out.units[u].apis, a);
                }
                for h in b.hosts {
                    push_unique(&mut self.out.units[u].hosts, h);
                }
            }
            return;
        }
        let constant = sym.and_then(|s| self.bindings.borrow().constants.get(&s).cloned());
        match constant {
            Some(c) if !self.writing => self.constant(&c),
            _ => {
                self.open(AstType::IdentifierReference);
                match symbol {
                    Some(sym) => self.symbol(sym.index() as u32),
                    None => self.atom_name(&it.name),
                }
            }
        }
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        self.open(AstType::CallExpression);
        self.call_signals(it);
        self.call_strings(it);
        if let Some(text) = self.reversed_call(it) {
            self.decoded_text(&text);
        } else if let Some(text) = self
            .joined_call(it)
            .filter(|t| signals::url_host(t).is_some())
        {
            // A URL put together from pieces: what it names, as if written plainly.
            self.decoded_text(&text);
        }
        self.decide_iife(it);
        self.visit_expression(&it.callee);
        let outer = (self.code_strings, self.url_encoding);
        self.code_strings = outer.0 || runs_strings(&it.callee);
        self.url_encoding = outer.1
            || matches!(&it.callee, Expression::Identifier(id)
                if matches!(id.name.as_str(), "encodeURIComponent" | "encodeURI" | "escape"));
        self.visit_arguments(&it.arguments);
        (self.code_strings, self.url_encoding) = outer;
        self.close();
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        // `new RegExp(..)` and `RegExp(..)` are the same for these built-ins; minifiers drop
        // the `new`.
        const CALLABLE: &[&str] = &[
            "RegExp",
            "Array",
            "Object",
            "Error",
            "Function",
            "TypeError",
            "RangeError",
            "ReferenceError",
            "SyntaxError",
            "EvalError",
            "URIError",
        ];
        let builtin = match &it.callee {
            Expression::Identifier(id) => {
                CALLABLE.contains(&id.name.as_str())
                    && id
                        .reference_id
                        .get()
                        .is_some_and(|r| self.scoping.get_reference(r).symbol_id().is_none())
            }
            _ => false,
        };
        if builtin {
            self.open(AstType::CallExpression);
            self.visit_expression(&it.callee);
            let outer = self.code_strings;
            self.code_strings = outer || runs_strings(&it.callee);
            self.visit_arguments(&it.arguments);
            self.code_strings = outer;
            self.close();
        } else {
            walk::walk_new_expression(self, it);
        }
    }

    fn visit_catch_clause(&mut self, it: &CatchClause<'a>) {
        // `catch {}` and `catch (e) {}` with `e` unused are one thing.
        self.open(AstType::CatchClause);
        if let Some(param) = &it.param {
            if !self.is_unused(&param.pattern) {
                self.visit_catch_parameter(param);
            }
        }
        self.visit_block_statement(&it.body);
        self.close();
    }

    fn visit_formal_parameters(&mut self, it: &FormalParameters<'a>) {
        // Trailing parameters nobody reads are dropped by minifiers; drop them here too.
        self.open(AstType::FormalParameters);
        // Parameters not given a value by an IIFE (decided at its call) are plain.
        for p in &it.items {
            self.mark_plain(&p.pattern);
        }
        if let Some(rest) = &it.rest {
            self.mark_plain(&rest.rest.argument);
        }
        let keep = if it.rest.is_some() {
            it.items.len()
        } else {
            it.items
                .iter()
                .rposition(|p| p.initializer.is_some() || !self.is_unused(&p.pattern))
                .map_or(0, |i| i + 1)
        };
        for p in it.items.iter().take(keep) {
            self.visit_formal_parameter(p);
        }
        if let Some(rest) = &it.rest {
            self.visit_formal_parameter_rest(rest);
        }
        self.close();
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        // `a ||= b`, `a += b` are `a = a || b`, `a = a + b`.
        let expanded = it
            .operator
            .to_logical_operator()
            .map(|o| o.as_str())
            .or_else(|| it.operator.to_binary_operator().map(|o| o.as_str()));
        let Some(op) = expanded else {
            // `x.innerHTML = "..."` renders its string: code.
            let renders = matches!(&it.left, AssignmentTarget::StaticMemberExpression(m)
                if matches!(m.property.name.as_str(), "innerHTML" | "outerHTML" | "srcdoc"));
            let replaced = self.replaced_api(&it.left);
            if replaced != 0 && !self.is_install(it.span) {
                self.signal(replaced);
            }
            // What `walk_assignment_expression` does, with only the value rendered: the
            // target of `(e = make("div")).innerHTML = ...` is not.
            let kind = AstKind::AssignmentExpression(self.alloc(it));
            self.enter_node(kind);
            self.visit_assignment_target(&it.left);
            let outer = self.code_strings;
            self.code_strings = outer || renders;
            self.visit_expression(&it.right);
            self.code_strings = outer;
            self.leave_node(kind);
            return;
        };
        let logical = it.operator.to_logical_operator().is_some();
        self.expanded_assignment(logical, op, &it.left, &it.right);
    }

    fn visit_directive(&mut self, _it: &Directive<'a>) {
        // "use strict" and friends: no behaviour the hash needs to see.
    }

    fn visit_hashbang(&mut self, _it: &Hashbang<'a>) {}

    fn visit_class(&mut self, it: &Class<'a>) {
        // The class's own private names first: a method may use a field declared below it.
        let mut names = Vec::new();
        for element in &it.body.body {
            let key = match element {
                ClassElement::PropertyDefinition(p) => &p.key,
                ClassElement::MethodDefinition(m) => &m.key,
                ClassElement::AccessorProperty(a) => &a.key,
                _ => continue,
            };
            if let PropertyKey::PrivateIdentifier(id) = key {
                if !names
                    .iter()
                    .any(|(n, _): &(String, u32)| n == id.name.as_str())
                {
                    let sym = self.new_symbol();
                    names.push((id.name.to_string(), sym));
                }
            }
        }
        self.private_names.push(names);
        walk::walk_class(self, it);
        self.private_names.pop();
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        if let (Some(id), Some(body)) = (&it.id, &it.body) {
            if it.is_declaration() && reverses_parameter(&it.params, returned(&body.statements)) {
                if let Some(sym) = id.symbol_id.get() {
                    self.reversers.insert(sym.index() as u32);
                }
            }
        }
        self.begin_unit(UnitKind::Function, it.span);
        walk::walk_function(self, it, flags);
        self.end_unit();
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        self.begin_unit(UnitKind::Function, it.span);
        // An arrow function is a function whose body may be a bare expression: give both
        // spellings one shape (`x => e` is `x => { return e }`).
        self.open(AstType::Function);
        self.atom(if it.r#async { "async-arrow" } else { "arrow" });
        self.visit_formal_parameters(&it.params);
        self.open(AstType::FunctionBody);
        match &it.body {
            ArrowFunctionBody::FunctionBody(body) => self.function_body(&body.statements),
            body => {
                if let Some(e) = body.as_expression() {
                    self.open(AstType::ReturnStatement);
                    self.visit_expression(e);
                    self.close();
                }
            }
        }
        self.close();
        self.close();
        self.end_unit();
    }

    fn visit_function_body(&mut self, it: &FunctionBody<'a>) {
        self.open(AstType::FunctionBody);
        self.function_body(&it.statements);
        self.close();
    }

    fn visit_block_statement(&mut self, it: &BlockStatement<'a>) {
        self.open(AstType::BlockStatement);
        self.statement_list(&it.body, false);
        self.close();
    }

    fn visit_statement(&mut self, it: &Statement<'a>) {
        match it {
            Statement::ExpressionStatement(e) => self.expression_statement(&e.expression, false),
            Statement::EmptyStatement(_) => {}
            _ => walk::walk_statement(self, it),
        }
    }

    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        // `var`, `let` and `const` are one shape (minifiers turn one into another).
        for decl in &it.declarations {
            if self.drops_declarator(it.kind, decl) {
                continue;
            }
            self.open(AstType::VariableDeclaration);
            self.visit_variable_declarator(decl);
            self.close();
        }
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (BindingPattern::BindingIdentifier(id), Some(init)) = (&it.id, &it.init) {
            self.note_reverser(id.symbol_id.get(), init);
            if let (Some((s, hosts)), Some(sym)) = (string_table(init), id.symbol_id.get()) {
                let hosts = hosts.iter().map(|h| self.intern(h)).collect();
                self.tables.insert(sym.index() as u32, (s, hosts));
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_if_statement(&mut self, it: &IfStatement<'a>) {
        match &it.alternate {
            Some(alt) => self.branch(&it.test, Piece::Stmt(&it.consequent), Piece::Stmt(alt)),
            None => {
                let mut list = Vec::new();
                conjuncts(&it.test, false, &mut list);
                self.if_then(list, Piece::Stmt(&it.consequent));
            }
        }
    }

    fn visit_while_statement(&mut self, it: &WhileStatement<'a>) {
        self.open(AstType::WhileStatement);
        self.test(&it.test);
        self.loop_body(&it.body);
        self.close();
    }

    fn visit_do_while_statement(&mut self, it: &DoWhileStatement<'a>) {
        self.open(AstType::DoWhileStatement);
        self.loop_body(&it.body);
        self.test(&it.test);
        self.close();
    }

    fn visit_for_statement(&mut self, it: &ForStatement<'a>) {
        self.for_loop(it, false);
    }

    fn visit_for_statement_left(&mut self, it: &ForStatementLeft<'a>) {
        // `var k; for (k in o)` and `for (var k in o)` are one loop: the declared name is
        // written like a plain target.
        if let ForStatementLeft::VariableDeclaration(d) = it {
            // Written by the loop: never a constant, nor read once.
            for decl in &d.declarations {
                self.mark_plain(&decl.id);
            }
            if let [decl] = d.declarations.as_slice() {
                if let (BindingPattern::BindingIdentifier(id), None) = (&decl.id, &decl.init) {
                    self.open(AstType::IdentifierReference);
                    match id.symbol_id.get() {
                        Some(sym) => self.symbol(sym.index() as u32),
                        None => self.atom_text(&id.name),
                    }
                    return;
                }
            }
        }
        walk::walk_for_statement_left(self, it);
    }

    fn visit_for_in_statement(&mut self, it: &ForInStatement<'a>) {
        self.open(AstType::ForInStatement);
        self.visit_for_statement_left(&it.left);
        self.visit_expression(&it.right);
        self.loop_body(&it.body);
        self.close();
    }

    fn visit_computed_member_expression(&mut self, m: &ComputedMemberExpression<'a>) {
        // `x["k"]` and `x[K]` with `K` a constant "k" are `x.k` (minifiers write either),
        // read or written.
        if let Some(name) = self.member_key(&m.expression) {
            self.static_member(&m.object, &name);
            return;
        }
        // A table of the script's own filled under decoded keys (`lookup[String.fromCharCode(65
        // + i)] = ...`) hides no method; a decoded name read, called or written on anything
        // else does.
        if is_decoder_call(&m.expression) && !(self.writing && self.is_local(&m.object)) {
            self.signal(signals::DECODED_NAME);
        }
        // `window["ev" + "al"]`: a name assembled from pieces is hidden as a decoded one is.
        // Its signals are recorded; the tokens stay as written.
        let assembled = matches!(
            &m.expression,
            Expression::BinaryExpression(_) | Expression::CallExpression(_)
        )
        .then(|| self.const_str(&m.expression))
        .flatten();
        if let Some(name) = assembled {
            if is_identifier_name(&name) {
                self.signal(signals::name_signals(&name) | signals::DECODED_NAME);
            }
        }
        if !self.writing {
            walk::walk_computed_member_expression(self, m);
            return;
        }
        // Writing `x[k] = v` reads `k`: a constant there is its value, as anywhere else
        // (uglify-js inlines one branch of `x[c ? K : H]` and not the other).
        let kind = AstKind::ComputedMemberExpression(self.alloc(m));
        self.enter_node(kind);
        self.visit_expression(&m.object);
        self.writing = false;
        self.visit_expression(&m.expression);
        self.writing = true;
        self.leave_node(kind);
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        self.open(AstType::ForOfStatement);
        self.visit_for_statement_left(&it.left);
        self.visit_expression(&it.right);
        self.loop_body(&it.body);
        self.close();
    }

    fn visit_expression(&mut self, it: &Expression<'a>) {
        match it {
            Expression::UnaryExpression(u) => match (&u.operator, &u.argument) {
                (UnaryOperator::LogicalNot, Expression::NumericLiteral(n)) => {
                    self.boolean(n.value == 0.0);
                }
                (UnaryOperator::Void, arg) if is_pure_literal(arg) => {
                    self.open(AstType::IdentifierReference);
                    self.atom("undefined");
                }
                _ => walk::walk_unary_expression(self, u),
            },
            Expression::ComputedMemberExpression(m) => self.visit_computed_member_expression(m),
            Expression::ParenthesizedExpression(p) => self.visit_expression(&p.expression),
            Expression::BinaryExpression(b) if typeof_undefined(b).is_some() => {
                if let Some((t, defined)) = typeof_undefined(b) {
                    self.typeof_is_undefined(t, !defined);
                }
            }
            // `a != b ? x : y` and `a == b ? y : x`: a negated test is turned around, as
            // in statements.
            Expression::ConditionalExpression(c) => {
                let mut list = Vec::new();
                conjuncts(&c.test, false, &mut list);
                let (x, y) = if orient(&mut list) {
                    (&c.alternate, &c.consequent)
                } else {
                    (&c.consequent, &c.alternate)
                };
                self.open(AstType::ConditionalExpression);
                self.conj(&list);
                self.visit_expression(x);
                self.visit_expression(y);
                self.close();
            }
            // `"object" == typeof x` and `typeof x == "object"`: minifiers put the literal
            // on either side; a literal has no side effects, so the order is free.
            Expression::BinaryExpression(b) if b.operator.is_equality() => {
                let (left, right) = equality_operands(b);
                self.open(AstType::BinaryExpression);
                self.atom(
                    if matches!(
                        b.operator,
                        BinaryOperator::Equality | BinaryOperator::StrictEquality
                    ) {
                        "=="
                    } else {
                        "!="
                    },
                );
                self.visit_expression(left);
                self.visit_expression(right);
                self.close();
            }
            // `a && (b && c)` and `(a && b) && c` are one chain (the operators are
            // associative, evaluation order and result included): printers and minifiers
            // drop or add the parentheses.
            Expression::LogicalExpression(l) if self.logical_assignment(l).is_some() => {
                if let Some(a) = self.logical_assignment(l) {
                    self.expanded_assignment(true, l.operator.as_str(), &a.left, &a.right);
                }
            }
            Expression::LogicalExpression(l) => {
                let mut operands = Vec::new();
                logical_chain(it, l.operator, &mut operands);
                let n = operands.len();
                for _ in 1..n {
                    self.open(AstType::LogicalExpression);
                    self.atom(l.operator.as_str());
                }
                for (i, e) in operands.into_iter().enumerate() {
                    self.visit_expression(e);
                    if i > 0 {
                        self.close();
                    }
                }
            }
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                // `"https://" + "x.example/"` is one string: fold it, so that minifiers'
                // constant folding converges and hosts split across pieces are seen.
                match self.const_str(it) {
                    Some(value) => {
                        self.open(AstType::StringLiteral);
                        self.string_value(&value);
                        self.close();
                    }
                    None => {
                        if constant_string(&b.left).is_some_and(|v| signals::is_bare_scheme(&v)) {
                            self.signal(signals::BUILT_URL);
                        }
                        walk::walk_binary_expression(self, b)
                    }
                }
            }
            _ => walk::walk_expression(self, it),
        }
    }

    fn visit_property_key(&mut self, it: &PropertyKey<'a>) {
        match it {
            PropertyKey::StringLiteral(s) if is_identifier_name(&s.value) => {
                self.identifier_name(&s.value);
            }
            _ => walk::walk_property_key(self, it),
        }
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        // A template without substitutions is a string (minifiers pick whichever quotes
        // need no escapes, backquotes included).
        if let ([q], []) = (it.quasis.as_slice(), it.expressions.as_slice()) {
            let text = q
                .value
                .cooked
                .as_ref()
                .map_or(q.value.raw.as_str(), |c| c.as_str());
            self.open(AstType::StringLiteral);
            self.string_value(text);
            self.close();
            return;
        }
        if it
            .quasis
            .first()
            .is_some_and(|q| signals::is_bare_scheme(q.value.raw.as_str()))
            && !it.expressions.is_empty()
        {
            self.signal(signals::BUILT_URL);
        }
        self.open(AstType::TemplateLiteral);
        self.lit(LitClass::Template);
        if self.code_strings {
            let text: String = it.quasis.iter().map(|q| q.value.raw.as_str()).collect();
            self.atom_text(&format!("code:{:016x}", text_digest(&text)));
        }
        for q in &it.quasis {
            let text = q
                .value
                .cooked
                .as_ref()
                .map_or(q.value.raw.as_str(), |c| c.as_str());
            self.signal(signals::string_signals(text));
            if let Some(host) = signals::url_host(text) {
                self.host(&host);
            }
        }
        for e in &it.expressions {
            self.visit_expression(e);
        }
        self.close();
    }
}

/// The decisions about constants, IIFE parameters and installs, made for the nodes around
/// one position only: the walk enters only the nodes that contain it, finding the child
/// that does in a long list by binary search. The normaliser decides each symbol where it
/// meets its declaration; this answers for a symbol read before that (a hoisted `var`), and
/// for an assignment that replaces a watched API, without a walk of the whole tree.
struct ConstantFinder<'s> {
    scoping: &'s Scoping,
    /// The position whose enclosing nodes are looked at; `None`: every node.
    around: Option<u32>,
    /// Variables bound once to a constant and never written, below top level, and IIFE
    /// parameters given a constant, by symbol id.
    found: HashMap<u32, Constant>,
    /// IIFE parameters given a browser global and never written.
    aliases: HashMap<u32, &'static str>,
    /// The script's text, for comparing member paths as written.
    source: &'s str,
    /// Where assignments that install a missing API start (`self.fetch || (self.fetch =
    /// f)`, `if (!window.fetch) window.fetch = f`): a polyfill, not a hook.
    installs: HashSet<u32>,
}

impl<'s> ConstantFinder<'s> {
    fn around(scoping: &'s Scoping, source: &'s str, around: Option<u32>) -> Self {
        ConstantFinder {
            scoping,
            around,
            found: HashMap::default(),
            aliases: HashMap::default(),
            source,
            installs: HashSet::default(),
        }
    }

    fn contains(&self, span: Span) -> bool {
        self.around
            .is_none_or(|at| span.start <= at && at < span.end)
    }

    /// The elements of a list in source order to enter: the one that contains the
    /// position, if any (found by binary search), or all of them.
    fn each<'l, T: GetSpan>(&self, list: &'l [T]) -> &'l [T] {
        let Some(at) = self.around else {
            return list;
        };
        let i = list.partition_point(|x| x.span().end <= at);
        match list.get(i) {
            Some(x) if self.contains(x.span()) => &list[i..=i],
            _ => &[],
        }
    }

    /// Records `assignment` as an install when it assigns to the member `tested` (as
    /// written) that the code around it found missing.
    fn note_install(&mut self, tested: &Expression<'_>, assignment: &Expression<'_>) {
        let mut tested = tested;
        while let Expression::ParenthesizedExpression(p) = tested {
            tested = &p.expression;
        }
        let mut e = assignment;
        loop {
            match e {
                Expression::ParenthesizedExpression(p) => e = &p.expression,
                Expression::SequenceExpression(q) => match q.expressions.first() {
                    Some(first) => e = first,
                    None => return,
                },
                _ => break,
            }
        }
        let Expression::AssignmentExpression(a) = e else {
            return;
        };
        let (Expression::StaticMemberExpression(t), AssignmentTarget::StaticMemberExpression(w)) =
            (tested, &a.left)
        else {
            return;
        };
        let text = |span: Span| self.source.get(span.start as usize..span.end as usize);
        if a.operator == AssignmentOperator::Assign
            && text(t.span).is_some()
            && text(t.span) == text(w.span)
        {
            self.installs.insert(a.span.start);
        }
    }
}

/// A local, singly declared, never reassigned variable.
fn is_stable(scoping: &Scoping, sym: SymbolId) -> bool {
    // A top-level `var` of a script is a property of `window`, readable by other
    // scripts: it stays.
    scoping.symbol_scope_id(sym) != scoping.root_scope_id()
        && scoping.symbol_redeclarations(sym).is_empty()
        && !scoping.symbol_is_mutated(sym)
}

/// `window`, `self`, `globalThis`, `navigator` or `document` as the global itself.
fn browser_global(scoping: &Scoping, e: &Expression<'_>) -> Option<&'static str> {
    let Expression::Identifier(id) = e else {
        return None;
    };
    let global = id
        .reference_id
        .get()
        .is_some_and(|r| scoping.get_reference(r).symbol_id().is_none());
    if !global {
        return None;
    }
    ["window", "self", "globalThis", "navigator", "document"]
        .into_iter()
        .find(|g| *g == id.name.as_str())
}

/// `(function (w, name) {..})(window, "Lib")`: each parameter given a constant or a browser
/// global and never written, with what it is given (minifiers inline it).
fn iife_arguments(
    scoping: &Scoping,
    call: &CallExpression<'_>,
    mut given: impl FnMut(u32, Result<Constant, &'static str>),
) {
    let mut callee = &call.callee;
    while let Expression::ParenthesizedExpression(p) = callee {
        callee = &p.expression;
    }
    let params = match callee {
        Expression::FunctionExpression(f) => &f.params,
        Expression::ArrowFunctionExpression(f) => &f.params,
        _ => return,
    };
    if params.rest.is_some() {
        return;
    }
    for (param, arg) in params.items.iter().zip(&call.arguments) {
        let (BindingPattern::BindingIdentifier(id), Some(arg)) =
            (&param.pattern, arg.as_expression())
        else {
            continue;
        };
        let Some(sym) = id.symbol_id.get() else {
            continue;
        };
        if param.initializer.is_some() || !is_stable(scoping, sym) {
            continue;
        }
        if let Some(v) = literal_constant(arg) {
            given(sym.index() as u32, Ok(v));
        } else if let Some(global) = browser_global(scoping, arg) {
            given(sym.index() as u32, Err(global));
        }
    }
}

fn declared_symbol(d: &VariableDeclarator<'_>) -> Option<u32> {
    match &d.id {
        BindingPattern::BindingIdentifier(id) => id.symbol_id.get().map(|s| s.index() as u32),
        _ => None,
    }
}

impl<'a> Visit<'a> for ConstantFinder<'_> {
    fn visit_statement(&mut self, it: &Statement<'a>) {
        if self.contains(it.span()) {
            walk::walk_statement(self, it);
        }
    }

    fn visit_expression(&mut self, it: &Expression<'a>) {
        if self.contains(it.span()) {
            walk::walk_expression(self, it);
        }
    }

    fn visit_statements(&mut self, it: &oxc_allocator::Vec<'a, Statement<'a>>) {
        for x in self.each(it) {
            self.visit_statement(x);
        }
    }

    fn visit_expressions(&mut self, it: &oxc_allocator::Vec<'a, Expression<'a>>) {
        for x in self.each(it) {
            self.visit_expression(x);
        }
    }

    fn visit_arguments(&mut self, it: &oxc_allocator::Vec<'a, Argument<'a>>) {
        for x in self.each(it) {
            self.visit_argument(x);
        }
    }

    fn visit_array_expression_elements(
        &mut self,
        it: &oxc_allocator::Vec<'a, ArrayExpressionElement<'a>>,
    ) {
        for x in self.each(it) {
            self.visit_array_expression_element(x);
        }
    }

    fn visit_object_property_kinds(&mut self, it: &oxc_allocator::Vec<'a, ObjectPropertyKind<'a>>) {
        for x in self.each(it) {
            self.visit_object_property_kind(x);
        }
    }

    fn visit_class_elements(&mut self, it: &oxc_allocator::Vec<'a, ClassElement<'a>>) {
        for x in self.each(it) {
            self.visit_class_element(x);
        }
    }

    fn visit_logical_expression(&mut self, it: &LogicalExpression<'a>) {
        if matches!(it.operator, LogicalOperator::Or | LogicalOperator::Coalesce) {
            self.note_install(&it.left, &it.right);
        }
        walk::walk_logical_expression(self, it);
    }

    fn visit_if_statement(&mut self, it: &IfStatement<'a>) {
        if let Expression::UnaryExpression(u) = &it.test {
            if u.operator == UnaryOperator::LogicalNot {
                let first = match &it.consequent {
                    Statement::ExpressionStatement(x) => Some(&x.expression),
                    Statement::BlockStatement(b) => match b.body.first() {
                        Some(Statement::ExpressionStatement(x)) => Some(&x.expression),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(first) = first {
                    self.note_install(&u.argument, first);
                }
            }
        }
        walk::walk_if_statement(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (BindingPattern::BindingIdentifier(id), Some(init)) = (&it.id, &it.init) {
            if let Some(sym) = id.symbol_id.get() {
                if let Some(v) = literal_constant(init).filter(|_| is_stable(self.scoping, sym)) {
                    self.found.insert(sym.index() as u32, v);
                }
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let (found, aliases) = (&mut self.found, &mut self.aliases);
        iife_arguments(self.scoping, it, |sym, given| match given {
            Ok(c) => {
                found.insert(sym, c);
            }
            Err(global) => {
                aliases.insert(sym, global);
            }
        });
        walk::walk_call_expression(self, it);
    }
}

/// The constant a literal is: a number, a boolean (`!0` too), `null`, or a string (constant
/// concatenations folded).
fn literal_constant(e: &Expression<'_>) -> Option<Constant> {
    match e {
        Expression::NumericLiteral(_) => Some(Constant::Number),
        Expression::BooleanLiteral(b) => Some(Constant::Boolean(b.value)),
        Expression::NullLiteral(_) => Some(Constant::Null),
        Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
            match &u.argument {
                Expression::NumericLiteral(n) => Some(Constant::Boolean(n.value == 0.0)),
                _ => None,
            }
        }
        e => constant_string(e).map(Constant::String),
    }
}

/// Whether an expression contains a function or class (whose units could not be moved), or
/// the reference `read`.
fn holds_function_or_read(e: &Expression<'_>, read: ReferenceId) -> bool {
    struct Finder(bool, ReferenceId);
    impl<'a> Visit<'a> for Finder {
        fn visit_function(&mut self, _: &Function<'a>, _: ScopeFlags) {
            self.0 = true;
        }
        fn visit_arrow_function_expression(&mut self, _: &ArrowFunctionExpression<'a>) {
            self.0 = true;
        }
        fn visit_class(&mut self, _: &Class<'a>) {
            self.0 = true;
        }
        fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
            self.0 |= it.reference_id.get() == Some(self.1);
        }
    }
    let mut f = Finder(false, read);
    f.visit_expression(e);
    f.0
}

/// Whether a callee runs or renders the strings it is given: `eval`, `Function`,
/// `setTimeout`/`setInterval` (with a string), `document.write`, `insertAdjacentHTML`.
fn runs_strings(callee: &Expression<'_>) -> bool {
    match callee {
        Expression::Identifier(id) => matches!(
            id.name.as_str(),
            "eval" | "Function" | "setTimeout" | "setInterval" | "execScript"
        ),
        Expression::StaticMemberExpression(m) => matches!(
            m.property.name.as_str(),
            "write" | "writeln" | "insertAdjacentHTML" | "eval" | "setTimeout" | "setInterval"
        ),
        _ => false,
    }
}

/// The string a call reverses: `x` of `x.split("").reverse().join("")`,
/// `[...x].reverse().join("")` or `Array.from(x).reverse().join("")`.
fn reversed_operand<'b, 'a>(join: &'b CallExpression<'a>) -> Option<&'b Expression<'a>> {
    // `""` or ``` `` ``` (minifiers write either).
    let is_empty_string = |a: Option<&Argument<'_>>| {
        a.and_then(|a| a.as_expression())
            .and_then(constant_string)
            .is_some_and(|v| v.is_empty())
    };
    let Expression::StaticMemberExpression(j) = &join.callee else {
        return None;
    };
    if j.property.name != "join"
        || join.arguments.len() != 1
        || !is_empty_string(join.arguments.first())
    {
        return None;
    }
    let Expression::CallExpression(reverse) = &j.object else {
        return None;
    };
    let Expression::StaticMemberExpression(r) = &reverse.callee else {
        return None;
    };
    if r.property.name != "reverse" || !reverse.arguments.is_empty() {
        return None;
    }
    match &r.object {
        Expression::CallExpression(split) => {
            let Expression::StaticMemberExpression(s) = &split.callee else {
                return None;
            };
            match (
                s.property.name.as_str(),
                &s.object,
                split.arguments.as_slice(),
            ) {
                ("split", x, [arg]) if is_empty_string(Some(arg)) => Some(x),
                ("from", Expression::Identifier(a), [arg]) if a.name == "Array" => {
                    arg.as_expression()
                }
                _ => None,
            }
        }
        Expression::ArrayExpression(a) => match a.elements.as_slice() {
            [ArrayExpressionElement::SpreadElement(x)] => Some(&x.argument),
            _ => None,
        },
        _ => None,
    }
}

/// Fewest strings in an array that make it a string table.
const STRING_TABLE_MIN: usize = 8;

/// Longest constant split into a string table: a table names a script's words, not its data.
const STRING_TABLE_MAX_BYTES: usize = 64 * 1024;

/// Most hosts a string table lists for the code that reads it.
const STRING_TABLE_HOSTS: usize = 8;

/// What a table of strings names, when a value is one: an array of at least
/// [`STRING_TABLE_MIN`] strings (or a constant string split into as many, as compressors
/// write such arrays: `"a,b,c".split(",")`) of which at least two are names the vocabulary
/// knows (`fetch`, `value`, `cookie`, `XMLHttpRequest`). Obfuscators keep every name, field
/// and URL of a script in such a table and read it by index (`w[t[14]](t[12] + d)`), often
/// through a decoder function; the code that reads the table reaches what it names, with
/// [`signals::DECODED_NAME`] and [`signals::HIDDEN_TEXT`], and the table's URL hosts.
fn string_table(init: &Expression<'_>) -> Option<(Signals, Vec<String>)> {
    let strings: Vec<String> = match init {
        Expression::ArrayExpression(a) if a.elements.len() >= STRING_TABLE_MIN => a
            .elements
            .iter()
            .map(|e| e.as_expression().and_then(constant_string))
            .collect::<Option<_>>()?,
        Expression::CallExpression(c) => {
            let Expression::StaticMemberExpression(m) = &c.callee else {
                return None;
            };
            let [sep] = c.arguments.as_slice() else {
                return None;
            };
            let sep = sep.as_expression().and_then(constant_string)?;
            if m.property.name != "split" || sep.is_empty() {
                return None;
            }
            let text = constant_string(&m.object)?;
            if text.len() > STRING_TABLE_MAX_BYTES {
                return None;
            }
            text.split(sep.as_str()).map(str::to_owned).collect()
        }
        _ => return None,
    };
    if strings.len() < STRING_TABLE_MIN {
        return None;
    }
    let (mut s, mut named, mut hosts) = (0, 0, Vec::new());
    for v in &strings {
        if is_identifier_name(v) {
            let by_name = signals::name_signals(v);
            named += usize::from(by_name != 0);
            s |= by_name;
        }
        s |= signals::string_signals(v);
        if let Some(h) = signals::url_host(v) {
            if hosts.len() < STRING_TABLE_HOSTS && !hosts.contains(&h) {
                hosts.push(h);
            }
        }
    }
    (named >= 2).then_some((s | signals::DECODED_NAME | signals::HIDDEN_TEXT, hosts))
}

/// What a function body of one statement returns.
fn returned<'b, 'a>(body: &'b [Statement<'a>]) -> Option<&'b Expression<'a>> {
    match body {
        [Statement::ReturnStatement(r)] => r.argument.as_ref(),
        _ => None,
    }
}

/// Whether `f` is a function or arrow that returns its one parameter reversed.
fn is_reverser(f: &Expression<'_>) -> bool {
    match f {
        Expression::FunctionExpression(f) => f
            .body
            .as_ref()
            .is_some_and(|b| reverses_parameter(&f.params, returned(&b.statements))),
        Expression::ArrowFunctionExpression(a) => match &a.body {
            ArrowFunctionBody::FunctionBody(b) => {
                reverses_parameter(&a.params, returned(&b.statements))
            }
            body => reverses_parameter(&a.params, body.as_expression()),
        },
        _ => false,
    }
}

/// Whether a function of one plain parameter returns that parameter reversed (see
/// [`reversed_operand`]).
fn reverses_parameter(params: &FormalParameters<'_>, returned: Option<&Expression<'_>>) -> bool {
    let [param] = params.items.as_slice() else {
        return false;
    };
    let BindingPattern::BindingIdentifier(p) = &param.pattern else {
        return false;
    };
    matches!(returned, Some(Expression::CallExpression(c))
        if matches!(reversed_operand(c), Some(Expression::Identifier(x)) if x.name == p.name))
}

/// `atob(...)`, `String.fromCharCode(...)`, `unescape(...)`: a value decoded at run time.
/// (`decodeURIComponent` is not one: maps keyed by a decoded query or cookie name,
/// `jar[decodeURIComponent(k)]`, are ordinary.)
fn is_decoder_call(e: &Expression<'_>) -> bool {
    let Expression::CallExpression(c) = e else {
        return false;
    };
    match &c.callee {
        Expression::Identifier(id) => {
            matches!(id.name.as_str(), "atob" | "unescape")
        }
        Expression::StaticMemberExpression(m) => {
            matches!(m.property.name.as_str(), "atob" | "fromCharCode")
        }
        _ => false,
    }
}

/// FNV-1a of a string: the digest a code string keeps in the normalised form.
fn text_digest(value: &str) -> u64 {
    value.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// What the read of a compound assignment's target is written as when the target has parts
/// that run (a call, an assignment): not a name, so the diff does not count it.
const SAME_TARGET: &str = "@@";

/// Entries of [`Normalizer::atom`]'s cache (a power of two).
const FIXED_ATOMS: usize = 64;

/// A name, `this`, or members of those with plain keys: reading it again runs nothing.
fn is_path(e: &Expression<'_>, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match e {
        Expression::Identifier(_) | Expression::ThisExpression(_) | Expression::Super(_) => true,
        Expression::StaticMemberExpression(m) => is_path(&m.object, depth + 1),
        Expression::ComputedMemberExpression(m) => {
            is_path(&m.object, depth + 1) && is_plain_key(&m.expression)
        }
        Expression::ParenthesizedExpression(p) => is_path(&p.expression, depth + 1),
        _ => false,
    }
}

/// A member key that reads nothing but a name or a literal.
fn is_plain_key(key: &Expression<'_>) -> bool {
    matches!(
        key,
        Expression::Identifier(_) | Expression::StringLiteral(_) | Expression::NumericLiteral(_)
    )
}

/// Whether a compound assignment's target can be written twice (see [`is_path`]).
fn target_is_path(t: &AssignmentTarget<'_>) -> bool {
    match t {
        AssignmentTarget::AssignmentTargetIdentifier(_) => true,
        AssignmentTarget::StaticMemberExpression(m) => is_path(&m.object, 0),
        AssignmentTarget::PrivateFieldExpression(m) => is_path(&m.object, 0),
        AssignmentTarget::ComputedMemberExpression(m) => {
            is_path(&m.object, 0) && is_plain_key(&m.expression)
        }
        _ => false,
    }
}

/// Most pieces of an array joined into a constant string (see `Normalizer::joined_call`).
const MAX_JOINED_PIECES: usize = 64;

/// Longest string built by folding constant concatenations.
const MAX_FOLDED_STRING: usize = 4096;

/// The value of a concatenation of string constants, if it is one.
fn constant_string(e: &Expression<'_>) -> Option<String> {
    match e {
        Expression::StringLiteral(s) => Some(s.value.as_str().to_owned()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
            let q = t.quasis.first()?;
            Some(
                q.value
                    .cooked
                    .as_ref()
                    .map_or(q.value.raw.as_str(), |c| c.as_str())
                    .to_owned(),
            )
        }
        Expression::ParenthesizedExpression(p) => constant_string(&p.expression),
        Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
            let mut left = constant_string(&b.left)?;
            let right = constant_string(&b.right)?;
            if left.len() + right.len() > MAX_FOLDED_STRING {
                return None;
            }
            left.push_str(&right);
            Some(left)
        }
        _ => None,
    }
}

/// `typeof x < "u"` (true when `x` is defined) and `typeof x > "u"` (when it is not), as
/// minifiers write `typeof x != "undefined"` and `typeof x == "undefined"`: the `typeof`
/// expression, and whether the test is "defined".
fn typeof_undefined<'b, 'a>(b: &'b BinaryExpression<'a>) -> Option<(&'b Expression<'a>, bool)> {
    let defined = match b.operator {
        BinaryOperator::LessThan => true,
        BinaryOperator::GreaterThan => false,
        _ => return None,
    };
    let is_typeof =
        matches!(&b.left, Expression::UnaryExpression(u) if u.operator == UnaryOperator::Typeof);
    let is_u = constant_string(&b.right).is_some_and(|v| v == "u");
    (is_typeof && is_u).then_some((&b.left, defined))
}

/// The operands of an equality test in canonical order: a literal on the right, unless both
/// sides are literals.
fn equality_operands<'b, 'a>(
    b: &'b BinaryExpression<'a>,
) -> (&'b Expression<'a>, &'b Expression<'a>) {
    if is_literal_operand(&b.left) && !is_literal_operand(&b.right) {
        (&b.right, &b.left)
    } else {
        (&b.left, &b.right)
    }
}

/// A literal value (or `undefined`, `void 0`, `!0`): an operand without side effects.
pub(super) fn is_literal_operand(e: &Expression<'_>) -> bool {
    match e {
        Expression::StringLiteral(_)
        | Expression::NumericLiteral(_)
        | Expression::NullLiteral(_)
        | Expression::BooleanLiteral(_)
        | Expression::BigIntLiteral(_) => true,
        Expression::TemplateLiteral(t) => t.expressions.is_empty(),
        Expression::Identifier(id) => id.name == "undefined",
        Expression::UnaryExpression(u) => match u.operator {
            UnaryOperator::Void | UnaryOperator::LogicalNot => is_pure_literal(&u.argument),
            UnaryOperator::UnaryNegation | UnaryOperator::UnaryPlus => {
                matches!(u.argument, Expression::NumericLiteral(_))
            }
            _ => false,
        },
        Expression::ParenthesizedExpression(p) => is_literal_operand(&p.expression),
        _ => false,
    }
}

/// The operands of a chain of one logical operator, in order, whatever its parentheses.
fn logical_chain<'b, 'a>(
    e: &'b Expression<'a>,
    op: LogicalOperator,
    out: &mut Vec<&'b Expression<'a>>,
) {
    match e {
        Expression::LogicalExpression(l) if l.operator == op => {
            logical_chain(&l.left, op, out);
            logical_chain(&l.right, op, out);
        }
        Expression::ParenthesizedExpression(p) => logical_chain(&p.expression, op, out),
        _ => out.push(e),
    }
}

/// `0`, `""`, `null`: the operand of `void` that only means `undefined`.
fn is_pure_literal(e: &Expression<'_>) -> bool {
    matches!(
        e,
        Expression::NumericLiteral(_) | Expression::StringLiteral(_) | Expression::NullLiteral(_)
    )
}
