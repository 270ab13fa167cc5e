"""``python -m reference.char_lm`` end to end."""
import subprocess
import sys

import pytest

from reference.char_lm.cli import loss_report, main

# A run small enough to take a fraction of a second.
TINY = [
    "--steps", "6", "--hidden", "8", "--seq-len", "10", "--sample-length", "12", "--no-progress",
]  # fmt: skip


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_numpy_run_prints_losses_and_samples(cell, capsys):
    """Does a tiny NumPy run print the losses and one sample per temperature?"""
    assert main(["--cell", cell, *TINY]) == 0
    out = capsys.readouterr().out
    assert f"numpy {cell}" in out
    assert "vocabulary: V=33" in out
    assert out.count("loss ") == 5
    for temperature in ("0.2", "0.5", "1.0"):
        assert f"--- temperature {temperature} ---\nT" in out


def test_torch_run_on_a_text_file(tmp_path, capsys):
    """Does --torch train the PyTorch model on the text given by --text?"""
    text = tmp_path / "corpus.txt"
    text.write_text("abracadabra " * 20, encoding="utf-8")
    assert main(["--torch", "--text", str(text), "--batch-size", "4", *TINY]) == 0
    out = capsys.readouterr().out
    assert "torch lstm: 240 characters" in out
    assert "vocabulary: V=6" in out
    samples = out.split("--- temperature ")[1:]
    assert len(samples) == 3
    assert all(set(sample.split("\n", 1)[1].strip()) <= set("abrcd ") for sample in samples)


def test_module_entry_point_runs(monkeypatch):
    """Does ``python -m reference.char_lm`` run as a program and exit with 0?"""
    for threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # a tiny run: one is plenty
        monkeypatch.setenv(threads, "1")
    result = subprocess.run(
        [sys.executable, "-m", "reference.char_lm", *TINY],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--- temperature 1.0 ---" in result.stdout


def test_loss_report_marks_evenly_spaced_steps():
    """Does the report average the losses leading up to five evenly spaced steps?"""
    lines = loss_report([float(k) for k in range(1, 101)])
    assert [line.split(":")[0] for line in lines] == [f"step {s:>6}" for s in (20, 40, 60, 80, 100)]
    assert lines[-1].endswith("loss 95.5000")
    assert len(loss_report([3.0, 2.0])) == 2
