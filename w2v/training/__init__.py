"""Training: corpus reading, vocabulary, Numba kernels, the epoch loop and checkpoints."""
