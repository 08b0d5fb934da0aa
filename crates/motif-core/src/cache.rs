//! Derived caches in `.motif/cache/`: what is slow to rebuild from the
//! source files (replayed journals, transcript line indexes and speaker
//! turns) kept in a compact binary form, so a command on a large project
//! does not redo the work every time.
//!
//! A cache is only ever a shortcut. Every entry is keyed by a hash of the
//! exact bytes it was derived from (a journal's prefix, a transcript's
//! text), each file carries a format version and a checksum of its body, and anything missing, stale, truncated, corrupt or from another
//! version is ignored and rebuilt from the source. Writes are atomic
//! (temporary file, rename) but not fsynced: after a power loss a cache may
//! be lost or fail its checksum, which costs one rebuild and nothing else.
//! A project that cannot be written (read-only) simply runs without them.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use super::shared::SharedStr;

/// Bumped whenever the layout of any cache file, or the logic that derives
/// what a cache holds (turn detection, the text index), changes.
pub const FORMAT_VERSION: u32 = 4;

const MAGIC: &[u8; 8] = b"motif-c\0";
const CHECKSUM_LEN: usize = 32;

/// Builds the body of a cache file: the values, then the *string heap*,
/// the strings written with [`Writer::shared`] one after the other, then
/// the length of the values (8 bytes). Reading checks the heap's UTF-8
/// once and its strings become slices of it (see [`super::shared`]).
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
    heap: String,
}

impl Writer {
    /// An empty body.
    pub fn new() -> Self {
        Writer::default()
    }

    /// Appends a number.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// Appends a length or offset.
    pub fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }

    /// Appends a flag.
    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    /// Appends raw bytes with their length.
    pub fn bytes(&mut self, b: &[u8]) {
        self.usize(b.len());
        self.buf.extend_from_slice(b);
    }

    /// Appends a string.
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// Appends an optional string.
    pub fn opt_str(&mut self, s: Option<&str>) {
        self.bool(s.is_some());
        if let Some(s) = s {
            self.str(s);
        }
    }

    /// Appends a string to the string heap (its length to the values).
    pub fn shared(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.heap.push_str(s);
    }

    /// Appends an optional string to the string heap.
    pub fn opt_shared(&mut self, s: Option<&str>) {
        self.bool(s.is_some());
        if let Some(s) = s {
            self.shared(s);
        }
    }

    /// Appends a number in a variable-length encoding (one byte below 128).
    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// Appends a list of offsets, each as its difference from the one
    /// before in a variable-length encoding (most take one or two bytes).
    pub fn usizes(&mut self, v: &[usize]) {
        self.usize(v.len());
        let mut prev = 0usize;
        for &x in v {
            // Wrapping: a list need not be ascending to round-trip.
            self.varint(x.wrapping_sub(prev) as u64);
            prev = x;
        }
    }

    /// The values alone, to be nested in another body with
    /// [`Writer::bytes`]; a nested body cannot use the string heap.
    pub fn into_bytes(self) -> Vec<u8> {
        debug_assert!(self.heap.is_empty(), "a nested body with shared strings");
        self.buf
    }

    /// The body of a cache file: values, string heap, length of the values.
    fn into_body(self) -> Vec<u8> {
        let values = self.buf.len() as u64;
        let mut out = self.buf;
        out.extend_from_slice(self.heap.as_bytes());
        out.extend_from_slice(&values.to_le_bytes());
        out
    }
}

/// Reads the body of a cache file. Every method returns `None` when the
/// body ends early or holds something impossible, and the caller then
/// treats the whole cache as missing.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// The string heap and how much of it has been read.
    heap: Option<&'a Arc<String>>,
    heap_pos: usize,
}

