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
Activation (relu, sigmoid, linear), MaxPooling2D, UpSampling2D (nearest), Add, Dropout,
Softmax, Dense (on channels), a nested functional model, and for a line model a Reshape
of a one-row map (N, 1, T, C) to a sequence (N, T, C), then Conv1D and SeparableConv1D on
it (a sequence is kept as (N, C, 1, T) inside; the output is (N, T, C)). Anything else is a
ValueError (export such a model with training.export.export_onnx).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OPSET = 17
ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid"}


class _Graph:
    """The nodes and weights of the ONNX graph being written; `sequences`: the tensors that
    are (N, T, C) sequences in Keras (kept as (N, C, 1, T) here)."""

    def __init__(self):
        self.nodes: list = []
        self.weights: list = []
        self.sequences: set[str] = set()

    def weight(self, name: str, value, dtype=np.float32) -> str:
        from onnx import numpy_helper

        self.weights.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output


def _geometry(layer, kernel: tuple[int, ...]) -> dict:
    """Kernel shape, strides, dilations and padding of a Keras convolution or pooling, in
    two dimensions (a 1-D layer's along the second). "same" pads as TensorFlow does: at
    stride 1 explicitly (onnxruntime refuses SAME_UPPER with a dilation), the odd row or
    column at the end; at a larger stride, SAME_UPPER (which also puts it there)."""
    def two(v) -> list[int]:
        v = list(v)
        return [1, *v] if len(v) == 1 else v

    kernel, strides = two(kernel), two(layer.strides)
    dilations = two(getattr(layer, "dilation_rate", (1,) * len(layer.strides)))
    attrs = {"kernel_shape": kernel, "strides": strides}
    if "Pool" not in type(layer).__name__:
        attrs["dilations"] = dilations
    if layer.padding == "valid":
        return attrs
    if layer.padding != "same":
        raise ValueError(f"{layer.name}: padding {layer.padding!r} is not supported")
    if any(s != 1 for s in strides):
        return {**attrs, "auto_pad": "SAME_UPPER"}
    total = [d * (k - 1) for k, d in zip(kernel, dilations)]
    return {**attrs, "pads": [t // 2 for t in total] + [t - t // 2 for t in total]}


def _activation(g: _Graph, layer, x: str) -> str:
    name = getattr(layer.activation, "__name__", "linear")
    if name == "linear":
        return x
    if name not in ACTIVATIONS:
        raise ValueError(f"{layer.name}: activation {name!r} is not supported")
    return g.node(ACTIVATIONS[name], [x], f"{layer.name}/{name}")


def _bias(g: _Graph, layer, inputs: list[str]) -> list[str]:
    if layer.use_bias:
        inputs.append(g.weight(f"{layer.name}/b", layer.bias.numpy()))
    return inputs


def _conv(g: _Graph, layer, x: str) -> str:
    """Conv2D, or Conv1D on a sequence: kernel (kh, kw, in, out) or (k, in, out)."""
    w = layer.kernel.numpy()
    w = w[None] if w.ndim == 3 else w
    w = w.transpose(3, 2, 0, 1)                            # (out, in, kh, kw)
    y = g.node("Conv", _bias(g, layer, [x, g.weight(f"{layer.name}/w", w)]),
               f"{layer.name}/conv", **_geometry(layer, layer.kernel_size))
    return _activation(g, layer, y)


def _separable(g: _Graph, layer, x: str) -> str:
    """Depthwise (one filter group per input channel), then pointwise (1x1)."""
    dw = layer.depthwise_kernel.numpy()                    # (kh, kw, in, mult) or (k, in, mult)
    dw = dw[None] if dw.ndim == 3 else dw
    kh, kw, cin, mult = dw.shape
    dw = dw.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)
    y = g.node("Conv", [x, g.weight(f"{layer.name}/dw", dw)], f"{layer.name}/depthwise",
               group=cin, **_geometry(layer, layer.kernel_size))
    pw = layer.pointwise_kernel.numpy()
    pw = pw.reshape(-1, pw.shape[-1]).T[:, :, None, None]  # (out, in, 1, 1)
    y = g.node("Conv", _bias(g, layer, [y, g.weight(f"{layer.name}/pw", pw)]),
               f"{layer.name}/pointwise", kernel_shape=[1, 1])
    return _activation(g, layer, y)


def _dense(g: _Graph, layer, x: str) -> str:
    """A Dense layer on the channels of a map or sequence: a 1x1 convolution."""
    w = layer.kernel.numpy().T[:, :, None, None]
    y = g.node("Conv", _bias(g, layer, [x, g.weight(f"{layer.name}/w", w)]),
               f"{layer.name}/dense", kernel_shape=[1, 1])
    return _activation(g, layer, y)


def _batch_norm(g: _Graph, layer, x: str) -> str:
    if layer.axis not in (-1, 3, [3], [-1]) and not (x in g.sequences and layer.axis in (2, [2])):
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


def _softmax(g: _Graph, layer, x: str) -> str:
    if layer.axis not in (-1, [-1]):
        raise ValueError(f"{layer.name}: softmax over axis {layer.axis}")
    return g.node("Softmax", [x], f"{layer.name}/softmax", axis=1)


def _max_pool(g: _Graph, layer, x: str) -> str:
    return g.node("MaxPool", [x], f"{layer.name}/pool", **_geometry(layer, layer.pool_size))


def _upsample(g: _Graph, layer, x: str) -> str:
    if layer.interpolation != "nearest":
        raise ValueError(f"{layer.name}: only nearest upsampling is supported")
    scales = g.weight(f"{layer.name}/scales", [1.0, 1.0, *map(float, layer.size)])
    return g.node("Resize", [x, "", scales], f"{layer.name}/resize", mode="nearest",
                  coordinate_transformation_mode="asymmetric", nearest_mode="floor")


def _to_sequence(g: _Graph, layer, x: str) -> str:
    """Reshape((-1, C)) of a one-row map (N, 1, T, C): already (N, C, 1, T) here."""
    rows, channels = layer.input.shape[1], layer.input.shape[-1]
    if len(layer.input.shape) != 4 or rows != 1 or tuple(layer.target_shape) != (-1, channels):
        raise ValueError(f"{layer.name}: only a one-row map reshaped to (-1, channels) "
                         "is supported")
    g.sequences.add(x)
    return x


HANDLERS = {"Conv2D": _conv, "Conv1D": _conv, "SeparableConv2D": _separable,
            "SeparableConv1D": _separable, "Dense": _dense, "BatchNormalization": _batch_norm,
            "ReLU": _relu, "Softmax": _softmax, "MaxPooling2D": _max_pool,
            "UpSampling2D": _upsample, "Reshape": _to_sequence}


def _layer(g: _Graph, layer, inputs: list[str]) -> str:
    kind = type(layer).__name__
    if kind == "Add":
        y = g.node("Add", inputs, f"{layer.name}/add")
    elif len(inputs) != 1:
        raise ValueError(f"{layer.name}: {kind} with {len(inputs)} inputs")
    elif kind == "Dropout":
        return inputs[0]
    elif kind == "Activation":
        y = _activation(g, layer, inputs[0])
    elif kind == "Functional":
        y = _walk(g, layer, inputs[0])
    elif kind in HANDLERS:
        y = HANDLERS[kind](g, layer, inputs[0])
    else:
        raise ValueError(f"{layer.name}: layer type {kind} is not supported")
    if any(x in g.sequences for x in inputs):
        g.sequences.add(y)
    return y


def _inputs_of(layer) -> list:
    tensors = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
    return [t._keras_history.operation for t in tensors]


def _walk(g: _Graph, model, x: str) -> str:
    """A functional model's layers in order, its input being `x`; returns its output."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"{model.name}: only networks with one input and one output")
    made = {model.layers[0].name: x}
    for layer in model.layers[1:]:
        made[layer.name] = _layer(g, layer, [made[op.name] for op in _inputs_of(layer)])
    return made[model.outputs[0]._keras_history.operation.name]


def conv_graph(model) -> object:
    """The ONNX model (onnx.ModelProto) of a single-input, single-output Keras functional
    network of the layers listed in the module docstring; input and output as the Keras
    model's (NHWC, or (N, T, C) for a sequence), named as its input and output."""
    from onnx import TensorProto, checker, helper

    g = _Graph()
    in_name = model.layers[0].name
    y = _walk(g, model, g.node("Transpose", [in_name], "input/nchw", perm=[0, 3, 1, 2]))
    out_name = model.output_names[0]
    if y in g.sequences:   # (N, C, 1, T) -> (N, 1, T, C) -> (N, T, C)
        y = g.node("Transpose", [y], "output/nhwc", perm=[0, 2, 3, 1])
        g.node("Squeeze", [y, g.weight("output/axes", [1], np.int64)], out_name)
    else:
        g.node("Transpose", [y], out_name, perm=[0, 2, 3, 1])

    def info(name, tensor):
        dims = [None if d is None else int(d) for d in tensor.shape]
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)

    graph = helper.make_graph(g.nodes, model.name, [info(in_name, model.inputs[0])],
                              [info(out_name, model.outputs[0])], initializer=g.weights)
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
