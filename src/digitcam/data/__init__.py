"""Datasets: MNIST (mnist.py: load_mnist_data), read from the IDX files, downloaded if asked."""
