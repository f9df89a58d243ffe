//! Normalization and tokenization: bytes in, word tokens out, each with its byte span in
//! the original input.
//!
//! # Algorithm
//!
//! The input is bytes. Valid UTF-8 runs are scanned character by character; every invalid
//! UTF-8 sequence acts as a separator, so offsets stay exact and the rest of the document
//! is still processed. Characters fall into four classes:
//!
//! * **word**: alphanumeric characters (`char::is_alphanumeric`) and combining marks. A
//!   maximal run of them is one token.
//! * **per-character scripts**: Han ideographs, Hiragana, Katakana, Thai, Lao, Khmer and
//!   Myanmar are written without spaces between words, so each such character is a token
//!   of its own (with the combining marks that follow it). With the default shingle size
//!   of 5 a shingle is then a 5-character n-gram, the usual unit for these scripts.
//! * **ignorable**: soft hyphen, zero-width joiner and non-joiner, word joiner and the byte
//!   order mark continue a token but are dropped from its normalized form.
//! * **separator**: everything else: white space, punctuation (curly quotes, dashes, the
//!   Arabic comma), symbols and emoji, and invalid UTF-8 bytes.
//!
//! A token's normalized form is NFKC of its characters, then Unicode lowercase. ASCII
//! tokens take a fast path that only lowercases. The token's [`Token::hash`] is xxh3 of the
//! normalized form's UTF-8 bytes with a fixed seed, so it is the same on every run and
//! platform. [`normalized`] recomputes the normalized form of a span, which is how passages
//! are verified character for character.
//!
//! # Cost
//!
//! O(b) for b input bytes (the bytes at the ends of the 64-byte blocks that
//! [`tokenize_into`] looks at a time are looked at twice); no allocation per token (one
//! reused buffer).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The seed of the xxh3 hash that turns a normalized token into [`Token::hash`].
///
/// Part of the stable format: changing it changes every signature.
pub const TOKEN_SEED: u64 = 0x6e65_6172_6475_7030; // "neardup0"

/// A half-open byte range `[start, end)` into a document's original bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The number of bytes it covers.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when it covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// True when the two spans share at least one byte.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// One word token: where it is in the original bytes and the hash of its normalized form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Where the token's characters are in the original bytes.
    pub span: Span,
    /// xxh3 (seed [`TOKEN_SEED`]) of the normalized form.
    pub hash: u64,
}

/// An iterator over the [`Token`]s of some bytes. Made by [`tokens`].
pub struct Tokens<'a> {
    chunks: std::str::Utf8Chunks<'a>,
    /// The valid UTF-8 run being scanned and its offset in the input.
    run: &'a str,
    run_offset: usize,
    /// Offset of the chunk after the current one.
    next_offset: usize,
    /// Position inside `run`.
    pos: usize,
    buf: String,
}

/// The tokens of `bytes`, in order.
///
/// Never fails and never panics: any bytes are accepted, invalid UTF-8 separates tokens.
///
/// ```
/// let text = "Don’t PANIC — the ﬁsh";
/// let words: Vec<&str> = neardup::text::tokens(text.as_bytes())
///     .map(|t| &text[t.span.start..t.span.end])
///     .collect();
/// assert_eq!(words, ["Don", "t", "PANIC", "the", "ﬁsh"]);
/// // Spans point into the original; the hash is of the normalized form.
/// let fish = neardup::text::tokens("fish".as_bytes()).next().unwrap();
/// assert_eq!(neardup::text::tokens(text.as_bytes()).last().unwrap().hash, fish.hash);
/// ```
pub fn tokens(bytes: &[u8]) -> Tokens<'_> {
    Tokens {
        chunks: bytes.utf8_chunks(),
        run: "",
        run_offset: 0,
        next_offset: 0,
        pos: 0,
        buf: String::new(),
    }
}

/// The spans of the tokens of `bytes`, in order: those of [`tokens`], without hashing
/// (or normalizing) the tokens.
pub(crate) fn token_spans(bytes: &[u8]) -> impl Iterator<Item = Span> + '_ {
    let mut t = tokens(bytes);
    std::iter::from_fn(move || {
        let (s, e, _) = t.next_in_input()?;
        Some(Span::new(t.run_offset + s, t.run_offset + e))
    })
}

