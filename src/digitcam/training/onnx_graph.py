"""A Keras network of plain image layers -> ONNX written operator by operator, channels first.

tf2onnx translates TensorFlow's graph, which is channels-last: it wraps convolutions in
transposes, turns a dilated convolution into SpaceToDepth, Pad, Tile and Slice around an
ordinary one (the input's size is unknown when exporting), and an upsampling into Tile and
Reshape. On the detector, onnxruntime spent half its time in those. Here every layer becomes
the one ONNX operator that means it (a dilated Conv, a nearest Resize), in the channels-first
layout onnxruntime computes in, with one transpose at the input and one at the output; the
interface (NHWC in, NHWC out) is the Keras model's.

    proto = conv_graph(model)             # onnx.ModelProto
    write_conv_onnx(model, "runs/x.onnx")  # written atomically

Layers understood: InputLayer, Conv2D, SeparableConv2D, BatchNormalization, ReLU,
Activation (relu, sigmoid, linear), MaxPooling2D, UpSampling2D (nearest), Add, Dropout.
Anything else is a ValueError (export such a model with training.export.export_onnx).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OPSET = 17
ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid"}


class _Graph:
    """The nodes and weights of the ONNX graph being written."""

    def __init__(self):
        self.nodes: list = []
        self.weights: list = []

    def weight(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.weights.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output


def _padding(layer, kernel: tuple[int, ...] | None = None) -> dict:
    """ONNX padding attributes for a Keras layer's padding. "same" pads as TensorFlow does:
    at stride 1, explicitly (onnxruntime refuses SAME_UPPER with a dilation), the odd
    row or column at the end; at a larger stride, SAME_UPPER (which also puts it there)."""
    if layer.padding == "valid":
        return {}
    if layer.padding != "same":
        raise ValueError(f"{layer.name}: padding {layer.padding!r} is not supported")
    if any(s != 1 for s in layer.strides) or kernel is None:
        return {"auto_pad": "SAME_UPPER"}
    total = [d * (k - 1) for k, d in zip(kernel, layer.dilation_rate)]
    return {"pads": [t // 2 for t in total] + [t - t // 2 for t in total]}


def _activation(g: _Graph, layer, x: str) -> str:
    name = getattr(layer.activation, "__name__", "linear")
    if name == "linear":
        return x
    if name not in ACTIVATIONS:
        raise ValueError(f"{layer.name}: activation {name!r} is not supported")
    return g.node(ACTIVATIONS[name], [x], f"{layer.name}/{name}")


def _conv(g: _Graph, layer, x: str) -> str:
    w = layer.kernel.numpy().transpose(3, 2, 0, 1)        # (kh, kw, in, out) -> (out, in, kh, kw)
    inputs = [x, g.weight(f"{layer.name}/w", w)]
    if layer.use_bias:
        inputs.append(g.weight(f"{layer.name}/b", layer.bias.numpy()))
    y = g.node("Conv", inputs, f"{layer.name}/conv", kernel_shape=list(w.shape[2:]),
               strides=list(layer.strides), dilations=list(layer.dilation_rate),
               **_padding(layer, w.shape[2:]))
    return _activation(g, layer, y)


def _separable(g: _Graph, layer, x: str) -> str:
    """Depthwise (one filter group per input channel), then pointwise (1x1)."""
    dw = layer.depthwise_kernel.numpy()                    # (kh, kw, in, multiplier)
    kh, kw, cin, mult = dw.shape
    dw = dw.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)
    y = g.node("Conv", [x, g.weight(f"{layer.name}/dw", dw)], f"{layer.name}/depthwise",
               kernel_shape=[kh, kw], group=cin, strides=list(layer.strides),
               dilations=list(layer.dilation_rate), **_padding(layer, (kh, kw)))
    pw = layer.pointwise_kernel.numpy().transpose(3, 2, 0, 1)
    inputs = [y, g.weight(f"{layer.name}/pw", pw)]
    if layer.use_bias:
        inputs.append(g.weight(f"{layer.name}/b", layer.bias.numpy()))
    y = g.node("Conv", inputs, f"{layer.name}/pointwise", kernel_shape=[1, 1])
    return _activation(g, layer, y)


def _batch_norm(g: _Graph, layer, x: str) -> str:
    if layer.axis not in (-1, 3, [3], [-1]):
        raise ValueError(f"{layer.name}: batch normalisation over axis {layer.axis}")
    var = layer.moving_variance.numpy()
    gamma = layer.gamma.numpy() if layer.scale else np.ones_like(var)
    beta = layer.beta.numpy() if layer.center else np.zeros_like(var)
    names = [g.weight(f"{layer.name}/{k}", v) for k, v in
             (("gamma", gamma), ("beta", beta), ("mean", layer.moving_mean.numpy()),
              ("var", var))]
    return g.node("BatchNormalization", [x, *names], f"{layer.name}/bn",
                  epsilon=float(layer.epsilon))


def _relu(g: _Graph, layer, x: str) -> str:
    if layer.max_value is not None or layer.negative_slope or layer.threshold:
        raise ValueError(f"{layer.name}: only a plain ReLU is supported")
    return g.node("Relu", [x], f"{layer.name}/relu")


def _max_pool(g: _Graph, layer, x: str) -> str:
    return g.node("MaxPool", [x], f"{layer.name}/pool", kernel_shape=list(layer.pool_size),
                  strides=list(layer.strides), **_padding(layer))


def _upsample(g: _Graph, layer, x: str) -> str:
    if layer.interpolation != "nearest":
        raise ValueError(f"{layer.name}: only nearest upsampling is supported")
    scales = g.weight(f"{layer.name}/scales", [1.0, 1.0, *map(float, layer.size)])
    return g.node("Resize", [x, "", scales], f"{layer.name}/resize", mode="nearest",
                  coordinate_transformation_mode="asymmetric", nearest_mode="floor")


def _layer(g: _Graph, layer, inputs: list[str]) -> str:
    kind = type(layer).__name__
    if kind == "Add":
        return g.node("Add", inputs, f"{layer.name}/add")
    if len(inputs) != 1:
        raise ValueError(f"{layer.name}: {kind} with {len(inputs)} inputs")
    x = inputs[0]
    if kind == "Dropout":
        return x
    if kind == "Activation":
        return _activation(g, layer, x)
    handlers = {"Conv2D": _conv, "SeparableConv2D": _separable, "ReLU": _relu,
                "BatchNormalization": _batch_norm, "MaxPooling2D": _max_pool,
                "UpSampling2D": _upsample}
    if kind not in handlers:
        raise ValueError(f"{layer.name}: layer type {kind} is not supported")
    return handlers[kind](g, layer, x)


def _inputs_of(layer) -> list:
    tensors = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
    return [t._keras_history.operation for t in tensors]


def conv_graph(model) -> object:
    """The ONNX model (onnx.ModelProto) of a single-input, single-output Keras functional
    network of the layers listed in the module docstring; input and output NHWC, named
    as the Keras model's."""
    from onnx import TensorProto, checker, helper

    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError("only a network with one input and one output is supported")
    g = _Graph()
    inp = model.inputs[0]
    in_name = model.layers[0].name
    shape = [None if d is None else int(d) for d in inp.shape]
    made = {model.layers[0].name: g.node("Transpose", [in_name], "input/nchw",
                                         perm=[0, 3, 1, 2])}
    for layer in model.layers[1:]:
        made[layer.name] = _layer(g, layer, [made[op.name] for op in _inputs_of(layer)])
    last = model.outputs[0]._keras_history.operation.name
    out_name = model.output_names[0] if hasattr(model, "output_names") else last
    g.node("Transpose", [made[last]], out_name, perm=[0, 2, 3, 1])
    out_shape = [None if d is None else int(d) for d in model.outputs[0].shape]
    graph = helper.make_graph(
        g.nodes, model.name,
        [helper.make_tensor_value_info(in_name, TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, out_shape)],
        initializer=g.weights)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="digitcam.training.onnx_graph")
    proto.ir_version = 8
    checker.check_model(proto)
    return proto


def write_conv_onnx(model, path: str | Path) -> None:
    """conv_graph(model) written to `path` atomically."""
    from ..io.files import atomic_path

    with atomic_path(Path(path)) as tmp:
        Path(tmp).write_bytes(conv_graph(model).SerializeToString())
