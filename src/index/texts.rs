//! The documents' texts as the index stores them: compressed with zstd, with a
//! dictionary once the index has one.
//!
//! # Why a dictionary
//!
//! A text of a few kilobytes is too short for zstd to learn much from before it ends. A
//! dictionary trained on the collection's own texts gives it their common words and
//! phrases up front, and more of each text is matched at once. On the Markov folder's
//! texts (2 KB at most), level 1 compresses 1.8 times alone and 3.1 times with one,
//! at 156 and 200 MB/s on one core; the index bench's records (random words from a
//! large vocabulary, so less to learn) take 938 bytes a document instead of 1,063, and
//! the man pages' 8.75 MB instead of 9.48.
//!
//! # Algorithm
//!
//! A batch of at least [`TRAIN_MIN_DOCS`] documents trains one on its own texts; a
//! smaller one (documents added one at a time, `neardup index filter`'s batches of 256)
//! that takes the index past [`TRAIN_MIN_DOCS`] documents trains one on the index's
//! texts, read back, then its own. Either way zstd's `ZDICT_trainFromBuffer` gets the
//! first [`SAMPLE_BYTES`] of each text, [`TRAIN_BYTES`] in all at most. The dictionary
//! is stored in the index in that batch's transaction and compresses every text after.
//! zstd writes the dictionary's id in the header of every frame compressed with it, so
//! a text is read back with the dictionary its frame names, and a text stored before
//! the index had one needs none. Where zstd cannot train one (too little text: empty
//! documents, say), a large batch tries again, and a small one once the index has
//! twice as many documents, on the more text it then holds. A dictionary is never
//! trained again once the index has one, and texts are never compressed again (not by
//! [`compact`](super::Index::compact) either). In
//! [`add_batches`](super::Index::add_batches), a batch made ready while the one before
//! is written takes that one's texts after the committed ones.
//!
//! # Cost
//!
//! Training: about 0.15 s, once, on one core (and for a small batch, reading back up to
//! a thousand texts). A dictionary: 32 KiB in the index, and
//! about as much again in a writer's memory, and in the memory of a process once it
//! reads a text compressed with it.

use crate::error::Error;
use redb::TableDefinition;
use std::sync::{Arc, Mutex};
use zstd::bulk::Compressor;
use zstd::dict::{DecoderDictionary, EncoderDictionary};
use zstd::zstd_safe::DCtx;

/// Dictionary id -> zstd dictionary.
pub(super) const DICTS: TableDefinition<u32, &[u8]> = TableDefinition::new("dicts");

/// The zstd level of stored texts: on texts of 2 KB, level 1 compresses about a fifth
/// faster than level 3 for 3% more bytes (1,063 instead of 1,030 a document in the
/// index bench, without a dictionary). Any level reads back.
const LEVEL: i32 = 1;

/// The fewest documents in a batch that trains a dictionary.
pub(super) const TRAIN_MIN_DOCS: usize = 1_000;
/// The bytes a dictionary is trained on, at most: those of the batch's first
/// documents. Twice as many took the manual pages of the folders bench 0.31 s to train
/// on; on the Markov folder's texts, a dictionary trained on 1.7 MB compressed them 3.1
/// times, one trained on 3.4 MB 3.2 times.
pub(super) const TRAIN_BYTES: usize = 2 << 20;
/// The bytes of each document a dictionary is trained on, at most: its first.
pub(super) const SAMPLE_BYTES: usize = 4_096;
/// The size of a dictionary.
const DICT_BYTES: usize = 32 * 1024;

/// Whether a count of documents that goes from `before` to `after` passes 1,000 (the
/// first [`TRAIN_MIN_DOCS`]), or one of its doublings after: 2,000, 4,000 and so on.
pub(super) fn passes_a_doubling(before: usize, after: usize) -> bool {
    let mut mark = TRAIN_MIN_DOCS;
    while mark <= before {
        let Some(next) = mark.checked_mul(2) else {
            return false;
        };
        mark = next;
    }
    after >= mark
}

/// A zstd dictionary that the index compresses texts with.
pub(super) struct Dictionary {
    /// Its id, as zstd writes it in the frames compressed with it (never 0).
    pub id: u32,
    pub bytes: Vec<u8>,
    encoder: EncoderDictionary<'static>,
}

impl Dictionary {
    /// The dictionary `bytes` hold; `None` when they are not a zstd dictionary with an
    /// id that zstd can load.
    pub fn new(bytes: Vec<u8>) -> Option<Dictionary> {
        let id = zstd::zstd_safe::get_dict_id_from_dict(&bytes)?.get();
        // Tried first: `copy` panics on a dictionary zstd cannot load.
        zstd::zstd_safe::CDict::try_create(&bytes, LEVEL)?;
        let encoder = EncoderDictionary::copy(&bytes, LEVEL);
        Some(Dictionary { id, bytes, encoder })
    }