impl<'a> Reader<'a> {
    /// Reads the values `buf` (a [`Body`]) from the start, without its
    /// string heap.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            heap: None,
            heap_pos: 0,
        }
    }

    /// Reads values and string heap (from [`Body::into_parts`]).
    pub fn with_heap(buf: &'a [u8], heap: &'a Arc<String>) -> Self {
        Reader {
            heap: Some(heap),
            ..Reader::new(buf)
        }
    }

    /// Reads a number written by [`Writer::varint`].
    pub fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            if shift > 63 {
                return None;
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
            shift += 7;
        }
    }

    /// Reads the next string of the heap: a slice of it, not a copy.
    pub fn shared(&mut self) -> Option<SharedStr> {
        let len = usize::try_from(self.varint()?).ok()?;
        let end = self.heap_pos.checked_add(len)?;
        let s = SharedStr::slice(self.heap?, self.heap_pos..end)?;
        self.heap_pos = end;
        Some(s)
    }

    /// Reads an optional string of the heap.
    pub fn opt_shared(&mut self) -> Option<Option<SharedStr>> {
        if self.bool()? {
            self.shared().map(Some)
        } else {
            Some(None)
        }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// Reads a number.
    pub fn u64(&mut self) -> Option<u64> {
        let b = self.take(8)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }

    /// Reads a length or offset.
    pub fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    /// Reads a count of items that each take at least `min_bytes`; a count
    /// the rest of the body cannot hold is refused before anything is
    /// allocated for it.
    pub fn count(&mut self, min_bytes: usize) -> Option<usize> {
        let n = self.usize()?;
        (n.checked_mul(min_bytes.max(1))? <= self.buf.len() - self.pos).then_some(n)
    }

    /// Reads a flag.
    pub fn bool(&mut self) -> Option<bool> {
        match self.take(1)?[0] {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// Reads raw bytes written by [`Writer::bytes`].
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.usize()?;
        self.take(n)
    }

    /// Reads a string.
    pub fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// Reads a string into an owned one.
    pub fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }

    /// Reads an optional string.
    pub fn opt_string(&mut self) -> Option<Option<String>> {
        if self.bool()? {
            self.string().map(Some)
        } else {
            Some(None)
        }
    }

    /// Reads a list of offsets written by [`Writer::usizes`].
    pub fn usizes(&mut self) -> Option<Vec<usize>> {
        let n = self.count(1)?;
        let mut out = Vec::with_capacity(n);
        let mut prev = 0usize;
        for _ in 0..n {
            let d = self.varint()?;
            prev = prev.wrapping_add(usize::try_from(d).ok()?);
            out.push(prev);
        }
        Some(out)
    }

    /// How many bytes have been read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Whether the whole body (values and string heap) was read.
    pub fn at_end(&self) -> bool {
        self.pos == self.buf.len() && self.heap.is_none_or(|h| self.heap_pos == h.len())
    }
}

/// A fast 256-bit checksum of `data` (see [`Checksum`]).
pub fn checksum(data: &[u8]) -> [u8; 32] {
    let mut c = Checksum::new();
    c.update(data);
    c.finish()
}

const LANE_KEYS: [u64; 4] = [
    0x9E37_79B9_7F4A_7C15,
    0xC2B2_AE3D_27D4_EB4F,
    0x1656_67B1_9E37_79F9,
    0x85EB_CA77_C2B2_AE63,
];

/// A fast 256-bit checksum, fed in pieces: four independent 64-bit lanes,
/// each a chain of bijective steps, so any change confined to one word
/// always shows. It guards against accidental change — a damaged cache
/// file, an edited journal — not against an adversary, and runs at memory
/// speed, several times faster than a cryptographic hash.
#[derive(Debug, Clone)]
pub struct Checksum {
    lanes: [u64; 4],
    /// Bytes fed but not yet folded in (fewer than a 32-byte block).
    pending: Vec<u8>,
    len: u64,
}

fn step(h: u64, w: u64, k: u64) -> u64 {
    (h ^ w).wrapping_mul(k).rotate_left(31)
}

impl Checksum {
    /// A checksum of nothing yet.
    pub fn new() -> Self {
        Checksum {
            lanes: LANE_KEYS,
            pending: Vec::with_capacity(32),
            len: 0,
        }
    }

