//! Text conditions: what a field's text conditions still allow of a non-empty, case-folded
//! value.
//!
//! Equality and `in` are exact set reasoning ([`Finite`]: a finite set of texts, or every text
//! but a finite set). Substring and `like` tests are [`Atom`]s: checked exactly against each
//! text of a finite set, and otherwise only against each other through implications that
//! always hold (`starts_with "ab"` implies `contains "a"`). Anything subtler is left open:
//! the set then claims to be satisfiable, which can only silence a finding.

use std::collections::BTreeSet;

use crate::LikePattern;
use crate::typed::{Substring, SubstringKind, TextTest};

/// A finite set of values, or the complement of one, over a domain of infinitely many values
/// (texts, record ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finite<T: Ord> {
    /// Exactly these values.
    Only(BTreeSet<T>),
    /// Every value but these.
    Except(BTreeSet<T>),
}

impl<T: Ord + Clone> Finite<T> {
    /// Every value.
    pub(crate) fn all() -> Finite<T> {
        Finite::Except(BTreeSet::new())
    }

    /// Keeps only the values in `set`.
    pub(crate) fn keep_only<'a>(&mut self, set: impl IntoIterator<Item = &'a T>)
    where
        T: 'a,
    {
        let set: BTreeSet<T> = set.into_iter().cloned().collect();
        *self = match std::mem::replace(self, Finite::Only(BTreeSet::new())) {
            Finite::Only(mine) => Finite::Only(mine.intersection(&set).cloned().collect()),
            Finite::Except(out) => Finite::Only(set.difference(&out).cloned().collect()),
        };
    }

    /// Removes the values in `set`.
    pub(crate) fn remove<'a>(&mut self, set: impl IntoIterator<Item = &'a T>)
    where
        T: 'a,
    {
        match self {
            Finite::Only(mine) => {
                for v in set {
                    mine.remove(v);
                }
            }
            Finite::Except(out) => out.extend(set.into_iter().cloned()),
        }
    }

    /// Whether some value is left (the domain being infinite, a complement always has one).
    pub(crate) fn is_inhabited(&self) -> bool {
        match self {
            Finite::Only(s) => !s.is_empty(),
            Finite::Except(_) => true,
        }
    }
}

/// A text test other than equality, on folded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Atom {
    /// True of every non-empty text (`like "%"`).
    Filled,
    /// `contains`, `starts_with`, `ends_with` (also `like` patterns of those shapes).
    Substring(Substring),
    /// Any other `like` pattern.
    Like(LikePattern),
}

impl Atom {
    /// Whether the atom holds on folded `text`.
    pub(crate) fn holds(&self, text: &str) -> bool {
        match self {
            Atom::Filled => true,
            Atom::Substring(s) => s.holds(text),
            Atom::Like(p) => p.matches(text),
        }
    }

    /// Whether every non-empty text on which `self` holds passes `other` too. Only
    /// implications that always hold are claimed; `false` means "not known".
    pub(crate) fn implies(&self, other: &Atom) -> bool {
        match (self, other) {
            (_, Atom::Filled) => true,
            (a, b) if a == b => true,
            (Atom::Substring(p), Atom::Substring(n)) => substring_implies(p, n),
            _ => false,
        }
    }
}

/// Whether text passing `p` always passes `n`.
pub(crate) fn substring_implies(p: &Substring, n: &Substring) -> bool {
    match n.kind {
        SubstringKind::Contains => p.needle.contains(&*n.needle),
        SubstringKind::StartsWith => p.kind == SubstringKind::StartsWith && p.needle.starts_with(&*n.needle),
        SubstringKind::EndsWith => p.kind == SubstringKind::EndsWith && p.needle.ends_with(&*n.needle),
    }
}

/// What a `like` pattern amounts to.
enum LikeShape {
    /// No wildcard: equality with this folded text.
    Exact(Box<str>),
    /// A substring test, `Filled`, or an opaque pattern.
    Atom(Atom),
}

/// Reads a pattern's shape: `abc` is equality, `abc%` a prefix, `%abc` a suffix, `%abc%`
/// a substring, `%` any non-empty text; anything else stays a pattern.
fn like_shape(p: &LikePattern) -> LikeShape {
    let s = p.as_str();
    let core = s.trim_start_matches('%').trim_end_matches('%');
    if core.contains(['%', '_']) {
        return LikeShape::Atom(Atom::Like(p.clone()));
    }
    if core.is_empty() {
        return LikeShape::Atom(Atom::Filled);
    }
    let kind = match (s.starts_with('%'), s.ends_with('%')) {
        (false, false) => return LikeShape::Exact(core.into()),
        (false, true) => SubstringKind::StartsWith,
        (true, false) => SubstringKind::EndsWith,
        (true, true) => SubstringKind::Contains,
    };
    LikeShape::Atom(Atom::Substring(Substring { kind, needle: core.into() }))
}

/// The folded texts a field's text conditions still allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextSet {
    base: Finite<Box<str>>,
    /// Each atom with whether it must hold (`true`) or fail (`false`).
    atoms: Vec<(Atom, bool)>,
}

impl TextSet {
    /// Every text but `excluded` (for a picklist's unlisted values: every text that names no
    /// option).
    pub(crate) fn except(excluded: BTreeSet<Box<str>>) -> TextSet {
        TextSet { base: Finite::Except(excluded), atoms: Vec::new() }
    }

    /// Every text.
    pub(crate) fn all() -> TextSet {
        TextSet { base: Finite::all(), atoms: Vec::new() }
    }

