"""Shared fixtures. MNIST comes from $DIGITCAM_DATA, else ../shared/data/mnist beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"


def mnist_dir() -> Path:
    return Path(os.environ.get("DIGITCAM_DATA") or SHARED_MNIST)


@pytest.fixture(scope="session")
def mnist():
    """(x_train, y_train), (x_test, y_test) from the real files (read only)."""
    from digitcam.data.mnist import load_mnist_data

    if not (mnist_dir() / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST not found in {mnist_dir()}; set DIGITCAM_DATA")
    return load_mnist_data(mnist_dir(), download=False)


@pytest.fixture(scope="session")
def mnist_test(mnist):
    return mnist[1]


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
