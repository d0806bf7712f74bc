//! Text comparison: Unicode case folding and `like` patterns (SPEC.md §2 "Text").
//!
//! Both sides of every text comparison are folded with [`fold`] (Unicode lowercase) once:
//! constants at compile time, record values at ingest. Everything after works on folded text.

/// The case-folded form of `s`: its Unicode lowercase.
///
/// ```
/// assert_eq!(recordlock_criteria::fold("ÉCOLE Straße"), "école straße");
/// ```
pub fn fold(s: &str) -> String {
    let mut folded = String::new();
    fold_into(s, &mut folded);
    folded
}

/// [`fold`] into `buf` (its old text replaced): the same text as `fold(s)`, in `buf`'s own
/// allocation when `s` is ASCII (other text is lowercased into a new string, which `buf` takes).
///
/// ```
/// let mut buf = String::from("an earlier value");
/// recordlock_criteria::fold_into("ÉCOLE Straße", &mut buf);
/// assert_eq!(buf, recordlock_criteria::fold("ÉCOLE Straße"));
/// ```
pub fn fold_into(s: &str, buf: &mut String) {
    if s.is_ascii() {
        buf.clear();
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        // `str::to_lowercase`, not per-char lowercasing: a final capital sigma folds to `ς`.
        // Its new string replaces `buf` (copying it into `buf` would cost a second copy).
        *buf = s.to_lowercase();
    }
}

/// One element of a [`LikePattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// Literal text (folded), at least one character.
    Literal(Box<str>),
    /// `_`: exactly one character.
    One,
    /// `%`: any run of characters, possibly empty.
    Run,
}

/// A compiled `like` pattern: `%` matches any run of characters, `_` exactly one, the rest
/// literally (ignoring case). There is no escape character, as in Zoho.
///
/// ```
/// use recordlock_criteria::LikePattern;
///
/// let p = LikePattern::new("ac_e%");
/// assert!(p.matches("acme renewal"));
/// assert!(!p.matches("ace"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikePattern {
    tokens: Vec<Token>,
    source: Box<str>,
    /// Boxed: patterns sit in every typed predicate, most of which are not `like`.
    automaton: Box<Automaton>,
}

impl LikePattern {
    /// Compiles `pattern` (folded here; match it against folded text).
    pub fn new(pattern: &str) -> LikePattern {
        let folded = fold(pattern);
        let mut tokens = Vec::new();
        let mut literal = String::new();
        for c in folded.chars() {
            let wildcard = match c {
                '%' => Some(Token::Run),
                '_' => Some(Token::One),
                _ => None,
            };
            match wildcard {
                None => literal.push(c),
                Some(w) => {
                    if !literal.is_empty() {
                        tokens.push(Token::Literal(std::mem::take(&mut literal).into()));
                    }
                    // Consecutive runs are one run.
                    if !(w == Token::Run && tokens.last() == Some(&Token::Run)) {
                        tokens.push(w);
                    }
                }
            }
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(literal.into()));
        }
        let automaton = Box::new(Automaton::new(&tokens));
        LikePattern { tokens, source: folded.into(), automaton }
    }

    /// The folded pattern text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether folded `text` matches: one pass over `text`, each character costing one word
    /// operation per 64 pattern characters (a pattern within the 255-character limit on text
    /// constants: at most 4), so the time is linear in the text for any pattern; allocates
    /// nothing for such patterns.
    pub fn matches(&self, text: &str) -> bool {
        self.automaton.matches(text)
    }

    /// The matcher `matches` replaced (issue 15 item 6: its one backtrack point made it
    /// text length × pattern length, 1.37 s for a 1 MB value): kept as the tests' oracle.
    #[cfg(test)]
    fn matches_by_backtracking(&self, text: &str) -> bool {
        // Classic wildcard matching with one backtrack point: the last `%` seen and the
        // text position it currently absorbs up to. Positions are byte offsets on char
        // boundaries.
        let mut p = 0usize;
        let mut t = 0usize;
        let mut backtrack: Option<(usize, usize)> = None;
        loop {
            let rest = text.get(t..).unwrap_or("");
            let step = match self.tokens.get(p) {
                Some(Token::Run) => {
                    backtrack = Some((p + 1, t));
                    p += 1;
                    continue;
                }
                Some(Token::One) => rest.chars().next().map(char::len_utf8),
                Some(Token::Literal(lit)) => rest.starts_with(&**lit).then_some(lit.len()),
                None if rest.is_empty() => return true,
                None => None,
            };
            match step {
                Some(n) => {
                    p += 1;
                    t += n;
                }
                None => match backtrack {
                    Some((bp, bt)) => match text.get(bt..).and_then(|r| r.chars().next()) {
                        Some(c) => {
                            let next = bt + c.len_utf8();
                            backtrack = Some((bp, next));
                            p = bp;
                            t = next;
                        }
                        None => return false,
                    },
                    None => return false,
                },
            }
        }
    }
}

