"""Write tests/data/batchnorm_networks.json: whole networks with batch normalisation, computed by
PyTorch (float64), as an independent reference for bpcli's run (tests/test_batchnorm_network.py).

    python benchmarks/make_batchnorm_networks.py      # needs torch (pip install torch==2.13.0)

Each case is a network file's mapping (every W, b, γ and β given, so nothing depends on bpcli's
initialisation) drawn from a fixed numpy seed: batchnorm after dense layers (column data) and
after conv layers (images), m = 2 … 16, with the losses and activations bpcli knows. PyTorch
computes the forward pass from the same numbers with its own operators (F.batch_norm in training
mode on Aᵀ for column data and on A for images, as CONVENTIONS.md says; F.conv2d, F.max_pool2d,
logits-based losses) and the gradients with autograd. The expected tensors are written in bpcli's
layout as shortest round-trip floats: J, and per layer Z, A, dZ, the parameter gradients, dA
(where A lies on the path to J: not for the output of sigmoid + bce or softmax + softmax_ce, whose
J is computed from the logits), and dX.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from make_batchnorm_reference import write_cases  # run as a script: benchmarks/ is on sys.path

OUTPUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "batchnorm_networks.json"
SEED = 1313


def _values(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> list:
    return (rng.normal(size=shape) * scale).tolist()


def _batchnorm(rng: np.random.Generator, units: int, columns: bool, activation: str) -> dict:
    shape = (units, 1) if columns else (units,)
    return {"type": "batchnorm", "activation": activation, "gamma": (1 + 0.5 * rng.normal(size=shape)).tolist(),
            "beta": _values(rng, shape, 0.5), "eps": float(10.0 ** rng.uniform(-5, -1))}


def _output(rng: np.random.Generator, loss: str, n_out: int, m: int) -> tuple[str, list]:
    """The last activation and Y for LOSS."""
    if loss == "bce":
        return "sigmoid", (rng.random((n_out, m)) > 0.5).astype(float).tolist()
    if loss == "softmax_ce":
        return "softmax", np.eye(n_out)[:, rng.integers(0, n_out, m)].tolist()
    return "linear", _values(rng, (n_out, m))


def dense_case(rng: np.random.Generator, name: str, m: int, loss: str) -> dict:
    """dense → batchnorm → dense (→ batchnorm → dense), column data."""
    sizes = [int(rng.integers(1, 4))] + [int(rng.integers(1, 5)) for _ in range(2)]
    n_out = 3 if loss == "softmax_ce" else int(rng.integers(1, 3))
    last, Y = _output(rng, loss, n_out, m)
    layers = []
    for position, units in enumerate(sizes[1:]):
        layers.append({"type": "dense", "units": units, "activation": str(rng.choice(["linear", "tanh"])),
                       "W": _values(rng, (units, sizes[position]), 0.8), "b": _values(rng, (units, 1), 0.3)})
        layers.append(_batchnorm(rng, units, True, str(rng.choice(["relu", "tanh", "sigmoid", "linear"]))))
    layers.append({"type": "dense", "units": n_out, "activation": last, "W": _values(rng, (n_out, sizes[-1]), 0.8),
                   "b": _values(rng, (n_out, 1), 0.3)})
    X = rng.normal(size=(sizes[0], m)) * rng.uniform(0.5, 2.0) + rng.normal()
    return {"name": name, "network": {"input": {"X": X.tolist(), "Y": Y}, "layers": layers, "loss": loss}}


def conv_case(rng: np.random.Generator, name: str, m: int, loss: str, pool: bool) -> dict:
    """conv2d → batchnorm (per channel) [→ maxpool] → flatten → dense, image data."""
    C, H, W = int(rng.integers(1, 3)), int(rng.integers(3, 5)), int(rng.integers(3, 5))
    filters, kernel, padding = int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
    Ho, Wo = H + 2 * padding - kernel + 1, W + 2 * padding - kernel + 1
    layers = [{"type": "conv2d", "filters": filters, "kernel": kernel, "stride": 1, "padding": padding,
               "activation": str(rng.choice(["linear", "tanh"])), "W": _values(rng, (filters, C, kernel, kernel), 0.6),
               "b": _values(rng, (filters,), 0.3)},
              # relu before a max pool would tie windows at 0, where libraries route the gradient differently
              _batchnorm(rng, filters, False, str(rng.choice(["tanh", "linear"] if pool else ["relu", "tanh", "linear"])))]
    if pool:
        layers.append({"type": "maxpool", "size": 2})
        Ho, Wo = Ho // 2, Wo // 2
    n_out = 3 if loss == "softmax_ce" else 1
    last, Y = _output(rng, loss, n_out, m)
    layers += [{"type": "flatten"},
               {"type": "dense", "units": n_out, "activation": last, "W": _values(rng, (n_out, filters * Ho * Wo), 0.4),
                "b": _values(rng, (n_out, 1), 0.3)}]
    X = rng.normal(size=(m, C, H, W))
    return {"name": name, "network": {"input": {"X": X.tolist(), "Y": Y}, "layers": layers, "loss": loss}}


def torch_reference(network: dict) -> dict:
    """J, the tensors of every layer and dX, from PyTorch's own operators and autograd."""
    import torch
    import torch.nn.functional as F

    def tensor(value, grad: bool = True):
        return torch.tensor(np.asarray(value, dtype=float), dtype=torch.float64, requires_grad=grad)

    activation = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
                  "softmax": lambda z: torch.softmax(z, dim=0)}
    X = tensor(network["input"]["X"])
    Y = tensor(network["input"]["Y"], grad=False)
    m = Y.shape[1]
    A, records = X, []
    for spec in network["layers"]:
        kind, record = spec["type"], {}
        if kind == "dense":
            W, b = tensor(spec["W"]), tensor(spec["b"])
            out, record["parameters"] = W @ A + b, {"W": W, "b": b}
        elif kind == "conv2d":
            W, b = tensor(spec["W"]), tensor(spec["b"])
            out = F.conv2d(A, W, b, stride=spec["stride"], padding=spec["padding"])
            record["parameters"] = {"W": W, "b": b}
        elif kind == "batchnorm":
            gamma, beta = tensor(spec["gamma"]), tensor(spec["beta"])
            columns = A.dim() == 2
            x = A.T if columns else A
            normalised = F.batch_norm(x, None, None, gamma.reshape(-1), beta.reshape(-1), training=True,
                                      eps=spec["eps"])
            out, record["parameters"] = (normalised.T if columns else normalised), {"gamma": gamma, "beta": beta}
        elif kind == "maxpool":
            out = F.max_pool2d(A, spec["size"])
        else:  # flatten
            out = A.reshape(A.shape[0], -1).T
        if "activation" in spec:
            record["Z"] = out
            out.retain_grad()
            A = activation[spec["activation"]](out)
        else:
            A = out
        A.retain_grad()
        record["A"] = A
        records.append(record)
    Z_last = records[-1]["Z"]
    if network["loss"] == "bce":
        J = F.binary_cross_entropy_with_logits(Z_last, Y, reduction="sum") / m
    elif network["loss"] == "softmax_ce":
        J = -(Y * torch.log_softmax(Z_last, dim=0)).sum() / m
    elif network["loss"] == "mse":
        J = ((A - Y) ** 2).sum() / (2 * m)
    else:
        J = ((A - Y) ** 2).sum()
    J.backward()
    logits_loss = network["loss"] in ("bce", "softmax_ce")
    layers = []
    for index, record in enumerate(records, start=1):
        entry = {"index": index, "A": record["A"].detach().numpy().tolist()}
        if "Z" in record:
            entry["Z"] = record["Z"].detach().numpy().tolist()
            entry["dZ"] = record["Z"].grad.numpy().tolist()
        if not (logits_loss and index == len(records)):
            entry["dA"] = record["A"].grad.numpy().tolist()
        for name, value in record.get("parameters", {}).items():
            entry[f"d{name}"] = value.grad.numpy().tolist()
        layers.append(entry)
    return {"loss": J.item(), "layers": layers, "dX": X.grad.numpy().tolist()}


def main() -> None:
    import torch

    rng = np.random.default_rng(SEED)
    cases = []
    losses = ["mse", "bce", "softmax_ce", "sse"]
    for k, m in enumerate((2, 3, 4, 5, 7, 8, 11, 16)):
        cases.append(dense_case(rng, f"dense_m{m}_{losses[k % 4]}", m, losses[k % 4]))
    for k, m in enumerate((2, 3, 4, 6, 9, 16)):
        loss = losses[(k + 1) % 4]
        cases.append(conv_case(rng, f"conv_m{m}_{loss}{'_maxpool' if k % 2 else ''}", m, loss, pool=bool(k % 2)))
    for case in cases:
        case["expected"] = torch_reference(case["network"])
    write_cases(OUTPUT, "benchmarks/make_batchnorm_networks.py", torch.__version__, cases)


if __name__ == "__main__":
    main()