    /// A dictionary trained on the first [`TRAIN_BYTES`] of `texts`, the first
    /// [`SAMPLE_BYTES`] of each at most (empty ones left out); `None` when zstd cannot
    /// train one on them (too little text, say). Whether there are enough documents to
    /// train one is the caller's to say (see the module docs).
    pub fn train<'t>(texts: impl IntoIterator<Item = &'t [u8]>) -> Option<Dictionary> {
        let mut total = 0;
        let samples: Vec<&[u8]> = texts
            .into_iter()
            .map(|t| &t[..t.len().min(SAMPLE_BYTES)])
            .filter(|t| !t.is_empty())
            .take_while(|t| {
                total += t.len();
                total <= TRAIN_BYTES
            })
            .collect();
        let bytes = zstd::dict::from_samples(&samples, DICT_BYTES).ok()?;
        Dictionary::new(bytes)
    }
}

/// A compressor for stored texts, with `dictionary` when there is one (one per thread:
/// making one costs as much as compressing a short text).
pub(super) fn compressor(dictionary: Option<&Dictionary>) -> std::io::Result<Compressor<'_>> {
    match dictionary {
        Some(d) => Compressor::with_prepared_dictionary(&d.encoder),
        None => Compressor::new(LEVEL),
    }
}

/// `text` compressed with `compressor` (as [`compressor`] makes it).
pub(super) fn pack(
    text: &[u8],
    compressor: &mut std::io::Result<Compressor<'_>>,
) -> Result<Vec<u8>, Error> {
    let bad = |e: &std::io::Error| Error::malformed("document text", e.to_string());
    compressor
        .as_mut()
        .map_err(|e| bad(e))?
        .compress(text)
        .map_err(|e| bad(&e))
}

/// What reads stored texts back: the dictionaries they name, each loaded when first
/// needed and kept, and decompression contexts, kept for the next text once used.
#[derive(Default)]
pub(super) struct Unpacker {
    loaded: Mutex<Vec<(u32, Arc<DecoderDictionary<'static>>)>>,
    /// Contexts free for a text's decompression: making one (and its buffers) for each
    /// text took a quarter of the time of checking candidates while adding a million
    /// documents.
    contexts: Mutex<Vec<DCtx<'static>>>,
}

/// The longest text decompressed at once into a buffer of the length its frame states
/// (allocated first: up to 1 MiB for a damaged frame); a longer one, or a frame that
/// states none, is streamed.
const AT_ONCE_BYTES: u64 = 1 << 20;

impl Unpacker {
    /// The text that `packed` (one zstd frame) holds compressed; `stored(id)` reads
    /// dictionary `id` from the index when it is not loaded yet.
    pub fn unpack(
        &self,
        packed: &[u8],
        stored: impl FnOnce(u32) -> Result<Option<Vec<u8>>, Error>,
    ) -> Result<Vec<u8>, Error> {
        let dictionary = self.dictionary_of(packed, stored)?;
        let size = zstd::zstd_safe::get_frame_content_size(packed);
        let Ok(Some(size)) = size.map(|s| s.filter(|&s| s <= AT_ONCE_BYTES)) else {
            return streamed(packed, u64::MAX, dictionary.as_deref());
        };
        let Some(mut context) = self.context().pop().or_else(DCtx::try_create) else {
            return streamed(packed, u64::MAX, dictionary.as_deref());
        };
        let mut text = Vec::with_capacity(size as usize);
        let made = match &dictionary {
            Some(d) => context.decompress_using_ddict(&mut text, packed, d.as_ddict()),
            None => context.decompress(&mut text, packed),
        };
        self.context().push(context);
        match made {
            Ok(n) if n as u64 == size => Ok(text),
            Ok(n) => Err(Error::malformed(
                "index record",
                format!("a text of {n} bytes where its frame says {size}"),
            )),
            Err(code) => Err(Error::malformed(
                "index record",
                zstd::zstd_safe::get_error_name(code),
            )),
        }
    }

