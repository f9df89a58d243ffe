"""Type stubs of the extension module; the package `neardup` re-exports every name."""
from os import PathLike
from typing import (
    Any,
    Hashable,
    Iterable,
    List,
    Literal,
    Optional,
    Sequence,
    Tuple,
    Union,
    final,
)

_Text = Union[str, bytes]
_Id = Any
_DocumentInput = Union[str, bytes, Tuple[_Id, _Text], List[Any]]

SMALL_GROUP: int

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
    "SMALL_GROUP",
    "Span",
    "compare",
]

@final
class Span:
    """A range of a document: `start`/`end` in the units of the object passed in (code
    points for a `str`, bytes for `bytes`), `byte_start`/`byte_end` in its UTF-8 bytes."""
    start: int
    end: int
    byte_start: int
    byte_end: int
    def to_dict(self) -> dict[str, int]: ...
    def __len__(self) -> int: ...

@final
class Passage:
    """A passage two documents share: `a` in the first, `b` in the second."""
    a: Span
    b: Span
    tokens: int
    differing: int
    def to_dict(self) -> dict[str, Any]: ...

@final
class RepeatedPassage:
    """A passage that occurs twice in one document."""
    first: Span
    again: Span
    tokens: int
    differing: int
    def to_dict(self) -> dict[str, Any]: ...

@final
class Pair:
    """Two documents, by position in the input (`a` < `b`) and by id."""
    a: int
    b: int
    a_id: _Id
    b_id: _Id
    jaccard: float
    jaccard_is_exact: bool
    passages: list[Passage]
    def to_dict(self) -> dict[str, Any]: ...

@final
class Repeat:
    """A document with passages repeated inside it."""
    doc: int
    id: _Id
    passages: list[RepeatedPassage]
    def to_dict(self) -> dict[str, Any]: ...

@final
class Cluster:
    """Near-duplicate documents joined through confirmed pairs."""
    representative: int
    members: list[int]
    def to_dict(self) -> dict[str, Any]: ...

@final
class Occurrence:
    """One occurrence of a passage."""
    doc: int
    span: Span
    def to_dict(self) -> dict[str, Any]: ...

@final
class Document:
    """One input document; `skipped` says why it was not compared, or is None."""
    index: int
    id: _Id
    tokens: int
    skipped: Optional[str]
    def to_dict(self) -> dict[str, Any]: ...

@final
class PlanEntry:
    """The plan's decision for one document."""
    doc: int
    id: _Id
    action: Literal["keep", "drop", "pass"]
    kept: Optional[int]
    jaccard: Optional[float]
    identical: bool
    via: list[int]
    cluster: Optional[int]
    cuts: list[Span]
    reason: Optional[str]

@final
class Plan:
    """A de-duplication plan: one entry per input document."""
    @property
    def entries(self) -> list[PlanEntry]: ...
    def output(self) -> list[Tuple[_Id, Optional[_Text]]]:
        """`(id, text)` of every kept document (cuts applied) and passed one, in order."""
    def counts(self) -> dict[str, int]: ...
    def __len__(self) -> int: ...

@final
class Report:
    """The result of `Detector.run`."""
    @property
    def documents(self) -> list[Document]: ...
    @property
    def pairs(self) -> list[Pair]: ...
    @property
    def reuse(self) -> list[Pair]: ...
    @property
    def repeats(self) -> list[Repeat]: ...
    @property
    def clusters(self) -> list[Cluster]: ...
    @property
    def passages(self) -> list[list[Occurrence]]: ...
    @property
    def summary(self) -> dict[str, int]: ...
    def to_dicts(self) -> dict[str, Any]: ...
    def dedup_plan(
        self,
        keep: Union[Literal["first", "longest"], Sequence[int], None] = None,
        cut_passages: bool = False,
    ) -> Plan: ...

@final
class Comparison:
    """What `compare` found for two texts."""
    jaccard: float
    estimated_jaccard: float
    near_duplicate: bool
    candidate: bool
    passages: list[Passage]

@final
class MinHash:
    """A MinHash signature fed shingles (str, bytes or 64-bit int hashes)."""
    def __new__(cls, num_perm: Optional[int] = None, seed: Optional[int] = None) -> "MinHash": ...
    @property
    def num_perm(self) -> int: ...
    @property
    def seed(self) -> int: ...
    def update(self, shingle: Union[str, bytes, int]) -> None: ...
    def update_batch(self, shingles: Iterable[Union[str, bytes, int]]) -> None: ...
    def merge(self, other: "MinHash") -> None: ...
    def jaccard(self, other: "MinHash") -> float: ...
    def digest(self) -> list[int]: ...
    def is_empty(self) -> bool: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> "MinHash": ...
    def __len__(self) -> int: ...