/// Collects the tokens of `bytes` into `out` (cleared first), reusing its allocation:
/// the tokens of [`tokens`], found faster in text that is mostly ASCII (words of ASCII
/// letters and digits are scanned and hashed in one loop, with no iterator state
/// between them).
///
/// ```
/// let mut out = Vec::new();
/// neardup::text::tokenize_into("Größe, Ferry".as_bytes(), &mut out);
/// assert_eq!(out, neardup::text::tokens("Größe, Ferry".as_bytes()).collect::<Vec<_>>());
/// ```
pub fn tokenize_into(bytes: &[u8], out: &mut Vec<Token>) {
    out.clear();
    scan(bytes, |hash, start, end| {
        out.push(token(Span::new(start, end), hash))
    });
}

/// Calls `emit(hash, start, end)` for each token of `bytes` in order: the tokens of
/// [`tokens`], without an iterator's state between them. A word of ASCII letters and
/// digits between ASCII separators (most of an English text) is scanned and hashed
/// here; a stretch that holds any other byte, up to the next ASCII separator, goes
/// through [`tokens`]. No token holds an ASCII separator, and UTF-8 decoding starts
/// afresh after any ASCII byte, so cutting the input there changes no token. The
/// stretches are found 64 bytes at a time from bitmasks ([`Block`]), with no branch
/// per byte.
pub(crate) fn scan(bytes: &[u8], mut emit: impl FnMut(u64, usize, usize)) {
    // The general path's buffer for normalized words, reused across stretches.
    let mut buf = String::new();
    let mut i = 0;
    while i < bytes.len() {
        i = scan_block(bytes, i, &mut buf, &mut emit);
    }
}

/// The tokens of the stretches (runs of bytes that are not ASCII separators) that start
/// in the 64 bytes from `i`, found from their bitmasks, given to `emit`: all but one
/// that may go on past the block, which is taken from its start, on its own when it
/// starts the block. Returns where the next block starts.
fn scan_block(
    bytes: &[u8],
    i: usize,
    buf: &mut String,
    emit: &mut impl FnMut(u64, usize, usize),
) -> usize {
    let block = Block::at(bytes, i);
    let mut p = 0;
    while p < 64 && block.stretch >> p != 0 {
        let s = p + (block.stretch >> p).trailing_zeros() as usize;
        let len = (!(block.stretch >> s)).trailing_zeros() as usize;
        if s + len >= 64 && i + 64 < bytes.len() {
            return if s > 0 {
                i + s
            } else {
                i + stretch(bytes, i, buf, emit)
            };
        }
        let span = u64::MAX >> (64 - len) << s;
        let (start, end) = (i + s, i + s + len);
        if block.non_ascii & span == 0 {
            let upper = block.upper & span != 0;
            emit(ascii_word_hash(bytes, start, end, upper), start, end);
        } else {
            general(bytes, start, end, buf, emit);
        }
        p = s + len;
    }
    i + 64
}

/// The tokens of the stretch that starts at `i` (a byte that is not an ASCII
/// separator), however long, given to `emit`; returns its length.
fn stretch(
    bytes: &[u8],
    i: usize,
    buf: &mut String,
    emit: &mut impl FnMut(u64, usize, usize),
) -> usize {
    let (end, upper) = ascii_word_end(bytes, i);
    if end == bytes.len() || ASCII_CLASS[bytes[end] as usize] == SEP {
        emit(ascii_word_hash(bytes, i, end, upper), i, end);
        return end - i;
    }
    // The stretch goes on past ASCII: the general path takes it whole.
    let end = bytes[i..]
        .iter()
        .position(|&b| ASCII_CLASS[b as usize] == SEP)
        .map_or(bytes.len(), |k| i + k);
    general(bytes, i, end, buf, emit);
    end - i
}

/// The tokens of `bytes[start..end]`, a stretch that holds a byte outside ASCII,
/// through [`tokens`].
fn general(
    bytes: &[u8],
    start: usize,
    end: usize,
    buf: &mut String,
    emit: &mut impl FnMut(u64, usize, usize),
) {
    let mut stretch = tokens(&bytes[start..end]);
    stretch.buf = std::mem::take(buf);
    for t in &mut stretch {
        emit(t.hash, start + t.span.start, start + t.span.end);
    }
    *buf = stretch.buf;
}

