//! A forgiving byte reader: it never fails, past the end it reads zeros, so every input decodes.

/// Reads small integers out of the fuzzer's bytes.
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }

    /// True once every byte has been read (the harnesses stop issuing ops then).
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// Uniform-ish in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.u8() as usize % n
    }

    /// A dim size: mostly 0..=4 (so tensors stay small and 0/1 dims are common), sometimes a
    /// value that overflows element counts or strides when multiplied.
    pub fn size(&mut self) -> usize {
        match self.u8() {
            b @ 0..=229 => (b % 5) as usize,
            230..=239 => 1,
            240 => 5,
            241 => 7,
            242 => 1 << 20,
            243 => 1 << 31,
            244 => 1 << 32,
            245 => 1 << 40,
            246 => 1 << 62,
            247 => 1 << 63,
            248 => isize::MAX as usize,
            249 => usize::MAX,
            250 => usize::MAX / 2 + 1,
            _ => 3,
        }
    }

    /// A shape of up to `max_nd` dims.
    pub fn shape(&mut self, max_nd: usize) -> Vec<usize> {
        let nd = self.below(max_nd + 1);
        (0..nd).map(|_| self.size()).collect()
    }

    /// A small shape (dims 0..=3, at most 4 dims): for tensors that get allocated.
    pub fn small_shape(&mut self) -> Vec<usize> {
        let nd = self.below(5);
        (0..nd).map(|_| self.below(4)).collect()
    }

    /// A signed argument (dim, index, size with -1): mostly in -6..=6, sometimes extreme.
    pub fn i64(&mut self) -> i64 {
        match self.u8() {
            b @ 0..=233 => (b % 13) as i64 - 6,
            234..=239 => -1,
            240 => i64::MIN,
            241 => i64::MAX,
            242 => i64::MIN + 1,
            243 => i64::MAX - 1,
            244 => 1 << 40,
            245 => -(1 << 40),
            246 => 1 << 62,
            247 => -(1 << 62),
            248 => 1 << 32,
            249 => i32::MAX as i64,
            250 => 7,
            _ => 0,
        }
    }

    /// An unsigned argument (slice bounds and steps): small or extreme.
    pub fn usize(&mut self) -> usize {
        match self.u8() {
            b @ 0..=239 => (b % 8) as usize,
            240 => usize::MAX,
            241 => usize::MAX - 1,
            242 => isize::MAX as usize,
            243 => 1 << 32,
            244 => 1 << 62,
            _ => 1,
        }
    }
}
