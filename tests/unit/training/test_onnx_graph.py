"""training.onnx_graph writes a Keras network as channels-first ONNX that computes what
Keras computes, at any input size; layers it does not know are refused by name."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("keras")

import onnxruntime as ort  # noqa: E402

from digitcam.training.onnx_graph import conv_graph, write_conv_onnx  # noqa: E402

pytestmark = pytest.mark.train


def run(proto_or_path, x: np.ndarray) -> np.ndarray:
    src = proto_or_path if isinstance(proto_or_path, str) else \
        proto_or_path.SerializeToString()
    session = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def with_random_statistics(model, rng) -> None:
    """Batch norms with moving statistics far from (0, 1), so a wrong formula shows."""
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            n = layer.moving_mean.shape[0]
            layer.set_weights([rng.uniform(0.5, 2, n), rng.normal(0, 0.5, n),
                               rng.normal(0, 0.5, n), rng.uniform(0.5, 2, n)])


def every_layer_model():
    """One of each layer the writer knows, with the awkward settings: stride 2 on an odd
    size, a dilated separable convolution, a kernel of even size, a bias, a sigmoid."""
    import keras
    from keras import layers

    inp = keras.Input((None, None, 1), name="image")
    x = layers.Conv2D(6, 3, strides=2, padding="same", use_bias=True)(inp)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.MaxPooling2D(2)(x)
    skip = layers.SeparableConv2D(8, 3, padding="same", dilation_rate=2)(x)
    y = layers.Conv2D(8, 2, padding="same", activation="relu")(skip)
    y = layers.Dropout(0.5)(y)
    y = layers.MaxPooling2D(2)(y)
    y = layers.UpSampling2D(2)(layers.Activation("relu")(y))
    x = layers.Add()([skip, y])
    out = layers.Conv2D(1, 1, activation="sigmoid", name="heat")(x)
    return keras.Model(inp, out)


@pytest.mark.parametrize("shape", [(32, 48), (40, 56), (64, 16)])
def test_every_layer_matches_keras(shape):
    rng = np.random.default_rng(0)
    model = every_layer_model()
    with_random_statistics(model, rng)
    proto = conv_graph(model)
    x = rng.random((2, *shape, 1)).astype(np.float32)
    got, want = run(proto, x), model(x, training=False).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=2e-5)


def test_the_detector_network_matches_keras_and_is_written_channels_first(tmp_path):
    from digitcam.training.detector import build

    rng = np.random.default_rng(1)
    model = build()
    with_random_statistics(model, rng)
    path = tmp_path / "det.onnx"
    write_conv_onnx(model, path)
    x = rng.random((1, 96, 144, 1)).astype(np.float32)
    np.testing.assert_allclose(run(str(path), x), model(x, training=False).numpy(), atol=2e-5)
    ops = {n.op_type for n in conv_graph(model).graph.node}
    assert not ops & {"Tile", "SpaceToDepth", "DepthToSpace", "Slice"}, ops
    # what the runtime expects of a detector: any size divisible by 16, a (h/4, w/4) map
    assert run(str(path), np.zeros((1, 48, 80, 1), np.float32)).shape == (1, 12, 20, 1)


def test_an_unknown_layer_is_refused_by_name():
    import keras
    from keras import layers

    inp = keras.Input((None, None, 1))
    out = layers.Conv2D(2, 3, padding="same")(layers.GaussianNoise(0.1, name="noise")(inp))
    with pytest.raises(ValueError, match="noise"):
        conv_graph(keras.Model(inp, out))


def test_the_line_network_with_its_softmax_matches_keras_at_any_width():
    import keras

    from digitcam.recognize.lines import LINE_HEIGHT
    from digitcam.training.lines import build

    rng = np.random.default_rng(2)
    inner = build(stride=2)
    with_random_statistics(inner, rng)
    inp = keras.Input((LINE_HEIGHT, None, 1), name="line")
    model = keras.Model(inp, keras.layers.Softmax(name="probs")(inner(inp)))
    proto = conv_graph(model)
    for width in (8, 52, 200):
        x = rng.random((3, LINE_HEIGHT, width, 1)).astype(np.float32)
        got, want = run(proto, x), model(x, training=False).numpy()
        assert got.shape == want.shape == (3, width // 2, 15)
        np.testing.assert_allclose(got, want, atol=2e-5)


def test_a_reshape_other_than_a_row_to_a_sequence_is_refused():
    import keras
    from keras import layers

    inp = keras.Input((4, 4, 2))
    out = layers.Conv1D(3, 3)(layers.Reshape((-1, 2), name="flat")(inp))
    with pytest.raises(ValueError, match="flat"):
        conv_graph(keras.Model(inp, out))
