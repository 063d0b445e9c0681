"""POST /api/read takes the threshold as the CLI and the WebSocket do (issue 12, point 20)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from digitcam.apps.web.app import create_app  # noqa: E402


@pytest.mark.parametrize("threshold, status", [("auto", 200), ("AUTO", 200), ("128", 200),
                                               ("300", 422), ("dark", 422)])
def test_read_takes_the_threshold_as_the_cli_does(threshold, status):
    """One meaning of --threshold everywhere (reader.threshold_value): 'auto' or 0-255.
    Read in mode multi, whose detector binarises (the learned mode's network has no
    threshold to set)."""
    img = np.full((60, 60), 255, np.uint8)
    cv2.line(img, (30, 10), (30, 50), 0, 5)
    png = cv2.imencode(".png", img)[1].tobytes()
    with TestClient(create_app()) as client:
        got = client.post(f"/api/read?mode=multi&threshold={threshold}",
                          files={"file": ("one.png", png, "image/png")})
    assert got.status_code == status, got.text
    if status == 200:
        assert got.json()["text"] == "1"
    else:
        assert "0-255 or 'auto'" in got.text