/// A `like` pattern as a bit-parallel automaton over its elements (each literal character,
/// `_`, `%`): state bit `i` means "the first `i` elements match the text read so far", so
/// all the ways a pattern can match are followed at once, in one pass, with no backtracking.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Automaton {
    /// 64-bit words per state set: the elements plus the accepting state.
    words: usize,
    /// The accepting state: every element matched.
    accept: usize,
    /// Bit `i` set when element `i` is `%` (it consumes any character and stays).
    runs: Vec<u64>,
    /// Bits of the elements a character not in the pattern steps over: the `_`s.
    any: Vec<u64>,
    /// For each ASCII character, `words` words: the elements it steps over (itself, `_`).
    ascii: Vec<u64>,
    /// The same for the pattern's other characters, sorted.
    other: Vec<(char, Vec<u64>)>,
}

/// Up to 256 states (the 255-character limit on text constants) live on the stack.
type States = smallvec::SmallVec<[u64; 4]>;

impl Automaton {
    fn new(tokens: &[Token]) -> Automaton {
        enum Element {
            Char(char),
            One,
            Run,
        }
        let elements: Vec<Element> = tokens
            .iter()
            .flat_map(|t| -> Vec<Element> {
                match t {
                    Token::Literal(s) => s.chars().map(Element::Char).collect(),
                    Token::One => vec![Element::One],
                    Token::Run => vec![Element::Run],
                }
            })
            .collect();
        let words = elements.len() / 64 + 1;
        let set = |bits: &mut [u64], i: usize| {
            if let Some(w) = bits.get_mut(i / 64) {
                *w |= 1 << (i % 64);
            }
        };
        let mut runs = vec![0; words];
        let mut any = vec![0; words];
        let mut ascii = vec![0; 128 * words];
        let mut other: Vec<(char, Vec<u64>)> = Vec::new();
        for (i, e) in elements.iter().enumerate() {
            match e {
                Element::Run => set(&mut runs, i),
                Element::One => set(&mut any, i),
                Element::Char(c) if c.is_ascii() => {
                    let start = (*c as usize) * words;
                    if let Some(bits) = ascii.get_mut(start..start + words) {
                        set(bits, i);
                    }
                }
                Element::Char(c) => match other.iter_mut().find(|(o, _)| o == c) {
                    Some((_, bits)) => set(bits, i),
                    None => {
                        let mut bits = vec![0; words];
                        set(&mut bits, i);
                        other.push((*c, bits));
                    }
                },
            }
        }
        // `_` steps over every character.
        for chunk in ascii.chunks_mut(words) {
            chunk.iter_mut().zip(&any).for_each(|(w, a)| *w |= a);
        }
        for (_, bits) in &mut other {
            bits.iter_mut().zip(&any).for_each(|(w, a)| *w |= a);
        }
        other.sort_by_key(|(c, _)| *c);
        Automaton { words, accept: elements.len(), runs, any, ascii, other }
    }

    /// The elements character `c` steps over.
    fn mask(&self, c: char) -> &[u64] {
        if c.is_ascii() {
            let start = (c as usize) * self.words;
            return self.ascii.get(start..start + self.words).unwrap_or(&self.any);
        }
        match self.other.binary_search_by_key(&c, |(o, _)| *o) {
            Ok(i) => self.other.get(i).map_or(&self.any, |(_, bits)| bits),
            Err(_) => &self.any,
        }
    }

