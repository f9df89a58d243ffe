//! Any bytes as a serialized signature: an error or a signature that round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neardup::Signature;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = Signature::from_bytes(data) {
        assert_eq!(sig.to_bytes(), data);
        let _ = sig.jaccard(&sig);
    }
});
