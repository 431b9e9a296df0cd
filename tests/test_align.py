"""Note bullets are aligned to the moment they are about, and only when the transcript supports them."""

import random
import shutil

import pytest

from indexer.core.data_folder import DataFolder
from indexer.ingest import read_talks, sync_transcripts
from indexer.ingest.align import align_notes
from indexer.ingest.documents import talk_passages
from tests.conftest import TEST_DATA


def _collection(root):
    folder = DataFolder(root)
    return sync_transcripts(read_talks(folder), folder, None)


@pytest.fixture(scope="module")
def hopper_passages(tmp_path_factory):
    root = tmp_path_factory.mktemp("align")
    shutil.copytree(TEST_DATA / "notes", root / "notes")
    shutil.copytree(TEST_DATA / "transcripts", root / "transcripts")
    collection = _collection(root)
    [hopper] = [t for t in collection.talks if t.title.startswith("Grace Hopper")]
    return talk_passages(hopper, collection)


def test_real_bullets_align_even_in_a_short_talk(hopper_passages):
    real = ["Nanoseconds explained with a length of wire", "Thirty centimetres per nanosecond",
            "Compilers save programmer time"]  # fmt: skip
    assert all(align_notes(real, hopper_passages))


def test_bullets_the_talk_does_not_support_are_not_aligned(hopper_passages):
    unrelated = [
        "Met people working on stemming for Finnish",  # another talk's bullet, everyday words shared
        "People kept working on it for years",
        "The flumbergast principle explained with wire",  # an invented word
        "Quarterly pricing experiments with enterprise customers",
    ]
    assert align_notes(unrelated, hopper_passages) == [None] * len(unrelated)


def test_on_the_podcasts_other_episodes_sentences_are_rarely_aligned(corpus, tmp_path):
    """Sentences quoted from an episode align to it, near their place; the same sentences
    under another episode almost never align."""
    shutil.copytree(corpus / "lenny" / "notes", tmp_path / "notes")
    shutil.copytree(corpus / "lenny" / "transcripts", tmp_path / "transcripts")
    collection = _collection(tmp_path)
    talks = [t for t in collection.talks if t.videos and talk_passages(t, collection)]
    rng = random.Random(5)
    own = near = foreign = 0
    sampled = rng.sample(talks, 80)
    for talk in sampled:
        passages = talk_passages(talk, collection)
        _, passage = passages[rng.randrange(len(passages))]
        said = passage.text.split()
        start = rng.randrange(max(1, len(said) - 10))
        quote = " ".join(said[start : start + 10])
        [mine] = align_notes([quote], passages)
        own += mine is not None
        near += mine is not None and abs(mine.start - passage.start) <= 120
        other = rng.choice([t for t in talks if t is not talk])
        [theirs] = align_notes([quote], talk_passages(other, collection))
        foreign += theirs is not None
    assert near >= 0.75 * len(sampled), (own, near)
    assert foreign <= 0.05 * len(sampled), foreign
