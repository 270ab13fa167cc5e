"""Does ``python -m autograder bundle student OUT`` build the bundle, or say why it cannot?"""
from __future__ import annotations

from pathlib import Path

import autograder.student_bundle as student_bundle
from autograder.__main__ import main


def test_the_command_builds_into_out(tmp_path, monkeypatch, capsys) -> None:
    """Is the folder and the released assignment handed to the builder, and the result named?"""
    calls = []

    def build(out, released):
        calls.append((Path(out), Path(released)))
        return Path(out)

    monkeypatch.setattr(student_bundle, "build_student_bundle", build)
    assert main(["bundle", "student", str(tmp_path / "out")]) == 0
    assert calls == [(tmp_path / "out", Path(student_bundle.build.PROJECT_DIR) / "assignments" / "rnn")]
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'out'}"


def test_the_command_explains_a_refusal(tmp_path, capsys) -> None:
    """Does a folder that holds files end the command with status 2 and the reason?"""
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["bundle", "student", str(tmp_path)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
