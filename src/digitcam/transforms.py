"""Geometric and photometric changes to 28x28 digits (numpy + OpenCV, no TensorFlow).

Training uses them as augmentation, the evaluation as corruptions: one implementation
of each, so what the model is trained against is what it is measured against.
All functions take and return float32 images in [0, 1], white ink on black.
"""

from __future__ import annotations

import cv2
import numpy as np

SIZE = 28


def affine(img: np.ndarray, angle: float = 0.0, scale: float = 1.0, shear: float = 0.0,
           tx: float = 0.0, ty: float = 0.0) -> np.ndarray:
    """Rotate (degrees), scale, shear (x += shear * y) and translate (pixels) about the centre."""
    c = (SIZE - 1) / 2.0
    rot = cv2.getRotationMatrix2D((c, c), angle, scale)
    m = np.vstack([rot, [0, 0, 1]])
    sh = np.array([[1, shear, -shear * c], [0, 1, 0], [0, 0, 1]], np.float64)
    m = (sh @ m)[:2]
    m[:, 2] += (tx, ty)
    return cv2.warpAffine(img, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def elastic(img: np.ndarray, alpha: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Simard et al. (2003): a random displacement field, smoothed by a Gaussian of `sigma`."""
    shape = img.shape[:2]
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, shape).astype(np.float32), (0, 0), sigma) * alpha
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, shape).astype(np.float32), (0, 0), sigma) * alpha
    gx, gy = np.meshgrid(np.arange(shape[1], dtype=np.float32),
                         np.arange(shape[0], dtype=np.float32))
    return cv2.remap(img, gx + dx, gy + dy, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def stroke(img: np.ndarray, pixels: int) -> np.ndarray:
    """Thicken (pixels > 0) or thin (pixels < 0) the strokes by grey-level morphology."""
    if pixels == 0:
        return img
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(pixels) + 1,) * 2)
    op = cv2.dilate if pixels > 0 else cv2.erode
    return op(img, kernel)


def gaussian_noise(img: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    return np.clip(img + rng.normal(0, sigma, img.shape).astype(np.float32), 0, 1)


def salt_pepper(img: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    out = img.copy()
    hit = rng.random(img.shape) < amount
    out[hit] = rng.integers(0, 2, int(hit.sum())).astype(np.float32)
    return out


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return img if sigma <= 0 else cv2.GaussianBlur(img, (0, 0), sigma)


def motion_blur(img: np.ndarray, length: int, angle: float = 0.0) -> np.ndarray:
    if length <= 1:
        return img
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    return cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))


def brightness_contrast(img: np.ndarray, contrast: float, brightness: float = 0.0) -> np.ndarray:
    return np.clip(img * contrast + brightness, 0, 1)


def uneven_light(img: np.ndarray, strength: float, angle: float = 0.0) -> np.ndarray:
    """A linear illumination gradient: ink and background scaled from 1-strength to 1."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / (SIZE - 1)
    t = np.cos(np.radians(angle)) * xx + np.sin(np.radians(angle)) * yy
    t = (t - t.min()) / max(float(np.ptp(t)), 1e-6)
    gain = 1.0 - strength * t
    return np.clip(img * gain + (1 - gain) * 0.5 * strength, 0, 1)


def occlude(img: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Blank out a random square covering `fraction` of the image area."""
    side = int(round(SIZE * np.sqrt(fraction)))
    if side <= 0:
        return img
    x, y = rng.integers(0, SIZE - side + 1, 2)
    out = img.copy()
    out[y : y + side, x : x + side] = 0
    return out


def random_augment(img: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """One random training distortion: affine, elastic, stroke width, blur, noise."""
    s = strength
    out = affine(img, angle=rng.uniform(-12, 12) * s, scale=rng.uniform(1 - 0.15 * s, 1 + 0.1 * s),
                 shear=rng.uniform(-0.25, 0.25) * s, tx=rng.uniform(-2, 2) * s,
                 ty=rng.uniform(-2, 2) * s)
    if rng.random() < 0.5:
        out = elastic(out, alpha=rng.uniform(4, 8) * s, sigma=4.0, rng=rng)
    r = rng.random()
    if r < 0.15:
        out = stroke(out, 1)
    elif r < 0.25:
        out = stroke(out, -1) if out.sum() > 60 else out
    if rng.random() < 0.15:
        out = gaussian_blur(out, rng.uniform(0.3, 0.8))
    if rng.random() < 0.15:
        out = gaussian_noise(out, rng.uniform(0.02, 0.1), rng)
    return out


def augment_batch(x: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Augment a float32 batch (N, 28, 28[, 1]) image by image (each costs microseconds)."""
    squeeze = x.ndim == 4
    imgs = x[..., 0] if squeeze else x
    out = np.stack([random_augment(im, rng, strength) for im in imgs]).astype(np.float32)
    return out[..., None] if squeeze else out
