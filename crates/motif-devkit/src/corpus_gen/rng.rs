//! The generator's randomness: a small `SplitMix64` generator with integer
//! arithmetic only, so the same seed gives the same bytes everywhere.

/// A `SplitMix64` pseudo-random generator: tiny, fast, and good enough to
/// make text look varied. Not for anything cryptographic.
#[derive(Debug, Clone)]
pub struct Rng(pub(super) u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent generator for sub-stream `stream` (a transcript, a
    /// coder…), so one part's draws never shift another's.
    #[must_use]
    pub fn fork(&self, stream: u64) -> Rng {
        let mut r = Rng(self.0 ^ mix(stream.wrapping_add(0x5851_F42D_4C95_7F2D)));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (`n` > 0), without modulo bias worth mentioning.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True `permille` times in a thousand.
    pub fn permille(&mut self, permille: usize) -> bool {
        self.below(1000) < permille
    }

    /// A number in `0..n` that favours small values (the smaller of two
    /// draws): a cheap, integer-only Zipf stand-in.
    pub fn skewed(&mut self, n: usize) -> usize {
        self.below(n).min(self.below(n))
    }

    /// One item of a non-empty slice, favouring the first ones.
    pub fn skewed_pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.skewed(items.len())]
    }

    /// One item of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
