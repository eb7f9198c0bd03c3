"""nnzero: neural networks from scratch, checked against PyTorch."""

__version__ = "0.1.0"