@final
class LshIndex:
    """MinHash signatures banded for candidate search; keys are any hashable values."""
    def __new__(
        cls,
        threshold: float = 0.8,
        num_perm: Optional[int] = None,
        bands: Optional[int] = None,
        rows: Optional[int] = None,
        seed: Optional[int] = None,
    ) -> "LshIndex": ...
    def insert(self, key: Hashable, minhash: MinHash) -> None: ...
    def query(self, minhash: MinHash) -> list[Any]: ...
    def remove(self, key: Hashable) -> bool: ...
    def candidate_pairs(self) -> list[Tuple[Any, Any]]: ...
    def keys(self) -> list[Any]: ...
    def __contains__(self, key: Hashable, /) -> bool: ...
    def __len__(self) -> int: ...

@final
class Detector:
    """Near-duplicates, shared passages and repeated passages; `None` keeps a default."""
    def __new__(
        cls,
        threshold: Optional[float] = None,
        shingle_size: Optional[int] = None,
        num_hashes: Optional[int] = None,
        seed: Optional[int] = None,
        min_passage_tokens: Optional[int] = None,
        find_repeats: Optional[bool] = None,
        passage_reuse: Optional[bool] = None,
        bands: Optional[int] = None,
        rows: Optional[int] = None,
        false_negative_weight: Optional[float] = None,
        max_group: Optional[int] = None,
        fingerprint_tokens: Optional[int] = None,
        boilerplate_docs: Optional[int] = None,
        seed_tokens: Optional[int] = None,
        max_gap: Optional[int] = None,
    ) -> "Detector": ...
    def run(self, docs: Iterable[_DocumentInput]) -> Report: ...
    def run_arrow(self, array: Any, ids: Optional[Sequence[_Id]] = None) -> Report: ...
    def compare(self, a: _Text, b: _Text) -> Comparison: ...
    def repeats(self, text: _Text) -> list[RepeatedPassage]: ...
    def sign(self, text: _Text) -> Optional[MinHash]: ...
    def keys_batch(self, batch: Any) -> Any:
        """For engines (neardup.spark): per row of a pyarrow RecordBatch's `text` column,
        what it contributes to a run (a pyarrow RecordBatch)."""
    def check_batch(self, batch: Any) -> Any:
        """For engines: per candidate pair (`text_a`, `text_b`, `lsh`, `pos_a`, `pos_b`,
        optionally `long`), whether a run reports it, its Jaccard and passages (a pyarrow
        RecordBatch)."""
    def around_batch(self, batch: Any, boilerplate: Any) -> Any:
        """For engines: per row of the `text` column, whether it holds some of
        `boilerplate` (a pyarrow int64/uint64 array, compared by the high 40 bits of each
        value; give it sorted) and its fingerprints taken again around it (`around`,
        `fp_hash`, `fp_pos`, `fp_long`)."""
    def windows_batch(self, batch: Any, boilerplate: Any, turning: Any) -> Any:
        """For engines: per row of the `text` column (`doc` its place in corpus order,
        int64 or uint64), the distinct hashes of the windows it counts by containment
        (`windows`), given `boilerplate` (as for `around_batch`) and, for each, the `doc`
        of its first holder past `boilerplate_docs` (`turning`, of the `doc` type)."""
    def repeats_batch(self, batch: Any) -> Any:
        """For engines: per row of the `text` column, the passages repeated inside it."""
    def settings(self) -> dict[str, Any]: ...
    def __getnewargs_ex__(self) -> Tuple[Tuple[()], dict[str, Any]]: ...

@final
class Match:
    """An indexed document a new one matched: `a` spans the new text, `b` this one."""
    id: str
    jaccard: float
    passages: list[Passage]

@final
class Matches:
    """What a document matched in an `Index`; false when it matched nothing."""
    near_duplicates: list[Match]
    shared: list[Match]
    repeats: list[RepeatedPassage]
    def __bool__(self) -> bool: ...

@final
class Index:
    """A persistent, incremental index in one folder (one writer, any number of readers)."""
    def __new__(
        cls,
        path: Union[str, PathLike[str]],
        detector: Optional[Detector] = None,
        read_only: bool = False,
        cache_bytes: Optional[int] = None,
    ) -> "Index": ...
    @property
    def detector(self) -> Detector: ...
    def add(self, id: str, text: _Text) -> Matches: ...
    def add_batch(self, docs: Iterable[Tuple[str, _Text]]) -> list[Matches]: ...
    def query(self, text: _Text) -> Matches: ...
    def get(self, id: str) -> Optional[bytes]: ...
    def added(self, id: str) -> Optional[int]: ...
    def remove(self, id: str) -> bool: ...
    def prune(self, before: Union[int, float]) -> int: ...
    def wait_for_merge(self) -> None: ...
    def compact(self) -> None: ...
    def stats(self) -> dict[str, int]: ...
    def __len__(self) -> int: ...
    def __contains__(self, id: object, /) -> bool: ...

def compare(a: _Text, b: _Text, detector: Optional[Detector] = None) -> Comparison: ...
