"""Fixtures shared by the char_lm test modules (import them into a module to use them)."""
import pytest
import torch


@pytest.fixture
def one_torch_thread():
    """Run torch on one thread: for models this small, more threads only add overhead
    (and fight over the cores when the machine is busy)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
