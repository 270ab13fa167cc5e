"""Text as integers and the lecture's data sets."""
import numpy as np
import pytest
import torch

from reference.char_lm.data import Vocabulary, chunks, make_windows
from reference.datasets import LECTURE_CORPUS, generate_trend_data


def test_lecture_corpus_is_the_soliloquy():
    """Is the corpus the 19 lines of the soliloquy, from "To be" to "takes"?"""
    lines = LECTURE_CORPUS.split("\n")
    assert len(lines) == 19
    assert lines[0] == "To be or not to be that is the question"
    assert lines[-1] == "That patient merit of the unworthy takes"
    assert len(LECTURE_CORPUS) == 797


def test_vocabulary_is_sorted_and_unique():
    """Does the vocabulary hold each character once, sorted, with V its size?"""
    vocab = Vocabulary.from_text("hello world")
    assert vocab.chars == " dehlorw"
    assert vocab.size == len(vocab) == 8


@pytest.mark.parametrize("text", [LECTURE_CORPUS, "a", "abcabc\n  x"])
def test_encode_decode_round_trip(text):
    """Does decoding the encoding give the text back, from int64 indices?"""
    vocab = Vocabulary.from_text(text)
    encoded = vocab.encode(text)
    assert encoded.dtype == np.int64
    assert encoded.shape == (len(text),)
    assert vocab.decode(encoded) == text
    assert vocab.decode(encoded.tolist()) == text


def test_encode_names_an_unknown_character():
    """Does encoding a character outside the vocabulary say which one?"""
    with pytest.raises(KeyError, match="'z'"):
        Vocabulary.from_text("abc").encode("abz")


def test_windows_are_shifted_by_one():
    """Is every target window the input window moved one character on?"""
    encoded = np.arange(10) * 3
    inputs, targets = make_windows(encoded, seq_len=4)
    assert inputs.shape == targets.shape == (6, 4)
    assert inputs.dtype == targets.dtype == np.int64
    np.testing.assert_array_equal(inputs[0], [0, 3, 6, 9])
    np.testing.assert_array_equal(targets[:, :-1], inputs[:, 1:])
    np.testing.assert_array_equal(targets[:, -1], encoded[4:])
    np.testing.assert_array_equal(inputs[1:, :], targets[:-1, :])


def test_windows_need_a_text_longer_than_a_window():
    """Is a text without a single window refused?"""
    with pytest.raises(ValueError):
        make_windows(np.arange(4), seq_len=4)


@pytest.mark.parametrize("batch_size", [1, 3])
def test_chunks_continue_each_other(batch_size):
    """Does row n of chunk k + 1 start where row n of chunk k stopped, targets shifted?"""
    encoded = np.arange(50)
    pieces = list(chunks(encoded, seq_len=4, batch_size=batch_size))
    rows = np.concatenate([inputs for inputs, _ in pieces], axis=1)  # (N, stream length)
    stream_len = 49 // batch_size
    streams = np.arange(batch_size)[:, None] * stream_len + np.arange(stream_len)
    np.testing.assert_array_equal(rows, streams)
    for inputs, targets in pieces:
        assert inputs.shape[0] == batch_size
        np.testing.assert_array_equal(targets, inputs + 1)
    assert [inputs.shape[1] for inputs, _ in pieces[:-1]] == [4] * (len(pieces) - 1)


def test_trend_data_shapes_and_dtypes():
    """Are X (N, T, 1) and y (N, 1) float32 tensors, y holding only 0 and 1?"""
    X, y = generate_trend_data(50, 12, np.random.default_rng(0))
    assert X.shape == (50, 12, 1) and y.shape == (50, 1)
    assert X.dtype == y.dtype == torch.float32
    assert set(y.unique().tolist()) <= {0.0, 1.0}


def test_trend_data_is_reproducible_for_a_seed():
    """Do two generators with the same seed give the same data, other seeds other data?"""
    X1, y1 = generate_trend_data(rng=np.random.default_rng(3))
    X2, y2 = generate_trend_data(rng=np.random.default_rng(3))
    X3, _ = generate_trend_data(rng=np.random.default_rng(4))
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert not torch.equal(X1, X3)


def test_trend_data_needs_a_generator():
    """Is a call without rng refused rather than drawn from an unseeded source?"""
    with pytest.raises(TypeError, match="rng"):
        generate_trend_data(10, 5)


def test_trend_labels_are_balanced_and_match_the_slope():
    """Are the labels about half and half, and does each label's slope have its sign?"""
    X, y = generate_trend_data(500, 20, np.random.default_rng(1))
    assert 0.4 < y.mean().item() < 0.6
    t = torch.arange(20, dtype=torch.float32)
    centred = t - t.mean()
    slopes = (X[..., 0] * centred).sum(dim=1) / (centred**2).sum()  # least-squares slope
    up = y[:, 0] == 1
    # With |slope| >= 0.05 and noise 0.3 over 20 steps, the fitted sign is nearly always right.
    assert (slopes[up] > 0).float().mean() > 0.95
    assert (slopes[~up] < 0).float().mean() > 0.95
    assert slopes[up].max() < 0.2 + 0.1 and slopes[~up].min() > -0.2 - 0.1
