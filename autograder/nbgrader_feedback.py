"""nbgrader feedback that never shows a hidden test's source.

nbgrader 0.9 restores hidden tests before ``autograde`` runs them and renders the
autograded notebook as feedback, hidden tests included; the traceback of a failing
test also quotes the lines around the failure. ``nbgrader_config.py`` therefore adds
``HiddenTestsFeedback`` to ``GenerateFeedback.preprocessors``: in every cell that held
a hidden region, the region is removed (as in the released notebook) and each error
output is cut to its last line, ``CheckFailed: <the diagnosis>``, which is what the
student needs to read.
"""
from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests


class HiddenTestsFeedback(ClearHiddenTests):
    """``ClearHiddenTests`` that also reduces those cells' tracebacks to the message."""

    def preprocess_cell(self, cell: NotebookNode, resources, cell_index: int):
        if cell.cell_type != "code" or self.begin_test_delimeter not in cell.source:
            return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