    /// The base set of texts, for equality and `in` constraints.
    pub(crate) fn base_mut(&mut self) -> &mut Finite<Box<str>> {
        &mut self.base
    }

    /// Adds `test` (which must `hold`, or fail).
    pub(crate) fn add(&mut self, test: &TextTest, hold: bool) {
        match test {
            TextTest::Equal(t) => self.add_set(std::slice::from_ref(t), hold),
            TextTest::In(set) => self.add_set(set, hold),
            TextTest::Substring(s) => self.add_atom(Atom::Substring(s.clone()), hold),
            TextTest::Like(p) => match like_shape(p) {
                LikeShape::Exact(t) => self.add_set(std::slice::from_ref(&t), hold),
                LikeShape::Atom(a) => self.add_atom(a, hold),
            },
        }
    }

    /// Adds an atom that must `hold`, or fail.
    pub(crate) fn add_atom(&mut self, atom: Atom, hold: bool) {
        if !self.atoms.contains(&(atom.clone(), hold)) {
            self.atoms.push((atom, hold));
        }
    }

    fn add_set(&mut self, set: &[Box<str>], hold: bool) {
        if hold { self.base.keep_only(set) } else { self.base.remove(set) }
    }

    /// Whether some text may satisfy every condition. `false` is certain.
    pub(crate) fn is_satisfiable(&self) -> bool {
        match &self.base {
            Finite::Only(texts) => texts.iter().any(|t| self.atoms.iter().all(|(a, hold)| a.holds(t) == *hold)),
            Finite::Except(_) => !self.atoms_contradict(),
        }
    }

    /// Contradictions among the atoms alone that hold for every text.
    fn atoms_contradict(&self) -> bool {
        let must = || self.atoms.iter().filter(|(_, hold)| *hold).map(|(a, _)| a);
        let must_not = || self.atoms.iter().filter(|(_, hold)| !*hold).map(|(a, _)| a);
        if must_not().any(|n| *n == Atom::Filled) {
            return true;
        }
        if must().any(|p| must_not().any(|n| p.implies(n))) {
            return true;
        }
        // Two prefixes (or two suffixes) fit one text only if one extends the other.
        let ends = |kind: SubstringKind| {
            must()
                .filter_map(move |a| match a {
                    Atom::Substring(s) if s.kind == kind => Some(&*s.needle),
                    _ => None,
                })
                .collect::<Vec<&str>>()
        };
        let starts = ends(SubstringKind::StartsWith);
        if starts.iter().any(|a| starts.iter().any(|b| !a.starts_with(b) && !b.starts_with(a))) {
            return true;
        }
        let finishes = ends(SubstringKind::EndsWith);
        finishes.iter().any(|a| finishes.iter().any(|b| !a.ends_with(b) && !b.ends_with(a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SortedSet;

    fn sub(kind: SubstringKind, needle: &str) -> TextTest {
        TextTest::Substring(Substring { kind, needle: needle.into() })
    }

    fn text(tests: &[(TextTest, bool)]) -> TextSet {
        let mut t = TextSet::all();
        for (test, hold) in tests {
            t.add(test, *hold);
        }
        t
    }

    #[test]
    fn equality_is_exact() {
        assert!(!text(&[(TextTest::Equal("a".into()), true), (TextTest::Equal("b".into()), true)]).is_satisfiable());
        assert!(!text(&[(TextTest::Equal("a".into()), true), (TextTest::Equal("a".into()), false)]).is_satisfiable());
        assert!(!text(&[(TextTest::In(SortedSet::default()), true)]).is_satisfiable());
        assert!(text(&[(TextTest::In(SortedSet::default()), false)]).is_satisfiable());
        let acme = (TextTest::Equal("acme".into()), true);
        assert!(!text(&[acme.clone(), (sub(SubstringKind::StartsWith, "x"), true)]).is_satisfiable());
        assert!(text(&[acme, (sub(SubstringKind::StartsWith, "ac"), true)]).is_satisfiable());
    }

    #[test]
    fn substrings_imply_their_parts() {
        let starts_ab = (sub(SubstringKind::StartsWith, "ab"), true);
        assert!(!text(&[starts_ab.clone(), (sub(SubstringKind::Contains, "b"), false)]).is_satisfiable());
        assert!(!text(&[starts_ab.clone(), (sub(SubstringKind::StartsWith, "a"), false)]).is_satisfiable());
        assert!(text(&[starts_ab.clone(), (sub(SubstringKind::EndsWith, "b"), false)]).is_satisfiable());
        assert!(!text(&[starts_ab.clone(), (sub(SubstringKind::StartsWith, "b"), true)]).is_satisfiable());
        assert!(text(&[starts_ab, (sub(SubstringKind::StartsWith, "abc"), true)]).is_satisfiable());
    }

    #[test]
    fn like_patterns_of_simple_shapes() {
        let like = |p: &str| TextTest::Like(LikePattern::new(p));
        assert!(!text(&[(like("%"), false)]).is_satisfiable(), "not_like % fails on every non-empty text");
        assert!(!text(&[(like("ac%"), true), (sub(SubstringKind::StartsWith, "a"), false)]).is_satisfiable());
        assert!(!text(&[(like("acme"), true), (TextTest::Equal("acme".into()), false)]).is_satisfiable());
        assert!(text(&[(like("a_c"), true), (like("a%"), false)]).is_satisfiable(), "opaque patterns stay open");
        assert!(!text(&[(like("a_c"), true), (like("a_c"), false)]).is_satisfiable());
    }
}