    fn block(&mut self, b: &[u8]) {
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            let w = u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
            *lane = step(*lane, w, LANE_KEYS[i]);
        }
    }

    /// Feeds `data`.
    pub fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if !self.pending.is_empty() {
            let take = (32 - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() < 32 {
                return;
            }
            let b = std::mem::take(&mut self.pending);
            self.block(&b);
        }
        let blocks = data.chunks_exact(32);
        self.pending.extend_from_slice(blocks.remainder());
        for b in blocks {
            self.block(b);
        }
    }

    /// The checksum of everything fed.
    pub fn finish(mut self) -> [u8; 32] {
        let mut last = [0u8; 32];
        last[..self.pending.len()].copy_from_slice(&self.pending);
        self.block(&last);
        let mut h = self.lanes;
        h[0] ^= self.len;
        // Each lane ends depending on every other.
        for round in 0..2 {
            for i in 0..4 {
                let w = h[(i + 1 + round) % 4];
                h[i] = step(h[i], w, LANE_KEYS[(i + 2) % 4]);
            }
        }
        let mut out = [0u8; 32];
        for (i, lane) in h.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&lane.to_le_bytes());
        }
        out
    }
}

impl Default for Checksum {
    fn default() -> Self {
        Checksum::new()
    }
}

/// The body of a cache file, read whole; it reads as its values (see
/// [`Writer`]).
#[derive(Debug)]
pub struct Body {
    data: Vec<u8>,
    start: usize,
    /// Where the values end and the string heap begins.
    values_end: usize,
    heap_end: usize,
}

impl std::ops::Deref for Body {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.data[self.start..self.values_end]
    }
}

impl Body {
    /// The values and the string heap, its UTF-8 checked once; `None` if
    /// it is not UTF-8. Only the values are copied.
    pub fn into_parts(self) -> Option<(Vec<u8>, Arc<String>)> {
        let Body {
            mut data,
            start,
            values_end,
            heap_end,
        } = self;
        let values = data[start..values_end].to_vec();
        data.truncate(heap_end);
        data.drain(..values_end);
        Some((values, Arc::new(String::from_utf8(data).ok()?)))
    }
}

/// Reads cache file `path` of kind `kind`; `None` when it is missing, not
/// a regular file (a link is not followed, a device or a FIFO not read),
/// larger than [`MAX_BYTES`], of another kind or version, or fails its
/// checksum.
pub fn read(path: &Path, kind: &str) -> Option<Body> {
    use std::io::Read;
    if !fs::symlink_metadata(path).ok()?.file_type().is_file() {
        return None;
    }
    let f = fs::File::open(path).ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    // The header first: a file of another kind (or of zeros, planted or
    // damaged) is left unread instead of being read whole.
    let head = header(kind);
    let mut f = f.take(MAX_BYTES + 1);
    let mut data = vec![0; head.len()];
    f.read_exact(&mut data).ok()?;
    if data != head {
        return None;
    }
    f.read_to_end(&mut data).ok()?;
    if data.len() as u64 > MAX_BYTES || data.len() < head.len() + CHECKSUM_LEN {
        return None;
    }
    let sum_at = data.len() - CHECKSUM_LEN;
    if checksum(&data[head.len()..sum_at])[..] != data[sum_at..] {
        return None;
    }
    let heap_end = sum_at.checked_sub(8).filter(|&e| e >= head.len())?;
    let values = u64::from_le_bytes(data[heap_end..sum_at].try_into().ok()?);
    let values_end = head
        .len()
        .checked_add(usize::try_from(values).ok()?)
        .filter(|&e| e <= heap_end)?;
    Some(Body {
        start: head.len(),
        values_end,
        heap_end,
        data,
    })
}

/// The largest cache file read (far above the caches of a large project);
/// a larger one is ignored and rebuilt.
pub const MAX_BYTES: u64 = 4 << 30;