    /// Adds the states reachable without reading: past each `%` (runs are merged, so one
    /// step is all there is).
    fn close(&self, states: &mut States) {
        let mut carry = 0;
        for (s, r) in states.iter_mut().zip(&self.runs) {
            let at_run = *s & *r;
            *s |= (at_run << 1) | carry;
            carry = at_run >> 63;
        }
    }

    fn matches(&self, text: &str) -> bool {
        let mut states: States = smallvec::smallvec![0; self.words];
        if let Some(first) = states.first_mut() {
            *first = 1;
        }
        self.close(&mut states);
        for c in text.chars() {
            let mask = self.mask(c);
            let mut carry = 0;
            let mut alive = 0;
            for ((s, m), r) in states.iter_mut().zip(mask).zip(&self.runs) {
                let stepped = *s & *m;
                let next = (stepped << 1) | carry | (*s & *r);
                carry = stepped >> 63;
                *s = next;
                alive |= next;
            }
            if alive == 0 {
                return false;
            }
            self.close(&mut states);
        }
        states.get(self.accept / 64).is_some_and(|w| w & (1 << (self.accept % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15 item 6: the automaton answers as the backtracking matcher it replaced, on
    /// every pattern of up to 5 elements over `a`, `é`, `_`, `%` and every text of up to 6
    /// characters over `a`, `b`, `é`; and on long patterns that cross 64-bit words.
    #[test]
    fn automaton_agrees_with_backtracking() {
        fn all(alphabet: &[char], max: usize) -> Vec<String> {
            let mut out = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
                out.extend(last.iter().cloned());
            }
            out
        }
        let texts = all(&['a', 'b', 'é'], 6);
        for pattern in all(&['a', 'é', '_', '%'], 5) {
            let p = LikePattern::new(&pattern);
            for text in &texts {
                assert_eq!(p.matches(text), p.matches_by_backtracking(text), "{pattern:?} on {text:?}");
            }
        }
        let long = "_a".repeat(100) + "%" + &"ab".repeat(30) + "%é";
        let p = LikePattern::new(&long);
        for text in ["xa".repeat(100) + &"ab".repeat(30) + "é", "xa".repeat(100) + &"ab".repeat(29) + "é"] {
            let text = text + &"b".repeat(70);
            let with_end = text.clone() + "é";
            assert_eq!(p.matches(&text), p.matches_by_backtracking(&text));
            assert_eq!(p.matches(&with_end), p.matches_by_backtracking(&with_end));
        }
        assert!(p.matches(&("xa".repeat(100) + &"ab".repeat(30) + "é")));
    }

    /// The pathological case of the backtracking matcher: 126 `_a` pairs after a `%`,
    /// against a value that almost matches everywhere. One pass now, whatever the length.
    #[test]
    fn like_is_one_pass_over_the_text() {
        let p = LikePattern::new(&("%".to_owned() + &"_a".repeat(126)));
        let text = "a".repeat(1 << 20);
        assert!(p.matches(&text));
        assert!(!p.matches(&(text + "b")));
    }

    /// SPEC.md §2 Text: `%` is any run, `_` one character.
    #[test]
    fn like_percent_and_underscore() {
        let p = LikePattern::new("%won");
        assert!(p.matches("closed won"));
        assert!(p.matches("won"));
        assert!(!p.matches("won't"));
        let p = LikePattern::new("a_c");
        assert!(p.matches("abc"));
        assert!(p.matches("aéc"), "`_` is one character, not one byte");
        assert!(!p.matches("ac"));
        assert!(!p.matches("abbc"));
        assert!(LikePattern::new("%").matches(""));
        assert!(LikePattern::new("%%a%%").matches("bab"));
        assert!(!LikePattern::new("").matches("x"));
        assert!(LikePattern::new("").matches(""));
        assert!(LikePattern::new("a%b%c").matches("axxbyyc"));
        assert!(!LikePattern::new("a%b%c").matches("axxbyy"));
    }

    /// SPEC.md §2 Text: comparisons ignore case, by Unicode lowercase.
    #[test]
    fn unicode_case_folding() {
        assert_eq!(fold("ÀÉÎ"), "àéî");
        assert_eq!(fold("ACME"), "acme");
        assert!(LikePattern::new("STRASSE%").matches(&fold("strasse 5")));
        assert!(LikePattern::new("Ö_").matches(&fold("öL")));
    }
}
