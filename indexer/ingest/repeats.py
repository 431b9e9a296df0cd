"""Passages said in many talks: sponsor reads, a show's intro and its sign-off.

A podcast reads the same sponsor message in dozens of episodes; searching its words
would list every one of those episodes before the ones that discuss the matter.
A passage whose sentences are mostly (by words) also said in `MIN_TRANSCRIPTS`
transcripts or more is marked repeated, and so is its neighbour where such a run
begins or ends when it holds one of those sentences (the first lines of a read share
a passage with what came before); engines rank them below what a talk says once.
Sentences are compared by a short hash of their words, kept per passage in the
passage cache's manifest, so an update counts them without reading every transcript
again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from itertools import chain

import numpy as np

from indexer.ingest.passages import Passage

#: Sentences shorter than this are said everywhere ("Thank you."), repeated or not.
MIN_WORDS = 6
#: A sentence said in this many distinct transcripts is repeated matter.
MIN_TRANSCRIPTS = 3
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])\s+")
_WORD = re.compile(r"\w+")
_SIZE_BITS = 8  # a key's low bits hold its sentence's word count (at most 255)

#: One passage's keys: per sentence of MIN_WORDS or more, a hash of its words.
Keys = list[int]


def sentence_keys(text: str) -> Keys:
    """A key per sentence of the text long enough to tell: its words' hash, with its
    word count in the low bits (a passage is weighed by words, not sentences)."""
    keys = []
    for sentence in _SENTENCE_END.split(text):
        said = _WORD.findall(sentence.lower())
        if len(said) >= MIN_WORDS:
            digest = hashlib.blake2b(" ".join(said).encode("utf-8"), digest_size=4).digest()
            keys.append(int.from_bytes(digest, "big") << _SIZE_BITS | min(len(said), 255))
    return keys


def passage_keys(cut: Sequence[Passage]) -> list[Keys]:
    return [sentence_keys(passage.text) for passage in cut]


def repeated_passages(keys: Mapping[str, list[Keys]], digests: Mapping[str, str]
                      ) -> dict[str, frozenset[int]]:  # fmt: skip
    """Per video, the numbers of its passages that are mostly (by words) sentences said in
    MIN_TRANSCRIPTS or more transcripts, and of their neighbours holding one of those
    where such a run begins or ends. Videos with the very same passages (one transcript
    saved twice) count as one transcript. Over arrays: an update runs it on every
    passage of the index."""
    videos = list(keys)
    counted = set({digests.get(video_id, video_id): video_id for video_id in reversed(videos)
                   }.values())  # fmt: skip
    sizes = [len(passage) for video_id in videos for passage in keys[video_id]]
    video_of = np.repeat(np.arange(len(videos)), [len(keys[video_id]) for video_id in videos])
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(keys[v] for v in videos)),
                       dtype=np.int64, count=sum(sizes))  # fmt: skip
    if not len(flat):
        return {}
    passage_of = np.repeat(np.arange(len(sizes)), sizes)
    # each sentence once per counted transcript, then how many transcripts say it
    number_of = {video_id: number for number, video_id in enumerate(videos)}
    in_counted = np.isin(video_of[passage_of], [number_of[video_id] for video_id in counted])
    said = _distinct(flat[in_counted] << 20 | video_of[passage_of][in_counted]) >> 20
    starts = np.flatnonzero(np.r_[True, said[1:] != said[:-1]])  # `said` is sorted
    transcripts = np.diff(np.r_[starts, len(said)])
    common = said[starts][transcripts >= MIN_TRANSCRIPTS]
    is_common = np.isin(flat, common)
    weights = (flat & ((1 << _SIZE_BITS) - 1)).astype(np.float64)
    total = np.bincount(passage_of, weights=weights, minlength=len(sizes))
    repeated = np.bincount(passage_of, weights=weights * is_common, minlength=len(sizes))
    holds = np.bincount(passage_of, weights=is_common, minlength=len(sizes)) > 0
    mostly = (total > 0) & (repeated * 2 >= total)
    same_video = video_of[1:] == video_of[:-1]
    after = np.r_[False, mostly[:-1] & same_video]  # the passage before is mostly repeated
    before = np.r_[mostly[1:] & same_video, False]
    marked = mostly | (holds & (after | before))
    result: dict[str, frozenset[int]] = {}
    first_passage = np.r_[0, np.cumsum([len(keys[video_id]) for video_id in videos])]
    for number in np.unique(video_of[mostly]).tolist():
        begins = first_passage[number]
        result[videos[number]] = frozenset(
            (np.flatnonzero(marked[begins : first_passage[number + 1]])).tolist())
    return result


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (by a sort: numpy's hashing unique is slower here)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered
