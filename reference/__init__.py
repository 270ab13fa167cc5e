"""Reference implementations (the answer key) of the course's recurrent cells.

Shape legend used in every docstring of this package:
    N batch, T time steps, D input features, H hidden units, V vocabulary size.

NumPy code is batch-major with row vectors: a layer computes ``x @ W + h @ U + b``.
Each cell module (``rnn``, ``lstm``, ``gru``) has forward/backward pairs with an explicit
cache and a PyTorch twin of the same equations, used as the autograd oracle in tests.
"""
