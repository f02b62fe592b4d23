"""2-D convolution layer (cross-correlation, as deep-learning libraries define it) on image data.

Z[n, f, y, x] = b[f] + sum_{c, i, j} W[f, c, i, j] * P[n, c, s*y + i, s*x + j],
where P is A_prev zero-padded by p on every side and s is the stride.
Output size: Ho = (H + 2p - kh) // s + 1, Wo = (W + 2p - kw) // s + 1.

The forward pass gathers every receptive field into one matrix (im2col) and does one matrix
product; the backward pass reuses that matrix for dW and scatters the columns back (col2im) with
one strided add per kernel offset, which is much faster than np.add.at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.lib.stride_tricks import as_strided

from bpcli.core.buffers import Buffer
from bpcli.core.layer import Description, LayerBase

if TYPE_CHECKING:
    from bpcli.spec import LayerSpec


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


@dataclass
class ConvCache:
    cols: np.ndarray  # (C*kh*kw, m*Ho*Wo) im2col matrix of the padded input
    input_shape: tuple[int, int, int, int]  # (m, C, H, W)


@dataclass
class Conv2D(LayerBase):
    """A conv2d layer.

    W: (F, C, kh, kw), b: (F,). Input A_prev: (m, C, H, W); output Z: (m, F, Ho, Wo).
    The activation is applied by the network run, not here.
    """

    index: int
    filters: int
    kernel_h: int
    kernel_w: int
    stride: int
    padding: int
    activation: str
    W: np.ndarray
    b: np.ndarray
    kind = "conv2d"
    KEYS: ClassVar[tuple[str, ...]] = ("type", "filters", "kernel", "stride", "padding", "activation", "W", "b")
    LAYOUT: ClassVar[str] = "images"

    @classmethod
    def from_spec(cls, spec: LayerSpec) -> Conv2D:
        """A conv2d layer from its entry in the network file; W drawn when not given, b 0."""
        filters = spec.integer("filters", "the number of filters")
        kernel = spec.mapping.get("kernel")
        if kernel is None:
            spec.error("kernel", "missing key 'kernel': the kernel size, k or [kh, kw]", "missing_key")
        if isinstance(kernel, list):
            if len(kernel) != 2:
                spec.error("kernel", f"kernel must be k or [kh, kw], found a list of {len(kernel)}", "wrong_type")
            kh = spec.integer("kernel", "the kernel height", value=kernel[0])
            kw = spec.integer("kernel", "the kernel width", value=kernel[1])
        else:
            kh = kw = spec.integer("kernel", "the kernel size, k or [kh, kw]")
        stride = spec.integer("stride", "how far the kernel moves", default=1)
        padding = spec.integer("padding", "zeros added on every side", default=0, minimum=0)
        _, C, H, W_in = spec.input_shape
        if kh > H + 2 * padding or kw > W_in + 2 * padding:
            spec.error("kernel", f"the kernel {kh} × {kw} is larger than its padded input "
                       f"{H + 2 * padding} × {W_in + 2 * padding} ({spec.source} outputs "
                       f"{spec.shape_text(spec.input_shape)}, padding {padding})", "kernel_too_large")
        shape = (filters, C, kh, kw)
        number = spec.number
        spec.count(shape, f"W of layer {number}", key="W")
        channels = f"its input has {C} channel{'s' if C != 1 else ''}"
        W = spec.tensor("W", shape, f"layer {number} has {filters} filter{'s' if filters != 1 else ''} of "
                        f"{kh} × {kw} and {channels}", (4,), f"W of layer {number}")
        b = spec.tensor("b", (filters,), f"layer {number} has {filters} filters (b is a flat list, one per "
                        "filter)", (1,), f"b of layer {number}")
        if W is None:
            W = spec.weights(shape, C * kh * kw)
        if b is None:
            b = np.zeros(filters)
        layer = cls(index=number, filters=filters, kernel_h=kh, kernel_w=kw, stride=stride, padding=padding,
                    activation=spec.activation(), W=W, b=b)
        spec.count_buffers(layer)
        return layer

    def parameters(self) -> dict[str, np.ndarray]:
        return {"W": self.W, "b": self.b}

    def describe(self) -> Description:
        return Description(self.kind, f"{self.filters}@{self.kernel_h}×{self.kernel_w}", self.activation)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(m, C, H, W) -> (m, F, Ho, Wo)."""
        m, _, H, W = input_shape
        return (m, self.filters, output_size(H, self.kernel_h, self.stride, self.padding),
                output_size(W, self.kernel_w, self.stride, self.padding))

    def buffers(self, input_shape: tuple[int, ...]) -> list[Buffer]:
        """The arrays a pass on ``input_shape`` allocates: the zero-padded input (also the shape
        of the backward pass's col2im accumulator) and the im2col matrix (kept in the cache for
        dW; its gradient, of the same shape, is freed within the backward pass)."""
        m, C, H, W = input_shape
        _, _, Ho, Wo = self.output_shape(input_shape)
        p = self.padding
        return [Buffer("the zero-padded input", (m, C, H + 2 * p, W + 2 * p), kept=False),
                Buffer("the im2col matrix", (C * self.kernel_h * self.kernel_w, m * Ho * Wo), kept=True)]

    def _padded(self, A_prev: np.ndarray) -> np.ndarray:
        p = self.padding
        if p == 0:
            return np.ascontiguousarray(A_prev)
        m, C, H, W = A_prev.shape
        # a zeroed buffer and a slice assignment: np.pad costs ~30x more on small tensors
        padded = np.zeros((m, C, H + 2 * p, W + 2 * p))
        padded[:, :, p:p + H, p:p + W] = A_prev
        return padded

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, ConvCache]:
        """Z = W ⋆ A_prev + b. A_prev: (m, C, H, W) -> Z: (m, F, Ho, Wo)."""
        m, C, H, W = A_prev.shape
        kh, kw, s = self.kernel_h, self.kernel_w, self.stride
        _, F, Ho, Wo = self.output_shape(A_prev.shape)
        padded = self._padded(A_prev)
        sm, sc, sh, sw = padded.strides
        windows = as_strided(padded, shape=(C, kh, kw, m, Ho, Wo),
                             strides=(sc, sh, sw, sm, sh * s, sw * s), writeable=False)
        cols = windows.reshape(C * kh * kw, m * Ho * Wo)
        Z_filter_major = self.W.reshape(F, -1) @ cols  # (F, m*Ho*Wo)
        Z_filter_major += self.b[:, None]
        # a transposed view: later element-wise steps keep this layout, so no copy is made
        Z = Z_filter_major.reshape(F, m, Ho, Wo).transpose(1, 0, 2, 3)
        return Z, ConvCache(cols, (m, C, H, W))

    def backward(self, dZ: np.ndarray, cache: ConvCache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Gradients from dZ: (m, F, Ho, Wo).

        dA_prev (m, C, H, W) = the full correlation of the stride-dilated dZ with ROT180(W),
        computed here as col2im of W^T dZ; the gradients {"W": dW = A_prev ⋆ dZ (F, C, kh, kw),
        "b": db = dZ summed over samples and positions (F,)}.
        """
        m, C, H, W = cache.input_shape
        F, kh, kw, s, p = self.filters, self.kernel_h, self.kernel_w, self.stride, self.padding
        Ho, Wo = dZ.shape[2], dZ.shape[3]
        dZ_filter_major = dZ.transpose(1, 0, 2, 3).reshape(F, m * Ho * Wo)
        dW = (dZ_filter_major @ cache.cols.T).reshape(F, C, kh, kw)
        db = dZ_filter_major.sum(axis=1)
        dcols = (self.W.reshape(F, -1).T @ dZ_filter_major).reshape(C, kh, kw, m, Ho, Wo)
        d_padded = np.zeros((m, C, H + 2 * p, W + 2 * p))
        for i in range(kh):
            for j in range(kw):
                d_padded[:, :, i:i + s * (Ho - 1) + 1:s, j:j + s * (Wo - 1) + 1:s] += \
                    dcols[:, i, j].transpose(1, 0, 2, 3)
        dA_prev = d_padded[:, :, p:p + H, p:p + W] if p else d_padded
        return dA_prev, {"W": dW, "b": db}
