"""Text 003's least squares beside bpcli's columns: when the loss is sse on a linear output, the
last layer is linear regression, J = ‖X w − y‖² with one sample per row (X_text = A_prevᵀ,
w = Wᵀ, y = Yᵀ). The step writes that J and ∇J = 2 X_textᵀ(X_text w − y) on the numbers and
shows them equal to the loss and to dWᵀ (and ∂J/∂X_text = 2(X_text w − y) wᵀ to dXᵀ for layer 1).
"""

from __future__ import annotations

import numpy as np

from bpcli.narrate.context import Context
from bpcli.narrate.expr import ONES_M, Atom, J, Norm, Number, alongside, atom, partial
from bpcli.narrate.model import IdentityCheck, Step
from bpcli.narrate.notation import derived, plain, symbol

X_TEXT = Atom(r"X_{\text{text}}", "X_text")
W_TEXT, Y_TEXT = atom("w"), atom("y")


def applies(ctx: Context) -> bool:
    """sse on a dense linear output: the last layer is text 003's linear regression."""
    last = ctx.last.layer
    return ctx.network.loss == "sse" and last.kind == "dense" and last.activation == "linear"


def least_squares_step(ctx: Context) -> Step:
    record = ctx.last
    layer, L = record.layer, record.layer.index
    A_prev = ctx.layer_input(record)
    X_rows, w, y = A_prev.T, layer.W.T, ctx.network.Y.T
    with_bias = bool(np.any(layer.b))
    residual_value = X_rows @ w + (layer.b.T if with_bias else 0) - y
    gradient_w = 2 * X_rows.T @ residual_value
    A, W, Z, dW = symbol("A", L - 1), symbol("W", L), symbol("Z", L), symbol("dW", L)
    fitted = X_TEXT @ W_TEXT + ONES_M @ symbol("b", L).T if with_bias else X_TEXT @ W_TEXT
    residual = fitted - Y_TEXT
    derivation = [
        alongside(alongside(X_TEXT.eq(A.T), W_TEXT.eq(W.T)), Y_TEXT.eq(plain("Y").T)),
        J.eq(Norm(residual) ** 2, residual.T @ residual, Number(float(np.sum(residual_value ** 2)))),
        partial(J, W_TEXT).eq(2 @ X_TEXT.T @ residual, 2 @ A @ (Z - plain("Y")).T, dW.T),
    ]
    checks = [IdentityCheck(ctx.say("check.least_squares_loss"), float(np.sum(residual_value ** 2)), ctx.run.loss),
              IdentityCheck(ctx.say("check.least_squares_gradient", name=f"{dW.text}ᵀ"), gradient_w, record.dW.T)]
    if L == 1:
        dX = symbol("dA", 0)
        derivation.append(partial(J, X_TEXT).eq(2 @ residual @ W_TEXT.T, dX.T))
        checks.append(IdentityCheck(ctx.say("check.least_squares_input", name=f"{dX.text}ᵀ"),
                                    2 * residual_value @ w.T, ctx.run.dX.T))
    explanation = [ctx.say("least_squares.rows", A=A.text, W=W.text),
                   ctx.say("least_squares.gradient", dW=dW.text)]
    return Step(
        section="backward", title=ctx.say("title.least_squares"), explanation=explanation,
        formula=partial(J, W_TEXT).eq(2 @ X_TEXT.T @ residual),
        operands=[derived("X_text", X_TEXT).tensor(X_rows), derived("w", W_TEXT).tensor(w),
                  derived("y", Y_TEXT).tensor(y), derived("residual", residual).tensor(residual_value)],
        result=derived("grad_w", partial(J, W_TEXT)).tensor(gradient_w), layer=L,
        derivation=derivation, checks=checks)
