"""Synthetic data, outside the runtime: camera-like pages of MNIST digits (scenes.py) and
digits in another hand (handwriting.py), for tests, benchmarks, training and the sample clip."""
