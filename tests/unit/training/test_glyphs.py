"""Real digits cut from labelled fields (training.glyphs) and written into synthetic lines."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitcam.recognize.lines import ALPHABET, LINE_HEIGHT
from digitcam.synth import lines as synth_lines
from digitcam.training.glyphs import clean_glyph, cut_field, ink_cover, load_bank, save_bank


def test_ink_cover_keeps_the_pen_and_drops_light_print():
    field = np.full((40, 120), 230, np.uint8)
    field[::4] = 185                                   # light printed lines (guilloche)
    cv2.line(field, (20, 5), (20, 35), 20, 3)          # the pen
    cover = ink_cover(field)
    assert cover[20, 19:22].min() > 0.8
    assert cover[8, 60] == 0.0 and cover[9, 60] == 0.0


def test_clean_glyph_keeps_the_digit_not_its_neighbours_or_underline():
    strip = np.zeros((40, 30), np.float32)
    strip[5:30, 12:16] = 1.0      # the digit: a stroke
    strip[5:12, 16:24] = 1.0      # and its flag, touching it
    strip[20:22, 0:3] = 1.0       # a neighbour's edge at the side
    strip[34:36, 2:28] = 1.0      # an underline below it
    strip[2, 27] = 1.0            # a speck
    glyph = clean_glyph(strip)
    assert glyph.shape == (25, 12)
    assert glyph.sum() == strip[5:30, 12:24].sum()


def test_a_strip_cutting_a_digit_in_two_is_left_out():
    strip = np.zeros((40, 40), np.float32)
    strip[5:35, 2:10] = 1.0       # one stroke of a digit ...
    strip[5:35, 20:38] = 1.0      # ... and a big piece beside it, outside its columns
    assert clean_glyph(strip) is None
    assert clean_glyph(np.zeros((10, 10), np.float32)) is None


class FakeLineModel:
    """Reads every field as `text`, its characters' peaks at `steps` (time steps)."""

    card = {"input": {"stride": 4}}

    def __init__(self, text: str, steps: list[int]):
        self.text, self.steps = text, steps

    def run(self, x: np.ndarray) -> np.ndarray:
        probs = np.zeros((1, x.shape[2] // 4, len(ALPHABET) + 1), np.float32)
        probs[0, :, 0] = 1.0
        for ch, t in zip(self.text, self.steps):
            probs[0, t] = 0.0
            probs[0, t, ALPHABET.index(ch) + 1] = 1.0
        return probs


def test_cut_field_cuts_each_digit_at_its_alignment():
    field = np.full((LINE_HEIGHT, 96), 240, np.uint8)   # line input = field, 24 steps
    cv2.rectangle(field, (10, 6), (18, 26), 30, -1)     # "1" in columns 10-18
    cv2.circle(field, (60, 16), 9, 30, 3)               # "0" around column 60
    model = FakeLineModel("10", [3, 15])
    cut = cut_field(field, "10", model)
    assert [d for d, _ in cut] == [1, 0]
    assert cut[0][1].shape == (21, 9) and cut[1][1].shape[1] == 23
    assert cut_field(field, "17", model) == []          # misread: no glyphs from it


def test_bank_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    bank = [[rng.random((12 + d, 8)).astype(np.float32)] * (d % 3) for d in range(10)]
    save_bank(bank, tmp_path / "bank.npz")
    back = load_bank(tmp_path / "bank.npz")
    assert [len(b) for b in back] == [len(b) for b in bank]
    assert np.abs(back[4][0] - bank[4][0]).max() <= 1 / 255


@pytest.mark.parametrize("use_bank", [True, False])
def test_lines_written_with_a_bank_use_its_digits(mnist, monkeypatch, use_bank):
    """A bank of solid blocks: lines written with it are blocks, lines without are not."""
    (x, y), _ = mnist
    monkeypatch.setattr(synth_lines, "PEN_SHARE", 0.0)
    monkeypatch.setattr(synth_lines, "BANK_SHARE", 1.0)
    monkeypatch.setattr(synth_lines, "BANK_DIGITS", 1.0)
    bank = [[np.ones((20, 12), np.float32)] for _ in range(10)] if use_bank else None
    rng = np.random.default_rng(3)
    fills = []
    for _ in range(10):
        ink, boxes = synth_lines.write("4071", x, y, rng, 32, bank=bank)
        for bx, by, bw, bh in boxes:
            fills.append((ink[by: by + bh, bx: bx + bw] > 0.5).mean())
    assert (np.median(fills) > 0.7) == use_bank


def test_a_glyph_share_without_real_fields_is_refused(capsys):
    from digitcam.training.lines import main

    with pytest.raises(SystemExit) as stop:
        main(["--glyph-share", "0.3", "--dry-run", "--out", "never"])
    assert stop.value.code == 2
    assert "--real" in capsys.readouterr().err.splitlines()[-1]