/// Writes cache file `path` atomically (without fsync; see the module
/// documentation). Errors are returned for tests and ignored by callers.
pub fn write(path: &Path, kind: &str, body: Writer) -> std::io::Result<()> {
    let body = &body.into_body()[..];
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map_or_else(|| "cache".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", super::ids::new_id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&header(kind))?;
        f.write_all(body)?;
        f.write_all(&checksum(body))?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn header(kind: &str) -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    h.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    h.extend_from_slice(&(kind.len() as u32).to_le_bytes());
    h.extend_from_slice(kind.as_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_kind_of_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c/x.bin");
        let mut w = Writer::new();
        w.str("café ☕ 北京");
        w.opt_str(None);
        w.opt_str(Some(""));
        w.shared("naïve 🚀");
        w.usizes(&[0, 7, usize::MAX, 3, 300]);
        w.opt_shared(None);
        w.opt_shared(Some("碼"));
        w.shared("");
        w.bool(true);
        write(&p, "test", w).unwrap();
        let read_all = |r: &mut Reader<'_>, heap: bool| {
            assert_eq!(r.str(), Some("café ☕ 北京"));
            assert_eq!(r.opt_string(), Some(None));
            assert_eq!(r.opt_string(), Some(Some(String::new())));
            let naive = r.shared();
            assert_eq!(naive.is_some(), heap);
            if !heap {
                return;
            }
            assert_eq!(naive.unwrap(), "naïve 🚀");
            assert_eq!(r.usizes(), Some(vec![0, 7, usize::MAX, 3, 300]));
            assert_eq!(r.opt_shared(), Some(None));
            assert_eq!(r.opt_shared().unwrap().unwrap(), "碼");
            assert_eq!(r.shared().unwrap(), "");
            assert_eq!(r.bool(), Some(true));
            assert!(r.at_end());
            assert_eq!(r.u64(), None, "reading past the end fails");
        };
        // Without the heap, its strings cannot be read.
        read_all(&mut Reader::new(&read(&p, "test").unwrap()), false);
        let (values, heap) = read(&p, "test").unwrap().into_parts().unwrap();
        assert_eq!(heap.as_str(), "naïve 🚀碼");
        read_all(&mut Reader::with_heap(&values, &heap), true);

        assert!(read(&p, "other").is_none(), "another kind");
        let mut raw = fs::read(&p).unwrap();
        let mid = raw.len() / 2;
        raw[mid] ^= 1;
        fs::write(&p, &raw).unwrap();
        assert!(read(&p, "test").is_none(), "a flipped bit");
        raw[mid] ^= 1;
        raw.truncate(raw.len() - 1);
        fs::write(&p, &raw).unwrap();
        assert!(read(&p, "test").is_none(), "a truncated file");
        assert!(read(&dir.path().join("none.bin"), "test").is_none());
    }

    #[test]
    fn checksum_sees_every_small_change() {
        let base: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let sum = checksum(&base);
        for at in [0, 1, 31, 32, 500, 998, 999] {
            let mut v = base.clone();
            v[at] ^= 0x40;
            assert_ne!(checksum(&v), sum, "flip at {at}");
        }
        assert_ne!(checksum(&base[..999]), sum, "one byte shorter");
        let mut zero_tail = base.clone();
        zero_tail.push(0);
        assert_ne!(checksum(&zero_tail), sum, "one zero byte longer");
        assert_ne!(checksum(&[]), checksum(&[0]));
        assert_eq!(checksum(&base), sum, "deterministic");
        // Fed in any pieces, the same.
        for cut in [0, 1, 31, 32, 33, 64, 999] {
            let mut c = Checksum::new();
            c.update(&base[..cut]);
            c.update(&base[cut..]);
            assert_eq!(c.finish(), sum, "cut at {cut}");
        }
        let mut bytewise = Checksum::new();
        for b in &base {
            bytewise.update(std::slice::from_ref(b));
        }
        assert_eq!(bytewise.finish(), sum);
    }

    #[test]
    fn impossible_counts_allocate_nothing() {
        let mut w = Writer::new();
        w.usize(usize::MAX / 2);
        let body = w.into_bytes();
        assert_eq!(Reader::new(&body).usizes(), None);
        assert_eq!(Reader::new(&body).count(1), None);
    }
}
