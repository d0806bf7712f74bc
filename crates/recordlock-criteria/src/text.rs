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
    if s.is_ascii() { s.to_ascii_lowercase() } else { s.to_lowercase() }
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
        LikePattern { tokens, source: folded.into() }
    }

    /// The folded pattern text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether folded `text` matches. Linear in `text` times the number of tokens at worst;
    /// allocates nothing.
    pub fn matches(&self, text: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