/// Bitmasks of up to 64 bytes of input, bit k for the byte k after where they start
/// (bytes past the input's end count as separators).
struct Block {
    /// Bytes that are not ASCII separators: ASCII letters and digits, and bytes
    /// outside ASCII.
    stretch: u64,
    /// Uppercase ASCII letters.
    upper: u64,
    /// Bytes outside ASCII.
    non_ascii: u64,
}

impl Block {
    /// The masks of `bytes[i..]`, its first 64 bytes at most, eight at a time ([`word_lanes`]).
    fn at(bytes: &[u8], i: usize) -> Block {
        let mut padded = [b' '; 64];
        let chunk = match bytes.get(i..i + 64) {
            Some(c) => c,
            None => {
                let rest = &bytes[i..];
                padded[..rest.len()].copy_from_slice(rest);
                &padded[..]
            }
        };
        let mut block = Block {
            stretch: 0,
            upper: 0,
            non_ascii: 0,
        };
        for (k, lane) in chunk.chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(lane.try_into().expect("eight bytes"));
            let (word, upper) = word_lanes(x);
            let shift = 8 * k;
            block.stretch |= high_bits(word | x & HIGH) << shift;
            block.upper |= high_bits(upper) << shift;
            block.non_ascii |= high_bits(x & HIGH) << shift;
        }
        block
    }
}

/// The high bits of the eight lanes of `x` (its other bits clear) as eight bits, lane k
/// as bit k.
fn high_bits(x: u64) -> u64 {
    (x >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Where the run of ASCII letters and digits that starts at `i` ends, and whether it
/// holds an uppercase letter. Eight bytes at a time (SWAR: each byte's class is worked
/// out in its own lane of a `u64`), then byte by byte for the last few.
fn ascii_word_end(bytes: &[u8], mut i: usize) -> (usize, bool) {
    let mut upper = false;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let (word, up) = word_lanes(x);
        let ends = !word & HIGH;
        if ends == 0 {
            upper |= up != 0;
            i += 8;
            continue;
        }
        let k = ends.trailing_zeros() as usize / 8;
        // The lanes before the first byte that ends the word.
        let before = (1u64 << (8 * k)) - 1;
        return (i + k, upper | (up & before != 0));
    }
    while let Some(&b) = bytes.get(i) {
        match ASCII_CLASS[b as usize] {
            LOWER => {}
            UPPER => upper = true,
            _ => break,
        }
        i += 1;
    }
    (i, upper)
}

/// The high bit of each byte of a `u64`.
const HIGH: u64 = 0x8080_8080_8080_8080;
/// One in each byte of a `u64`.
const ONES: u64 = 0x0101_0101_0101_0101;

/// For each byte (lane) of `x`: the high bit set in the first value when it is an ASCII
/// letter or digit, in the second when it is an uppercase ASCII letter. Every lane is
/// worked out below 0x100, so no carry crosses into the next lane.
fn word_lanes(x: u64) -> (u64, u64) {
    // The low seven bits of each byte: at most 0x7f, so adding at most 0x80 stays in
    // the lane.
    let low = x & !HIGH;
    // High bit set where a lane is >= c, and where it is > c.
    let at_least = |v: u64, c: u8| v + (0x80 - u64::from(c)) * ONES;
    let above = |v: u64, c: u8| v + (0x7f - u64::from(c)) * ONES;
    let digit = at_least(low, b'0') & !above(low, b'9');
    // Setting bit 5 turns an uppercase letter into its lowercase one, and no other
    // byte into a letter.
    let folded = low | (0x20 * ONES);
    let letter = at_least(folded, b'a') & !above(folded, b'z');
    let ascii = !x & HIGH;
    let word = (digit | letter) & ascii;
    // An uppercase letter is a letter whose bit 5 is clear.
    let upper = letter & ascii & (!low << 2) & HIGH;
    (word & HIGH, upper)
}

/// xxh3 of the ASCII word `bytes[start..end]`, lowercased first when it holds an
/// uppercase letter (`upper`). A word of at most 16 bytes with 16 bytes of input to read
/// from its start (most of them) is lowercased eight bytes at a time, in registers.
fn ascii_word_hash(bytes: &[u8], start: usize, end: usize, upper: bool) -> u64 {
    let word = &bytes[start..end];
    if !upper {
        return xxh3_64_with_seed(word, TOKEN_SEED);
    }
    if let Some(chunk) = bytes.get(start..start + 16).filter(|_| word.len() <= 16) {
        // The high bit of an uppercase lane, moved to bit 5, lowercases it.
        let lower = |b: &[u8]| {
            let x = u64::from_le_bytes(b.try_into().expect("eight bytes"));
            (x | word_lanes(x).1 >> 2).to_le_bytes()
        };
        let mut buf = [0u8; 16];
        buf[..8].copy_from_slice(&lower(&chunk[..8]));
        buf[8..].copy_from_slice(&lower(&chunk[8..]));
        return xxh3_64_with_seed(&buf[..word.len()], TOKEN_SEED);
    }
    let mut buf = [0u8; 64];
    match buf.get_mut(..word.len()) {
        Some(lower) => {
            lower.copy_from_slice(word);
            lower.make_ascii_lowercase();
            xxh3_64_with_seed(lower, TOKEN_SEED)
        }
        None => xxh3_64_with_seed(&word.to_ascii_lowercase(), TOKEN_SEED),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Word,
    PerChar,
    Ignorable,
    Separator,
}

fn classify(c: char) -> Class {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Class::Word
        } else {
            Class::Separator
        };
    }
    if is_per_char_script(c) {
        Class::PerChar
    } else if is_ignorable(c) {
        Class::Ignorable
    } else if c.is_alphanumeric() || is_combining_mark(c) {
        Class::Word
    } else {
        Class::Separator
    }
}

fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

fn is_per_char_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // halfwidth Katakana
        | 0x20000..=0x3FFFF  // CJK extensions B..
    ) && !is_combining_mark(c)
}

/// ASCII byte classes for the fast path.
const SEP: u8 = 0;
const LOWER: u8 = 1; // lowercase letter or digit: already normalized
const UPPER: u8 = 2;
const NON_ASCII: u8 = 3;

const ASCII_CLASS: [u8; 256] = {
    let mut t = [NON_ASCII; 256];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        t[i] = if b.is_ascii_lowercase() || b.is_ascii_digit() {
            LOWER
        } else if b.is_ascii_uppercase() {
            UPPER
        } else {
            SEP
        };
        i += 1;
    }
    t
};

impl Tokens<'_> {
    /// Finds the next token, moving on to the next valid run where this one ends: its
    /// range in `run` and whether its text is already normalized.
    fn next_in_input(&mut self) -> Option<(usize, usize, bool)> {
        loop {
            if let Some(found) = self.next_in_run() {
                return Some(found);
            }
            // The run is done; its invalid tail (if any) is a separator.
            let chunk = self.chunks.next()?;
            self.run_offset = self.next_offset;
            self.next_offset += chunk.valid().len() + chunk.invalid().len();
            self.run = chunk.valid();
            self.pos = 0;
        }
    }

    /// Finds the next token inside the current valid run: its range in `run`, and whether
    /// its text is already normalized (ASCII lowercase letters and digits only).
    fn next_in_run(&mut self) -> Option<(usize, usize, bool)> {
        let bytes = self.run.as_bytes();
        // Skip separators and leading ignorables.
        let (start, class) = loop {
            let i = self.pos;
            let &b = bytes.get(i)?;
            match ASCII_CLASS[b as usize] {
                SEP => self.pos += 1,
                LOWER | UPPER => {
                    self.pos += 1;
                    break (i, Class::Word);
                }
                _ => {
                    let c = self.run[i..].chars().next()?;
                    self.pos += c.len_utf8();
                    match classify(c) {
                        Class::Word => break (i, Class::Word),
                        Class::PerChar => break (i, Class::PerChar),
                        Class::Ignorable | Class::Separator => {}
                    }
                }
            }
        };
        let mut plain = class == Class::Word && ASCII_CLASS[bytes[start] as usize] == LOWER;
        // A word token takes word characters, marks and ignorables; a per-character token
        // takes only the marks and ignorables that follow it.
        let mut end = self.pos;
        if class == Class::Word {
            // The common case: a run of ASCII letters and digits.
            while let Some(&b) = bytes.get(self.pos) {
                match ASCII_CLASS[b as usize] {
                    LOWER => {}
                    UPPER => plain = false,
                    _ => break,
                }
                self.pos += 1;
            }
            end = self.pos;
        }
        while let Some(&b) = bytes.get(self.pos) {
            if b < 0x80 {
                if class == Class::Word && ASCII_CLASS[b as usize] != SEP {
                    self.pos += 1;
                    end = self.pos;
                    continue;
                }
                break;
            }
            let c = self.run[self.pos..].chars().next()?;
            let joins = match classify(c) {
                Class::Word => class == Class::Word || is_combining_mark(c),
                Class::Ignorable => true,
                Class::PerChar | Class::Separator => false,
            };
            if !joins {
                break;
            }
            plain = false;
            self.pos += c.len_utf8();
            if !is_ignorable(c) {
                end = self.pos;
            }
        }
        Some((start, end, plain))
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let (s, e, plain) = self.next_in_input()?;
        let word = &self.run[s..e];
        let hash = if plain {
            xxh3_64_with_seed(word.as_bytes(), TOKEN_SEED)
        } else {
            hash_normalized(word, &mut self.buf)
        };
        Some(token(
            Span::new(self.run_offset + s, self.run_offset + e),
            hash,
        ))
    }
}

