"""talkseek's analyzer (`indexer.core.analysis`) as a Whoosh tokenizer.

Whoosh asks a field's analyzer for tokens when it writes spelling words and
when a field is indexed without the cached path; both must see exactly the
terms talkseek's own analysis gives, so this adapter only copies them into
Whoosh's token object. `no_morph=True` (Whoosh's request for spelling words)
gives the unstemmed terms.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

from indexer.core.analysis import analyze


class TalkseekTokenizer(Tokenizer):
    """A complete Whoosh analyzer over `indexer.core.analysis.analyze`."""

    #: It stems: Whoosh then keeps a field's spelling words (unstemmed) apart from its terms.
    is_morph = True

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        no_morph: bool = False,
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term in analyze(value, stemmed=not no_morph):
            token.text = term.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[term.start : term.end]
            if positions:
                token.pos = start_pos + term.pos
            if chars:
                token.startchar = start_char + term.start
                token.endchar = start_char + term.end
            yield token


ANALYZER = TalkseekTokenizer()
