"""neardup: near-duplicate documents and exact repeated passages in text collections.

The work is done by the Rust library of the same name (MinHash, LSH, exact verification and
an exact aligner); this package exposes it to Python. Every span is given twice: as byte
offsets into the UTF-8 text (``byte_start``, ``byte_end``) and as offsets into the object you
passed (``start``, ``end``: code points for a ``str``, bytes for ``bytes``), so that
``text[span.start:span.end]`` is the passage.

>>> import neardup
>>> story = ("The council voted on Tuesday to close the old footbridge over the canal after "
...          "engineers found that two of its wooden supports had rotted through.")
>>> det = neardup.Detector(threshold=0.5, min_passage_tokens=8)
>>> report = det.run([story, story.replace("Tuesday", "Wednesday"), "Rain all weekend."])
>>> [(p.a, p.b) for p in report.pairs]
[(0, 1)]
>>> p = report.pairs[0].passages[0]
>>> story[p.a.start:p.a.end][:8]
'to close'
"""

from ._neardup import (
    Cluster,
    Comparison,
    Detector,
    Document,
    Index,
    LshIndex,
    Match,
    Matches,
    MinHash,
    Occurrence,
    Pair,
    Passage,
    Plan,
    PlanEntry,
    Repeat,
    RepeatedPassage,
    Report,
    Span,
    compare,
)

__all__ = [
    "Cluster",
    "Comparison",
    "Detector",
    "Document",
    "Index",
    "LshIndex",
    "Match",
    "Matches",
    "MinHash",
    "Occurrence",
    "Pair",
    "Passage",
    "Plan",
    "PlanEntry",
    "Repeat",
    "RepeatedPassage",
    "Report",
    "Span",
    "compare",
]