fn token(span: Span, hash: u64) -> Token {
    Token { span, hash }
}

/// Appends the normalized form of `word` (one token's original text) to `out`.
fn normalize_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        out[start..].make_ascii_lowercase();
        return;
    }
    for c in word.chars().filter(|&c| !is_ignorable(c)).nfkc() {
        out.extend(c.to_lowercase());
    }
}

fn hash_normalized(word: &str, buf: &mut String) -> u64 {
    buf.clear();
    normalize_into(word, buf);
    xxh3_64_with_seed(buf.as_bytes(), TOKEN_SEED)
}

/// The normalized form of the text at `span` in `bytes`: NFKC, then lowercase, ignorable
/// characters dropped. Invalid UTF-8 inside the span is replaced by U+FFFD; an out-of-range
/// span is clamped to the input.
///
/// For a token's span this is exactly the text whose hash is [`Token::hash`].
pub fn normalized(bytes: &[u8], span: Span) -> String {
    let end = span.end.min(bytes.len());
    let start = span.start.min(end);
    let text = String::from_utf8_lossy(&bytes[start..end]);
    let mut out = String::with_capacity(text.len());
    normalize_into(&text, &mut out);
    out
}

/// Maps byte offsets to 1-based line numbers. `\n`, `\r\n` and a lone `\r` each end a line.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset where each line after the first starts.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line breaks of `bytes`. O(b).
    pub fn new(bytes: &[u8]) -> LineIndex {
        let mut starts = Vec::new();
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            let crlf = bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n');
            if !crlf {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// The 1-based line that holds byte `offset`. O(log lines).
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn token_spans_are_the_spans_of_the_tokens(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            text in "[a-zA-Z0-9 ,.\u{00AD}\u{0301}\u{4E00}-\u{4E10}\u{00C0}-\u{017F}\u{FFFD}]{0,80}",
        ) {
            for input in [&bytes[..], text.as_bytes()] {
                let spans: Vec<Span> = tokens(input).map(|t| t.span).collect();
                prop_assert_eq!(token_spans(input).collect::<Vec<Span>>(), spans);
            }
        }
    }

    /// Mostly ASCII words (some past 64 bytes), cut by separators, other characters,
    /// and bytes that are not UTF-8.
    fn mixed_text() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => "[a-zA-Z0-9]{1,70}".prop_map(String::into_bytes),
            3 => "[ ,.\n]".prop_map(String::into_bytes),
            2 => "[\u{00C0}\u{00E9}\u{00AD}\u{200D}\u{2014}\u{201C}\u{4E00}\u{0301}\u{FB01}\u{0E01}\u{0E48}\u{3042}]"
                .prop_map(String::into_bytes),
            1 => Just(vec![0xFF]),
            1 => Just(vec![0xE2, 0x80]),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn scanned_tokens_are_the_tokens(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            text in "[a-zA-Z0-9 ,.\u{00AD}\u{0301}\u{4E00}-\u{4E10}\u{00C0}-\u{017F}\u{FFFD}]{0,80}",
            mixed in mixed_text(),
        ) {
            for input in [&bytes[..], text.as_bytes(), &mixed[..]] {
                let mut got = Vec::new();
                tokenize_into(input, &mut got);
                prop_assert_eq!(got, tokens(input).collect::<Vec<Token>>());
            }
        }
    }

    /// The tokens of `text` whose spans lie in `start..end`, as `(hash, span)` with the
    /// span counted from `start`.
    fn tokens_in(text: &[u8], (start, end): (usize, usize)) -> Vec<(u64, usize, usize)> {
        (tokens(text).filter(|t| start <= t.span.start && t.span.end <= end))
            .map(|t| (t.hash, t.span.start - start, t.span.end - start))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The bytes from one token's first byte to a later token's last byte hold the
        /// same tokens wherever they stand, when they begin and end a token there too:
        /// the argument by which the aligner accepts a match whose bytes are the same in
        /// both documents with one comparison (the detector's `for_each_verified`).
        #[test]
        fn whole_tokens_hold_the_same_tokens_in_any_text(
            text in mixed_text(),
            (before, after) in (mixed_text(), mixed_text()),
            (first, n) in (any::<proptest::sample::Index>(), 1usize..12),
        ) {
            // A word at the end, so that there is a token to start from.
            let text = [&text[..], b" end"].concat();
            let all: Vec<Token> = tokens(&text).collect();
            let first = first.index(all.len());
            let last = (first + n - 1).min(all.len() - 1);
            let (start, end) = (all[first].span.start, all[last].span.end);
            let range = &text[start..end];
            let here = tokens_in(&text, (start, end));
            prop_assert_eq!(here.len(), last - first + 1);
            // Alone, and put between other bytes where a token begins and one ends at
            // its edges.
            prop_assert_eq!(&tokens_in(range, (0, range.len())), &here);
            let moved = [&before[..], range, &after[..]].concat();
            let (start, end) = (before.len(), before.len() + range.len());
            let spans: Vec<Span> = tokens(&moved).map(|t| t.span).collect();
            if spans.iter().any(|s| s.start == start) && spans.iter().any(|s| s.end == end) {
                prop_assert_eq!(&tokens_in(&moved, (start, end)), &here);
            }
        }
    }

    #[test]
    fn word_lanes_class_every_byte_in_every_lane() {
        for b in 0..=255u8 {
            let class = ASCII_CLASS[b as usize];
            for lane in 0..8 {
                for around in [0x00, b'0', b'Z', b'z', 0x7f, 0x80, 0xff] {
                    let mut lanes = [around; 8];
                    lanes[lane] = b;
                    let (word, upper) = word_lanes(u64::from_le_bytes(lanes));
                    let bit = 0x80u64 << (8 * lane);
                    assert_eq!(word & bit != 0, class == LOWER || class == UPPER, "{b:#x}");
                    assert_eq!(upper & bit != 0, class == UPPER, "{b:#x}");
                }
            }
        }
    }

    #[test]
    fn stretches_across_the_blocks_of_64_bytes_are_whole() {
        let long = "aB".repeat(50);
        for pad in 0..140 {
            for tail in ["Word", long.as_str(), "caf\u{e9} Na\u{ef}ve", "x\u{4e00}y"] {
                let text = format!("{} {tail} Q{}", "a".repeat(pad), "z".repeat(pad % 7));
                let mut got = Vec::new();
                tokenize_into(text.as_bytes(), &mut got);
                assert_eq!(got, tokens(text.as_bytes()).collect::<Vec<_>>(), "{text}");
            }
        }
        // One word that ends just before, on, or just after a block's last byte, or
        // fills two blocks.
        for n in [63, 64, 65, 128] {
            let text = "Q".repeat(n);
            let mut got = Vec::new();
            tokenize_into(text.as_bytes(), &mut got);
            assert_eq!(got, tokens(text.as_bytes()).collect::<Vec<_>>());
            assert_eq!(got.len(), 1);
        }
    }

    #[test]
    fn ascii_words_end_where_the_table_says() {
        let text = b"abcdefghIJKLMNOP0123456789xyz-qrsTUVWXyz\xC3\xA9Q stuvwxyzabcdefgh";
        for start in 0..text.len() {
            let mut end = start;
            let mut upper = false;
            while end < text.len() && matches!(ASCII_CLASS[text[end] as usize], LOWER | UPPER) {
                upper |= ASCII_CLASS[text[end] as usize] == UPPER;
                end += 1;
            }
            assert_eq!(ascii_word_end(text, start), (end, upper), "from {start}");
        }
    }

    fn words(text: &str) -> Vec<&str> {
        tokens(text.as_bytes())
            .map(|t| &text[t.span.start..t.span.end])
            .collect()
    }

    fn norm(text: &str) -> Vec<String> {
        tokens(text.as_bytes())
            .map(|t| normalized(text.as_bytes(), t.span))
            .collect()
    }

    #[test]
    fn splits_on_whitespace_and_punctuation() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   \n\t ", &[]),
            ("one", &["one"]),
            ("one two", &["one", "two"]),
            ("  lead and trail  ", &["lead", "and", "trail"]),
            ("“quoted”—dash–en", &["quoted", "dash", "en"]),
            ("a،b", &["a", "b"]), // Arabic comma
            ("x-ray 3.14", &["x", "ray", "3", "14"]),
            ("emoji😀between", &["emoji", "between"]),
        ];
        for (text, want) in cases {
            assert_eq!(words(text), *want, "text: {text:?}");
        }
    }

    #[test]
    fn normalizes_case_width_and_compatibility_forms() {
        assert_eq!(
            norm("HeLLo ＷＯＲＬＤ ﬁne Ⅻ"),
            ["hello", "world", "fine", "xii"]
        );
        // Composed and decomposed accents normalize alike.
        assert_eq!(norm("caf\u{e9}"), norm("cafe\u{301}"));
        assert_eq!(words("cafe\u{301} x"), ["cafe\u{301}", "x"]);
    }

    #[test]
    fn ignorables_join_but_vanish() {
        assert_eq!(words("co\u{AD}operate"), ["co\u{AD}operate"]);
        assert_eq!(norm("co\u{AD}operate"), ["cooperate"]);
        // Leading and trailing ignorables are not part of the span.
        assert_eq!(words("\u{200D}word\u{200D} x"), ["word", "x"]);
    }

    #[test]
    fn per_character_scripts() {
        assert_eq!(words("東京都"), ["東", "京", "都"]);
        assert_eq!(words("ひらがなabc"), ["ひ", "ら", "が", "な", "abc"]);
        // A Thai consonant keeps the vowel mark that follows it.
        assert_eq!(words("กิน"), ["กิ", "น"]);
    }

    #[test]
    fn invalid_utf8_separates_and_keeps_offsets() {
        let bytes = b"good\xFFtext \xE2\x82 more\xC3";
        let got: Vec<Span> = tokens(bytes).map(|t| t.span).collect();
        assert_eq!(
            got,
            [Span::new(0, 4), Span::new(5, 9), Span::new(13, 17)],
            "{bytes:?}"
        );
    }

    #[test]
    fn hash_is_of_the_normalized_form() {
        let a: Vec<u64> = tokens("The CAT".as_bytes()).map(|t| t.hash).collect();
        let b: Vec<u64> = tokens("the cat".as_bytes()).map(|t| t.hash).collect();
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
        // Stable across runs and platforms: a fixed value.
        assert_eq!(a[0], xxh3_64_with_seed(b"the", TOKEN_SEED));
    }

    #[test]
    fn line_index_counts_all_line_endings() {
        let text = b"one\ntwo\r\nthree\rfour";
        let lines = LineIndex::new(text);
        assert_eq!(lines.line(0), 1);
        assert_eq!(lines.line(4), 2);
        assert_eq!(lines.line(7), 2); // the \r of \r\n
        assert_eq!(lines.line(9), 3);
        assert_eq!(lines.line(15), 4);
    }
}
