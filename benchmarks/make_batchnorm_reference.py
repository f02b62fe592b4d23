"""Write tests/data/batchnorm_reference.json: batch normalisation computed by PyTorch (float64).

    python benchmarks/make_batchnorm_reference.py      # needs torch (pip install torch==2.13.0)

An independent reference for bpcli's core (tests/test_batchnorm.py reads the file and never needs
torch). Each case draws, from a fixed numpy seed, an input x in bpcli's layout (column data
n × m, or image data m × C × H × W), γ, β, eps and an upstream gradient dZ; PyTorch computes
Z = F.batch_norm(x, None, None, γ, β, training=True, eps=eps), on xᵀ (m × n) for column data as
CONVENTIONS.md says, and, with autograd on J = Σ dZ ⊙ Z, the gradients dX, dγ, dβ. Everything is
written back in bpcli's layout and shapes (γ, β, dγ, dβ: n × 1 or C), as shortest round-trip
floats, so the inputs are read back exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUTPUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "batchnorm_reference.json"
SEED = 13

#: (name, layout, shape of x in bpcli's layout): m = 2 … 16, after dense (column) and conv (image)
CASES = [
    ("column_n1_m2", "column", (1, 2)),
    ("column_n3_m4", "column", (3, 4)),
    ("column_n2_m7", "column", (2, 7)),
    ("column_n4_m16", "column", (4, 16)),
    ("column_constant_unit_m5", "column", (3, 5)),
    ("column_large_values_m6", "column", (2, 6)),
    ("image_m2_c1_1x1", "image", (2, 1, 1, 1)),
    ("image_m2_c2_2x3", "image", (2, 2, 2, 3)),
    ("image_m4_c3_3x3", "image", (4, 3, 3, 3)),
    ("image_m9_c2_2x2", "image", (9, 2, 2, 2)),
    ("image_m16_c1_2x1", "image", (16, 1, 2, 1)),
]


def draw_case(rng: np.random.Generator, name: str, layout: str, shape: tuple[int, ...]) -> dict:
    units = shape[0] if layout == "column" else shape[1]
    x = rng.normal(size=shape) * rng.uniform(0.5, 3.0) + rng.normal()
    if "constant_unit" in name:
        x[1, :] = 0.1  # σ² = 0 for this unit
    if "large_values" in name:
        x = x * 1e6 + 3e6
    gamma = rng.normal(size=units) * 1.5
    beta = rng.normal(size=units)
    eps = float(10.0 ** rng.uniform(-5, -1))
    dZ = rng.normal(size=shape)
    return {"name": name, "layout": layout, "x": x, "gamma": gamma, "beta": beta, "eps": eps, "dZ": dZ}


def torch_batchnorm(case: dict) -> dict:
    import torch
    import torch.nn.functional as F

    column = case["layout"] == "column"
    # PyTorch's batch axis comes first: column data (n × m) is given as xᵀ (m × n)
    x = torch.tensor(case["x"].T if column else case["x"], dtype=torch.float64, requires_grad=True)
    gamma = torch.tensor(case["gamma"], dtype=torch.float64, requires_grad=True)
    beta = torch.tensor(case["beta"], dtype=torch.float64, requires_grad=True)
    upstream = torch.tensor(case["dZ"].T if column else case["dZ"], dtype=torch.float64)
    Z = F.batch_norm(x, None, None, gamma, beta, training=True, eps=case["eps"])
    (Z * upstream).sum().backward()
    as_bpcli = (lambda t: t.detach().numpy().T) if column else (lambda t: t.detach().numpy())
    per_unit = (lambda t: t.detach().numpy().reshape(-1, 1)) if column else (lambda t: t.detach().numpy())
    return {"Z": as_bpcli(Z), "dX": as_bpcli(x.grad), "dgamma": per_unit(gamma.grad),
            "dbeta": per_unit(beta.grad)}


def main() -> None:
    import torch

    rng = np.random.default_rng(SEED)
    cases = []
    for name, layout, shape in CASES:
        case = draw_case(rng, name, layout, shape)
        outputs = torch_batchnorm(case)
        if layout == "column":
            case["gamma"] = case["gamma"].reshape(-1, 1)
            case["beta"] = case["beta"].reshape(-1, 1)
        case.update(outputs)
        cases.append({key: value.tolist() if isinstance(value, np.ndarray) else value
                      for key, value in case.items()})
    write_cases(OUTPUT, "benchmarks/make_batchnorm_reference.py", torch.__version__, cases)


def write_cases(output: Path, generator: str, torch_version: str, cases: list[dict]) -> None:
    """The reference file: who made it with which torch call, then one case per line (a
    regenerated file diffs case by case)."""
    document = {"generator": generator, "torch": torch_version,
                "call": "torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)"}
    output.parent.mkdir(parents=True, exist_ok=True)
    header = json.dumps(document)[:-1]
    lines = ",\n".join(json.dumps(case) for case in cases)
    output.write_text(f'{header}, "cases": [\n{lines}\n]}}\n', encoding="utf-8")
    print(f"wrote {len(cases)} cases to {output}")


if __name__ == "__main__":
    main()
