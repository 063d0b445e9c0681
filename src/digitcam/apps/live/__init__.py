"""`digitcam live`: command.py (the subcommand), loop.py (run_opencv_loop), runner.py
(read, smooth, log each frame), window.py, recorder.py, draw.py, sources.py, tracking.py."""
