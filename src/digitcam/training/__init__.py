"""Training (the train extra: Keras, TensorFlow, tf2onnx, imported only when training runs):
networks (models.py), train.py, batches.py, augmentation (transforms.py), runtime crops
(crops.py), export.py, finetune.py, ensemble.py. The reading core never imports this package;
the evaluation borrows transforms.py (numpy and OpenCV only) for its corruptions."""
