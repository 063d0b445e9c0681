"""Stage 3, lay out: digits in reading order, grouped into lines, as text (lines.py)."""

from .lines import arrange, as_reading, lines_of, reading_order, text_of

__all__ = ["arrange", "lines_of", "as_reading", "reading_order", "text_of"]
