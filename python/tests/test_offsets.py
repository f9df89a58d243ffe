"""Property test (hypothesis): every span's string offsets slice the same text as its byte
offsets, on mixed-script text with planted shared and repeated passages."""
from hypothesis import given, settings, strategies as st

import neardup

# Words from several scripts: ASCII, accented Latin, Greek, Cyrillic, CJK, emoji (1 to 4
# bytes of UTF-8 per code point), joined by spaces, punctuation and newlines.
# Every word holds a letter, so that it is a token; marks and emoji ride along.
LETTERS = st.text(alphabet=st.sampled_from(list("abcdeéèüßøÆΩλπжщыя漢字日本語中文한국어")),
                  min_size=1, max_size=6)
WORD = st.builds(lambda a, b: a + b, LETTERS,
                 st.sampled_from(["", "", "\u0301", "🙂", "🚧🎉", "é"]))
SEP = st.sampled_from([" ", "  ", ", ", ". ", "\n", " — ", "\t"])


@st.composite
def texts(draw, min_words, max_words):
    words = draw(st.lists(WORD, min_size=min_words, max_size=max_words))
    seps = draw(st.lists(SEP, min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps))


def check(text, span):
    data = text.encode()
    assert 0 <= span.start <= span.end <= len(text)
    assert 0 <= span.byte_start <= span.byte_end <= len(data)
    assert text[span.start:span.end] == data[span.byte_start:span.byte_end].decode()
    assert span.end > span.start


@settings(max_examples=60, deadline=None)
@given(
    passage=texts(14, 40),
    heads=st.lists(texts(0, 12), min_size=3, max_size=3),
    tails=st.lists(texts(0, 12), min_size=3, max_size=3),
)
def test_string_offsets_slice_what_byte_offsets_slice(passage, heads, tails):
    docs = [
        heads[0] + passage + tails[0],
        heads[1] + passage + tails[1] + passage,
        heads[2] + tails[2],
    ]
    det = neardup.Detector(threshold=0.5, min_passage_tokens=8, shingle_size=3)
    report = det.run(docs)
    # The passage is in document 1 twice: the check below is never vacuous.
    assert 1 in [r.doc for r in report.repeats]
    for pair in report.pairs + report.reuse:
        for p in pair.passages:
            check(docs[pair.a], p.a)
            check(docs[pair.b], p.b)
    for r in report.repeats:
        for p in r.passages:
            check(docs[r.doc], p.first)
            check(docs[r.doc], p.again)
    for group in report.passages:
        for o in group:
            check(docs[o.doc], o.span)
    for e in report.dedup_plan(cut_passages=True).entries:
        for cut in e.cuts:
            check(docs[e.doc], cut)
    c = det.compare(docs[0], docs[1])
    for p in c.passages:
        check(docs[0], p.a)
        check(docs[1], p.b)
