"""bpcli.narrate.expr: one expression tree, printed to LaTeX and to Unicode.

Every expected string below is written by hand from the notation of the texts (CONVENTIONS.md):
juxtaposition for matrix products, · for scalar products, ⊙ ⊗ ⋆, ᵀ, ∂J/∂Z, Σ with its index,
parentheses only where precedence asks for them. The last tests print every formula of every
bundled exercise in every method and check the LaTeX is well formed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import bpcli
from bpcli.narrate.expr import (D, IDENTITY, LATEX, LOG, ONE, ONES_M, TEXT, TR, VEC, E, J, Scaled, Sub, atom, brackets, continued, frac, function, hadamard, kron, m, partial, sqrt, sum_over)
from bpcli.narrate.methods import METHOD_NAMES
from bpcli.narrate.model import WorkedEntry
from bpcli.narrate.notation import spelled, symbol

A, B, C, Y, Z, W = (atom(name) for name in "ABCYZW")
EXERCISES = sorted((Path(bpcli.__file__).parent / "exercises").glob("*.yaml"))


def both(expr) -> tuple[str, str]:
    return expr.text, expr.latex


def test_a_layer_symbol_prints_its_layer_in_both_notations():
    Z1, W1, b1, X = symbol("Z", 1), symbol("W", 1), symbol("b", 1), symbol("A", 0)
    assert both(Z1.eq(W1 @ X + b1)) == ("Z⁽¹⁾ = W⁽¹⁾ X + b⁽¹⁾", "Z^{(1)} = W^{(1)} X + b^{(1)}")
    assert both(symbol("dW", 2).eq(symbol("dZ", 2) @ symbol("A", 1).T)) == (
        "dW⁽²⁾ = dZ⁽²⁾ A⁽¹⁾ᵀ", r"dW^{(2)} = dZ^{(2)} {A^{(1)}}^\top")


def test_batchnorm_names_are_written_as_the_texts_write_them():
    # grading says gamma3 and dvar3; formulas say γ⁽³⁾ and dσ²⁽³⁾, tables of parameters γ3
    assert both(symbol("dgamma", 3)) == ("dγ⁽³⁾", r"d\gamma^{(3)}") and symbol("dgamma", 3).name == "dgamma3"
    assert both(symbol("var", 2)) == ("σ²⁽²⁾", r"{\sigma^{2}}^{(2)}") and symbol("dvar", 2).text == "dσ²⁽²⁾"
    assert symbol("db", 1).text == "db⁽¹⁾" and symbol("dA", 0).text == "dX"
    assert [spelled(name) for name in ("gamma2", "beta", "W1", "b12", "X")] == ["γ2", "β", "W1", "b12", "X"]


@pytest.mark.parametrize("expr, text, latex", [
    # a difference on the right of a difference keeps its parentheses; on the left it needs none
    (A - (B - C), "A − (B − C)", "A - (B - C)"),
    ((A - B) - C, "A − B − C", "A - B - C"),
    (A + B @ C, "A + B C", "A + B C"),
    ((A + B) @ C, "(A + B) C", "(A + B) C"),
    ((A + B).T, "(A + B)ᵀ", r"(A + B)^\top"),
    ((A @ B).T, "(A B)ᵀ", r"(A B)^\top"),
    (-(A + B), "−(A + B)", "-(A + B)"),
    # ⊙ binds less tightly than juxtaposition, so a product inside it is bare and it is wrapped inside one
    (hadamard(A, B @ C), "A ⊙ B C", r"A \odot B C"),
    (hadamard(A, B) @ C, "(A ⊙ B) C", r"(A \odot B) C"),
    (hadamard(A, 1 - A), "A ⊙ (1 − A)", r"A \odot (1 - A)"),
    (-hadamard(Y, 1 - A), "−Y ⊙ (1 − A)", r"-Y \odot (1 - A)"),
    (kron(A.T, IDENTITY).T, "(Aᵀ ⊗ I)ᵀ", r"({A}^\top \otimes I)^\top"),
    ((A - Y) ** 2, "(A − Y)²", "(A - Y)^{2}"),
    (A["i", "j"] ** 2, "A[i,j]²", "{A_{ij}}^{2}"),
    (E ** -Z, "e^(−Z)", "e^{-Z}"),
])
def test_parentheses_come_from_precedence(expr, text, latex):
    assert both(expr) == (text, latex)


@pytest.mark.parametrize("expr, text, latex", [
    # (1/m) stands against a parenthesised factor without a space, as the texts write (1/m)(A − Y)
    (frac(1, m) @ (A - Y), "(1/m)(A − Y)", r"\frac{1}{m} (A - Y)"),
    # a lopsided fraction gets spaces around its slash; a symmetric one does not
    (frac(A - Y, m), "(A − Y) / m", r"\frac{A - Y}{m}"),
    (frac(1 - Y, 1 - A), "(1 − Y)/(1 − A)", r"\frac{1 - Y}{1 - A}"),
    (-frac(Y, A), "−Y/A", r"-\frac{Y}{A}"),
    (frac(1, 1 + E ** -Z), "1 / (1 + e^(−Z))", r"\frac{1}{1 + e^{-Z}}"),
    (-frac(Y, m @ A), "−Y / (m A)", r"-\frac{Y}{m A}"),
    (frac(1, Scaled(2, m)), "1/2m", r"\frac{1}{2m}"),
    (-(frac(1, m) @ sum_over(("i", "j"), Y["i", "j"] @ LOG(A["i", "j"]))),
     "−(1/m) Σᵢⱼ Y[i,j] log A[i,j]", r"-\frac{1}{m} \sum_{i,j} Y_{ij} \log A_{ij}"),
    (LOG(1 - A), "log(1 − A)", r"\log(1 - A)"),
])
def test_fractions_and_sums(expr, text, latex):
    assert both(expr) == (text, latex)


@pytest.mark.parametrize("expr, text, latex", [
    (partial(J, Z), "∂J/∂Z", r"\frac{\partial J}{\partial Z}"),
    (partial(J, Z, small=True).T, "(∂J/∂Z)ᵀ", r"{\tfrac{\partial J}{\partial Z}}^\top"),
    (partial(J, Z) @ A.T, "∂J/∂Z Aᵀ", r"\frac{\partial J}{\partial Z} {A}^\top"),
    # · is tight between short factors and spaced around a derivative or an application
    (A["i", "j"] * B["k", "j"], "A[i,j]·B[k,j]", r"A_{ij}\,B_{kj}"),
    (partial(J, A) * function("g'", "g′")(Z), "∂J/∂A · g′(Z)", r"\frac{\partial J}{\partial A}\,g'(Z)"),
    (sum_over("j", A["i", "j"] * B["k", "j"]), "Σⱼ A[i,j]·B[k,j]", r"\sum_{j} A_{ij}\,B_{kj}"),
    (sum_over(("c", "i", "j"), W["f", "c", "i", "j"]), "Σ_c,i,j W[f,c,i,j]", r"\sum_{c,i,j} W_{f,c,i,j}"),
    # a compound index is set apart; two letters are written together in LaTeX only
    (A["n", "c", "y+i", "x+j"], "A[n,c, y+i, x+j]", r"A_{n,c,\,y+i,\,x+j}"),
    (A[":", "j"], "A[:, j]", r"A_{:,j}"),
    (A["i+1-2y"], "A[i+1−2y]", r"A_{i+1-2y}"),
    (A[0, 2], "A[0,2]", "A_{0,2}"),
    (A @ ONES_M, "A 1ₘ", r"A\,\mathbf{1}_{m}"),
    (Sub(IDENTITY, atom("3")), "I₃", "I_{3}"),
])
def test_derivatives_products_and_indices(expr, text, latex):
    assert both(expr) == (text, latex)


def test_functions_and_operators():
    G = partial(J, Z, small=True)
    assert both(TR(G.T @ D(W) @ A)) == (
        "tr((∂J/∂Z)ᵀ d(W) A)", r"\mathrm{tr}\left({\tfrac{\partial J}{\partial Z}}^\top\,\mathrm{d}(W)\,A\right)")
    # vec applies to a single name without parentheses, to anything larger with them
    assert VEC(G).text == "vec ∂J/∂Z" and VEC(D(W)).text == "vec(d(W))"
    assert (kron(A.T, IDENTITY) @ VEC(D(W))).text == "(Aᵀ ⊗ I) vec(d(W))"
    assert both(D(B) @ ONE.T) == ("d(B) 1ᵀ", r"\mathrm{d}(B)\,{\mathbf{1}}^\top")


def test_relations_chain_and_continue():
    relation = D(Z).eq(D(W) @ A).implies(atom(r"\mathrm{d}J", "dJ")).eq(TR(D(W)))
    assert relation.text == "d(Z) = d(W) A  ⇒  dJ = tr(d(W))"
    assert relation.latex == r"\mathrm{d}(Z) = \mathrm{d}(W)\,A \;\Rightarrow\; \mathrm{d}J = \mathrm{tr}(\mathrm{d}(W))"
    # a relation given to implies continues the chain instead of being wrapped
    assert A.implies(B.eq(C)).text == "A  ⇒  B = C"
    assert both(continued(A + B, C)) == ("= A + B = C", "= A + B = C")


def test_pieces_cut_at_top_level_relations_and_terms_and_join_to_the_whole():
    formula = J.eq(A - B @ (C + Y) + Z, W)
    assert formula.pieces(TEXT) == ["J", " = A", " − B (C + Y)", " + Z", " = W"]
    assert formula.pieces(LATEX) == ["J", " = A", " - B (C + Y)", " + Z", " = W"]
    for printer in (TEXT, LATEX):
        assert "".join(formula.pieces(printer)) == formula.print(printer).string
    assert continued(A, B).pieces(TEXT) == ["= A", " = B"]


def test_a_square_root_covers_its_argument_and_stays_whole():
    # √(σ² + ε): the parentheses in Unicode show how far the radical reaches; LaTeX's bar does
    root = sqrt(B + C)
    assert both(root) == ("√(B + C)", r"\sqrt{B + C}")
    assert both(frac(A - Y, m @ root)) == ("(A − Y)/(m √(B + C))", r"\frac{A - Y}{m \sqrt{B + C}}")
    assert both(frac(A, root)) == ("A / √(B + C)", r"\frac{A}{\sqrt{B + C}}")
    assert J.eq(root).pieces(TEXT) == ["J", " = √(B + C)"]  # no break inside the radical


def test_a_product_may_break_inside_its_square_brackets_but_not_its_parentheses():
    # (1/m) [ A − B − C ]: pieces before each − inside the brackets, as Σ [ … ] does; (1/m)(A − B)
    # stays whole, since a round pair (LaTeX's \left( … \right)) cannot be split across lines
    formula = J.eq(frac(1, m) @ brackets(A - B - C))
    assert formula.pieces(TEXT) == ["J", " = (1/m) [ A", " − B", " − C ]"]
    assert formula.pieces(LATEX) == ["J", r" = \frac{1}{m} \big[ A", " - B", r" - C \big]"]
    assert J.eq(frac(1, m) @ (A - B - C)).pieces(TEXT) == ["J", " = (1/m)(A − B − C)"]


def test_a_worked_entry_writes_its_numbers_with_the_precision_asked():
    # 0.5·(−2) + 1·3 = 2; negative factors in parentheses, as in the texts' worked sums
    entry = WorkedEntry(label=A[0, 1], symbolic=sum_over("j", B[0, "j"] * C[1, "j"]), terms=[(0.5, -2.0), (1.0, 3.0)],
                        total_terms=2, value=2.0, expected=2.0)
    assert entry.as_text(precision=2) == "A[0,1] = Σⱼ B[0,j]·C[1,j] = 0.50·(-2.00) + 1.00·3.00 = 2.00"
    assert entry.as_latex(precision=1) == r"A_{0,1} = \sum_{j} B_{0,j}\,C_{1,j} = 0.5 \cdot (-2.0) + 1.0 \cdot 3.0 = 2.0"
    more = WorkedEntry(A[0], B[0], [(1.0,)], 7, 4.0, 4.0)
    assert more.as_text(1, "terms") == "A[0] = B[0] = 1.0 + … (7 terms) = 4.0"
    assert more.as_latex(1, "项") == r"A_{0} = B_{0} = 1.0 + \cdots\ (7\ \text{项}) = 4.0"


def test_a_worked_sum_that_agrees_ends_in_the_results_value_not_its_rounding_noise():
    # 0.25 + 0.5 − 0.75 is 0, but 0.1 + 0.2 − 0.3 in floating point is 5.55e-17
    terms = [(0.1,), (0.2,), (-0.3,)]
    value = sum(term[0] for term in terms)
    assert value != 0
    agrees = WorkedEntry(A[0], B[0], terms, 3, value, 0.0)
    assert agrees.ok and agrees.as_text(4) == "A[0] = B[0] = 0.1000 + 0.2000 + (-0.3000) = 0.0000"
    # a sum that does not agree shows what it gives: the ✗ is then about those digits
    differs = WorkedEntry(A[0], B[0], terms, 3, value, 1.0)
    assert not differs.ok and differs.as_text(4).endswith(" = 5.551e-17")


def test_a_worked_sums_bias_is_written_last_even_when_products_are_left_out():
    """09's Z[0,0,1,0] showed four products and '… (10 terms)', the bias among the ten: the
    numbers shown added up to −2.0, the result −1.5."""
    from bpcli.narrate.context import SHOWN_TERMS, worked_sum

    many = [(1.0, float(k)) for k in range(1, SHOWN_TERMS + 4)]
    entry = worked_sum(A[0], B[0], many, sum(k for _, k in many) + 0.5, constant=0.5)
    assert entry.ok and entry.constant == 0.5 and entry.total_terms == len(many)
    assert entry.as_text(1).endswith(f"+ … ({len(many)} terms) + 0.5 = {sum(k for _, k in many) + 0.5:.1f}")
    few = worked_sum(A[0], B[0], [(2.0, -1.0)], -1.5, constant=0.5)
    assert few.as_text(1) == "A[0] = B[0] = 2.0·(-1.0) + 0.5 = -1.5"


# ---- every formula bpcli prints ---------------------------------------------------------------

def _script_end(latex: str, start: int) -> int:
    """The index just after the argument of the ^ or _ at ``start``: a brace group, a command
    or one character."""
    position = start + 1
    if latex[position] == "{":
        depth = 0
        for position in range(position, len(latex)):
            depth += {"{": 1, "}": -1}.get(latex[position], 0) if latex[position - 1] != "\\" else 0
            if depth == 0:
                return position + 1
        return len(latex)
    if latex[position] == "\\":
        return re.match(r"\\[A-Za-z]+|\\.", latex[position:]).end() + position
    return position + 1


def _latex_problems(latex: str) -> list[str]:
    """Unbalanced braces (escaped \\{ \\} aside), \\left/\\right that do not pair up inside the
    same brace group, and a double superscript or subscript (A^{(1)}^{2}, which LaTeX refuses)."""
    problems, stack = [], []
    for token in re.findall(r"\\[{}]|\\left|\\right|[{}]", latex):
        if token in (r"\{", r"\}"):
            continue
        if token in ("{", r"\left"):
            stack.append(token)
        else:
            opener = "{" if token == "}" else r"\left"
            if not stack or stack.pop() != opener:
                problems.append(f"unmatched {token}")
    problems += [f"unclosed {token}" for token in stack]
    for match in re.finditer(r"(?<!\\)[_^]", latex):
        end = _script_end(latex, match.start())
        if latex[end:end + 1] == match.group():
            problems.append(f"double {match.group()} at {match.start()}")
    return problems


def _all_formulas(explanation):
    for step in explanation.steps:
        formulas = ([step.formula] if step.formula is not None else []) + list(step.derivation)
        formulas += [entry.formula() for entry in step.worked]
        yield step, formulas, [t.latex for t in step.operands + ([step.result] if step.result else [])]


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_every_formula_of_every_exercise_is_well_formed_latex_and_plain_unicode(method):
    count = 0
    for path in EXERCISES:
        explanation = bpcli.explain(str(path), method=method, check=False)
        for step, formulas, names in _all_formulas(explanation):
            for formula in formulas:
                count += 1
                assert not _latex_problems(formula.latex), (path.name, step.title, formula.latex)
                assert "\\" not in formula.text and "_{" not in formula.text, formula.text
                assert "".join(formula.pieces(TEXT)) == formula.text
            for latex in names:
                assert not _latex_problems(latex), (path.name, step.title, latex)
    assert count > 100


def test_the_latex_checker_catches_what_it_looks_for():
    assert _latex_problems(r"\frac{1}{m") == ["unclosed {"]
    assert _latex_problems(r"\left( a }") == ["unmatched }"]
    assert _latex_problems(r"\left( a") == [r"unclosed \left"]
    assert _latex_problems(r"\left( a \right)") == []
    assert _latex_problems(r"\{ a \}") == []
    assert _latex_problems(r"A^{(1)}^{2}") == ["double ^ at 1"]
    assert _latex_problems(r"{A^{(1)}}^{2} + A_{ij}^{2} + {A}^\top") == []
