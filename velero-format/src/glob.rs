//! Glob patterns with the semantics of `github.com/gobwas/glob`, which Velero uses for
//! include/exclude filters (no separators) and for resource-modifier `groupResource`
//! conditions (`.` as separator).
//!
//! Supported syntax: `*` (any run of non-separator characters), `**` (any run, separators
//! included), `?` (one non-separator character), `[abc]`, `[a-z]`, `[!abc]` (character
//! classes), `{a,b}` (alternatives, nestable) and `\` escapes. Matching is an NFA simulation
//! over character positions, so hostile patterns cannot cause exponential backtracking.

use crate::error::Error;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Lit(char),
    Single,
    Star,
    Super,
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
    Alt(Vec<Vec<Token>>),
}

/// A compiled glob pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Glob {
    tokens: Vec<Token>,
    separators: Vec<char>,
}

impl Glob {
    /// Compiles `pattern`; `separators` are the characters `*` and `?` do not cross.
    pub fn compile(pattern: &str, separators: &[char]) -> Result<Self, Error> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let tokens = parse_seq(&chars, &mut pos, 0)
            .map_err(|message| Error::invalid("glob", pattern, message))?;
        if pos != chars.len() {
            return Err(Error::invalid("glob", pattern, "unexpected '}' or ','"));
        }
        Ok(Self {
            tokens,
            separators: separators.to_vec(),
        })
    }

    /// Whether the whole of `s` matches.
    pub fn matches(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        let mut starts = vec![false; chars.len() + 1];
        if let Some(first) = starts.first_mut() {
            *first = true;
        }
        let ends = self.run(&self.tokens, &chars, starts);
        ends.last().copied().unwrap_or(false)
    }

    fn run(&self, tokens: &[Token], s: &[char], mut cur: Vec<bool>) -> Vec<bool> {
        for tok in tokens {
            let mut next = vec![false; s.len() + 1];
            match tok {
                Token::Alt(alts) => {
                    for alt in alts {
                        let r = self.run(alt, s, cur.clone());
                        for (n, v) in next.iter_mut().zip(r) {
                            *n |= v;
                        }
                    }
                }
                Token::Star | Token::Super => {
                    let crosses = matches!(tok, Token::Super);
                    let mut active = false;
                    for i in 0..=s.len() {
                        if cur.get(i).copied().unwrap_or(false) {
                            active = true;
                        }
                        if active {
                            if let Some(n) = next.get_mut(i) {
                                *n = true;
                            }
                            match s.get(i) {
                                Some(c) if crosses || !self.separators.contains(c) => {}
                                _ => active = false,
                            }
                        }
                    }
                }
                _ => {
                    for (i, c) in s.iter().enumerate() {
                        if cur.get(i).copied().unwrap_or(false)
                            && self.single(tok, *c)
                            && let Some(n) = next.get_mut(i + 1)
                        {
                            *n = true;
                        }
                    }
                }
            }
            cur = next;
            if !cur.iter().any(|b| *b) {
                break;
            }
        }
        cur
    }

    fn single(&self, tok: &Token, c: char) -> bool {
        match tok {
            Token::Lit(l) => *l == c,
            Token::Single => !self.separators.contains(&c),
            Token::Class { negated, items } => {
                let hit = items.iter().any(|(lo, hi)| *lo <= c && c <= *hi);
                hit != *negated
            }
            _ => false,
        }
    }
}

fn parse_seq(chars: &[char], pos: &mut usize, depth: usize) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    while let Some(&c) = chars.get(*pos) {
        match c {
            '}' | ',' if depth > 0 => return Ok(out),
            '*' => {
                if chars.get(*pos + 1) == Some(&'*') {
                    *pos += 2;
                    out.push(Token::Super);
                } else {
                    *pos += 1;
                    out.push(Token::Star);
                }
            }
            '?' => {
                *pos += 1;
                out.push(Token::Single);
            }
            '\\' => {
                let esc = chars.get(*pos + 1).copied().ok_or("trailing escape")?;
                *pos += 2;
                out.push(Token::Lit(esc));
            }
            '[' => {
                *pos += 1;
                out.push(parse_class(chars, pos)?);
            }
            '{' => {
                *pos += 1;
                let mut alts = Vec::new();
                loop {
                    alts.push(parse_seq(chars, pos, depth + 1)?);
                    match chars.get(*pos) {
                        Some(',') => *pos += 1,
                        Some('}') => {
                            *pos += 1;
                            break;
                        }
                        _ => return Err("unclosed '{'".into()),
                    }
                }
                out.push(Token::Alt(alts));
            }
            _ => {
                *pos += 1;
                out.push(Token::Lit(c));
            }
        }
    }
    if depth > 0 {
        return Err("unclosed '{'".into());
    }
    Ok(out)
}

fn parse_class(chars: &[char], pos: &mut usize) -> Result<Token, String> {
    let mut negated = false;
    if chars.get(*pos) == Some(&'!') {
        negated = true;
        *pos += 1;
    }
    let mut items = Vec::new();
    loop {
        let c = chars.get(*pos).copied().ok_or("unclosed '['")?;
        *pos += 1;
        match c {
            ']' => break,
            '\\' => {
                let e = chars.get(*pos).copied().ok_or("unclosed '['")?;
                *pos += 1;
                items.push((e, e));
            }
            _ => {
                if chars.get(*pos) == Some(&'-') && chars.get(*pos + 1).is_some_and(|n| *n != ']') {
                    let hi = chars.get(*pos + 1).copied().ok_or("unclosed '['")?;
                    *pos += 2;
                    if hi < c {
                        return Err(format!("invalid range {c}-{hi}"));
                    }
                    items.push((c, hi));
                } else {
                    items.push((c, c));
                }
            }
        }
    }
    if items.is_empty() {
        return Err("empty character class".into());
    }
    Ok(Token::Class { negated, items })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn m(p: &str, seps: &[char], s: &str) -> bool {
        Glob::compile(p, seps).unwrap().matches(s)
    }

    #[test]
    fn no_separator_semantics() {
        assert!(m("*.bar", &[], "a.b.bar"));
        assert!(m("*", &[], "a/b.c"));
        assert!(m("ns-?", &[], "ns-1"));
        assert!(!m("ns-?", &[], "ns-10"));
        assert!(m("ns[a-c]", &[], "nsb"));
        assert!(!m("ns[!a-c]", &[], "nsb"));
        assert!(m("app-{prod,staging}", &[], "app-staging"));
        assert!(m("a\\*", &[], "a*"));
        assert!(!m("a\\*", &[], "ab"));
    }

    #[test]
    fn dot_separator_semantics() {
        assert!(m("*", &['.'], "configmaps"));
        assert!(!m("*", &['.'], "deployments.apps"));
        assert!(m("*.apps", &['.'], "deployments.apps"));
        assert!(m("**", &['.'], "a.b.c"));
    }

    #[test]
    fn compile_errors() {
        assert!(Glob::compile("ns[abc", &[]).is_err());
        assert!(Glob::compile("{a,b", &[]).is_err());
        assert!(Glob::compile("a\\", &[]).is_err());
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let p = "*a".repeat(50);
        assert!(!m(&p, &[], &"a".repeat(49)));
    }
}
