"""The front ends: `digitcam` (cli.py dispatches; commands.py, options.py), predict, live/,
web/, evaluate/ and the training commands (train.py). Each reads through digitcam.reader."""
