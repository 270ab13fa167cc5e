"""Do the playground's own vocabulary and chunks match the reference's, so that both
read a text the same way?"""
from __future__ import annotations

import numpy as np
import pytest

from playground.text import CharVocabulary, chunk_at
from reference.char_lm.data import Vocabulary, chunks
from reference.datasets import LECTURE_CORPUS


def test_vocabulary_equals_the_references():
    """Are the characters and the encoding of the corpus the reference's?"""
    ours, theirs = CharVocabulary.from_text(LECTURE_CORPUS), Vocabulary.from_text(LECTURE_CORPUS)
    assert ours.chars == theirs.chars
    assert ours.size == theirs.size
    np.testing.assert_array_equal(ours.encode(LECTURE_CORPUS), theirs.encode(LECTURE_CORPUS))


def test_decode_inverts_encode():
    """Does decoding an encoded text give the text back?"""
    vocab = CharVocabulary.from_text(LECTURE_CORPUS)
    assert vocab.decode(vocab.encode("To be or not")) == "To be or not"


def test_unknown_character_is_named():
    """Does encoding a character outside the vocabulary name it?"""
    with pytest.raises(ValueError, match="'!'"):
        CharVocabulary.from_text("abc").encode("ab!")


@pytest.mark.parametrize("seq_len", [1, 7, 25, len(LECTURE_CORPUS)])
def test_chunks_equal_the_references_single_stream(seq_len):
    """Is the walk from chunk to chunk the reference's ``chunks`` with one stream?"""
    encoded = Vocabulary.from_text(LECTURE_CORPUS).encode(LECTURE_CORPUS)
    begin = 0
    for inputs, targets in chunks(encoded, seq_len, batch_size=1):
        ours = chunk_at(encoded, begin, seq_len)
        np.testing.assert_array_equal(ours[0], inputs)
        np.testing.assert_array_equal(ours[1], targets)
        begin += inputs.shape[1]
    assert begin == len(encoded) - 1


def test_no_chunk_past_the_end():
    """Is a chunk that would start at the last character refused?"""
    with pytest.raises(ValueError, match="no chunk"):
        chunk_at(np.arange(5), 4, 3)
