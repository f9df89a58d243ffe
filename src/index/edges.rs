//! The windows at the edges of boilerplate in a document, counted by containment: how
//! the index stores them.
//!
//! # Why
//!
//! Winnowing picks a window near the ends of text that many documents share in some of
//! them and not in others; counted only where picked, it stays rare long after the text
//! is common, and pairs documents through it. A batch run counts such windows by
//! containment ([`Detector::passage_windows`](crate::Detector::passage_windows)), in the
//! steps in which the text turned common, as the index finds them adding documents one
//! at a time. The index keeps only the windows picked, so a document that holds text
//! common by its pickers (the `index` module's docs) also writes, for every such window
//! that it did not pick, an entry at position [`CONTAINED`]: it counts the document
//! among the window's holders, and pairs it with nobody.
//!
//! # Algorithm
//!
//! The windows are those of [`edge_windows`] (the crate's `reuse` module): within
//! `w - 1` windows of the ends of each run of the document's fingerprints common by
//! their pickers, not picked by it. When it is added, the runs of what is common then;
//! at each later document where more of its text turns common, the runs of that text
//! (the `late` module).
//!
//! # Cost
//!
//! O(w) per run of common text, and at most `2(w - 1)` entries; nothing for a document
//! that holds none.

pub(super) use crate::reuse::edge_windows;

/// The position of an entry that counts a document as holding a window it did not
/// pick, and pairs it with nobody (no fingerprint has it: positions are window indices,
/// fewer than `u32::MAX`).
pub(super) const CONTAINED: u32 = u32::MAX;
