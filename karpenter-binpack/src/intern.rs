//! String interning: label keys and values become dense `Sym` ids so that requirement algebra
//! compares integers, never strings.

use rustc_hash::FxHashMap;

/// An interned string.
pub type Sym = u32;

/// The interner. Also caches each string's integer value (used by `Gt`/`Lt` bounds).
#[derive(Debug, Default, Clone)]
pub struct Interner {
    map: FxHashMap<Box<str>, Sym>,
    strings: Vec<Box<str>>,
    ints: Vec<Option<i64>>,
}

impl Interner {
    /// Interns `s`.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = Sym::try_from(self.strings.len()).unwrap_or(Sym::MAX);
        self.map.insert(s.into(), id);
        self.strings.push(s.into());
        self.ints.push(s.parse().ok());
        id
    }

    /// The id of `s` if it was interned.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    /// The string of `id` (empty for unknown ids).
    pub fn resolve(&self, id: Sym) -> &str {
        self.strings.get(id as usize).map_or("", |s| s)
    }

    /// The integer value of `id`'s string, if it parses as one.
    pub fn int(&self, id: Sym) -> Option<i64> {
        self.ints.get(id as usize).copied().flatten()
    }
}
