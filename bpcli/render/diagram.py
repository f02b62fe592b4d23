"""The network as an SVG picture, drawn from the narration's data (``Explanation.layers``): the
forward pass left to right above, one box per layer (number, type, size, activation, output
shape) with the tensors between them drawn as what they are (a stack of feature maps C × H × W,
or a column of n units) and named (X, A⁽¹⁾, …); the backward pass below as return arrows from
the loss back to X, named by the gradients they carry (dA⁽ˡ⁾ at each tensor, dZ⁽ˡ⁾ through each
layer with an activation).

Plain SVG 1.1 written as text: no script, no font or image to fetch; it scales with the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bpcli.formatting import shape_text
from bpcli.narrate.model import Explanation, LayerRow
from bpcli.narrate.notation import symbol

TENSOR_WIDTH = 84
BOX_WIDTH = 108
BOX_HEIGHT = 62
LOSS_WIDTH = 86
GAP = 24  # the arrow between two nodes
FORWARD_Y = 78  # the middle of the forward row
BACKWARD_Y = 158
HEIGHT = 196
MAX_MAPS = 4  # feature maps drawn per stack; more are written in the size below
MAP_OFFSET = 5

BOX_FILL = {"dense": "#e8f0fe", "conv2d": "#e6f4ea", "maxpool": "#fef7e0", "avgpool": "#fef7e0",
            "flatten": "#f1f3f4", "batchnorm": "#f3e8fd"}
FORWARD_COLOUR = "#444"
BACKWARD_COLOUR = "#b3261e"


def sample_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """One sample's part of a tensor: (C, H, W) of image data (C = 1 for X given m × H × W), (n,)
    of column data n × m."""
    if len(shape) == 4:
        return tuple(shape[1:])
    if len(shape) == 3:
        return (1,) + tuple(shape[1:])
    return (shape[0],) if shape else ()


@dataclass
class Node:
    """A box or a tensor of the picture: ``x`` its left edge, ``width``, and the SVG it draws."""

    x: float
    width: float
    svg: str
    backward_label: str = ""

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "middle", fit: float | None = None) -> str:
    """A text centred at (x, y); with ``fit``, squeezed into that width when it is too long for
    it at 12 px (about 6.5 px a character: '16@3×3/2 p1 sigmoid' in a layer's box)."""
    attrs = f' class="{css}"' if css else ""
    if fit is not None and len(text) * 6.5 > fit:
        attrs += f' textLength="{fit:.0f}" lengthAdjust="spacingAndGlyphs"'
    return f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}"{attrs}>{escape(text)}</text>'


def _feature_maps(centre: float, shape: tuple[int, int, int]) -> str:
    """A stack of min(C, 4) squares sized by H and W, the front one last (on top)."""
    channels, height, width = shape
    h = min(16 + 5 * height, 52)
    w = min(16 + 5 * width, 52)
    count = min(channels, MAX_MAPS)
    span = w + MAP_OFFSET * (count - 1)
    left, top = centre - span / 2, FORWARD_Y - (h + MAP_OFFSET * (count - 1)) / 2
    maps = []
    for k in reversed(range(count)):
        maps.append(f'<rect x="{left + MAP_OFFSET * k:.1f}" y="{top + MAP_OFFSET * (count - 1 - k):.1f}" '
                    f'width="{w}" height="{h}" class="map"/>')
    return "".join(maps)


def _column(centre: float, units: int) -> str:
    """A column of ``units`` cells (a bar, when there are too many to draw)."""
    shown = min(units, 8)
    cell = 8 if units <= 8 else 56 / shown
    height = cell * shown if units <= 8 else 56
    top = FORWARD_Y - height / 2
    cells = "".join(f'<rect x="{centre - 5:.1f}" y="{top + cell * k:.1f}" width="10" height="{cell:.1f}" class="unit"/>'
                    for k in range(shown)) if units <= 8 else \
        f'<rect x="{centre - 5:.1f}" y="{top:.1f}" width="10" height="{height:.1f}" class="unit"/>'
    return cells


def _tensor(x: float, name: str, gradient: str, shape: tuple[int, ...]) -> Node:
    one = sample_shape(shape)
    centre = x + TENSOR_WIDTH / 2
    picture = _feature_maps(centre, one) if len(one) == 3 else _column(centre, one[0])
    svg = (f'<g class="tensor">{picture}{_text(centre, 28, name, "name")}'
           f'{_text(centre, 124, shape_text(one), "size")}</g>')
    return Node(x, TENSOR_WIDTH, svg, gradient)


def _box(x: float, row: LayerRow) -> Node:
    fill = BOX_FILL.get(row.kind, "#f1f3f4")
    top = FORWARD_Y - BOX_HEIGHT / 2
    centre = x + BOX_WIDTH / 2
    second = " ".join(part for part in (row.size, row.activation) if part)
    lines = [_text(centre, top + 17, f"{row.index} · {row.kind}", "kind")]
    if second:
        lines.append(_text(centre, top + 34, second, fit=BOX_WIDTH - 8))
    lines.append(_text(centre, top + 51, "→ " + shape_text(sample_shape(row.output_shape)), "size"))
    svg = (f'<g class="layer"><rect x="{x}" y="{top}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="7" '
           f'fill="{fill}" class="box"/>{"".join(lines)}</g>')
    gradient = symbol("dZ", row.index).text if row.activation else ""
    return Node(x, BOX_WIDTH, svg, gradient)


