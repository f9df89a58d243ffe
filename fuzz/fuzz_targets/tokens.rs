//! Any bytes: tokens are in bounds, ordered, valid UTF-8, and hash to their normalized
//! form; line numbers never go down.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neardup::text::{LineIndex, TOKEN_SEED, normalized, tokens};
use xxhash_rust::xxh3::xxh3_64_with_seed;

fuzz_target!(|data: &[u8]| {
    let mut last_end = 0;
    for t in tokens(data) {
        assert!(last_end <= t.span.start && t.span.start < t.span.end && t.span.end <= data.len());
        assert!(std::str::from_utf8(&data[t.span.start..t.span.end]).is_ok());
        let norm = normalized(data, t.span);
        assert_eq!(xxh3_64_with_seed(norm.as_bytes(), TOKEN_SEED), t.hash);
        last_end = t.span.end;
    }
    let lines = LineIndex::new(data);
    let mut previous = 1;
    for offset in (0..=data.len()).step_by(7) {
        let line = lines.line(offset);
        assert!(line >= previous);
        previous = line;
    }
});
