"""The PyTorch character models and their training loop."""
import numpy as np
import pytest
import torch
from torch import nn

from reference.char_lm.torch_model import CharLSTM, CharRNN
from reference.char_lm.train_torch import train_torch
from reference.datasets import LECTURE_CORPUS


def test_char_lstm_keeps_the_lectures_names():
    """Are the layers called embed, lstm and fc, so the lecture's checkpoints load?"""
    model = CharLSTM(33)
    assert isinstance(model.embed, nn.Embedding) and model.embed.weight.shape == (33, 32)
    assert isinstance(model.lstm, nn.LSTM) and model.lstm.batch_first
    assert (model.lstm.hidden_size, model.lstm.num_layers, model.lstm.dropout) == (128, 2, 0.2)
    assert isinstance(model.fc, nn.Linear) and model.fc.weight.shape == (33, 128)
    prefixes = {name.split(".")[0] for name in model.state_dict()}
    assert prefixes == {"embed", "lstm", "fc"}
    assert "lstm.weight_ih_l1" in model.state_dict()


def test_char_lstm_loads_a_state_dict_saved_under_the_lecture_names(tmp_path):
    """Does a checkpoint written from one CharLSTM load into a fresh one and compute the same?"""
    torch.manual_seed(0)
    saved = CharLSTM(10, embed_size=4, hidden_size=6, num_layers=2).eval()
    torch.save(saved.state_dict(), tmp_path / "model.pt")
    torch.manual_seed(1)
    loaded = CharLSTM(10, embed_size=4, hidden_size=6, num_layers=2).eval()
    loaded.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=True))
    x = torch.tensor([[1, 2, 3]])
    assert torch.equal(saved(x)[0], loaded(x)[0])


def test_one_layer_has_no_dropout():
    """Is dropout left out of a single recurrent layer (where torch would warn)?"""
    assert CharLSTM(5, num_layers=1).lstm.dropout == 0.0


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_forward_shapes_and_carried_hidden(cell):
    """Are the logits (N, T, V), and does passing the returned state continue the sequence?"""
    torch.manual_seed(0)
    model = CharRNN(7, cell, embed_size=4, hidden_size=5, num_layers=2).eval()
    assert isinstance(getattr(model, cell), nn.Module) and model.recurrent is getattr(model, cell)
    x = torch.randint(0, 7, (3, 8))
    logits, hidden = model(x)
    assert logits.shape == (3, 8, 7)
    h = hidden[0] if cell == "lstm" else hidden
    assert h.shape == (2, 3, 5)
    first, state = model(x[:, :5])
    second, _ = model(x[:, 5:], state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), logits)


def test_unknown_cell_is_refused():
    """Is a cell other than rnn, gru or lstm refused?"""
    with pytest.raises(ValueError, match="lstm"):
        CharRNN(5, "transformer")


def test_training_lowers_the_loss_and_is_reproducible():
    """Does training bring the loss well below log V, the same way for the same seed,
    without touching the caller's global torch RNG?"""
    options = dict(steps=60, hidden_size=32, num_layers=1, seq_len=20, batch_size=32, lr=1e-2)
    options["progress"] = False
    state = torch.get_rng_state()
    run = train_torch(LECTURE_CORPUS, "lstm", seed=0, **options)
    assert torch.equal(torch.get_rng_state(), state)
    log_v = np.log(run.vocab.size)
    assert abs(run.losses[0] - log_v) < 0.1
    assert np.mean(run.losses[-10:]) < 0.8 * log_v
    again = train_torch(LECTURE_CORPUS, "lstm", seed=0, **options)
    assert again.losses == run.losses
    assert not run.model.training
