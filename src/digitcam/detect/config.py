"""The connected-component detector's tuning values, in one frozen, documented object.

    from digitcam.detect import ComponentConfig, ComponentDetector
    detector = ComponentDetector(ComponentConfig(min_contrast=30))   # fainter ink counts

Pixel sizes are at detection scale (the frame shrunk so its shorter side is near
`detect_side`) unless said otherwise; shares are of the height, area or pixels named.
The defaults are the values every reading, test and benchmark figure was made with.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComponentConfig:
    # scale
    detect_side: int = 240          # digits are searched for with the shorter side near this
    probe_side: int = 128           # polarity is judged on a half-size look above this side
    quarter_min_side: int = 64      # paper and polarity maps work at a quarter size above this
    # noise (detect/noise.py)
    noise_mad: int = 4              # median departure from the 3x3 median (grey levels): grainy
    grainy_share: float = 0.5       # ... judged cheaply first: this share departs by noise_mad
    speck_contrast: int = 40        # a pixel this far from its 3x3 median is a speck ...
    noise_specks: float = 0.02      # ... and this share of specks makes a frame speckled
    noise_sigma: float = 0.06       # Gaussian blur sigma (detection pixels) per grey level of grain
    speck_kernel: int = 3           # median filter against specks at detection scale ...
    speck_kernel_full: int = 5      # ... and at full scale
    # illumination (detect/illumination.py)
    min_contrast: int = 40          # ink at least this much (0-255) darker than the local paper
    polarity_kernel_div: int = 4    # polarity's paper median: kernel = quarter side / this
    page_share: tuple[float, float] = (0.05, 0.9)  # a bright region this share of the frame
                                    # may be a page on a darker desk (polarity's second look)
    page_solidity: float = 0.7      # ... at least this share of its outline's area bright
    page_margin_div: int = 8        # ... looked inside, this far from its edge: quarter side / this
    page_min_ink: float = 3e-4      # ... dark ink there, at least this share of the frame at
                                    # full contrast, makes the ink dark
    paper_kernel_div: int = 6       # paper map's closing: kernel = quarter side / this
    paper_floor: int = 16           # paper brightness floor in the contrast's denominator
    close_kernel: int = 3           # a closing of the binary map joins hairline gaps
    # candidates (detect/components.py)
    min_area: int = 6               # smaller components are specks
    max_components: int = 300       # a textured scene, not a page: only the largest are kept
    min_digit_height: int = 10      # pixels at detection scale
    max_frame_share: float = 0.95   # taller or wider than this share of the frame: not a digit
    min_rel_height: float = 0.4     # at least this share of the tallest digit-like candidate
    # merging broken strokes (detect/merge.py); shares of the boxes' heights and areas
    broken_overlap: float = 0.5     # a broken stroke overlaps this share of the narrower width
    broken_gap: float = 0.25        # ... with a vertical gap under this share of the taller
    piece_max_height: float = 0.6   # a piece beside a part: shorter than this share ...
    piece_min_height: float = 0.25  # ... taller than this share ...
    piece_max_area: float = 0.3     # ... with under this share of its area ...
    piece_gap: float = 0.15         # ... a gap under this share of its height ...
    piece_overlap: float = 0.5      # ... and rows overlapping over this share of the piece
    cap_max_height: float = 0.4     # a detached cap (the bar of a 5): shorter than this ...
    cap_gap: float = 0.25           # ... within this share of the height above or below ...
    cap_overlap: float = 0.5        # ... overlapping under this share of its own rows
    # shape tests (detect/shapes.py)
    aspect_range: tuple[float, float] = (0.05, 2.0)    # width / height
    bar_aspect: float = 0.35        # narrower: a plain "1", a solid bar, exempt from shape tests
    density_range: tuple[float, float] = (0.08, 0.72)  # ink share of the box
    max_holes: int = 2              # an 8 has two loops; a star or hatching has many
    min_hole_share: float = 0.015   # holes under this share of the box are pinholes ...
    min_hole_area: float = 2.0      # ... as are holes under this many pixels
    border_band: float = 0.1        # the band along each side where the border cover looks
    max_border_cover: float = 3.3   # a drawn box covers all four sides of its box (sum, 0-4)
    blot_density: float = 0.4       # denser candidates are checked for being a filled blot ...
    blot_darkness: float = 0.25     # ... whose inside is within this share of ink-paper of ink
    blot_excess: float = 1.0        # ... over this many times the area the ink map marked
    blot_blur: int = 3              # the paper level of a blot's box: its blurred maximum
    # cutting out at full scale (detect/components.py)
    cut_margin: int = 1             # detection pixels added around a box before cutting
    soft_edge: int = 3              # dilation kernel keeping the soft edges of strokes
    ink_peak: float = 0.9           # percentile of inked pixels stretched to full brightness


DEFAULT_CONFIG = ComponentConfig()
