"""Every sentence bpcli says to a learner, in English: the reference language, whose keys every
other language has (``tests/test_texts.py``). Keys are 'area.what'; fields in braces are filled by
``bpcli.texts.say``; a ``{"one": …, "other": …}`` pair is chosen by the ``count`` field. Formulas,
tensor names and diagnosis codes are the same in every language and stay in the fields.
"""

from __future__ import annotations

from bpcli.core.network import WARNING_TEXT

TEXTS: dict[str, "str | dict[str, str]"] = {
    # ---- narration (bpcli.narrate): steps, notes and checks of `bpcli explain`
    "title.default": "Backpropagation, worked out",
    "title.network": "Layers, shapes and parameters",
    "title.dense_forward": "Layer {layer} (dense): Z = W A + b",
    "title.conv_forward": "Layer {layer} (conv2d): Z = A ⋆ W + b",
    "title.maxpool_forward": "Layer {layer} (maxpool): the largest value of each window",
    "title.avgpool_forward": "Layer {layer} (avgpool): the mean of each window",
    "title.flatten_forward": "Layer {layer} (flatten): images to columns",
    "title.activation": "Layer {layer}: activation {activation}",
    "title.loss": "The loss ({loss})",
    "title.dA_output": "dA of the output layer {layer}, from the loss",
    "title.dZ_output": "dZ of the output layer {layer}: the simplification to (A − Y)/m",
    "title.dZ": "Layer {layer}: dZ from dA",
    "title.dW": "Layer {layer}: dW",
    "title.db": "Layer {layer}: db",
    "title.dA_prev": "Layer {layer}: {name}, passed back",
    "title.maxpool_backward": "Layer {layer} (maxpool): {name}, routed to each window's maximum",
    "title.avgpool_backward": "Layer {layer} (avgpool): {name}, spread evenly",
    "title.flatten_backward": "Layer {layer} (flatten): {name}, reshaped back",
    "title.summary": "Summary: the answer at a glance",
    "summary.headline": "{network}, loss J = {value}",
    "title.check": "Check: finite differences",
    "section.network": "The network",
    "section.forward": "Forward pass",
    "section.backward": "Backward pass (backpropagation)",
    "section.check": "Check",
    "label.operands": "Operands",
    "label.result": "Result",
    "label.shapes": "Shapes",
    "label.notes": "Note",
    "label.derivation": "Derivation",
    "label.worked": "One entry worked out",
    "label.checks": "Checked on the numbers",
    "label.terms": "terms",
    "label.conventions": "Conventions",
    "label.press_enter": "Press Enter for the next step…",
    "page.contents": "Contents",
    "page.pointing": "Point at an entry of a result (or click it) to mark what it was computed from.",
    "page.summary_only": "Summary only",
    "page.keys": "Keys: j / k for the next / previous step, s for the summary.",
    "page.diagram": "Forward above, each layer's output the next one's input; backward"
        " below, the gradients flowing back from the loss J to X.",
    "page.marks": "Marked in the matrices: the entries this one was computed from (solid frame), the entry "
        "itself (thick).",
    "page.marks_window": "Marked in the matrices: the entries this one was computed from (solid frame),"
        " the rest of their window (dashed), the entry itself (thick).",
    "page.layer_kind": "Layer {layer} ({kind}):",
    "conventions": "One column per sample; layers are numbered 1..L with A⁽⁰⁾ = X; dT means ∂J/∂T exactly (so "
        "the 1/m of the loss is already inside dZ⁽ᴸ⁾); ⊙ is the element-wise product; ⋆ is cross-correlation.",
    "conventions.summed_loss": "One column per sample; layers are numbered 1..L with A⁽⁰⁾ = X; dT means ∂J/∂T "
        "exactly (this loss sums over the samples, so there is no 1/m anywhere); ⊙ is the element-wise product; ⋆ "
        "is cross-correlation.",
    "network.intro": "{layers}, loss {loss}, m = {samples}, {parameters} in all.",
    "network.images": "The input holds images (m × C × H × W); flatten turns each sample into one column.",
    "network.single_channel": "X, given as {given} (m × H × W), is taken as {taken} (m × 1 × H × W) below, and so is dX; compute --json and grading keep {given}.",
    "table.layer": "layer",
    "table.type": "type",
    "table.activation": "activation",
    "table.output": "A (output)",
    "table.parameters": "parameters",
    "table.input": "input X",
    "table.entry": "entry",
    "table.shape": "shape",
    "table.checked": "checked",
    "table.analytic": "analytic",
    "table.numeric": "numeric",
    "table.relative_error": "relative error",
    "table.verdict": "verdict",
    "word.broadcast": "broadcast",
    "word.pad": "padded by {p}",
    "word.stride": "stride {s}",
    #: shapes with an aside on how they combine (summed, broadcast)
    "shapes.aside": "{shapes} ({how})",
    "word.sum_over_samples": "summed over the samples",
    "word.ok": "ok",
    "word.failed": "FAILED",
    "forward.conv": "Slide each filter over {input} in steps of {s}; at each position multiply the "
        "overlapping numbers and add them up, then add the filter's bias. This is cross-correlation: the "
        "kernel is not flipped.",
    "forward.maxpool": "Each {k}×{k} window, moved in steps of {s}, keeps only its largest value; channels "
        "stay separate.",
    "forward.avgpool": "Each {k}×{k} window, moved in steps of {s}, is replaced by the mean of its values.",
    "forward.flatten": "Each sample's C·H·W values, read in row-major order (channel, then row, then column), "
        "become one column, so the dense layers that follow can use the column convention.",
    "forward.activation.sigmoid": "The sigmoid squashes every entry into (0, 1), element-wise.",
    "forward.activation.tanh": "tanh squashes every entry into (−1, 1), element-wise.",
    "forward.activation.relu": "relu keeps positive entries and sets the others to 0, element-wise.",
    "forward.activation.linear": "The linear activation passes Z through unchanged.",
    "forward.activation.softmax": "softmax turns each column (one sample's scores) into probabilities that "
        "sum to 1.",
    "loss.bce": "Binary cross-entropy, averaged over the m samples and summed over the output units.",
    "loss.softmax_ce": "Cross-entropy of the softmax output, averaged over the m samples.",
    "loss.mse": "Mean squared error with the factor 1/(2m), so its derivative has no 2.",
    "loss.sse": "The sum of squared errors, J = ‖A − Y‖², with no 1/m (the least-squares loss of text 003).",
    "backward.dA_output.bce": "Differentiate J entry by entry, as text 002 does (log is the natural logarithm, its ln): the derivative of log a follows from e^(log a) = a, differentiating both sides; log(1 − a) then needs the chain rule, outer derivative times inner (−1). J carries the factor 1/m.",
    "backward.dA_output.softmax_ce": "Only the terms with Y ≠ 0 depend on A; the derivative of −log a is −1/a (from e^(log a) = a, differentiating both sides, as text 002 does), and J carries the factor 1/m.",
    "backward.dA_output.mse": "The derivative of (a − y)²/(2m) is (a − y)/m.",
    "backward.dA_output.sse": "The derivative of (a − y)² is 2(a − y); sse has no 1/m.",
    "backward.fused.bce": "Text 002 derives this twice; here, for one entry, a = A[i,j], y = Y[i,j], z = Z[i,j]. First the sigmoid's derivative: the chain rule on σ(z) = (1 + e^(−z))^(−1), outer derivative times inner, then add and subtract 1 in the numerator to write it with σ itself, σ′ = σ(1 − σ) = a(1 − a). Then the chain rule ∂J/∂z = ∂J/∂a · ∂a/∂z: over the common denominator a(1 − a) the fractions cancel and what is left is (a − y)/m.",
    "backward.fused.softmax_ce": "softmax is not element-wise: each A[k,j] depends on every Z[i,j] of its column, so sum over k with the softmax Jacobian; because each column of Y sums to 1 the result is (A − Y)/m, column by column.",
    "backward.fused.why": "The short form is also what the computation uses: it stays finite even when A "
        "rounds to exactly 0 or 1, where dA itself would be infinite.",
    "backward.dZ.why": "The activation acts entry by entry: A[i,j] = g(Z[i,j]) involves Z[i,j] and nothing "
        "else, so dZ = dA ⊙ g′(Z), with the shape of Z.",
    "backward.gprime.sigmoid": "For the sigmoid, g′(Z) = σ(Z)(1 − σ(Z)), which is A ⊙ (1 − A): no new "
        "exponentials needed.",
    "backward.gprime.tanh": "For tanh, g′(Z) = 1 − tanh²(Z), which is 1 − A ⊙ A.",
    "backward.gprime.relu": "For relu, g′(Z) = 𝟙[Z > 0]: 1 where Z > 0, else 0 (relu′(0) = 0 by convention).",
    "backward.gprime.linear": "For the linear activation, g′(Z) = 1, so dZ = dA.",
    "backward.dW.why": "W[i,k] multiplies A_prev[k,j] in Z[i,j] for every sample j, so its gradient adds "
        "dZ[i,j]·A_prev[k,j] over the samples: that sum is the matrix product dZ A_prevᵀ.",
    "backward.db.why": "b is added to every column of Z, so its gradient collects dZ from every sample: the "
        "row sums of dZ.",
    "backward.dA_prev.why": "A_prev[k,j] feeds every unit i of this layer through W[i,k], so its gradient "
        "adds W[i,k]·dZ[i,j] over the units: Wᵀ dZ.",
    "backward.dA_prev.next_without_activation": "This is dA of layer {prev} ({kind}), which has no activation: "
        "it takes this gradient on back to its own input.",
    "backward.dA_prev.next": "This is dA of layer {prev}; its own dZ follows from it with layer {prev}'s g′.",
    "backward.conv_dW.why": "W[f,c,i,j] multiplies {Q}[n,c,{row},{col}] at every output position (y, x) of "
        "every sample n, so its gradient adds dZ[n,f,y,x] times that element over all of them: a "
        "cross-correlation of {Q} with dZ, channel by channel, summed over the samples.",
    "backward.conv_db.why": "b[f] is added at every position of filter f's output, so db[f] is the sum of dZ "
        "over the samples and all positions of that filter.",
    "backward.conv_dA.why": "Each input element is reached by every output position whose window covers it: "
        "collecting those contributions is a full correlation of dZ, framed with zeros, with the kernel rotated "
        "by 180°, ROT180(W), the same windows seen from the input's side.",
    "backward.conv_dA.frame": "Build pad(dZ), {rows}×{cols}, that is (H + kh − 1)×(W + kw − 1): {dilate}frame dZ "
        "with zeros, {top} on top and {left} on the left (kernel − 1 − padding), {bottom} at the bottom and "
        "{right} on the right (what remains to reach that size{skipped}).",
    "backward.conv_dA.entry": "The index formula (text 001) gives each entry directly: sum over the filters "
        "and output positions whose window contains the entry, with the kernel index it meets.",
    "backward.maxpool.why": "Only the largest element of a window influenced the output, with slope 1, so the "
        "window's gradient goes to that element (the argmax mask) and the others get 0. 𝒲(y,x) is the window "
        "of output position (y,x); the mask below counts how many windows send their gradient to each element.",
    "backward.avgpool.why": "Every element of a {k}×{k} window contributes 1/{area} of the mean, so each gets "
        "1/{area} of the window's gradient. 𝒲(y,x) is the window of output position (y,x); count below says "
        "how many windows each element belongs to.",
    "backward.pool.overlap": "With stride {s} < size {k} the windows overlap: an element in several windows "
        "collects the gradient of each, and the contributions add.",
    "backward.flatten.why": "flatten only moved numbers, so the gradient moves back: each entry of dA returns "
        "to the image position it came from.",
    "chain.activation": "Chain rule, entry by entry: of the sum ∂J/∂Z[i,j] = Σ ∂J/∂A · ∂A/∂Z[i,j] over all "
        "entries of A, only the A[i,j] term is not zero (the derivation below).",
    "chain.weight": "Chain rule, entry by entry: W[i,k] reaches J through Z[i,j] for each sample j, and "
        "∂Z[i,j]/∂W[i,k] = A_prev[k,j].",
    "chain.bias": "Chain rule, entry by entry: ∂Z[i,j]/∂b[i] = 1 for every sample j.",
    "chain.input": "Chain rule, entry by entry: A_prev[k,j] reaches J through Z[i,j] for each unit i, with "
        "∂Z[i,j]/∂A_prev[k,j] = W[i,k].",
    "trace.activation": "Matrix differentials (text 000; d(·) is a small change, not ∂J/∂·): write dJ = tr((∂J/∂A)ᵀ d(A)), substitute d(A) = g′(Z) ⊙ d(Z) and move the element-wise factor with tr(Pᵀ(Q ⊙ R)) = tr((P ⊙ Q)ᵀ R); what multiplies d(Z) is ∂J/∂Z.",
    "trace.weight": "Matrix differentials (text 000; d(·) is a small change, not ∂J/∂·): Z = W A_prev + b 1ᵀ changes by the whole differential d(Z) = d(W) A_prev + W d(A_prev) + d(b) 1ᵀ, so dJ = tr((∂J/∂Z)ᵀ d(Z)) splits into three traces, one per term. Take the d(W) term: the cyclic property tr(PQR) = tr(RPQ) brings d(W) to the end, and dJ = tr(Mᵀ d(W)) for every d(W) means ∂J/∂W = M.",
    "trace.bias": "Matrix differentials: take the d(b) 1ᵀ term of the differential d(Z) written at dW (b broadcast over the m columns); cycle 1ᵀ to the front and read off ∂J/∂b = (∂J/∂Z) 1.",
    "trace.input": "Matrix differentials: take the W d(A_prev) term of the differential d(Z) written at dW; transpose the factor in front of d(A_prev) to read off ∂J/∂A_prev.",
    "kron.activation": "Kronecker form (text 001; d(·) is a small change, not ∂J/∂·): the element-wise "
        "product is a diagonal matrix acting on vec(d(Z)).",
    "kron.weight": "Kronecker form (text 001; d(·) is a small change, not ∂J/∂·): vec(PQR) = (Rᵀ ⊗ P) vec(Q) with P = I, Q = d(W), R = A_prev gives the Jacobian ∂vec(Z)/∂vec(W) = A_prevᵀ ⊗ I; the gradient is its transpose times vec(∂J/∂Z).",
    "kron.bias": "Kronecker form: b is copied into every column, vec(b 1ᵀ) = (1 ⊗ I) b, so ∂J/∂b = (1 ⊗ I)ᵀ "
        "vec(∂J/∂Z).",
    "kron.input": "Kronecker form: vec(W d(A_prev) I) = (I ⊗ W) vec(d(A_prev)), so vec(∂J/∂A_prev) = (I ⊗ Wᵀ) "
        "vec(∂J/∂Z).",
    "kron.jacobian_shown": "The Jacobian A_prevᵀ ⊗ {identity} is {rows}×{cols}, shown among the operands: each entry of A_prevᵀ becomes a block of {n}×{n}, that entry times the identity.",
    "shapes.activation": "Dimension compatibility (text 003): as scalars, ∂J/∂z = ∂J/∂a · g′(z). dA and "
        "g′(Z) are both {shape} and so is dZ, so the product is taken entry by entry (⊙), no reordering "
        "needed.",
    "shapes.weight": "Dimension compatibility (text 003): as scalars, ∂J/∂w = ∂J/∂z · a. {clash}Now make the "
        "shapes fit: {left} is {left_shape} and {right} is {right_shape}, and {target} must be {shape}; the "
        "arrangement that fits is {chosen}.",
    "shapes.bias": "Dimension compatibility: as scalars, ∂J/∂b = ∂J/∂z. {clash}But {left} is {left_shape} and "
        "{target} must be {shape}, so the m columns have to be summed: {chosen}.",
    "shapes.input": "Dimension compatibility: as scalars, ∂J/∂a = w · ∂J/∂z. {clash}{left} is {left_shape}, {right} "
        "is {right_shape}, and {target} must be {shape}; the arrangement that fits is {chosen}.",
    "shapes.clash": "Try {product}: {reason}, the shapes clash. ",
    "shapes.ambiguous": "Here the shapes alone allow several products ({products}); the element-wise chain "
        "rule decides for {chosen}, and the check below confirms it.",
    "backward.dA_output.bce_brief": "Differentiate J entry by entry: (log a)′ = 1/a and (log(1 − a))′ = −1/(1 − a), and J carries the factor 1/m.",
    "backward.dA_output.bce_brief002": "Differentiate J entry by entry, as text 002 does: (log a)′ from e^(log a) = a, then (log(1 − a))′ by the chain rule; J carries the factor 1/m.",
    "backward.fused.bce_brief": "Multiplying dA by σ′(Z) = A ⊙ (1 − A) cancels its denominators and leaves (A − Y)/m (text 002 derives it step by step).",
    "backward.fused.bce_brief002": "Text 002's two routes, for one entry (a = A[i,j], y = Y[i,j], z = Z[i,j]): σ′ by the chain rule, then ∂J/∂a · ∂a/∂z over the common denominator; or J written in z and differentiated once.",
    "backward.fused.bce_direct": "Second, the direct route: write log a and log(1 − a) in z, so the loss becomes log(1 + e^z) − y z, and differentiate it once in z: e^z/(1 + e^z) = σ(z), so again (a − y)/m. Both routes agree, and agree with the numbers below.",
    "shapes.columnwise": "{shape}, column by column",
    "word.since": "since",
    "check.sigmoid_quotient": "σ′(Z) as the quotient e^(−z)/(1 + e^(−z))² equals A ⊙ (1 − A)",
    "check.direct_loss": "J written in z, (1/m) Σ [log(1 + e^z) − y z], equals the loss",
    "check.direct_gradient": "the direct route, (σ(Z) − Y)/m, equals {name}",
    "title.least_squares": "Text 003's least squares: J = ‖X w − y‖², one sample per row",
    "least_squares.rows": "Text 003 writes one sample per row, bpcli one per column: the text's X is {A} transposed (X_text = {A}ᵀ), its w is {W}ᵀ and its y is Yᵀ. Transposed, Z = W A + b is X_text w, so the sse loss is the text's J = ‖X_text w − y‖².",
    "least_squares.gradient": "Text 003 finds ∇J = 2 X_textᵀ(X_text w − y) by dimension compatibility; on the numbers it is {dW} transposed, as the two layouts require.",
    "check.least_squares_loss": "‖X_text w − y‖² equals the loss J",
    "check.least_squares_gradient": "2 X_textᵀ(X_text w − y) equals {name}",
    "check.least_squares_input": "2(X_text w − y) wᵀ equals {name}",
    "kron.jacobian_shortened": "The Jacobian A_prevᵀ ⊗ {identity} is {rows}×{cols}: each entry of A_prevᵀ becomes a block of {n}×{n}, that entry times the identity. Its top-left {shown_rows}×{shown_cols} corner is shown among the operands, and the identity is checked on the top-left {corner}×{corner} corner of the layer.",
    "kron.one_unit": "With one unit I₁ = 1, so the Jacobian A_prevᵀ ⊗ I₁ is just A_prevᵀ: the blocks of a Kronecker product show on layers with more than one unit.",
    "check.trace_sides": "for a random direction E: {left} = {right}",
    "shapes.elementwise": "{shape}, entry by entry",
    "shapes.loss": "A and Y are {shape}; J is a number",
    "note.deeplearning_ai": "deeplearning.ai (text 004) writes dZ = A − Y and puts 1/m into dW = (1/m) dZ Aᵀ "
        "and db. Here dZ means ∂J/∂Z exactly, so it already holds the 1/m (m = {m}) and dW = dZ Aᵀ has none. "
        "Both give the same dW and db.",
    "note.no_extra_1_over_m": "No 1/m here: dZ is ∂J/∂Z and already contains it. Adding another 1/m, as a mix "
        "of conventions would, makes the gradient m times too small.",
    "note.slip002_dW": "The input of layer {layer} is {prev_A}, not {this_A}: text 002's summary table slips "
        "here (it writes A^[L]ᵀ).",
    "note.slip002_dA": "It is {W}ᵀ dZ, not {dW}ᵀ dZ as text 002's summary table writes; the ⊙ g′(Z) of the "
        "layer below belongs to that layer's dZ step.",
    "note.slip002_sign": "dL/da = −(y/a − (1 − y)/(1 − a)); text 002 once writes + where − is meant.",
    "note.slip000_gprime": "g′ is taken of {Z} of this same layer, not of A, and not of another layer: text "
        "000 lets the index drift between l−1 and L−1 in (17)–(19) and (27), and writes g′(A) in (27).",
    "note.slip000_sum_index": "The sum has exactly m terms, one per sample (the columns, counted 0..m−1 in "
        "the tables); text 000's (16) writes Σ from j = 0 to m, one term too many.",
    "note.slip004_dW1": "Text 004's closing summary once writes dz^[1] where dW^[1] is meant.",
    "note.saturated_dA": "Some entries of A are exactly 0 or 1 in floating point, so dA is infinite there; "
        "the fused dZ = (A − Y)/m below stays finite.",
    "note.saturated_long_way": "The long way is not finite for some entries (A saturated); the short form is "
        "exact.",
    "note.tied_max": "Some windows have a tied maximum: the gradient goes to the first largest element in "
        "row-major order (a convention, not a derivative).",
    "note.conv_method": "Method {method}: convolution and pooling are derived with index sums, as text 001 "
        "does; the matrix methods apply to the dense layers.",
    "check.core_value": "{name} computed from the operands equals the core's value",
    "check.index_sum": "the index sum, evaluated entry by entry, equals {matrix}",
    "check.row_sums": "summing {name} over j entry by entry equals {name} 1ₘ",
    "check.trace_cyclic": "the trace evaluated before and after the cyclic move agrees, for a random "
        "direction E",
    "check.trace_hadamard": "tr({dA}ᵀ(g′ ⊙ E)) = tr(({dA} ⊙ g′)ᵀ E) for a random direction E",
    "check.kron_diag": "diag(vec g′) vec({dA}) = vec(g′ ⊙ {dA})",
    "check.kron_weight": "({A}ᵀ ⊗ I)ᵀ vec({dZ}) = vec({dZ} {A}ᵀ)",
    "check.kron_bias": "(1 ⊗ I)ᵀ vec({dZ}) = {dZ} 1",
    "check.kron_input": "(I ⊗ {W}ᵀ) vec({dZ}) = vec({W}ᵀ {dZ})",
    "check.shapes_vs_chain": "{chosen} equals the element-wise chain rule",
    "check.fused": "the long way (dA through the activation's derivative) equals the short form for {name}",
    "check.worked_entry": "the worked entry equals the core's value",
    "check.conv_dW": "the index sum for every dW entry equals the core's dW",
    "check.conv_full": "the full correlation of pad(dZ) with ROT180(W) equals the core's {name}",
    "check.maxpool_route": "routing each window's gradient to its argmax, window by window, gives the core's "
        "{name}",
    "check.avgpool_route": "spreading each window's gradient evenly, window by window, gives the core's {name}",
    "check.window": "the window's value at {index} equals the core's",
    "check.reshape": "putting every entry back in place gives the core's {name}",
    "check.why": "Each sampled entry of every tensor in the table (the parameters and X) is nudged by ±ε (ε = {epsilon}) and J recomputed; the "
        "slope must match the gradient the steps below work out (up to {sample} entries per tensor).",
    "check.error_shown": "The relative error is max |worked − numeric| ÷ the largest |gradient| checked, shown as "
                         "the power of ten it stays under: “{round_off}” is round-off of the differences. A tensor "
                         "passes when its exact relative error is at most {tolerance} plus the finite differences' "
                         "own error bound.",
    "check.all_ok": "Every worked gradient agrees with the finite differences.",
    "check.some_failed": "Some gradients disagree with the finite differences.",
    "count.layers": {"one": "{count} layer", "other": "{count} layers"},
    "count.samples": {"one": "{count} sample", "other": "{count} samples"},
    "count.parameters": {"one": "{count} parameter", "other": "{count} parameters"},
    "count.zeros": {"one": "{count} zero", "other": "{count} zeros"},
    "count.rows": {"one": "{count} row", "other": "{count} rows"},
    "count.columns": {"one": "{count} column", "other": "{count} columns"},
    "count.rows_cropped": {"one": "{count} row cropped", "other": "{count} rows cropped"},
    "count.columns_cropped": {"one": "{count} column cropped", "other": "{count} columns cropped"},
    "forward.dense": {
        "one": "There is one sample, so one column (m = {count}): W mixes the previous layer's units and b is "
            "added.",
        "other": "Each of the m = {count} columns is one sample: W mixes the previous layer's units, and the "
            "same b is added to every column (broadcast).",
    },
    "word.input": "the input",
    "word.input_padded": "the input zero-padded by {p} on every side ({P} below)",
    "word.first_part": "{part} used, of {whole}",
    "backward.conv_dW.stride": "With stride {s}, neighbouring output positions are {s} apart in the input, so "
        "to write this as a correlation dZ is spread out with {zeros} between neighbouring entries: {name} "
        "below.",
    "backward.conv_dW.unused": "Only the first {rows} and {cols} of {Q} lie in some window (the ⌊ ⌋ of the "
        "output size drops the rest), so the correlation uses just that part.",
    "backward.conv_dA.dilate": "put {zeros} between neighbouring entries of dZ (stride − 1), then ",
    "backward.conv_dA.skipped": "; this includes {rows} and {cols} of the padded input that no window reached",
    #: --detail steps: what pad(…) is, with this layer's numbers and why (the frame sentence above is full's)
    "backward.conv_dA.pad_even": {
        "one": "{padded} is {inner} with {count} ring of zeros (kernel − 1 − padding = {why}).",
        "other": "{padded} is {inner} with {count} rings of zeros (kernel − 1 − padding = {why}).",
    },
    "backward.conv_dA.pad_uneven": "{padded} is {inner} framed with zeros: {top} on top and {left} on the left "
        "(kernel − 1 − padding = {why}), {bottom} at the bottom and {right} on the right{rest}.",
    "backward.conv_dA.pad_square": {
        "one": "{padded} is {inner} framed with zeros: {count} row and column on top and left (kernel − 1 − "
            "padding = {why}), {after} at the bottom and right{rest}.",
        "other": "{padded} is {inner} framed with zeros: {count} rows and columns on top and left (kernel − 1 − "
            "padding = {why}), {after} at the bottom and right{rest}.",
    },
    "backward.conv_dA.pad_square_rest": {
        "one": " ({count} more: the padded input's last row and column, which no window reached)",
        "other": " ({count} more: the padded input's last {count} rows and columns, which no window reached)",
    },
    "backward.conv_dA.pad_rest": " ({more} more: the padded input's last, which no window reached)",
    "note.relu_kink": {
        "one": "{count} entry of Z is exactly 0, where relu has no derivative; relu′(0) = 0 is used.",
        "other": "{count} entries of Z are exactly 0, where relu has no derivative; relu′(0) = 0 is used.",
    },
    "check.kinks": {
        "one": "{count} sampled entry sits at a kink (relu at 0 or a max-pool window changing its winner), "
            "where J has no derivative, or moves a batch normalisation's σ² + ε by more than 1 %, too sharp a "
            "bend for the step; it is left out of the error.",
        "other": "{count} sampled entries sit at a kink (relu at 0 or a max-pool window changing its winner), "
            "where J has no derivative, or move a batch normalisation's σ² + ε by more than 1 %, too sharp a "
            "bend for the step; they are left out of the error.",
    },
    "axes.kernel": "filter, channel",
    "axes.images": "sample, channel",
    "axes.samples": "sample",
    "label.slices": "{{shown}} of {{total}} slices shown, … between",
    "label.colon": ":",
    # ---- grading (bpcli.grading): verdicts, diagnoses, answers that cannot be graded
    "sep.full_stop": ".",
    "sep.sentence": " ",
    "sep.or": " or ",
    "spec.rank": "{n}-D",
    "sep.times": " × ",
    "sep.list": ", ",
    "sep.equal": " = ",
    "sep.and": " and ",
    "label.diagnosis": "diagnosis: {codes}",
    "label.your_answer": "your {target}",
    "sep.codes": ", ",
    "code.shape": "shape",
    "code.transposed": "transposed",
    "code.sign": "sign",
    "code.missing_1_over_m": "missing_1_over_m",
    "code.extra_1_over_m": "extra_1_over_m",
    "code.scaled": "scaled",
    "code.entries": "entries",
    "code.right_by_coincidence": "right_by_coincidence",
    "code.missing_activation_derivative": "missing_activation_derivative",
    "code.derivative_at_A": "derivative_at_A",
    "code.wrong_activation_derivative": "wrong_activation_derivative",
    "code.extra_activation_derivative": "extra_activation_derivative",
    "code.used_dW_for_W": "used_dW_for_W",
    "code.wrong_input": "wrong_input",
    "code.missing_transpose": "missing_transpose",
    "code.extra_transpose": "extra_transpose",
    "code.kernel_rotated": "kernel_rotated",
    "code.not_summed": "not_summed",
    "code.wrong_axis": "wrong_axis",
    "code.term_sign": "term_sign",
    "code.kernel_not_rotated": "kernel_not_rotated",
    "code.wrong_pool_rule": "wrong_pool_rule",
    "code.wrong_reshape": "wrong_reshape",
    "code.missing_bias": "missing_bias",
    "code.other_tensor": "other_tensor",
    "code.offset": "offset",
    "code.copied_to_window": "copied_to_window",
    "code.overlap_not_summed": "overlap_not_summed",
    "code.not_divided_by_window": "not_divided_by_window",
    "code.softmax_elementwise": "softmax_elementwise",
    "code.kernel_wrongly_rotated": "kernel_wrongly_rotated",
    "code.kernel_transposed": "kernel_transposed",
    "code.wrong_padding": "wrong_padding",
    "code.wrong_stride": "wrong_stride",
    "code.wrong_tie_rule": "wrong_tie_rule",
    "code.missing_mean_variance_paths": "missing_mean_variance_paths",
    "code.missing_variance_path": "missing_variance_path",
    "code.unbiased_variance": "unbiased_variance",
    "code.missing_eps": "missing_eps",
    "code.dgamma_without_xhat": "dgamma_without_xhat",
    "verdict.right": "Right: your {target} matches (within {rtol:g} relative).",
    "verdict.wrong": "Not yet: your {target} is wrong.",
    "verdict.coincidence": "Not yet: your formula gives the right {target} for these numbers, but not in "
        "general: with other weights and inputs it is wrong. On such a draw: {explanation}",
    "shape.single": "a single number",
    "shape.flat": {"one": "a flat list of {count} number", "other": "a flat list of {count} numbers"},
    "shape.dims": "{dims}",
    "shape.gradient": "{name} has the shape of {base}, {shape} ({meaning})",
    "shape.gradient.plain": "{name} has the shape of {base}, {shape}",
    "shape.tensor": "{name} has {shape} ({meaning})",
    "shape.tensor.plain": "{name} has {shape}",
    "meaning.dense_W": "one row per unit of layer {layer}, one column per input to it",
    "meaning.conv_W": "filters × input channels × kernel height × kernel width",
    "meaning.dense_b": "one entry per unit of layer {layer}: the samples are summed out",
    "meaning.conv_b": "one entry per filter: samples and positions are summed out",
    "meaning.columns": "one row per unit, one column per sample",
    "meaning.images": "samples × channels × height × width",
    "diag.shape": "{shape_sentence}; your answer is {answer_shape}.",
    "diag.shape.transposed_numbers_wrong": "That is the transposed shape, but the transposed numbers are not "
        "right either: check the order of the factors and their transposes.",
    "diag.offset.single": "Your number is the right value {offset:+.3g}: a constant is added where none belongs.",
    "diag.offset": "Every entry of your answer is the right value {offset:+.3g}: a constant is added where none "
        "belongs.",
    "diag.entries.single": "Your number is not the right value, and it matches none of the usual mistakes.",
    "diag.close": "It is close, though: every wrong entry is the right value rounded or cut to the decimals "
        "you typed. Keep more digits when you round.",
    "diag.entries.all": "All {size} entries of your answer are wrong, and it matches none of the usual "
        "mistakes (transposed, a sign, a factor m or 1/m, a missing g′).",
    "diag.entries.all.marked": "All {size} entries of your answer are wrong (marked), and it matches none of "
        "the usual mistakes (transposed, a sign, a factor m or 1/m, a missing g′).",
    "diag.entries.some": {
        "one": "{count} of {size} entries of your answer is wrong; the others are right.",
        "other": "{count} of {size} entries of your answer are wrong; the others are right.",
    },
    "diag.entries.some.listed": {
        "one": "{count} of {size} entries of your answer is wrong: {entries}; the others are right.",
        "other": "{count} of {size} entries of your answer are wrong: {entries}; the others are right.",
    },
    "diag.entries.some.marked": {
        "one": "{count} of {size} entries of your answer is wrong (marked); the others are right.",
        "other": "{count} of {size} entries of your answer are wrong (marked); the others are right.",
    },
    "diag.transposed.maps": "Your answer is transposed: it has the numbers of {what} with the rows and "
        "columns of each map swapped (row i of your map holds column i of the right one).",
    "diag.transposed.square": "Your answer is transposed: it has the numbers of {what} with rows and columns "
        "swapped. {shape_sentence}.",
    "diag.transposed.shapes": "Your answer is transposed: it has the numbers of {what} with rows and columns "
        "swapped ({answer_shape} instead of {value_shape}). {shape_sentence}.",
    "diag.not_computable.matmul_inner": "Your formula cannot be computed as written: in {source!r}, {left} is "
        "{left_shape} and {right} is {right_shape}, and @ needs the columns of the left ({inner_left}) to match "
        "the rows of the right ({inner_right}).",
    "diag.not_computable.broadcast": "Your formula cannot be computed as written: in {source!r}, {symbol} needs "
        "shapes that match or broadcast, but {left} is {left_shape} and {right} is {right_shape}.",
    "diag.transpose.added": "With {operand} transposed, {operation} gives the right {target}: a transpose is "
        "missing.",
    "diag.transpose.removed": "Without the transpose of {operand}, {operation} gives the right {target}: that "
        "transpose is one too many.",
    "word.value_below": "the value described next",
    "word.right_value": "the right value",
    "word.that_value": "that value",
    "factor.missing_1_over_m.mean": "Your answer is m = {m} times {base}: J averages over the {m} samples, so "
        "dZ of the last layer, ∂J/∂Z, carries a factor 1/m, and every gradient before it inherits it "
        "(deeplearning.ai's dZ = A − Y leaves the 1/m out and adds it to dW and db instead).",
    "factor.missing_1_over_m.sum": "Your answer is m = {m} times {base}: {loss}, J = Σ (a − y)², is a sum "
        "over the samples, not a mean, so m appears nowhere in its gradients.",
    "factor.extra_1_over_m.mean": "Your answer is {base} divided by m = {m}: the 1/m is already inside dZ (dZ "
        "= ∂J/∂Z exactly), so it must not be applied again; deeplearning.ai writes dZ = A − Y and puts the "
        "1/m into dW and db instead.",
    "factor.extra_1_over_m.sum": "Your answer is {base} divided by m = {m}: {loss}, J = Σ (a − y)², is a sum "
        "over the samples, not a mean, so no 1/m enters its gradients (mse, (1/2m)·Σ (a − y)², has one).",
    "factor.scaled": "Your answer is {factor:.4g} times {base}: a constant factor is off.",
    "factor.missing_1_over_n.sum": "Your answer is N = {count} times {base}: {loss}, J = Σ (a − y)², adds no 1/m "
        "of its own, but batch normalisation in layer {layer} does: μ and σ² are means over N = {count} values, "
        "so the gradient it passes back carries 1/N, as in (γ s/N)(N dZ − dβ − x̂ ⊙ dγ).",
    "factor.extra_1_over_n.sum": "Your answer is {base} divided by N = {count}: {loss}, J = Σ (a − y)², adds no "
        "1/m of its own, and batch normalisation in layer {layer} brings its 1/N once, in "
        "(γ s/N)(N dZ − dβ − x̂ ⊙ dγ), N dZ inside the brackets.",
    "factor.bn.missing": "Batch normalisation in layer {layer} brings a 1/N of its own, N = {count}: μ and σ² are means "
        "over N values, so the gradient it passes back is (γ s/N)(N dZ − dβ − x̂ ⊙ dγ); check that its 1/N is there.",
    "factor.bn.extra": "Batch normalisation in layer {layer} brings one 1/N, N = {count}, in "
        "(γ s/N)(N dZ − dβ − x̂ ⊙ dγ), with N dZ inside the brackets; check that it is not taken twice.",
    "factor.sse_half": "sse, J = Σ (a − y)², has no ½: d/da (a − y)² = 2(a − y), so the 2 of the square stays "
        "(mse, (1/2m)·Σ (a − y)², is the loss whose ½ cancels it).",
    "factor.sse_half_over_m": "That is ½ · 1/m: (A − Y)/m is the gradient of mse, (1/2m)·Σ (a − y)²; this "
        "loss is sse, Σ (a − y)², whose gradient is 2(A − Y), with the 2 and without 1/m.",
    "factor.mse_two": "mse is (1/2m)·Σ (a − y)²: its ½ cancels the 2 of the square, so dA = (A − Y)/m (sse, Σ "
        "(a − y)², is the loss that keeps the 2).",
    "factor.mse_two_m": "That is 2m: 2(A − Y) is the gradient of sse, Σ (a − y)²; this loss is mse, (1/2m)·Σ "
        "(a − y)², whose gradient is (A − Y)/m.",
    "factor.two_from_loss": "A factor of 2 often comes from the loss: mse is (1/2m)·Σ(a − y)², whose ½ "
        "cancels the 2 of the square; sse, Σ(a − y)², keeps it.",
    "factor.sign.log": "Your answer has the opposite sign of {base}: check where a minus sign enters (A − Y, "
        "not Y − A; the minus in front of the log-loss).",
    "factor.sign.square": "Your answer has the opposite sign of {base}: check where a minus sign enters (A − "
        "Y, not Y − A: d/da (a − y)² = 2(a − y)).",
    "factor.sign_also": "The sign is flipped as well.",
    "mistake.missing_g": "The factor g′(Z{l}) is missing: dZ{l} = dA{l} ⊙ {g}, element by element.",
    "mistake.derivative_at_A.sigmoid": "The derivative g′ was evaluated at A{l} instead of Z{l}: dZ{l} = "
        "dA{l} ⊙ {g} (and {activation}′(Z) = A(1 − A) when written with A).",
    "mistake.derivative_at_A.tanh": "The derivative g′ was evaluated at A{l} instead of Z{l}: dZ{l} = dA{l} ⊙ "
        "{g} (= 1 − A{l}² when written with A).",
    "mistake.extra_g": "The factor {activation}′ was applied twice: with cross-entropy, dZ{l} = (A{l} − Y)/m "
        "already is dA{l} ⊙ {g} simplified, so it takes no further A{l}(1 − A{l}).",
    "mistake.used_dW_for_W.dZ": "You used dW{next}ᵀ where W{next}ᵀ belongs: dA{l} = W{next}ᵀ · dZ{next} "
        "passes the gradient back through the weights themselves.",
    "mistake.g_itself": "You multiplied by the activation A{l} = {activation}(Z{l}) itself, not by its "
        "derivative: {rule}.",
    "mistake.g_fed_Z": "{activation}′ written with A is {words}, but you put Z{l} in place of A{l}: {rule} = "
        "dA{l} ⊙ ({words_l}).",
    "mistake.other_derivative": "That is the derivative of {other}, but layer {l} uses {activation}: {rule} = "
        "dA{l} ⊙ ({words_l}).",
    "mistake.output_for_input": "You used A{l} (the output of layer {l}) where {input} (its input) belongs: "
        "dW{l} = dZ{l} · {input}ᵀ.",
    "mistake.Z_for_A": "You used Z{prev} where A{prev} belongs: layer {l} takes the activations A{prev} = "
        "g(Z{prev}), so dW{l} = dZ{l} · A{prev}ᵀ.",
    "mistake.input_not_transposed": "{input} was used without its transpose: dW{l} = dZ{l} · {input}ᵀ, so "
        "that each entry sums over the m samples.",
    "mistake.other_input": "You used {other} where {input} (the input of layer {l}) belongs: dW{l} = dZ{l} · "
        "{input}ᵀ.",
    "mistake.kernel_rotated": "Your dW{l} is rotated by 180°: dW{l} is the plain correlation of the (padded) "
        "input with dZ{l}, dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · P[n, c, s·y + i, s·x + j]; ROT180 "
        "belongs in the gradient of the input only.",
    "mistake.db_not_summed": "The bias gradient is dZ{l} summed over the m samples (axis 1): db{l} = "
        "sum(dZ{l}, axis=1, keepdims=True); b{l} is shared by every sample.",
    "mistake.db_wrong_axis": "The sum ran over the units (axis 0) instead of the samples (axis 1): db{l} = "
        "sum(dZ{l}, axis=1, keepdims=True).",
    "mistake.db_summed_all": "You summed all of dZ{l}, over the units too: each unit has its own bias, so "
        "db{l} = sum(dZ{l}, axis=1, keepdims=True) keeps one entry per unit.",
    "mistake.conv_db_not_summed": "The bias gradient sums dZ{l} over the samples and all positions: db{l} = "
        "sum(dZ{l}, axis=(0, 2, 3)).",
    "mistake.conv_db_positions_only": "You summed dZ{l} over the positions but not over the samples: db{l} = "
        "sum(dZ{l}, axis=(0, 2, 3)).",
    "mistake.conv_db_samples_only": "You summed dZ{l} over the samples but not over the positions: each "
        "filter's bias is added at every position, so db{l} = sum(dZ{l}, axis=(0, 2, 3)).",
    "mistake.bce_term_sign": "The second term has the wrong sign: d/da log(1 − a) = −1/(1 − a), so {name} = "
        "(1/m)(−Y/A{l} + (1 − Y)/(1 − A{l})).",
    "mistake.W_not_transposed": "W{next} was used without its transpose: {name} = W{next}ᵀ · dZ{next} (the "
        "gradient goes back along the weights, from each unit of layer {next} to its inputs).",
    "mistake.used_dW_for_W": "You used dW{next}ᵀ where W{next}ᵀ belongs: {name} = W{next}ᵀ · dZ{next}.",
    "mistake.dA_missing_g": "You passed dA{next} back without the factor {g}: {name} = W{next}ᵀ · dZ{next} "
        "with dZ{next} = dA{next} ⊙ {g}.",
    "mistake.kernel_not_rotated": "The kernel was not rotated: {name} is the full correlation of dZ{next} "
        "with ROT180(W{next}) (each input pixel collects W{next}[i, j] · dZ{next} from every window that "
        "covered it).",
    "mistake.spread_like_avg": "The gradient was spread evenly as in average pooling; max pooling sends each "
        "window's gradient only to its largest element (the others get 0).",
    "mistake.routed_like_max": "The gradient was routed to the largest element as in max pooling; average "
        "pooling spreads each window's gradient evenly, 1/{size} to each element.",
    "mistake.column_major": "You put dA{next} back in column-major order: flatten takes each sample's values "
        "in row-major order (channel, then row, then column: along a row first), so {name} is dA{next}'s "
        "column for each sample filled back row by row.",
    "mistake.reshape_without_columns": "You reshaped dA{next} without taking one column per sample: flatten "
        "makes each sample's C × H × W values one column, so {name} = dA{next}ᵀ reshaped to m × C × H × W.",
    "mistake.missing_bias": "The bias is missing: Z{l} = W{l} · {input} + b{l}, with b added to every column.",
    "mistake.copied_to_window": "You copied each window's gradient to every element of the window; max "
        "pooling sends it only to the window's largest element (the others get 0).",
    "mistake.max_overlap_not_summed": "Where windows overlap (stride {stride} < size {size}), an element that "
        "is the largest of several windows collects the gradient of each of them: add them up (+=), do not "
        "keep only the last window's.",
    "mistake.avg_overlap_not_summed": "Where windows overlap (stride {stride} < size {size}), an element that "
        "belongs to several windows collects a share from each of them: add them up (+=), do not keep only "
        "the last window's.",
    "mistake.tie_last": "Where a window's largest value occurs more than once, you sent its gradient to the "
        "last of them: {rule}.",
    "mistake.tie_split": "Where a window's largest value occurs more than once, you split its gradient among "
        "them: {rule}.",
    "mistake.tie_each": "Where a window's largest value occurs more than once, you gave its whole gradient to "
        "each of them: {rule}.",
    "mistake.tie_rule": "at a tie the maximum has no derivative, and the convention bpcli follows sends the "
        "window's whole gradient to the first of them in row-major order (along the top row first), 0 to the "
        "others",
    "mistake.not_divided_by_window": "You gave each element the window's whole gradient: an average of {count} "
        "elements passes 1/{count} of it to each one.",
    "mistake.softmax_elementwise": "You differentiated softmax element by element, as if A{l} = softmax(Z{l}) "
        "were A(1 − A) entry by entry: each output of softmax depends on every unit of its column, and with "
        "cross-entropy the whole Jacobian simplifies to dZ{l} = (A{l} − Y)/m.",
    "mistake.kernel_wrongly_rotated": "The kernel was turned the wrong way: {name} is the full correlation "
        "of dZ{next} with ROT180(W{next}), W{next} turned by 180° (flipped both top to bottom and left to "
        "right), not flipped along one axis only or turned by 90°.",
    "mistake.kernel_transposed": "The kernel was transposed (reflected across a diagonal), not turned by "
        "180°: where a dense layer has W{next}ᵀ · dZ{next}, a convolution has the full correlation of dZ{next} "
        "with ROT180(W{next}), W{next} flipped both top to bottom and left to right; that is {name}.",
    "mistake.dW_wrongly_rotated": "Your dW{l} is flipped along one axis: dW{l} is the plain correlation of "
        "the (padded) input with dZ{l}, with no flip and no rotation.",
    "mistake.wrong_padding": "You padded dZ{next} with {padding} zeros on each side before correlating it "
        "with ROT180(W{next}): the full correlation pads with the kernel's size minus 1 ({right}), so that "
        "every window that covered a pixel sends its gradient back to it{crop}.",
    "mistake.wrong_padding.crop": ", and then drops the layer's own padding ({padding} on each side)",
    "mistake.padding_not_removed": {
        "one": "You kept the layer's padding: the full correlation gives the gradient of the padded input, and "
            "{name} is its inside, without the {count} padded row and column on each side.",
        "other": "You kept the layer's padding: the full correlation gives the gradient of the padded input, and "
            "{name} is its inside, without the {count} padded rows and columns on each side.",
    },
    "mistake.dZ_not_dilated": "You did not dilate dZ{next} by the stride: layer {next} moves its windows by "
        "{stride}, so dZ{next}[y, x] belongs to the window at ({stride}·y, {stride}·x); put {zeros} between "
        "neighbouring entries of dZ{next} before padding it and correlating it with ROT180(W{next}){kept}.",
    "mistake.dZ_not_dilated.kept": {
        "one": "; and you kept the layer's padding: {name} is the inside of the result, without the {count} "
            "padded row and column on each side",
        "other": "; and you kept the layer's padding: {name} is the inside of the result, without the {count} "
            "padded rows and columns on each side",
    },
    "mistake.dW_stride_ignored": "You moved the windows by 1, but layer {l} moves them by {stride}: output "
        "(y, x) saw the window at ({stride}·y, {stride}·x), so dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · "
        "{window}{padded}.",
    "mistake.sum_wrong_axes": "You summed {name} over {axes}; {target} sums it over {right}: {rule}.",
    "mistake.sum_wrong_axes.one": "axis {axes}",
    "mistake.sum_wrong_axes.several": "axes {axes}",
    "mistake.other_tensor": "Your answer is {yours}, not {target}.",
    "tensor.gradient": "{name} (∂J/∂{base})",
    "tensor.plain": "{name}",
    "target.not_text": "the target must be a tensor's name given as text, found {kind}; this network's targets are {targets}",
    "target.unknown": "unknown target {name!r}; this network's targets are {targets}",
    "target.unknown.close": "unknown target {name!r}; did you mean {close}? This network's targets are "
        "{targets}",
    "spec.shape_mismatch": "{what} must be {shape} because {reason}; found {found}",
    "spec.single_number": "a single number",
    "spec.parameter": "{name} of layer {layer}",
    "spec.source.X": "X",
    "spec.source.layer": "layer {layer}",
    "spec.count.units": {"one": "{count} unit", "other": "{count} units"},
    "spec.count.filters": {"one": "{count} filter", "other": "{count} filters"},
    "spec.count.channels": {"one": "{count} channel", "other": "{count} channels"},
    "spec.count.values": {"one": "{count} value", "other": "{count} values"},
    "spec.outputs.X_rows": {"one": "X has {count} row (features)", "other": "X has {count} rows (features)"},
    "spec.outputs.layer_values": {"one": "layer {layer} outputs {count} value",
                                  "other": "layer {layer} outputs {count} values"},
    "spec.reason.dense_W": "layer {layer} has {units} and {outputs}",
    "spec.reason.dense_b": "layer {layer} has {units}",
    "spec.reason.conv_W": "layer {layer} has {filters} of {kh} × {kw} and its input has {channels}",
    "spec.reason.conv_b": "layer {layer} has {filters} (b is a flat list, one per filter)",
    "spec.reason.bn_columns": "layer {layer} normalises {units} ({source} outputs {rows})",
    "spec.reason.bn_images": "layer {layer} normalises {channels} ({source} outputs {count}; a flat list, one per "
        "channel)",
    "spec.Y_shape": "Y must be {n} × {m} because the last layer outputs {values} for each of the {m} samples; "
        "found {found}",
    "spec.expected_one_of": "expected one of {names}",
    "spec.expected_one_of.close": "expected one of {names}; did you mean {close}?",
    "spec.unknown_name": "unknown {what} {name}: {expected}",
    "spec.not_a_name": "{what} must be a name, {expected}; found {found}",
    "spec.unknown_key": "unknown key {field} in {what}: {expected}",
    "spec.missing_key": "missing key {field}: {what}",
    "spec.whole_number": "{field} must be a whole number ({what}), found {found}",
    "spec.bound": "{field} must be {bound} ({what}), found {found}",
    "spec.positive": "positive",
    "spec.at_least": "at least {minimum}",
    "spec.value.boolean": "the boolean {value}",
    "spec.value.null": "nothing (null)",
    "spec.value.too_many_digits": "a whole number of {digits} digits, too many to read",
    "spec.value.number": "the number {value}",
    "spec.value.text": "the text {value}",
    "spec.value.mapping": "a mapping",
    "spec.value.list": "a list of {count}",
    "spec.value.tuple": "a tuple of {count}",
    "spec.value.array": "an array of shape {shape}",
    "spec.value.other": "a {kind}",
    "spec.what.file_needs": "a network file needs input, layers and loss",
    "spec.what.file": "the network file",
    "spec.what.loss": "loss",
    "spec.what.layer_type": "layer type",
    "spec.what.layer": "a {kind} layer",
    "spec.what.activation": "activation",
    "spec.what.activation_needed": "a {kind} layer needs one of {names}",
    "spec.softmax_not_last": "softmax may only be the last layer's activation (with loss softmax_ce); layer {layer} of "
        "{count} uses it",
    "spec.what.units": "the number of units in the layer",
    "spec.what.filters": "the number of filters",
    "spec.what.kernel": "the kernel size, k or [kh, kw]",
    "spec.what.kernel_height": "the kernel height",
    "spec.what.kernel_width": "the kernel width",
    "spec.what.conv_stride": "how far the kernel moves",
    "spec.what.padding": "zeros added on every side",
    "spec.what.pool_size": "the side of the square pooling window",
    "spec.what.pool_stride": "how far the window moves",
    "spec.array_not_numeric": "{what} must hold numbers, found an array of {dtype}",
    "spec.not_a_list": "{what} must be a {ranks} list of numbers (nested lists), found {found}",
    "spec.wrong_rank": "{what} must be {ranks}, found {rank}-D data of shape {shape}",
    "spec.empty": "{what} must not be empty, found shape {shape}",
    "spec.not_finite": "{what} must hold finite numbers, found {value} at index {index}",
    "spec.ragged": "{what} is ragged: every row must have the same length; {first} has {width} entries but {place} "
        "is {found}",
    "spec.too_deep": "{what} is nested {depth} lists deep; tensors here have at most 4 dimensions",
    "spec.too_large": "{what} would hold {count} numbers (shape {shape}); the limit is {limit}",
    "spec.numbers_only": "{what} must hold numbers only; it is {kind}: found {found}",
    "spec.kind.ragged": "ragged (lists at different depths)",
    "spec.kind.not_numeric": "not numeric",
    "spec.number_too_large": "{what} must hold numbers a float can hold; found {found}, which is too large for a "
        "float (beyond ±1.8e308)",
    "spec.what.X_columns": "X (n0 × m: one column per sample, since the first layer is {first})",
    "spec.what.X_images": "X (m × C × H × W, or m × H × W when C = 1, since the first layer is {first})",
    "spec.what.X_any": "X (n0 × m column data, or m × C × H × W images, m × H × W when C = 1; the first layer is "
        "{first})",
    "spec.what.Y": "Y (n_L × m: one column per sample)",
    "spec.what.input_needs": "input needs X (the samples) and Y (the targets)",
    "spec.loss_needs_columns": "the loss needs column data n_L × m, but the last layer ({kind}) outputs images "
        "{shape}: end with {{type: flatten}} or a dense layer",
    "spec.loss_activation": "loss {loss} needs a {required} activation on the last layer; this network ends with "
        "{ending}",
    "spec.softmax_loss": "a softmax output layer goes with loss softmax_ce (its gradient is only taught through that "
        "pair), found loss {loss}",
    "spec.input_not_mapping": "input must be a mapping with keys X and Y, found {found}",
    "spec.bce_targets": "bce targets must lie in [0, 1], found {value} at [{row}][{column}]",
    "spec.softmax_targets_negative": "softmax_ce targets must be ≥ 0 (each column a probability distribution), "
        "found {value}",
    "spec.softmax_targets_sum": "each column of Y must sum to 1 for softmax_ce (a probability distribution over the "
        "{classes} classes); column {number} (Y[:, {column}]) sums to {total}",
    "spec.layer_not_mapping": "each layer must be a mapping such as {{type: dense, units: 3, activation: relu}}, "
        "found {found}",
    "spec.number": "{field} must be a number ({what}), found {found}",
    "spec.finite_number": "{field} must be a finite number ({what}), found {found}",
    "spec.needs_flatten": "a {kind} layer needs column data (n × m), but {source} outputs images {shape}: add "
        "{{type: flatten}} before layer {layer}",
    "spec.needs_images": "{kind} needs image data m × C × H × W, but {source} outputs column data {shape}",
    "spec.bn_too_few_columns": "batchnorm normalises each unit over its m samples, so it needs at least 2 of them; "
        "{source} outputs {shape}, 1 value per unit",
    "spec.bn_too_few_images": "batchnorm normalises each channel over its m × H × W values, so it needs at least 2 "
        "of them; {source} outputs {shape}, 1 value per channel",
    "spec.what.eps": "added to σ² so that a unit whose values are all equal stays finite",
    "spec.kernel_list": "kernel must be k or [kh, kw], found a list of {count}",
    "spec.kernel_too_large": "the kernel {kh} × {kw} is larger than its padded input {height} × {width} ({source} "
        "outputs {shape}, padding {padding})",
    "spec.window_too_large": "the pooling window {size} × {size} is larger than its input {height} × {width} "
        "({source} outputs {shape})",
    "spec.no_such_file": "no such file",
    "spec.no_such_file_or_exercise": "no such file (nor a bundled exercise of that name: bpcli quiz --list)",
    "spec.directory": "this is a directory, not a network file",
    "spec.permission_denied": "permission denied",
    "spec.binary_file": "this is a binary file, not a YAML network file",
    "spec.not_utf8": "this file is not UTF-8 text (a binary file?); network files are YAML text",
    "spec.empty_file.starter": "the file is empty; a network file needs input, layers and loss (`bpcli new dense` "
        "prints a starter)",
    "spec.empty_file": "the file is empty; a network file needs input, layers and loss",
    "spec.yaml_syntax": "YAML syntax error: {problem}",
    "spec.not_mapping": "expected a mapping with keys input, layers and loss at the top level, found {found}",
    "spec.title": "title must be text, found {found}",
    "spec.seed": "seed must be a whole number ≥ 0, found {found}",
    "spec.layers_list": "layers must be a non-empty list of layers, found {found}",
    "spec.place": "line {line}, column {column}",
    "spec.place.line": "line {line}",
    "spec.yaml_character": "YAML error: unacceptable character {character}: {reason}",
    "spec.tensor_too_large": "{what} would hold {count} numbers ({shape}); the limit is {limit} numbers per tensor",
    "spec.file_too_many_numbers": "the file holds about {count} numbers, more than the {limit} bpcli reads in all; refused before reading them",
    "spec.network_too_large": "the network's tensors would hold more than {limit} numbers in all (reached at {what})",
    "spec.what.layer_output": "the output of layer {layer}",
    "spec.what.of_layer": "{what} of layer {layer}",
    "spec.buffer.padded": "the zero-padded input",
    "spec.buffer.centred": "the centred input x − μ",
    "spec.buffer.normalised": "the normalised input x̂",
    "spec.buffer.masks": "the pooling window masks",
    "spec.it": "it",
    "spec.yaml_value": "this YAML value cannot be read as {tag}: {value} gives {error}",
    "spec.value.a_list": "a list",
    "spec.value.single": "a single value",
    "spec.mapping_expected": "a mapping was expected here ({tag}), found {found}",
    "spec.unhashable_key": "a key must be a single value such as a name; found {found} used as a key",
    "spec.duplicate_key": "the key {field} appears twice in one mapping; keep one",
    "spec.value.long_count": "{head}{tail} ({digits} digits)",
    "usage.check_epsilon": "{name} (the finite-difference step) must be a number greater than 0, found {found}",
    "usage.check_tolerance": "{name} must be a number of at least 0, found {found}",
    "usage.check_sample": "{name} (entries checked per tensor) must be a whole number of at least 1, or None for every entry; found {found}",
    "usage.check_seed": "{name} must be a whole number of at least 0, found {found}",
    "usage.precision": "{name} (decimals shown) must be a whole number from 0 to 12, found {found}",
    "usage.flag": "{name} must be True or False, found {found}",
    "usage.layer_range": "the network has layers 1 to {last}, not {layer}",
    "usage.unknown_method": "unknown method {found!r}; choose one of {choices}",
    "usage.unknown_detail": "unknown detail {found!r}; choose one of {choices}",
    "usage.unknown_notes": "unknown notes {found!r}; choose one of {choices}",
    "usage.unknown_language": "unknown language {found!r}; choose one of {choices}",
    "usage.summary_with_layer": "the summary is of the whole network; --detail summary cannot be combined with "
        "--layer",
    "exercise.error.section": "the 'exercise:' section must be a mapping with statement, targets and hints",
    "exercise.error.the_section": "the exercise section",
    "exercise.error.statement": "exercise.statement must map languages (en, zh) to text",
    "exercise.error.languages_of": "{what} (languages)",
    "exercise.error.languages_of_hint": "the hint for {target} (languages)",
    "exercise.error.targets": "exercise.targets must be a list of tensor names such as [dZ2, dW2]",
    "exercise.error.unknown_target": "unknown target {target}; this network has {valid}",
    "exercise.error.title": "exercise.title must map languages (zh) to the title in that language",
    "exercise.error.hints": "exercise.hints must map targets to {{en: …, zh: …}}",
    "exercise.error.hint_target": "a hint for {target}, which is not one of the targets ({targets})",
    "exercise.error.repeated": "{names} listed twice (each once: a repeat would be asked, and counted, twice)",
    "exercise.error.points": "exercise.points must map targets to points, such as {{dW2: 2, db2: 1}}",
    "exercise.error.points_target": "points for {target}, which is not one of the targets ({targets})",
    "exercise.error.points_value": "points must be a number ≥ 0, found {value}",
    "exercise.error.text": "exercise.text names the source text it follows, one of {texts} or {none}; found {found}",
    "exercise.error.given": "exercise.given lists forward values a worksheet gives, from {forward}; found {found}",
    "spec.expected_only": "expected {name}",
    "usage.rtol": "the relative tolerance must be a number greater than 0 and less than 1, found {rtol!r}",
    "gradescope.test": "{target} ({file})",
    "gradescope.test.row": "row {row}",
    "gradescope.no_student": "(no student named)",
    "gradescope.test.student": "{student}: {test}",
    "gradescope.total": "{student}: {score} of {max_score} points, {correct} of {answers} answers right",
    "gradescope.total.unanswered": {"one": ", {count} exercise target not answered",
                                    "other": ", {count} exercise targets not answered"},
    "usage.batch_alone": "--batch grades a whole answers file: give no FILE, --target or --answer with it",
    "usage.grade_needs": "grade needs FILE, --target and --answer (or --batch ANSWERS)",
    "usage.goes_with": "{option} goes with {needed}",
    "usage.stdin_twice": "standard input (-) can be read only once; give - as one FILE at most",
    "usage.only_one": "give only one of {choices} (found {found})",
    "usage.and": " and ",
    "usage.step_in_terminal": "--step pauses in the terminal; it cannot be combined with --output or --format {format}",
    "usage.empty_path": "{option} was given an empty path (an unset shell variable?)",
    "usage.output_folder": "{option} {path} is a folder; give the name of a file to write",
    "usage.output_ends_in_separator": "{option} {path} ends in '{separator}', so it names a folder; give the name of "
        "a file to write",
    "answer.empty": "the answer is empty",
    "answer.list.empty_entry": "{place} is an empty entry (None, or null in JSON) where a number belongs",
    "answer.list.text": "{place} is the text {text!r}, not a number: a list's entries are numbers, written "
        "without quotes; to write fractions such as -1/3, give the whole answer as text, \"[[1, -1/3], [0.5, 2]]\"",
    "answer.list.not_a_number": "{place} is {value} (a {kind}), not a number",
    "answer.list.ragged": "the rows of the answer's list have different lengths: {place} has length {count}, "
        "{first} has length {expected}; every row must be as long as the first",
    "answer.list.mixed": "the answer's list mixes lists and numbers on one level: {list_place} is a list, "
        "{number_place} a number; a level holds only numbers, or only lists of one length",
    "answer.names_other": "the answer is written as {given} = …, but the question asks {target}",
    "answer.uses_target": "the formula uses {target}, the tensor it is meant to compute; write it with the "
        "tensors it comes from",
    "answer.circular.backward": "the formula uses {name}, which the backward pass computes after {target} "
        "(from it, or later), so it is not known yet: write {target} with the forward pass's values "
        "(X, Y, the parameters, Z, A){gradients}",
    "answer.circular.gradients": " and the gradients computed before it: {names}",
    "answer.circular.forward": "the formula uses {name}, which the forward pass computes after {target} (from "
        "it, or later), so it is not known yet: write {target} with X, Y and the parameters{values}",
    "answer.circular.values": " and the values computed before it: {names}",
    "answer.not_numbers": "the answer must be numbers or a formula, found {kind}",
    "answer.not_finite": "the answer holds values that are not finite (inf or nan)",
    "answer.place.column": "column {column}",
    "answer.place.line": "line {line}, column {column}",
    "answer.unseen_character": "{place} of the answer holds {code}, a character that cannot be seen "
        "or typed (a control or formatting character such as NUL, or bytes that are not UTF-8); delete it "
        "or type the answer again",
    # ---- batch grading (bpcli grade --batch): the answers file and its rows
    "batch.not_text": "the answers file is not UTF-8 text; write it as CSV with a header or as JSON Lines, "
        "in UTF-8 (Excel: save as 'CSV UTF-8')",
    "batch.directory": "this is a directory, not an answers file (CSV with a header, or JSON Lines)",
    "batch.empty": "the answers file has no rows",
    "batch.header": "the CSV header must name the columns student, file, target and answer (points is "
        "optional); {missing} missing, found {found}",
    "batch.csv": "cannot read the CSV: {reason}",
    "batch.csv.unclosed_quote": "a quote (\") opened on this line is never closed",
    "batch.csv.separator": "this line, Excel's sep= line, asks for fields separated by {separator}; bpcli reads "
        "CSV with commas or semicolons between fields (sep=, or sep=;)",
    "batch.no_file": "no such file, nor a bundled exercise of that name (a row's file is relative to "
        "the answers file's folder, or to the current folder for answers read from standard input)",
    "batch.not_yaml": "the YAML cannot be read here, so this is not a network file",
    "batch.not_network": "this is not a network file (a YAML mapping with the keys input, layers and loss)",
    "batch.not_regular_file": "this is a pipe, a device or a socket, not a network file",
    "batch.answers_file_holds": "an answers file has one answer per row, with the fields student, file, target and "
        "answer (CSV with a header, or JSON Lines)",
    "batch.no_answer_rows": "no line of this file is an answer ({found}): {holds}",
    "batch.found.keys": "line {line} holds a JSON object with only {keys}",
    "batch.found.empty_object": "line {line} holds an empty JSON object",
    "batch.found.value": "line {line} holds a JSON {kind}, not an object",
    "batch.variant_key": "this is the key of a class set of variants (bpcli variant writes it next to them), not "
        "answers: {holds}",
    "batch.row.not_json": "this line is not a JSON object: {reason}",
    "batch.row.too_deep": "this line nests lists or objects more than {limit} deep; an answer is a few lists "
        "deep at most ([[1, 2], [3, 4]])",
    "batch.row.not_object": "this line holds a JSON {kind}, not an object with student, file, target and answer",
    "batch.row.extra_fields": "this row has {found} fields where the header has {header}: an answer with a comma "
        "in it must be in double quotes (\"np.dot(dZ1, X.T)\")",
    "batch.row.extra_fields.semicolon": "this row has {found} fields where the header has {header}: an answer "
        "with a semicolon in it must be in double quotes (\"1 2; 3 4\")",
    "batch.row.unclosed_quote": "a quote (\") opened in this row is never closed, so the row cannot be read "
        "(the lines after its first are read as rows of their own)",
    "batch.row.missing": "this row has no {fields}",
    "batch.row.answer_kind": "the answer must be text, a number or a list of numbers, found {kind}",
    "batch.row.points": "points must be a number of at least 0, found {value}",
    "numbers.too_long": "the answer is {length:,} characters long; the limit is {limit:,}",
    "numbers.unreadable": "cannot read the answer as numbers at {at!r}: write entries like 0.25, -1/3 or "
        "1e-3, rows as [[1, 2], [3, 4]] or 1 2; 3 4",
    "numbers.adjacent": "cannot read the answer as numbers at {at!r}: separate entries with spaces or commas, "
        "as in 1 -2 or [1, -2]",
    "numbers.divide_by_zero": "{token} divides by zero",
    "numbers.too_large": "{token} is too large: a float64 holds at most about 1.8e308",
    "numbers.out_of_range": "{token}: {number} is out of range: a float64 holds numbers from about 2.2e-308 "
        "to 1.8e308 in size (and 0)",
    "numbers.too_deep": "the answer is nested more than {limit} lists deep",
    "numbers.unclosed": "a '[' is never closed: add the missing ']'",
    "numbers.unopened": "there is a ']' without a matching '['",
    "numbers.empty_list": "the answer has an empty list []",
    "numbers.ragged": "the rows of the answer have different sizes ({sizes} entries); every row must have as "
        "many entries as the others",
    "formula.not_finite": "the formula {formula!r} gives values that are not finite (an overflow, a division "
        "by 0, the log of 0, or a log or square root of a negative number?)",
    "formula.too_long": "the formula is {length} characters long; the limit is {limit}",
    "formula.syntax": "cannot read the formula: {detail}. Write numbers as [[1, 2], [3, 4]] or a formula such "
        "as W2.T @ dZ2.",
    "formula.syntax.at": "cannot read the formula at {place}: {detail}. Write numbers as [[1, 2], [3, "
        "4]] or a formula such as W2.T @ dZ2.",
    "formula.syntax.invalid": "invalid syntax",
    "formula.syntax.never_closed": "'{bracket}' was never closed",
    "formula.syntax.unmatched": "unmatched '{bracket}'",
    "formula.unreadable": "cannot read the formula",
    "formula.too_many_parts": "the formula has {count} parts; the limit is {limit}",
    "formula.forbidden": "a formula may not contain {what}; use tensor names, numbers, + - * / ** @, .T and "
        "the functions {functions}",
    "formula.only_numbers": "a formula may only contain numbers, not {value!r}",
    "formula.attribute": "'.{attr}' is not allowed: a formula may use .T (transpose) and the methods {methods}",
    "formula.attribute.module": "'.{attr}' is not allowed: the only attribute a formula may use is .T "
        "(transpose); {attr} is not one of the functions {functions}",
    "formula.side_by_side": "a number followed by something in parentheses is not a product here: write * "
        "between them (2 * (A1 - Y)); for numbers, leave out the parentheses (-0.5 -1) or separate them with "
        "commas",
    "formula.only_functions": "only the functions {functions} (also as np.sum, numpy.sum, …) and the methods "
        "{methods} may be called",
    "formula.caret": "^ is not a power in a formula (in Python it is a bitwise operator): use ** for powers, "
        "as in A1**2",
    "formula.call_method": "in {source!r}: .{method} is a method: call it, as in {source}()",
    "formula.astype": ".astype(…) takes one type: float, int or bool (np.float64 and the like too)",
    "formula.reshape": "reshape takes the new shape: A1.reshape(2, 6), A1.reshape((2, 6)) or np.reshape(A1, (2, "
        "6)), with no keywords",
    "formula.reshape_axes": "in {source!r}: a shape has 1 to {limit} axes",
    "formula.reshape_length": "in {source!r}: each length of a shape is a whole number ≥ 1, or -1 (once) for "
        "what is left",
    "formula.reshape_size": "in {source!r}: {operand} has {size} numbers, which do not make {shape}",
    "formula.arguments": {
        "one": "{name} takes {count} argument, found {found}",
        "other": "{name} takes {count} arguments, found {found}",
    },
    "formula.keyword": "{name} does not take {keyword}=; it takes {allowed}",
    "formula.keyword.none": "{name} does not take {keyword}=; it takes no keywords",
    "formula.keyword.twice": "{name} is given {keyword}= twice; give it once",
    "formula.not_a_number": "{value} is not a number; True, False and None only go in keepdims= and axis=",
    "formula.out_of_range": "{number} is out of range: a float64 holds numbers up to about 1.8e308 in size",
    "formula.call_it": "{name} is a function: call it, as in {name}(Z1)",
    "formula.not_a_value": "{source!r} is not a value a formula can use",
    "formula.not_finite_name": "{name} is not a number an answer can hold: every entry must be finite",
    "formula.unknown_name": "unknown name {name!r} in the formula: this network has {known}",
    "formula.unknown_name.close": "unknown name {name!r} in the formula: did you mean {close}? this network "
        "has {known}",
    "formula.exponent": "in {source!r}: the exponent must be a single number between -{limit} and {limit} "
        "(such as ** 2)",
    "formula.broadcast": "in {source!r}: {symbol} needs shapes that match or broadcast, but {left} is "
        "{left_shape} and {right} is {right_shape}",
    "formula.broadcast.suggest": "in {source!r}: {symbol} needs shapes that match or broadcast, but {left} is "
        "{left_shape} and {right} is {right_shape}. Did you mean {suggestion}?",
    "formula.matmul_scalar": "in {source!r}: @ multiplies matrices; use * for a single number",
    "formula.matmul_ndim": "in {source!r}: @ works on vectors and matrices; {operand} has {ndim} dimensions",
    "formula.matmul_inner": "in {source!r}: {left} is {left_shape} and {right} is {right_shape}; @ needs the "
        "columns of the left ({inner_left}) to match the rows of the right ({inner_right}).",
    "formula.matmul_inner.suggest": "in {source!r}: {left} is {left_shape} and {right} is {right_shape}; @ "
        "needs the columns of the left ({inner_left}) to match the rows of the right ({inner_right}). Did you "
        "mean {suggestion}?",
    "formula.too_large_product": "in {source!r}: this product is too large to compute here",
    "formula.too_many_entries": "in {source!r}: the result would be {shape}, more than {limit:,} numbers; "
        "check the shapes (a column times a row broadcasts to a full matrix)",
    "formula.keepdims": "{function}(…, keepdims=…) takes True or False",
    "formula.axis_value": "{function}(…, axis=…) takes a whole number, such as axis=1, or a tuple such as "
        "axis=(0, 2, 3)",
    "formula.axis_twice": "in {source!r}: an axis is named twice; name each axis once, as in axis=(0, 2, 3)",
    "formula.axis_missing": "in {source!r}: axis {axis} does not exist; {operand} is {shape}",
    "node.subscript": "indexing [ ]",
    "node.list": "lists",
    "node.dict": "dicts",
    "node.comprehension": "comprehensions",
    "node.generator": "generators",
    "node.starred": "*arguments",
    "node.fstring": "f-strings",
    # ---- quiz (bpcli.quiz): the session, hints, progress
    "quiz.question": "Question {number} of {total}: compute {target}.",
    "quiz.commands": "Type a numeric answer ([[1, 2], [3, 4]] or 1 2; 3 4) or a formula ({example}), or: "
        "hint, solution, skip, quit (help shows this again).",
    "quiz.options": "Try again, or type hint, solution or skip.",
    "quiz.skipped": "Skipped {target}.",
    "quiz.no_more_hints": "No more hints; type solution to see the worked steps.",
    "quiz.end_of_input": "End of input.",
    "quiz.interrupted": "Interrupted.",
    "quiz.score": "Score for {exercise}: {solved} of {total} solved; this session: {first_try} at the first try, "
        "{hints}, {solutions} shown.",
    "count.hints": {"one": "{count} hint", "other": "{count} hints"},
    "count.solutions": {"one": "{count} solution", "other": "{count} solutions"},
    "quiz.complete": "Exercise complete.",
    "quiz.network": "Network",
    "quiz.colon": ": ",
    "quiz.network_line": "{layers}, loss {loss}, m = {m}",
    "quiz.forward": "Forward pass (given)",
    "quiz.loss": "loss J = {loss}",
    "quiz.hint": "Hint {level} ({label})",
    "quiz.solution": "Worked solution for {target}",
    "quiz.formula": "Formula: {target} = {formula}",
    "quiz.answer_error": "Cannot grade that: {message}",
    # the words a learner types for each command, separated by slashes (every language's are understood)
    "quiz.words.hint": "hint / h / ?",
    "quiz.words.solution": "solution / s / show",
    "quiz.words.skip": "skip / n / next",
    "quiz.words.quit": "quit / q / exit",
    "quiz.words.help": "help / commands",
    "quiz.list_unreadable": "cannot be read (the error is below)",
    "quiz.list_header": "Bundled exercises (bpcli quiz NAME):",
    "quiz.no_name": "name an exercise (bpcli quiz --list shows them) or use --random",
    "quiz.no_exercise": "no exercise called {name!r}; the exercises are {names} (bpcli quiz --list)",
    "quiz.several_exercises": "{name!r} matches several exercises: {matching}",
    "progress.header": "Progress ({path}):",
    "progress.reset": "Progress cleared ({path}).",
    "progress.row": "  {name:<26} {state} tries {tries:<4} hints {hints}",
    "progress.solved": "solved",
    "label.rule": "Rule",
    "label.formula": "Formula",
    "label.no_formula": "In words",
    "rule.dZ": "dZ = dA ⊙ g′(Z), element by element; for sigmoid + bce or softmax + softmax_ce at the output "
        "it collapses to (A − Y)/m.",
    "rule.dA": "A feeds the next layer, so its gradient comes back from there: through Wᵀ for a dense layer, "
        "back into place for flatten and pooling, by full correlation with the rotated kernel for conv, through "
        "x̂, σ² and μ for batchnorm.",
    "rule.dA.dense": "{base} feeds layer {next}, a dense layer (Z{next} = W{next}·{base} + b{next}), so {name} "
        "comes back through W{next}ᵀ: each entry of {base} collects dZ{next} from every unit it feeds, weighted "
        "by the weight between them.",
    "rule.dA.flatten": "Layer {next} (flatten) only rearranged {base}, each sample's C × H × W numbers into one "
        "column, so {name} is dA{next} put back in place: each column back into its sample's C × H × W.",
    "rule.dA.maxpool": "Layer {next} (max pooling) passed on the largest element of each window of {base}, so "
        "{name} gets each window's gradient at that element and 0 elsewhere, added up where windows overlap.",
    "rule.dA.avgpool": "Layer {next} (average pooling) took the mean of each window of {base}, so each window's "
        "gradient is shared evenly among its elements in {name}, added up where windows overlap.",
    "rule.dA.conv2d": "Layer {next} (conv) slid W{next} over {base}, so each entry of {name} collects dZ{next} "
        "times every kernel weight that met it: the full correlation of dZ{next} with the kernel rotated by 180°.",
    "rule.dA.batchnorm": "Layer {next} (batchnorm) normalised {base} with this batch's μ and σ², which depend on "
        "every value of a unit, so {name} comes back through x̂, σ² and μ, not only through γ{next}.",
    "rule.dA.output": "The output A feeds the loss, so dA = ∂J/∂A is the loss's derivative with respect to A, "
        "entry by entry (with the 1/m when the loss averages over the samples).",
    "rule.dZ.output": "Layer {l} is the output and {loss} has no shortcut to (A − Y)/m: first dA{l} = ∂J/∂A{l}, "
        "the loss's derivative entry by entry ({derivative}), then dZ{l} = dA{l} ⊙ g′(Z{l}), element by element.",
    "rule.dZ.output.linear": "Layer {l} is the output and {loss} has no shortcut to (A − Y)/m: first dA{l} = "
        "∂J/∂A{l}, the loss's derivative entry by entry ({derivative}); the activation is linear (g′ = 1), so "
        "dZ{l} = dA{l}.",
    "rule.dA.output.mse": "J = (1/2m)·Σ (a − y)² gives dA{l} = (A{l} − Y)/m",
    "rule.dA.output.sse": "J = Σ (a − y)² gives dA{l} = 2(A{l} − Y), with no 1/m",
    "rule.dW": "Z = W·A_prev + b, so dW = dZ · A_prevᵀ: one term per sample, summed by the product. No extra "
        "1/m: dZ already is ∂J/∂Z.",
    "rule.db": "b is added to every sample (and, in conv, every position), so db adds up dZ over them.",
    "rule.dX": "X is A0, the input of layer 1: dX comes back from layer 1 like any dA.",
    "rule.Z": "Z = W·A_prev + b, with b added to every column.",
    "rule.A": "A = g(Z), the activation applied entry by entry.",
    "rule.Z.conv2d": "Z = A_prev ⋆ W + b: each filter slides over {input} with the stride; at each "
        "position it multiplies the window by its kernel, sums over the window and every channel, and adds "
        "its bias.",
    "rule.A.maxpool": "Each pooling window of the input gives its largest element, channel by channel; "
        "pooling has no weights.",
    "rule.A.avgpool": "Each pooling window of the input gives the mean of its elements, channel by channel; "
        "pooling has no weights.",
    "rule.A.flatten": "Flatten only rearranges: each sample's C × H × W numbers become one column (row by row "
        "within each channel).",
    "rule.dW.conv2d": "Each kernel weight meets every window of the input it slides over, so dW = A_prev ⋆ "
        "dZ: correlate {input} with dZ, summing over samples and positions. No extra 1/m: dZ "
        "already is ∂J/∂Z.",
    "hint.shapes": "{shape_sentence}.",
    "hint.shapes.have": "{shape_sentence}. You have: {tensors}.",
    "hint.tensor_shape": "{name} is {shape}",
    "words.maxpool": "{name}: each window's dA{next} goes whole to the window's largest element, 0 elsewhere",
    "words.conv_dA": "{name} = the full correlation of dZ{next} with ROT180(W{next})",
    "words.avgpool": "{name}: each window's dA{next} shared evenly, 1/{size} to each of its {size} elements",
    "words.conv_dW": "dW{l} = {input} ⋆ dZ{l}: dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · {window}{padded}",
    "words.conv_Z": "Z{l} = {input} ⋆ W{l} + b{l}: Z{l}[n, f, y, x] = Σ W{l}[f, c, i, j] · {window} + b{l}[f]"
        "{padded}",
    "words.conv_window": "{source}[n, c, {row}, {column}]",
    "words.conv_padded": {
        "one": " (P = {input} with {count} row and column of zeros added on each side)",
        "other": " (P = {input} with {count} rows and columns of zeros added on each side)",
    },
    "word.padded_input": "the padded input",
    "words.flatten_A": "A{l} = {input} with each sample's C × H × W numbers as one column: {input} reshaped "
        "to m × (C·H·W), then transposed",
    "words.maxpool_A": "A{l}[n, c, y, x] = the largest of the {size} × {size} window of {input}[n, c] at "
        "{corner}",
    "words.avgpool_A": "A{l}[n, c, y, x] = the mean of the {count} elements of the {size} × {size} window of "
        "{input}[n, c] at {corner}",
    # ---- batch normalisation (narrate/batchnorm.py, grading/batchnorm.py): unit i is a row of column data
    # or a channel of images; its N values j are its m samples, or its m·H·W values
    "title.bn_mean": "Layer {layer} (batchnorm): the mean μ of each unit",
    "title.bn_var": "Layer {layer} (batchnorm): the variance σ² of each unit",
    "title.bn_xhat": "Layer {layer} (batchnorm): normalise, x̂ = (x − μ)/√(σ² + ε)",
    "title.bn_forward": "Layer {layer} (batchnorm): Z = γ ⊙ x̂ + β",
    "title.dbeta": "Layer {layer}: dβ",
    "title.dgamma": "Layer {layer}: dγ",
    "title.bn_staged": "Layer {layer}: the staged path, step {part} of 4: {name}",
    "title.bn_compact": "Layer {layer}: {name} in one line, passed back",
    "forward.bn_mean": "Batch normalisation (training mode) uses the statistics of this batch: each unit's "
        "mean over its N = {count} values.",
    "forward.bn_images": "On images each channel is one unit: its {count} values (every sample, row and column) "
        "share one μ, σ², γ and β; below, channel c's values are A[n,c,h,w] for every sample n, row h and "
        "column w, and N = m·H·W.",
    "forward.bn_var": "The variance of each unit over the same N = {count} values.",
    "forward.bn_xhat": "Each value minus its unit's mean, divided by the unit's standard deviation: every unit "
        "of x̂ has mean 0 and variance σ²/(σ² + ε), just under 1 when σ² is large beside ε = {eps}, which keeps "
        "the division finite when a unit's values are all equal (σ² = 0).",
    "forward.bn_affine": "γ and β (one per unit, learned like W and b) scale and shift x̂ back to whatever range "
        "suits the next layer.",
    "note.bn_biased": "Divided by N, not N − 1: the biased variance, as PyTorch uses it in training. The "
        "unbiased one (N − 1) gives other numbers.",
    "note.bn_deviations_sum_to_zero": "The second term is 0: the deviations x − μ of a unit sum to 0. It is "
        "written because it is what the chain rule gives; many derivations drop it at once.",
    "note.bias_without_effect.through": "{gradient} is exactly 0: moving an entry of {bias} moves every value "
        "of its unit alike, the linear layers after it pass that on as shifts that are the same for every sample, "
        "and layer {next} subtracts each unit's batch mean, so J stays the same. (Summing {dZ} in floating point "
        "gives ~1e-17.)",
    "note.bias_without_effect": "{gradient} is exactly 0: layer {next} subtracts each unit's batch mean, so "
        "moving an entry of {bias} moves its unit's values and their mean alike, and J stays the same. (Summing "
        "{dZ} in floating point gives ~1e-17.) Hence layers before batch normalisation usually have no bias: β "
        "takes its place.",
    "note.bn_sums_to_zero": "Each unit's dx sums to 0: moving all of a unit's values by the same amount moves μ "
        "with them and changes nothing after the layer.",
    "backward.dbeta.why": "β[i] is added to every value of unit i, so its gradient collects dZ from all of them: "
        "the sum over the unit's values, like db of a dense layer.",
    "backward.dgamma.why": "γ[i] multiplies x̂[i,j] in Z[i,j] for every value j of unit i, so its gradient adds "
        "dZ[i,j]·x̂[i,j] over them.",
    "backward.bn_staged.intro": "Here x is the layer's input and dx = ∂J/∂x its gradient. x reaches J along "
        "three paths: through x̂ directly, through σ² (which depends on x) and through μ (which σ² and x̂ both "
        "use). The staged path (CS231n's assignment 2) follows the forward computation back one quantity at a "
        "time.",
    "backward.bn_dxhat": "First through the scaling: Z = γ ⊙ x̂ + β, so dx̂ = γ ⊙ dZ.",
    "backward.bn_dvar": "σ² reaches J through every x̂[i,j] = (x[i,j] − μ[i])(σ²[i] + ε)^(−1/2); differentiate "
        "that power and add over the unit's values.",
    "backward.bn_dmean": "μ reaches J through every x̂[i,j] (with the factor −1/√(σ² + ε)) and through σ², "
        "which is a mean of (x − μ)².",
    "backward.bn_staged_dX": "Now x[i,j] itself: directly through x̂[i,j], through σ² (∂σ²/∂x[i,j] = 2(x[i,j] − "
        "μ)/N) and through μ (∂μ/∂x[i,j] = 1/N). The three contributions add.",
    "backward.bn_compact": "The same dx in one line: write x − μ = x̂ √(σ² + ε) and use Σ dx̂ = γ dβ and Σ dx̂ ⊙ x̂ "
        "= γ dγ. This is what bpcli computes, and it agrees with the staged path on the numbers.",
    "backward.bn_compact_brief": "Here x is the layer's input and dx = ∂J/∂x, that is {name}. x reaches J "
        "through x̂, through μ and through σ²; writing x − μ = x̂ √(σ² + ε) and using Σ dx̂ = γ dβ and "
        "Σ dx̂ ⊙ x̂ = γ dγ (with dx̂ = γ ⊙ dZ) adds the three paths up in one line.",
    "chain.bn_beta": "Chain rule, entry by entry: β[i] reaches J through Z[i,j] for every value j, and "
        "∂Z[i,j]/∂β[i] = 1.",
    "chain.bn_gamma": "Chain rule, entry by entry: γ[i] reaches J through Z[i,j] for every value j, and "
        "∂Z[i,j]/∂γ[i] = x̂[i,j].",
    "chain.bn_input": "Chain rule: the staged path's dx, with x − μ = x̂ √(σ² + ε) substituted, gathers into "
        "the mean of dx̂ and the mean of dx̂ ⊙ x̂ over the unit, two sums already computed as γ dβ and γ dγ.",
    "trace.bn_beta": "Matrix differentials: d(Z) = d(β) 1ᵀ (β broadcast over the values); cycle 1ᵀ to the "
        "front and read off ∂J/∂β = (∂J/∂Z) 1.",
    "trace.bn_gamma": "Matrix differentials: d(Z) = diag(d(γ)) x̂; cycle x̂ to the front: dJ = tr(x̂ (∂J/∂Z)ᵀ "
        "diag(d(γ))) only sees the diagonal of x̂ (∂J/∂Z)ᵀ, so ∂J/∂γ[i] = Σⱼ (∂J/∂Z)[i,j] x̂[i,j].",
    "trace.bn_input": "Matrix differentials, one unit at a time, its values as a row xᵢ: d(x̂ᵢ) = sᵢ d(xᵢ) P "
        "with sᵢ = 1/√(σ²ᵢ + ε) and P = I − (1/N)(1 1ᵀ + x̂ᵢᵀ x̂ᵢ). P is symmetric, so moving it across the "
        "trace gives ∂J/∂xᵢ = sᵢ gᵢ P with gᵢ = dx̂ᵢ: gᵢ minus its mean, minus x̂ᵢ times the mean of gᵢ ⊙ x̂ᵢ.",
    "kron.bn_beta": "Kronecker form: β is copied to every value, vec(β 1ᵀ) = (1 ⊗ I) β, so ∂J/∂β = (1 ⊗ I)ᵀ "
        "vec(∂J/∂Z), the row sums.",
    "kron.bn_gamma": "Kronecker form: vec(diag(γ) x̂) = diag(vec x̂)(1 ⊗ I) γ, so ∂J/∂γ = (1 ⊗ I)ᵀ diag(vec x̂) "
        "vec(∂J/∂Z): the row sums of ∂J/∂Z ⊙ x̂.",
    "kron.bn_input": "Kronecker form: each unit's x̂ᵢ depends on all of its values xᵢ, through the N × N "
        "Jacobian ∂x̂ᵢ/∂xᵢ = sᵢ (I − (1/N)(1 1ᵀ + x̂ᵢᵀ x̂ᵢ)); its transpose carries dx̂ᵢ back. Unit {unit} is "
        "worked here.",
    "kron.bn_jacobian_shown": "The Jacobian ∂x̂ᵢ/∂xᵢ of unit {unit} is {size}×{size}; it is shown among the "
        "operands.",
    "kron.bn_jacobian_skipped": "The Jacobian would be {size}×{size}, too large to print; the two sums below "
        "are what multiplying by it comes to.",
    "shapes.bn_beta": "Dimension compatibility: as scalars, ∂J/∂β = ∂J/∂z. dZ is {shape} but {target} must have "
        "one entry per unit ({per_unit}): sum dZ over each unit's values.",
    "shapes.bn_gamma": "Dimension compatibility: as scalars, ∂J/∂γ = ∂J/∂z · x̂. dZ ⊙ x̂ is {shape} but {target} "
        "must have one entry per unit ({per_unit}): sum over each unit's values.",
    "shapes.bn_input": "Shapes alone cannot give this one: every value of a unit changes every x̂ of that unit "
        "(through μ and σ²), so no product of dZ, γ and x̂ that merely fits the shapes is right. The chain rule "
        "instead:",
    "word.sum_per_unit": "summed over each unit's values",
    "check.bn_mean": "{name} equals numpy's mean of each unit's values",
    "check.bn_var": "{name} equals numpy's variance (÷N) of each unit's values",
    "check.bn_xhat_mean": "every unit of {name} has mean 0",
    "check.bn_xhat_var": "every unit of {name} has variance σ²/(σ² + ε) (1 when ε is negligible)",
    "check.bn_deviations": "the deviations x − {name} of every unit sum to 0",
    "check.bn_gamma_rows": "summing {dZ} ⊙ {xhat} over each unit equals the diagonal of {dZ} {xhat}ᵀ",
    "check.bn_row_sums": "summing {name} over each unit's N values, entry by entry, equals {name} times a "
        "column of N ones",
    "check.bn_sum_dxhat": "Σ dx̂ over each unit equals γ dβ",
    "check.bn_sum_dxhat_xhat": "Σ dx̂ ⊙ x̂ over each unit equals γ dγ",
    "check.bn_staged_compact": "the staged path (dx̂ → dσ² → dμ → dx) and the one-line formula give the same dx",
    "check.bn_dX_sums": "every unit of {name} sums to 0",
    "check.bn_trace_symmetric": "tr(gᵀ(s E P)) = tr((s g P)ᵀ E) for a random direction E (P is symmetric)",
    "check.bn_kron_gamma": "(1 ⊗ I)ᵀ diag(vec {xhat}) vec({dZ}) = the row sums of {dZ} ⊙ {xhat}",
    "check.bn_kron_input": "the Jacobian's transpose times dx̂ of unit {unit} equals the core's dx of that unit",
    "rule.dgamma": "γ multiplies x̂ in Z = γ ⊙ x̂ + β, value by value, so dγ adds dZ ⊙ x̂ over each unit's values "
        "(the samples, and on images every position too).",
    "rule.dbeta": "β is added to every value of its unit, so dβ adds up dZ over each unit's values (the samples, "
        "and on images every position too).",
    "rule.Z.batchnorm": "Z = γ ⊙ x̂ + β with x̂ = (x − μ)/√(σ² + ε): μ and σ² are the mean and the (biased, ÷N) "
        "variance of each unit over the batch.",
    "meaning.bn_columns": "one entry per unit of layer {layer}: the samples are summed out",
    "meaning.bn_images": "one entry per channel: samples and positions are summed out",
    "words.bn_Z": "Z{l} = γ{l} ⊙ x̂{l} + β{l}, channel by channel: Z{l}[n, c, h, w] = γ{l}[c] · x̂{l}[n, c, h, w] "
        "+ β{l}[c]",
    "words.bn_dA": "{name} = (γ{next} s / N)(N dZ{next} − dβ{next} − x̂{next} ⊙ dγ{next}), channel by channel, with "
        "s = 1/√(σ²{next} + ε) and N = m·H·W, the number of values of a channel",
    "mistake.bn_not_summed": "{name} has one entry per unit: sum over each unit's values (the samples, and on "
        "images every position too).",
    "mistake.bn_dgamma_with_input": "You multiplied dZ{l} by the layer's input {input}, as a dense layer's dW "
        "does: γ multiplies the normalised x̂{l} = ({input} − μ{l})/√(σ²{l} + ε), so dγ{l} = Σ dZ{l} ⊙ x̂{l} over "
        "each unit's values.",
    "mistake.bn_dgamma_without_xhat": "You summed dZ{l} alone, which is dβ{l}: γ multiplies x̂, so dγ{l} = Σ dZ{l} ⊙ "
        "x̂{l} over each unit's values.",
    "mistake.bn_only_through_xhat": "This is dZ{next} passed back through x̂ alone, γ dZ / √(σ² + ε): μ and σ² are "
        "computed from the same values, so {name} also has the paths through them, (γ s/N)(N dZ − dβ − x̂ ⊙ dγ).",
    "mistake.bn_missing_variance_path": "The path through σ² is missing: with μ alone {name} would be γ s (dZ{next} "
        "minus its mean); σ² adds − x̂ times the mean of dZ ⊙ x̂.",
    "mistake.bn_unbiased_variance": "You used the unbiased variance, divided by N − 1: batch normalisation "
        "divides by N (the biased variance), which changes x̂ and so {name}.",
    "mistake.bn_missing_eps": "ε is missing: layer {l} divides by √(σ² + ε), not √σ², which changes {name}.",
    "mistake.bn_dA_missing_g": "You passed dA{next} back without the factor {g}: the formula for {name} takes "
        "dZ{next} = dA{next} ⊙ {g}.",
    "mistake.bn_dZ_before": "Through the batchnorm layer after it: {mistake}",
    "mistake.bn_missing_beta": "β is missing: Z{l} = γ ⊙ x̂ + β, with β added to every value of its unit.",
    # ---- the progress file (bpcli.quiz.progress): what went wrong with it
    "progress.set_aside": "the progress file {path} was set aside as {aside}: {reason}; starting with fresh progress",
    "progress.unusable": "the progress file {path} is unusable ({reason}) and could not be renamed ({error}); "
        "progress will not be saved over it",
    "progress.unreadable": "cannot read it ({error})",
    "progress.damaged": "it is not a bpcli progress file (damaged?)",
    "progress.not_saved": "could not save progress to {path}: {error}",
    "progress.locked": "could not save progress to {path}: another bpcli kept {lock} locked for {seconds} s",
    "progress.not_removed": "could not remove {path}: {error}",
    # ---- generated exercises (bpcli quiz --random): the levels' titles, the title and statement
    "generated.level1": "One linear dense layer, sse",
    "generated.level2": "Two dense layers, relu then linear, mse",
    "generated.level3": "conv relu → pooling → flatten → linear unit, sse",
    "generated.title": "{title} (level {level}, seed {seed})",
    "generated.statement": "A generated exercise (level {level}, seed {seed}): {title}. The numbers are chosen so you "
        "can work on paper. Compute the gradients, from the output back.",
    # ---- classes (issue 10): any network as an exercise, resuming, progress, worksheets
    "exercise.generated_statement": {
        "one": "Compute {count} gradient by backpropagation: {targets}.",
        "other": "Compute the {count} gradients by backpropagation, from the output back to the input: {targets}."},
    "quiz.bad_dir": "cannot read the exercise folder {folder}: {error}",
    "quiz.resume": "Resuming: {solved} of {total} targets already solved; next {target}.",
    "quiz.exported": "Wrote the exercise to {path}.",
    "progress.not_started": "not started",
    "progress.in_progress": "started, {count} right",
    "progress.skipped": {"one": ", {count} skipped", "other": ", {count} skipped"},
    "progress.next": "Next: bpcli quiz {name}",
    "progress.all_solved": "Every exercise is solved.",
    "progress.confirm_reset": "Forget all progress in {path}?",
    "progress.reset_needs_yes": "--reset forgets all progress, so it asks first; without a terminal to ask on, "
        "add --yes",
    "progress.reset_kept": "Progress kept.",
    "worksheet.name_line": "Name: ______________________",
    "worksheet.source_text": "Follows text {text}.",
    "worksheet.network": "Network",
    "worksheet.network_line": "{layers}; loss {loss}; m = {m}",
    "worksheet.given": "Given",
    "worksheet.forward_given": "Forward values (given)",
    "worksheet.targets": "Find",
    "worksheet.target_line": "{target}, shape {shape} ({points})",
    "worksheet.total": "Total: {points}",
    "count.points": {"one": "{count} point", "other": "{count} points"},
    "worksheet.key": "Key",
    "worksheet.answers": "Answers",
    "worksheet.worked_solution": "Worked solution",
    # ---- class sets (bpcli variant): the students, the --out folder, the set written
    "variant.students.none": "give one of --student ID, --count N or --students FILE",
    "variant.students.several": "give one of --student ID, --count N or --students FILE (found {found})",
    "variant.out_needed": "a set of variants needs --out DIR, the folder to write them into",
    "variant.out_is_file": "--out {folder} is a file: a set of variants needs a folder",
    "variant.students_unreadable": "cannot read --students {file}: {reason}",
    "variant.students_line": "--students {file}, line {line}: {problem}",
    "variant.students_none_listed": "--students {file} must list at least one id",
    "variant.listed_twice": "{student} is listed twice (first on line {first_line}); each student once",
    "variant.differ_in_case": "{student} and {first} (line {first_line}) differ only in case, so their files would "
        "be one where file names ignore case (macOS, Windows); each student once",
    "variant.student_id": "student id {student}: use letters, digits, '_', '.', '@' or '-' (at most {limit}), "
        "starting with a letter or digit; it becomes part of a file name",
    "variant.no_fair_draw": "no fair variant found for student {student} (every draw had a relu at 0, a tie, a "
        "saturated unit or a gradient all 0); try another --salt",
    "variant.would_change.one_file": "{file} already exists with other contents (an earlier set?); nothing was "
        "written: choose another --out folder, or remove them first",
    "variant.would_change.files": "{first} and {more} more already exist with other contents (an earlier set?); "
        "nothing was written: choose another --out folder, or remove them first",
    "variant.wrote": {"one": "wrote {count} variant and {key_file} to {folder}",
                      "other": "wrote {count} variants and {key_file} to {folder}"},
    # ---- bpcli check's report (render/check_report.py) and bpcli compute's summary (render/summary.py)
    "gradcheck.not_finite": "the finite-difference check needs J and every gradient to be finite, and here {cause}",
    "check.not_checked": "No entry is checked: finite differences need J and every gradient to be finite, and here {cause}.",
    "check_report.title": "Finite-difference check (central, ε = {epsilon})",
    "check_report.loss": "loss J = {loss}",
    "check_report.tensor": "tensor",
    "check_report.largest": "max|grad|",
    "check_report.error": "rel.err",
    "check_report.kinks": "kinks",
    "check_report.ok": "ok",
    "check_report.wrong": "WRONG",
    "check_report.error_note": "rel.err: max |analytic − numeric| ÷ the largest |gradient| checked, as the power of "
        "ten it stays under ({round_off} is round-off); a tensor is {wrong} when its exact relative error exceeds "
        "{tolerance}.",
    "check_report.kinks_note": "kinks: entries where the loss has no derivative (relu at 0, a max-pool near-tie), "
        "or bends too sharply for the step (a batch normalisation's σ² + ε moved by more than 1 %); their "
        "difference quotients measure no derivative, so they are not compared.",
    "check_report.all_agree": "All gradients agree with finite differences.",
    "check_report.some_disagree": "Some gradients disagree with finite differences.",
    "check_report.failed": "an analytic gradient disagrees with finite differences",
    "compute.loss": "loss J = ",
    "compute.loss_of": "   ({loss}, m = {m})",
    "compute.A_shape": "A shape",
    "compute.gradient": "gradient",
    "compute.gradient_norm": "‖gradient‖",
    "compute.footer": "dX: {shape}, ‖dX‖ = {norm}.  Every value: {command}",
    # ---- the run's warnings (bpcli.core.network.RunWarning): the same sentences as the JSON's
    **{f"warning.{kind}": text for kind, text in WARNING_TEXT.items()},
}