    /// The free contexts.
    fn context(&self) -> std::sync::MutexGuard<'_, Vec<DCtx<'static>>> {
        self.contexts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first `limit` bytes of the text that `packed` (one zstd frame) holds
    /// compressed, decompressing no further. Streamed, so that a damaged frame
    /// allocates nothing up front.
    pub fn unpack_start(
        &self,
        packed: &[u8],
        limit: u64,
        stored: impl FnOnce(u32) -> Result<Option<Vec<u8>>, Error>,
    ) -> Result<Vec<u8>, Error> {
        streamed(
            packed,
            limit,
            self.dictionary_of(packed, stored)?.as_deref(),
        )
    }

    /// The dictionary that frame `packed` names, if any.
    fn dictionary_of(
        &self,
        packed: &[u8],
        stored: impl FnOnce(u32) -> Result<Option<Vec<u8>>, Error>,
    ) -> Result<Option<Arc<DecoderDictionary<'static>>>, Error> {
        match zstd::zstd_safe::get_dict_id_from_frame(packed) {
            Some(id) => self.dictionary(id.get(), stored).map(Some),
            None => Ok(None),
        }
    }

    fn dictionary(
        &self,
        id: u32,
        stored: impl FnOnce(u32) -> Result<Option<Vec<u8>>, Error>,
    ) -> Result<Arc<DecoderDictionary<'static>>, Error> {
        let find = |loaded: &[(u32, Arc<DecoderDictionary<'static>>)]| {
            loaded.iter().find(|d| d.0 == id).map(|d| Arc::clone(&d.1))
        };
        if let Some(d) = find(&self.loaded.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(d);
        }
        let bytes = stored(id)?.ok_or_else(|| {
            let why = format!("a text compressed with dictionary {id}, which the index lacks");
            Error::malformed("index record", why)
        })?;
        // Tried first: `copy` panics on a dictionary zstd cannot load.
        if zstd::zstd_safe::DDict::try_create(&bytes).is_none() {
            let why = format!("dictionary {id} is damaged");
            return Err(Error::malformed("index dictionary", why));
        }
        let d = Arc::new(DecoderDictionary::copy(&bytes));
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(there) = find(&loaded) {
            return Ok(there);
        }
        loaded.push((id, Arc::clone(&d)));
        Ok(d)
    }
}

/// The first `limit` bytes of the text that frame `packed` holds compressed with
/// `dictionary` (the one it names), streamed.
fn streamed(
    packed: &[u8],
    limit: u64,
    dictionary: Option<&DecoderDictionary<'static>>,
) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    use zstd::stream::read::Decoder;
    let bad = |e: std::io::Error| Error::malformed("index record", e.to_string());
    let mut text = Vec::new();
    match dictionary {
        None => Decoder::with_buffer(packed)
            .map_err(bad)?
            .take(limit)
            .read_to_end(&mut text),
        Some(d) => Decoder::with_prepared_dictionary(packed, d)
            .map_err(bad)?
            .take(limit)
            .read_to_end(&mut text),
    }
    .map_err(bad)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` texts of a few hundred bytes that share words and phrases, as news does.
    fn texts(n: usize) -> Vec<Vec<u8>> {
        let words = [
            "council",
            "bridge",
            "river",
            "the",
            "said",
            "on",
            "Tuesday",
            "engineers",
            "cracks",
            "traffic",
            "residents",
            "meeting",
            "report",
            "closed",
            "a",
            "of",
        ];
        let mut state = 7u64;
        (0..n)
            .map(|i| {
                let mut t = format!("Story {i}. The council said on Tuesday that ");
                for _ in 0..60 {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    t.push_str(words[(state >> 33) as usize % words.len()]);
                    t.push(' ');
                }
                t.push_str("Reporting by the city desk; editing by the night editor.");
                t.into_bytes()
            })
            .collect()
    }

    #[test]
    fn a_trained_dictionary_packs_smaller_and_reads_back() {
        let texts = texts(TRAIN_MIN_DOCS);
        let d = Dictionary::train(texts.iter().map(Vec::as_slice)).expect("trained");
        assert_ne!(d.id, 0);
        let (mut with, mut without) = (compressor(Some(&d)), compressor(None));
        let unpacker = Unpacker::default();
        let mut reads = 0;
        let (mut small, mut plain) = (0, 0);
        for t in &texts {
            let packed = pack(t, &mut with).unwrap();
            small += packed.len();
            plain += pack(t, &mut without).unwrap().len();
            let back = unpacker.unpack(&packed, |id| {
                reads += 1;
                assert_eq!(id, d.id);
                Ok(Some(d.bytes.clone()))
            });
            assert_eq!(&back.unwrap(), t);
            let start = unpacker.unpack_start(&packed, 10, |_| panic!("loaded"));
            assert_eq!(start.unwrap(), t[..10]);
        }
        assert!(
            small < plain,
            "{small} bytes with the dictionary, {plain} without"
        );
        // Read from the index once, then kept.
        assert_eq!(reads, 1);
    }

    #[test]
    fn one_context_reads_texts_with_and_without_a_dictionary_one_after_another() {
        let texts = texts(TRAIN_MIN_DOCS);
        let d = Dictionary::train(texts.iter().map(Vec::as_slice)).expect("trained");
        let (mut with, mut without) = (compressor(Some(&d)), compressor(None));
        let unpacker = Unpacker::default();
        let stored = |_| Ok(Some(d.bytes.clone()));
        for t in &texts[..50] {
            let (a, b) = (pack(t, &mut with).unwrap(), pack(t, &mut without).unwrap());
            assert_eq!(&unpacker.unpack(&a, stored).unwrap(), t);
            // A damaged frame between two good ones leaves the context usable.
            assert!(unpacker.unpack(&a[..a.len() - 3], stored).is_err());
            assert_eq!(&unpacker.unpack(&b, stored).unwrap(), t);
        }
        assert_eq!(unpacker.context().len(), 1, "one context, used again");
        // A text longer than is decompressed at once is streamed, and reads back.
        let long: Vec<u8> = texts
            .iter()
            .flatten()
            .copied()
            .cycle()
            .take(3 << 20)
            .collect();
        assert!(long.len() as u64 > AT_ONCE_BYTES);
        let packed = pack(&long, &mut with).unwrap();
        assert_eq!(unpacker.unpack(&packed, stored).unwrap(), long);
    }

    #[test]
    fn small_batches_train_at_a_thousand_documents_then_at_each_doubling() {
        assert!(!passes_a_doubling(0, 999));
        assert!(passes_a_doubling(0, 1_000) && passes_a_doubling(999, 1_000));
        // Past 1,000 (training failed there, or the index is older), at 2,000.
        assert!(!passes_a_doubling(1_000, 1_999) && !passes_a_doubling(1_500, 1_600));
        assert!(passes_a_doubling(1_999, 2_000) && passes_a_doubling(1_000, 5_000));
        assert!(passes_a_doubling(3_999, 4_000) && !passes_a_doubling(4_000, 7_999));
        assert!(!passes_a_doubling(usize::MAX - 1, usize::MAX));
    }

    #[test]
    fn no_text_trains_no_dictionary_and_one_of_little_text_works() {
        let empty = vec![Vec::new(); TRAIN_MIN_DOCS];
        assert!(Dictionary::train(empty.iter().map(Vec::as_slice)).is_none());
        // Nor does one short text.
        assert!(Dictionary::train([&b"a"[..]]).is_none());
        assert!(Dictionary::train([&b"the cat sat on the mat"[..]]).is_none());
        // zstd makes one of a thousand one-byte texts (zstd 1.5.7): it packs and reads
        // back.
        let tiny: Vec<Vec<u8>> = (0..TRAIN_MIN_DOCS)
            .map(|i| vec![b'a' + (i % 3) as u8])
            .collect();
        let d = Dictionary::train(tiny.iter().map(Vec::as_slice)).expect("a dictionary");
        let packed = pack(b"abcabc", &mut compressor(Some(&d))).unwrap();
        let back = Unpacker::default().unpack(&packed, |_| Ok(Some(d.bytes.clone())));
        assert_eq!(back.unwrap(), b"abcabc");
    }

    #[test]
    fn texts_without_a_dictionary_read_back_and_an_unknown_one_is_an_error() {
        let texts = texts(TRAIN_MIN_DOCS);
        let unpacker = Unpacker::default();
        let packed = pack(&texts[0], &mut compressor(None)).unwrap();
        let back = unpacker.unpack(&packed, |_| panic!("no dictionary needed"));
        assert_eq!(back.unwrap(), texts[0]);
        let start = unpacker.unpack_start(&packed, 7, |_| panic!("no dictionary needed"));
        assert_eq!(start.unwrap(), texts[0][..7]);
        let d = Dictionary::train(texts.iter().map(Vec::as_slice)).unwrap();
        let packed = pack(&texts[0], &mut compressor(Some(&d))).unwrap();
        let e = unpacker.unpack(&packed, |_| Ok(None)).unwrap_err();
        assert!(e.to_string().contains("lacks"), "{e}");
        // A damaged frame is an error, not a panic.
        let e = unpacker.unpack(&packed[..packed.len() / 2], |_| Ok(Some(d.bytes.clone())));
        assert!(e.is_err());
        assert!(Dictionary::new(b"not a dictionary".to_vec()).is_none());
        // The right magic number and id, the tables cut short: refused, not a panic.
        let cut = d.bytes[..64].to_vec();
        assert!(Dictionary::new(cut.clone()).is_none());
        let e = Unpacker::default()
            .unpack(&packed, |_| Ok(Some(cut)))
            .unwrap_err();
        assert!(e.to_string().contains("damaged"), "{e}");
    }
}