def _loss(x: float, loss: str, last: str) -> Node:
    top = FORWARD_Y - BOX_HEIGHT / 2
    centre = x + LOSS_WIDTH / 2
    svg = (f'<g class="loss"><rect x="{x}" y="{top}" width="{LOSS_WIDTH}" height="{BOX_HEIGHT}" rx="7" '
           f'fill="#fce8e6" class="box"/>{_text(centre, top + 24, "J", "kind")}'
           f'{_text(centre, top + 42, f"{loss}({last}, Y)")}</g>')
    return Node(x, LOSS_WIDTH, svg)


def _arrow(x1: float, x2: float, y: float, marker: str, css: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y}" x2="{x2:.1f}" y2="{y}" class="{css}" marker-end="url(#{marker})"/>'


def one_line(input_shape: tuple[int, ...], layers: list[LayerRow], loss: str) -> str:
    """The picture in words (its accessible name): 'X 1×4×4 → 1 conv2d 1@2×2 relu → 1×3×3 → …'."""
    parts = [f"X {shape_text(sample_shape(input_shape))}"]
    for row in layers:
        parts.append(" ".join(p for p in (str(row.index), row.kind, row.size, row.activation or "") if p))
        parts.append(shape_text(sample_shape(row.output_shape)))
    return " → ".join(parts + [f"J ({loss})"])


def explanation_svg(explanation: Explanation, id_prefix: str = "") -> str:
    """The diagram of an explained network."""
    return network_svg(explanation.input_shape, explanation.layers, explanation.loss, id_prefix)


def network_svg(input_shape: tuple[int, ...], layers: list[LayerRow], loss: str, id_prefix: str = "") -> str:
    """The diagram as an inline ``<svg>`` element: X of ``input_shape``, the ``layers``, the
    ``loss`` by name (``id_prefix`` keeps its marker ids apart from another diagram's on the same
    page, as in a notebook)."""
    nodes: list[Node] = []
    x = 8.0

    def place(node: Node) -> None:
        nonlocal x
        nodes.append(node)
        x = node.x + node.width + GAP

    place(_tensor(x, "X", "dX", input_shape))
    for row in layers:
        place(_box(x, row))
        place(_tensor(x, symbol("A", row.index).text, symbol("dA", row.index).text, row.output_shape))
    last = symbol("A", layers[-1].index).text if layers else "X"
    place(_loss(x, loss, last))
    width = x - GAP + 8
    forward_marker, backward_marker = f"{id_prefix}fwd", f"{id_prefix}bwd"
    arrows = []
    for left, right in zip(nodes, nodes[1:]):
        arrows.append(_arrow(left.x + left.width - 2, right.x + 2, FORWARD_Y, forward_marker, "forward"))
        arrows.append(_arrow(right.centre - 6, left.centre + 6, BACKWARD_Y, backward_marker, "backward"))
    labels = [_text(node.centre, BACKWARD_Y + 22, node.backward_label, "gradient") for node in nodes if node.backward_label]
    label = escape(one_line(input_shape, layers, loss))
    defs = "".join(
        f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        for name, colour in ((forward_marker, FORWARD_COLOUR), (backward_marker, BACKWARD_COLOUR)))
    # an inline SVG's style sheet applies to the whole page: every rule is kept to this picture
    rules = {".forward": f"stroke:{FORWARD_COLOUR};stroke-width:1.6",
             ".backward": f"stroke:{BACKWARD_COLOUR};stroke-width:1.4;stroke-dasharray:5 3",
             ".box": "stroke:#5f6368;stroke-width:1", ".map": "fill:#d2e3fc;stroke:#1a73e8;stroke-width:1",
             ".unit": "fill:#d2e3fc;stroke:#1a73e8;stroke-width:0.8", "text": "font-size:12px;fill:#202124",
             ".kind": "font-weight:bold", ".name": "font-size:14px;font-weight:bold", ".size": "fill:#5f6368",
             ".gradient": f"fill:{BACKWARD_COLOUR};font-size:13px"}
    style = "".join(f"svg.network {selector}{{{rule}}}" for selector, rule in rules.items())
    return (f'<svg class="network" viewBox="0 0 {width:.0f} {HEIGHT}" width="{width:.0f}" height="{HEIGHT}" '
            f'role="img" aria-label="{label}" style="width:100%;min-width:{0.7 * width:.0f}px;max-width:{width:.0f}px;'
            f'height:auto"><title>{label}</title><defs>{defs}</defs><style>{style}</style>'
            + "".join(node.svg for node in nodes) + "".join(arrows) + "".join(labels) + "</svg>")
