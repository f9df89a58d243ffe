//! Seeded generators of text for tests and benches: made-up words from syllables, so no
//! outside text is needed and every run sees the same corpus.
#![allow(dead_code)] // each test crate uses a different part

/// SplitMix64: a tiny deterministic generator.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "tas", "vo", "ne", "dri", "pu", "sel", "gor", "an", "bi", "cu", "fen",
    "hal", "jo", "kri", "mun", "os", "pel", "qua", "ri", "sto", "tu", "ve", "wy", "zan",
];

/// One made-up word of 1 to 3 syllables; a vocabulary of about 22,000 words.
pub fn word(rng: &mut Rng) -> String {
    let n = 1 + rng.below(3);
    (0..n)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

/// `n` words with sentence punctuation and a line break every ~60 words.
pub fn text(rng: &mut Rng, n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push_str(if i % 60 == 0 {
                ".\n"
            } else if rng.chance(0.08) {
                ", "
            } else {
                " "
            });
        }
        out.push_str(&word(rng));
    }
    out.push_str(".\n");
    out
}

/// `text` with about `rate` of its words replaced by fresh ones.
pub fn edit(rng: &mut Rng, text: &str, rate: f64) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive(' ') {
        if rng.chance(rate) {
            out.push_str(&word(rng));
            if piece.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push_str(piece);
        }
    }
    out
}
