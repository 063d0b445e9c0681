"""Input: image files and bytes -> arrays (images.py), any frame -> 2-D uint8 grey (frames.py);
output: atomic file writes (files.py) and the machine line for cards and reports (machine.py)."""
