"""Geometric and photometric changes to 28x28 digits (numpy + OpenCV, no TensorFlow).

Training uses them as augmentation, the evaluation as corruptions: one implementation
of each, so what the model is trained against is what it is measured against.
All functions take and return float32 images in [0, 1], white ink on black.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

SIZE = 28


def affine(img: np.ndarray, angle: float = 0.0, scale: float = 1.0, shear: float = 0.0,
           tx: float = 0.0, ty: float = 0.0) -> np.ndarray:
    """Rotate (degrees), scale, shear (x += shear * y) and translate (pixels) about the centre.

    Works on any image size (the digit padded onto a larger canvas, say); 28x28 by default use.
    """
    h, w = img.shape[:2]
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    rot = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    m = np.vstack([rot, [0, 0, 1]])
    sh = np.array([[1, shear, -shear * cy], [0, 1, 0], [0, 0, 1]], np.float64)
    m = (sh @ m)[:2]
    m[:, 2] += (tx, ty)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR,
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


def stroke(img: np.ndarray, pixels: float) -> np.ndarray:
    """Thicken (pixels > 0) or thin (pixels < 0) the strokes by grey-level morphology.

    A fractional width blends the two nearest whole-pixel results (0.5: half way to 1 pixel).
    """
    if pixels == 0:
        return img
    op = cv2.dilate if pixels > 0 else cv2.erode
    whole, frac = divmod(abs(pixels), 1.0)

    def by(n: int) -> np.ndarray:
        if n == 0:
            return img
        return op(img, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * n + 1,) * 2))

    out = by(int(whole))
    if frac:
        out = (1.0 - frac) * out + frac * by(int(whole) + 1)
    return out.astype(img.dtype, copy=False)


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


# --- Training augmentation: whole batches at once, numpy only (no per-image Python loop) ---

# Ranges at strength 1. Simard et al. (2003) used elastic sigma 4 and alpha 34.
AUG_ANGLE = 12.0            # degrees, either way
AUG_SCALE = (0.85, 1.1)
AUG_SHEAR = 0.25            # x += shear * y, either way
AUG_SHIFT = 2.0             # pixels, either way
AUG_ELASTIC_P, AUG_ELASTIC_ALPHA, AUG_ELASTIC_SIGMA = 0.5, (15.0, 34.0), 4.0
AUG_THICKEN_P, AUG_THIN_P = 0.15, 0.10
AUG_BLUR_P, AUG_BLUR_SIGMA = 0.15, 1.0
AUG_NOISE_P, AUG_NOISE_SIGMA = 0.15, (0.02, 0.1)
MIN_INK_TO_THIN = 60.0      # summed intensity below which thinning would erase the digit


@functools.lru_cache(maxsize=32)
def blur_matrix(sigma: float, size: int = SIZE) -> np.ndarray:
    """(size, size) matrix K such that K @ row is a 1-D Gaussian blur with OpenCV's
    default border (reflect-101), so K @ img @ K.T equals cv2.GaussianBlur(img, (0, 0), sigma)."""
    radius = int(round(4 * sigma)) if sigma > 0 else 0
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / max(sigma, 1e-6)) ** 2)
    taps /= taps.sum()
    k = np.zeros((size, size), np.float64)
    for i in range(size):
        for offset, w in zip(range(-radius, radius + 1), taps):
            j = abs(i + offset)
            while not 0 <= j < size:  # reflect-101: ... 2 1 | 0 1 2 ... n-2 n-1 | n-2 ...
                j = abs(j) if j < 0 else 2 * (size - 1) - j
            k[i, j] += w
    k = k.astype(np.float32)
    k.flags.writeable = False  # cached: shared by every caller
    return k


def blur_batch(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of every image in a (N, H, W) float32 batch (H = W = SIZE)."""
    k = blur_matrix(sigma, x.shape[-1])
    return (k @ x @ k.T).astype(np.float32)


def sample_bilinear(x: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """out[n, i, j] = x[n] at (sx, sy)[n, i, j], bilinear, zero outside the image."""
    n, h, w = x.shape
    padded = np.zeros((n, h + 2, w + 2), np.float32)
    padded[:, 1:-1, 1:-1] = x
    sx = np.clip(sx + 1, 0, w + 1 - 1e-4)
    sy = np.clip(sy + 1, 0, h + 1 - 1e-4)
    x0, y0 = np.floor(sx).astype(np.intp), np.floor(sy).astype(np.intp)
    fx, fy = (sx - x0).astype(np.float32), (sy - y0).astype(np.float32)
    x1, y1 = np.minimum(x0 + 1, w + 1), np.minimum(y0 + 1, h + 1)
    b = np.arange(n)[:, None, None]
    top = padded[b, y0, x0] * (1 - fx) + padded[b, y0, x1] * fx
    bottom = padded[b, y1, x0] * (1 - fx) + padded[b, y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def affine_matrices(angle, scale, shear, tx, ty) -> np.ndarray:
    """(N, 3, 3) forward matrices, the same as `affine` builds for each set of parameters."""
    angle, scale, shear, tx, ty = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in
                                                        (angle, scale, shear, tx, ty)))
    c = (SIZE - 1) / 2.0
    a = scale * np.cos(np.radians(angle))
    b = scale * np.sin(np.radians(angle))
    rot = np.zeros(angle.shape + (3, 3))
    rot[..., 0, :] = np.stack([a, b, (1 - a) * c - b * c], -1)
    rot[..., 1, :] = np.stack([-b, a, b * c + (1 - a) * c], -1)
    rot[..., 2, 2] = 1.0
    sh = np.zeros_like(rot)
    sh[..., 0, 0] = sh[..., 1, 1] = sh[..., 2, 2] = 1.0
    sh[..., 0, 1], sh[..., 0, 2] = shear, -shear * c
    m = sh @ rot
    m[..., 0, 2] += tx
    m[..., 1, 2] += ty
    return m


