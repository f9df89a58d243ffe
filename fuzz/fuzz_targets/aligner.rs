//! Two token sequences over a small alphabet (so that matches are common): every shared
//! passage and repeat is an exact match, shared passages never reuse a token, later copies
//! never overlap, and short inputs agree with a brute-force scan for the longest match.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neardup::Aligner;

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let m = 1 + (head % 8) as usize;
    let alphabet = 1 + (head >> 3) as u64 % 6;
    let cut = rest.iter().position(|&b| b == 0xFF).unwrap_or(rest.len());
    let a: Vec<u64> = rest[..cut].iter().map(|&b| b as u64 % alphabet).collect();
    let b: Vec<u64> = rest[cut.min(rest.len())..].iter().skip(1).map(|&b| b as u64 % alphabet).collect();
    let aligner = Aligner::new(m).unwrap();

    let shared = aligner.shared(&a, &b);
    let (mut used_a, mut used_b) = (vec![false; a.len()], vec![false; b.len()]);
    for p in &shared {
        assert!(p.len >= m);
        assert_eq!(a[p.a..p.a + p.len], b[p.b..p.b + p.len]);
        for i in p.a..p.a + p.len {
            assert!(!used_a[i]);
            used_a[i] = true;
        }
        for j in p.b..p.b + p.len {
            assert!(!used_b[j]);
            used_b[j] = true;
        }
    }
    // The longest common run, if at least m long, is always reported (longest first).
    if a.len() <= 64 && b.len() <= 64 {
        let mut longest = 0;
        for i in 0..a.len() {
            for j in 0..b.len() {
                let n = a[i..].iter().zip(&b[j..]).take_while(|(x, y)| x == y).count();
                longest = longest.max(n);
            }
        }
        let best = shared.iter().map(|p| p.len).max().unwrap_or(0);
        assert_eq!(best, if longest >= m { longest } else { 0 });
    }

    let repeats = aligner.repeats(&a);
    let mut later = vec![false; a.len()];
    for r in &repeats {
        assert!(r.len >= m && r.a + r.len <= r.b);
        assert_eq!(a[r.a..r.a + r.len], a[r.b..r.b + r.len]);
        for i in r.b..r.b + r.len {
            assert!(!later[i]);
            later[i] = true;
        }
    }
});
