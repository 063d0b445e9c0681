"""Several digit models as one ONNX graph that averages their probabilities (needs `onnx`).

    digitcam ensemble runs/deep.onnx cnn --out runs/ensemble

The result takes and returns what every digitcam model does (float32 (N, 28, 28, 1) in
[0, 1] -> probabilities (N, 10)), so the runtime uses it like any other; it costs the sum of
its members' time. A card is written beside it, with the members' cards and the ensemble's
MNIST test accuracy (measured through onnxruntime; no choice is made with it).
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import numpy as np

INPUT, OUTPUT = "image", "probs"


def merge(paths: list[Path]):
    """One ModelProto: the common input fed to each member, their outputs averaged."""
    import onnx
    from onnx import TensorProto, compose, helper

    members = [compose.add_prefix(onnx.load(str(p)), f"m{i}_") for i, p in enumerate(paths)]
    nodes, initializers, outputs = [], [], []
    for member in members:
        g = member.graph
        nodes.append(helper.make_node("Identity", [INPUT], [g.input[0].name]))
        nodes.extend(g.node)
        initializers.extend(g.initializer)
        outputs.append(g.output[0].name)
    nodes.append(helper.make_node("Sum", outputs, ["sum"]))
    scale = helper.make_tensor("inverse_count", TensorProto.FLOAT, [], [1.0 / len(members)])
    nodes.append(helper.make_node("Mul", ["sum", "inverse_count"], [OUTPUT]))
    graph = helper.make_graph(
        nodes, "ensemble",
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["batch", 28, 28, 1])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", 10])],
        [*initializers, scale])
    opsets = {}
    for member in members:
        for op in member.opset_import:
            opsets[op.domain] = max(opsets.get(op.domain, 0), op.version)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v)
                                                    for d, v in opsets.items()])
    model.ir_version = max(m.ir_version for m in members)
    onnx.checker.check_model(model)
    return model


def build_ensemble(models: list[str], out: str | os.PathLike,
                   data_dir: str | os.PathLike | None = None) -> dict:
    """Write OUT.onnx and OUT.json for the ensemble of `models` (names or .onnx paths)."""
    from ..assets.registry import file_sha256, load_card, resolve_model
    from ..data.mnist import load_mnist_data
    from ..io.files import atomic_path, atomic_write_text
    from ..io.machine import machine_description
    from ..recognize.classifier import Classifier
    from .export import onnx_accuracy, output_stem

    if len(models) < 2:
        raise ValueError(f"an ensemble needs at least two models, got {len(models)}")
    paths = [resolve_model(m) for m in models]
    for path in paths:  # each must be a usable digit model (ModelError names the file)
        Classifier(path).predict_proba(np.zeros((2, 28, 28), np.uint8))
    _, (x_test, y_test) = load_mnist_data(data_dir)  # before anything is written
    out = output_stem(out, "ensemble")
    onnx_path = out.with_suffix(".onnx")
    out.with_suffix(".json").unlink(missing_ok=True)  # an earlier card describes another file
    with atomic_path(onnx_path) as tmp:
        tmp.write_bytes(merge(paths).SerializeToString())
    cards = [load_card(p) for p in paths]
    card = {
        "name": out.name, "architecture": "ensemble",
        "description": "mean of the members' probabilities: " + ", ".join(p.stem for p in paths),
        "parameters": sum(c.get("parameters", 0) for c in cards),
        "input": {"shape": [None, 28, 28, 1], "dtype": "float32", "range": [0.0, 1.0],
                  "layout": "NHWC", "polarity": "white ink on black (MNIST)"},
        "output": {"shape": [None, 10], "meaning": "softmax probabilities of digits 0-9"},
        "training": {"members": [str(p) for p in paths], "machine": machine_description(),
                     "seconds": sum(c.get("training", {}).get("seconds", 0) for c in cards),
                     "epochs_run": sum(c.get("training", {}).get("epochs_run", 0)
                                       for c in cards)},
        "accuracy": {"test": round(onnx_accuracy(onnx_path, x_test, y_test), 5),
                     "test_samples": len(y_test),
                     "validation": None, "members_test": [c.get("accuracy", {}).get("test")
                                                          for c in cards]},
        "members": cards,
        "onnx_sha256": file_sha256(onnx_path),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    atomic_write_text(out.with_suffix(".json"), json.dumps(card, indent=2) + "\n")
    return card
