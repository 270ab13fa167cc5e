"""The training loops' progress bar."""
from __future__ import annotations

from tqdm.auto import tqdm


def progress_bar(total: int, enabled: bool | None = None, desc: str = "training") -> tqdm:
    """A tqdm bar over ``range(total)``.

    ``enabled=None`` shows it only when the output is a terminal; True or False force it.
    """
    return tqdm(range(total), desc=desc, disable=None if enabled is None else not enabled)