def _grid() -> tuple[np.ndarray, np.ndarray]:
    gy, gx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    return gx, gy


def warp_batch(x: np.ndarray, matrices: np.ndarray, dx: np.ndarray | float = 0.0,
               dy: np.ndarray | float = 0.0) -> np.ndarray:
    """Apply forward affine `matrices` (N, 3, 3), then an optional displacement field (dx, dy)
    (as `elastic` does after `affine`), with a single bilinear resampling."""
    inv = np.linalg.inv(matrices).astype(np.float32)
    gx, gy = _grid()
    px, py = gx + dx, gy + dy  # where each output pixel reads the affinely warped image
    sx = inv[:, 0, 0, None, None] * px + inv[:, 0, 1, None, None] * py + inv[:, 0, 2, None, None]
    sy = inv[:, 1, 0, None, None] * px + inv[:, 1, 1, None, None] * py + inv[:, 1, 2, None, None]
    return sample_bilinear(x, sx, sy)


def elastic_fields(n: int, alpha: np.ndarray, sigma: float,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Simard's displacement fields for n images: uniform noise, Gaussian-smoothed, times alpha."""
    noise = rng.uniform(-1, 1, (2, n, SIZE, SIZE)).astype(np.float32)
    k = blur_matrix(sigma)
    fields = k @ noise @ k.T * np.asarray(alpha, np.float32).reshape(1, -1, 1, 1)
    return fields[0], fields[1]


def morph_batch(x: np.ndarray, thicken: bool) -> np.ndarray:
    """Grey dilation (thicken) or erosion (thin) with a 3x3 cross, as `stroke(img, +-1)`."""
    fill = 0.0 if thicken else np.inf  # outside counts as background for dilation, ignored else
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)), constant_values=fill)
    op = np.maximum if thicken else np.minimum
    out = op(p[:, 1:-1, 1:-1], p[:, :-2, 1:-1])
    for shifted in (p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]):
        out = op(out, shifted)
    return out


def _subset(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    return np.flatnonzero(rng.random(n) < p)


def augment_batch(x: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Randomly distort a float32 batch (N, 28, 28[, 1]) in [0, 1], each image differently:
    rotation, scale, shear, shift and (half the time) Simard's elastic field in one resampling,
    then stroke thickening or thinning, blur and noise on random subsets."""
    squeeze = x.ndim == 4
    imgs = np.asarray(x[..., 0] if squeeze else x, np.float32)
    n, s = len(imgs), strength
    if n == 0:
        return x.astype(np.float32)
    m = affine_matrices(rng.uniform(-AUG_ANGLE, AUG_ANGLE, n) * s,
                        1 + (rng.uniform(*AUG_SCALE, n) - 1) * s,
                        rng.uniform(-AUG_SHEAR, AUG_SHEAR, n) * s,
                        rng.uniform(-AUG_SHIFT, AUG_SHIFT, n) * s,
                        rng.uniform(-AUG_SHIFT, AUG_SHIFT, n) * s)
    alpha = rng.uniform(*AUG_ELASTIC_ALPHA, n) * s * (rng.random(n) < AUG_ELASTIC_P)
    dx, dy = elastic_fields(n, alpha, AUG_ELASTIC_SIGMA, rng)
    out = warp_batch(imgs, m, dx, dy)
    r = rng.random(n)
    grow = np.flatnonzero(r < AUG_THICKEN_P)
    thin = np.flatnonzero((r >= AUG_THICKEN_P) & (r < AUG_THICKEN_P + AUG_THIN_P))
    thin = thin[out[thin].sum(axis=(1, 2)) > MIN_INK_TO_THIN]
    out[grow] = morph_batch(out[grow], thicken=True)
    out[thin] = morph_batch(out[thin], thicken=False)
    blur = _subset(n, AUG_BLUR_P, rng)
    w = rng.uniform(0.3, 1.0, (len(blur), 1, 1)).astype(np.float32)
    out[blur] = (1 - w) * out[blur] + w * blur_batch(out[blur], AUG_BLUR_SIGMA)
    noisy = _subset(n, AUG_NOISE_P, rng)
    sigma = rng.uniform(*AUG_NOISE_SIGMA, (len(noisy), 1, 1))
    out[noisy] += (rng.standard_normal(out[noisy].shape) * sigma).astype(np.float32)
    out = np.clip(out, 0.0, 1.0, out=out)
    return out[..., None] if squeeze else out


def random_augment(img: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """One random training distortion of one float32 28x28 image (see `augment_batch`)."""
    return augment_batch(np.asarray(img, np.float32)[None], rng, strength)[0]
