//! `SharedStr`: an immutable string that is a slice of a shared buffer.
//!
//! Codings are read back from a journal snapshot (see [`super::cache`])
//! by the hundred thousand. Giving each of their strings its own heap
//! allocation made the allocator the largest cost of opening a big
//! project; a snapshot instead keeps all its strings in one UTF-8 buffer,
//! checked once, and each coding's strings are slices of it, and a coding
//! read from a journal line keeps its strings in one buffer of its own
//! ([`SharedStr::pack`]). Either way it reads as a
//! `&str` (`Deref`), compares, hashes and orders like one, and serializes
//! as a plain string.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An immutable string sharing its buffer (see the module doc). Its
/// place in the buffer is kept in 32 bits (16 bytes a string, a third of a
/// coding's size); a string past the first 4 GiB of a buffer gets a buffer
/// of its own.
#[derive(Clone)]
pub struct SharedStr {
    buf: Arc<String>,
    start: u32,
    end: u32,
}

impl SharedStr {
    /// `range` of `buf`, or `None` if it is out of bounds or does not
    /// fall on character boundaries.
    pub fn slice(buf: &Arc<String>, range: Range<usize>) -> Option<SharedStr> {
        let s = buf.get(range.clone())?;
        Some(
            match (u32::try_from(range.start), u32::try_from(range.end)) {
                (Ok(start), Ok(end)) => SharedStr {
                    buf: Arc::clone(buf),
                    start,
                    end,
                },
                _ => SharedStr::from(s),
            },
        )
    }

    /// The strings `parts`, kept in one buffer.
    pub fn pack<const N: usize>(parts: [&str; N]) -> [SharedStr; N] {
        let mut buf = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        for p in parts {
            buf.push_str(p);
        }
        let buf = Arc::new(buf);
        let mut at = 0;
        parts.map(|p| {
            at += p.len();
            SharedStr::slice(&buf, at - p.len()..at).expect("within the buffer")
        })
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        // In bounds and on boundaries: checked when made.
        &self.buf[self.start as usize..self.end as usize]
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr::from(s.to_owned())
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        // A single coding field of 4 GiB or more (a journal line longer
        // still, parsed into memory) is refused loudly rather than cut.
        let end = u32::try_from(s.len()).expect("a string under 4 GiB");
        SharedStr {
            buf: Arc::new(s),
            start: 0,
            end,
        }
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> String {
        s.as_str().to_owned()
    }
}

impl Default for SharedStr {
    fn default() -> SharedStr {
        SharedStr::from("")
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == other.as_str()
    }
}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &SharedStr) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &SharedStr) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SharedStr {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.as_str().hash(h);
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SharedStr, D::Error> {
        String::deserialize(d).map(SharedStr::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_string_takes_16_bytes() {
        assert_eq!(std::mem::size_of::<SharedStr>(), 16);
        assert_eq!(std::mem::size_of::<Option<SharedStr>>(), 16);
    }

    #[test]
    fn slices_share_one_buffer_and_act_like_strings() {
        let buf = Arc::new(String::from("café北京🚀"));
        let cafe = SharedStr::slice(&buf, 0..5).unwrap();
        let beijing = SharedStr::slice(&buf, 5..11).unwrap();
        assert_eq!(cafe, "café");
        assert_eq!(&*beijing, "北京");
        assert_eq!(beijing.chars().count(), 2);
        assert_eq!(Arc::strong_count(&buf), 3);
        // Not on a character boundary, or past the end: refused.
        assert!(SharedStr::slice(&buf, 0..4).is_none());
        assert!(SharedStr::slice(&buf, 11..16).is_none());
        assert_eq!(SharedStr::from("café"), cafe);
        assert!(cafe < beijing);
        assert_eq!(serde_json::to_string(&beijing).unwrap(), "\"北京\"");
        let back: SharedStr = serde_json::from_str("\"🚀\"").unwrap();
        assert_eq!(back, "🚀");
        let [a, b, c] = SharedStr::pack(["ünï", "", "碼🚀"]);
        assert_eq!((a.as_str(), b.as_str(), c.as_str()), ("ünï", "", "碼🚀"));
        assert!(Arc::ptr_eq(&a.buf, &c.buf));
        let mut m = std::collections::HashMap::new();
        m.insert(cafe.clone(), 1);
        assert_eq!(m.get("café"), Some(&1));
    }
}
