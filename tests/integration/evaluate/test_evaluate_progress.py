"""`digitcam evaluate` shows a progress bar per stage on a terminal (issue 12, point 15), and
nothing where stderr is not one (logs, CI)."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from digitcam.apps.evaluate.config import EvaluateConfig  # noqa: E402
from digitcam.apps.evaluate.run import evaluate  # noqa: E402
from tests.conftest import mnist_dir  # noqa: E402

QUICK = {"models": ("mlp",), "limit": 40, "robust_digits": 4, "robust_frames": 1}


def test_a_bar_per_stage(mnist, tmp_path, capsys):
    cfg = EvaluateConfig(**QUICK, data_dir=str(mnist_dir()), out=tmp_path / "r", progress=True)
    assert evaluate(cfg) == 0
    err = capsys.readouterr().err
    for stage in ("classifying", "robustness, 28x28 inputs", "robustness, camera frames",
                  "figures"):
        assert f"{stage}:" in err, stage


def test_no_bars_where_stderr_is_not_a_terminal(monkeypatch, capsys):
    from digitcam.apps.evaluate import progress_bar

    for progress in (None, False):
        list(progress_bar(range(3), progress, desc="stage"))
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal
