"""Every sentence of the narration, one table per language. Formulas are not here: they are
the same in every language. Keys are 'area.what'; fields in braces are filled by ``Messages``.

The Chinese uses the source texts' own terms: 反向传播, 前向传播, 链式法则, 维度相容, 逐元素,
损失函数, 激活函数, 池化, 迹, 梯度.
"""

from __future__ import annotations

from bpcli.core.network import WARNING_TEXT

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear", "softmax")
LOSS_NAMES = ("bce", "mse", "sse", "softmax_ce")

EN: dict[str, str] = {
    # titles
    "title.default": "Backpropagation, worked out",
    "title.network": "Layers, shapes and parameters",
    "title.dense_forward": "Layer {layer} (dense): Z = W A + b",
    "title.conv_forward": "Layer {layer} (conv2d): Z = W ⋆ A + b",
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
    "title.check": "Closing check: finite differences",
    # sections and labels
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
    # the network
    "conventions": "One column per sample; layers are numbered 1..L with A⁽⁰⁾ = X; dT means ∂J/∂T exactly "
                   "(so the 1/m of the loss is already inside dZ⁽ᴸ⁾); ⊙ is the element-wise product; "
                   "⋆ is cross-correlation.",
    "network.intro": "{layers}, loss {loss}, m = {samples}, {parameters} in all.",
    "network.images": "The input holds images (m × C × H × W); flatten turns each sample into one column.",
    "table.layer": "layer",
    "table.type": "type",
    "table.activation": "activation",
    "table.output": "A (output)",
    "table.parameters": "parameters",
    "table.input": "input X",
    "table.tensor": "tensor",
    "table.shape": "shape",
    "table.checked": "entries checked",
    "table.relative_error": "relative error",
    "table.verdict": "verdict",
    "word.broadcast": "broadcast",
    "word.pad": "padded by {p}",
    "word.stride": "stride {s}",
    "word.sum_over_samples": "summed over the samples",
    "word.ok": "ok",
    "word.failed": "FAILED",
    # forward
    "forward.conv": "Slide each filter over {input} in steps of {s}; at each position multiply the "
        "overlapping numbers and add them up, then add the filter's bias. This is "
        "cross-correlation: the kernel is not flipped.",
    "forward.maxpool": "Each {k}×{k} window, moved in steps of {s}, keeps only its largest value; channels stay separate.",
    "forward.avgpool": "Each {k}×{k} window, moved in steps of {s}, is replaced by the mean of its values.",
    "forward.flatten": "Each sample's C·H·W values, read in row-major order (channel, then row, then column), become "
                       "one column, so the dense layers that follow can use the column convention.",
    "forward.activation.sigmoid": "The sigmoid squashes every entry into (0, 1), element-wise.",
    "forward.activation.tanh": "tanh squashes every entry into (−1, 1), element-wise.",
    "forward.activation.relu": "relu keeps positive entries and sets the others to 0, element-wise.",
    "forward.activation.linear": "The linear activation passes Z through unchanged.",
    "forward.activation.softmax": "softmax turns each column (one sample's scores) into probabilities that sum to 1.",
    "loss.bce": "Binary cross-entropy, averaged over the m samples and summed over the output units.",
    "loss.softmax_ce": "Cross-entropy of the softmax output, averaged over the m samples.",
    "loss.mse": "Mean squared error with the factor 1/(2m), so its derivative has no 2.",
    "loss.sse": "The sum of squared errors, J = ‖A − Y‖², with no 1/m (the least-squares loss of text 003).",
    "loss.value": "J = {value}.",
    # backward: output
    "backward.dA_output.bce": "Differentiate J entry by entry: the derivative of −log a is −1/a and of −log(1 − a) is "
                              "1/(1 − a), and J carries the factor 1/m.",
    "backward.dA_output.softmax_ce": "Only the terms with Y ≠ 0 depend on A; the derivative of −log a is −1/a, "
                                     "and J carries the factor 1/m.",
    "backward.dA_output.mse": "The derivative of (a − y)²/(2m) is (a − y)/m.",
    "backward.dA_output.sse": "The derivative of (a − y)² is 2(a − y); sse has no 1/m.",
    "backward.fused.bce": "Multiply dA by the sigmoid's derivative σ′(Z) = A ⊙ (1 − A) and simplify: the fractions "
                          "cancel and what is left is (A − Y)/m (text 002 does the same for one sample, m = 1).",
    "backward.fused.softmax_ce": "softmax is not element-wise: each A[k,j] depends on every Z[i,j] of its column, so "
                                 "sum over k with the softmax Jacobian; because each column of Y sums to 1 the result "
                                 "is (A − Y)/m.",
    "backward.fused.why": "The short form is also what the computation uses: it stays finite even when A rounds to "
                          "exactly 0 or 1, where dA itself would be infinite.",
    # backward: activation
    "backward.dZ.why": "The activation acts entry by entry: A[i,j] = g(Z[i,j]) involves Z[i,j] and "
        "nothing else, so dZ = dA ⊙ g′(Z), with the shape of Z.",
    "backward.gprime.sigmoid": "For the sigmoid, g′(Z) = σ(Z)(1 − σ(Z)), which is A ⊙ (1 − A): no new exponentials needed.",
    "backward.gprime.tanh": "For tanh, g′(Z) = 1 − tanh²(Z), which is 1 − A ⊙ A.",
    "backward.gprime.relu": "For relu, g′(Z) is the mask 1 where Z > 0 and 0 elsewhere (relu′(0) = 0 by convention).",
    "backward.gprime.linear": "For the linear activation, g′(Z) = 1, so dZ = dA.",
    # backward: dense
    "backward.dW.why": "W[i,k] multiplies A_prev[k,j] in Z[i,j] for every sample j, so its gradient adds dZ[i,j]·A_prev[k,j] "
                       "over the samples: that sum is the matrix product dZ A_prevᵀ.",
    "backward.db.why": "b is added to every column of Z, so its gradient collects dZ from every sample: the row sums of dZ.",
    "backward.dA_prev.why": "A_prev[k,j] feeds every unit i of this layer through W[i,k], so its gradient adds W[i,k]·dZ[i,j] "
                            "over the units: Wᵀ dZ.",
    "backward.dA_prev.next": "This is dA of layer {prev}; its own dZ follows from it with layer {prev}'s g′.",
    # backward: conv
    "backward.conv_dW.why": "W[f,c,i,j] multiplies {Q}[n,c,{row},{col}] at every output position (y, x) of "
        "every sample n, so its gradient adds dZ[n,f,y,x] times that element over all of "
        "them: a cross-correlation of {Q} with dZ, channel by channel, summed over the "
        "samples.",
    "backward.conv_db.why": "b[f] is added at every position of filter f's output, so db[f] is the sum of dZ over the "
                            "samples and all positions of that filter.",
    "backward.conv_dA.why": "Each input element is reached by every output position whose window covers it. "
        "Collecting those contributions is a full correlation. Build pad(dZ), "
        "{rows}×{cols}, that is (H + kh − 1)×(W + kw − 1): {dilate}frame dZ with zeros, "
        "{top} on top and {left} on the left (kernel − 1 − padding), {bottom} at the "
        "bottom and {right} on the right (what remains to reach that size{skipped}). Then "
        "correlate it with the kernel rotated by 180°, ROT180(W): the same windows seen "
        "from the input's side.",
    "backward.conv_dA.entry": "The index formula (text 001) gives each entry directly: sum over the filters and output "
                              "positions whose window contains the entry, with the kernel index it meets.",
    # backward: pools and flatten
    "backward.maxpool.why": "Only the largest element of a window influenced the output, with slope 1, so the window's "
                            "gradient goes to that element (the argmax mask) and the others get 0. 𝒲(y,x) is the window of output "
                            "position (y,x); the mask below counts how many windows send their gradient to each element.",
    "backward.avgpool.why": "Every element of a {k}×{k} window contributes 1/{area} of the mean, so each gets 1/{area} of "
                            "the window's gradient. 𝒲(y,x) is the window of output position (y,x); count below says "
                            "how many windows each element belongs to.",
    "backward.pool.overlap": "With stride {s} < size {k} the windows overlap: an element in several windows collects "
                             "the gradient of each, and the contributions add.",
    "backward.flatten.why": "flatten only moved numbers, so the gradient moves back: each entry of dA returns to the "
                            "image position it came from.",
    # methods
    "chain.activation": "Chain rule, entry by entry: of the sum ∂J/∂Z[i,j] = Σ ∂J/∂A · ∂A/∂Z[i,j] over all "
        "entries of A, only the A[i,j] term is not zero (the derivation below).",
    "chain.weight": "Chain rule, entry by entry: W[i,k] reaches J through Z[i,j] for each sample j, and ∂Z[i,j]/∂W[i,k] = A_prev[k,j].",
    "chain.bias": "Chain rule, entry by entry: ∂Z[i,j]/∂b[i] = 1 for every sample j.",
    "chain.input": "Chain rule, entry by entry: A_prev[k,j] reaches J through Z[i,j] for each unit i, with ∂Z[i,j]/∂A_prev[k,j] = W[i,k].",
    "trace.activation": "Matrix differentials (text 000; d(·) is a small change, not ∂J/∂·): write dJ = "
        "tr((∂J/∂A)ᵀ d(A)), substitute d(A) = g′(Z) ⊙ d(Z) and move the element-wise "
        "factor with tr(Aᵀ(B ⊙ C)) = tr((A ⊙ B)ᵀ C); what multiplies d(Z) is ∂J/∂Z.",
    "trace.weight": "Matrix differentials (text 000; d(·) is a small change, not ∂J/∂·): with A_prev "
        "fixed, d(Z) = d(W) A_prev; the cyclic property tr(ABC) = tr(CAB) brings d(W) to "
        "the end, and dJ = tr(Mᵀ d(W)) for every d(W) means ∂J/∂W = M.",
    "trace.bias": "Matrix differentials: d(Z) = d(b) 1ᵀ (b broadcast over the m columns); cycle 1ᵀ "
        "to the front and read off ∂J/∂b = (∂J/∂Z) 1.",
    "trace.input": "Matrix differentials: with W fixed, d(Z) = W d(A_prev); transpose the factor in "
        "front of d(A_prev) to read off ∂J/∂A_prev.",
    "kron.activation": "Kronecker form (text 001; d(·) is a small change, not ∂J/∂·): the element-wise "
        "product is a diagonal matrix acting on vec(d(Z)).",
    "kron.weight": "Kronecker form (text 001; d(·) is a small change, not ∂J/∂·): vec(ABC) = (Cᵀ ⊗ A) "
        "vec(B) with A = I, B = d(W), C = A_prev gives the Jacobian ∂vec Z/∂vec W = "
        "A_prevᵀ ⊗ I; the gradient is its transpose times vec(∂J/∂Z).",
    "kron.bias": "Kronecker form: b is copied into every column, vec(b 1ᵀ) = (1 ⊗ I) b, so ∂J/∂b = (1 ⊗ I)ᵀ vec(∂J/∂Z).",
    "kron.input": "Kronecker form: vec(W d(A_prev) I) = (I ⊗ W) vec(d(A_prev)), so vec(∂J/∂A_prev) = "
        "(I ⊗ Wᵀ) vec(∂J/∂Z).",
    "kron.jacobian_shown": "The Jacobian A_prevᵀ ⊗ I is {rows}×{cols}; it is shown among the operands.",
    "kron.jacobian_skipped": "The Jacobian would be {rows}×{cols}, too large to print; the identity is checked on the "
                             "top-left {corner}×{corner} corner of the layer instead.",
    "shapes.activation": "Dimension compatibility (维度相容, text 003): as scalars, ∂J/∂z = ∂J/∂a · g′(z). dA and g′(Z) "
                         "are both {shape} and so is dZ, so the product is taken entry by entry (⊙), no reordering needed.",
    "shapes.weight": "Dimension compatibility (text 003): as scalars, ∂J/∂w = ∂J/∂z · a. Now make the "
        "shapes fit: {left} is {left_shape} and {right} is {right_shape}, and {target} "
        "must be {shape}; the arrangement that fits is {chosen}.",
    "shapes.bias": "Dimension compatibility: as scalars, ∂J/∂b = ∂J/∂z. But {left} is {left_shape} "
        "and {target} must be {shape}, so the m columns have to be summed: {chosen}.",
    "shapes.input": "Dimension compatibility: as scalars, ∂J/∂a = w · ∂J/∂z. {left} is {left_shape}, "
        "{right} is {right_shape}, and {target} must be {shape}; the arrangement that fits "
        "is {chosen}.",
    "shapes.ambiguous": "Here the shapes alone allow several products ({products}); the element-wise chain rule decides "
                        "for {chosen}, and the check below confirms it.",
    "shapes.elementwise": "{shape}, entry by entry",
    "shapes.loss": "A and Y are {shape}; J is a number",
    # notes
    "note.deeplearning_ai": "deeplearning.ai (text 004) writes dZ = A − Y and puts 1/m into dW = (1/m) dZ Aᵀ and db. "
                            "Here dZ means ∂J/∂Z exactly, so it already holds the 1/m (m = {m}) and dW = dZ Aᵀ has none. "
                            "Both give the same dW and db.",
    "note.no_extra_1_over_m": "No 1/m here: dZ is ∂J/∂Z and already contains it. Adding another 1/m, as a mix of "
                              "conventions would, makes the gradient m times too small.",
    "note.slip002_dW": "The input of layer {layer} is {prev_A}, not {this_A}: text 002's summary table slips here "
                       "(it writes A^[L]ᵀ).",
    "note.slip002_dA": "It is {W}ᵀ dZ, not {dW}ᵀ dZ as text 002's summary table writes; the ⊙ g′(Z) of the "
                       "layer below belongs to that layer's dZ step.",
    "note.slip002_sign": "dL/da = −(y/a − (1 − y)/(1 − a)); text 002 once writes + where − is meant.",
    "note.slip000_gprime": "g′ is taken of {Z} of this same layer, not of A, and not of another layer: text 000 "
                           "lets the index drift between l−1 and L−1 in (17)–(19) and (27), and writes g′(A) in (27).",
    "note.slip000_sum_index": "The sum has exactly m terms, one per sample (the columns, counted 0..m−1 in the "
        "tables); text 000's (16) writes Σ from j = 0 to m, one term too many.",
    "note.slip004_dW1": "Text 004's closing summary once writes dz^[1] where dW^[1] is meant.",
    "note.saturated_dA": "Some entries of A are exactly 0 or 1 in floating point, so dA is infinite there; the fused "
                         "dZ = (A − Y)/m below stays finite.",
    "note.saturated_long_way": "The long way is not finite for some entries (A saturated); the short form is exact.",
    "note.tied_max": "Some windows have a tied maximum: the gradient goes to the first largest element in row-major "
                     "order (a convention, not a derivative).",
    "note.conv_method": "Method {method}: convolution and pooling are derived with index sums, as text 001 does; the "
                        "matrix methods apply to the dense layers.",
    # checks
    "check.core_value": "{name} computed from the operands equals the core's value",
    "check.index_sum": "the index sum, evaluated entry by entry, equals {matrix}",
    "check.row_sums": "summing {name} over j entry by entry equals {name} 1ₘ",
    "check.trace_hadamard": "tr({dA}ᵀ(g′ ⊙ E)) = tr(({dA} ⊙ g′)ᵀ E) for a random direction E",
    "check.trace_cyclic": "the trace evaluated before and after the cyclic move agrees, for a random direction E",
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
    "check.why": "Each sampled entry of W, b and X is nudged by ±ε (ε = {epsilon}) and J recomputed; the slope must "
                 "match the gradient worked out above (up to {sample} entries per tensor).",
    "check.all_ok": "Every worked gradient agrees with the finite differences.",
    "check.some_failed": "Some gradients disagree with the finite differences.",
    "check.error_shown": "The relative error is max |worked − numeric| ÷ the largest |gradient| checked, shown as "
                         "the power of ten it stays under: “{round_off}” is round-off of the differences. A tensor "
                         "passes when its exact relative error is at most {tolerance}.",
    "count.layers.one": "{n} layer",
    "count.layers.other": "{n} layers",
    "count.samples.one": "{n} sample",
    "count.samples.other": "{n} samples",
    "count.parameters.one": "{n} parameter",
    "count.parameters.other": "{n} parameters",
    "count.zeros.one": "{n} zero",
    "count.zeros.other": "{n} zeros",
    "count.rows.one": "{n} row",
    "count.rows.other": "{n} rows",
    "count.columns.one": "{n} column",
    "count.columns.other": "{n} columns",
    "count.rows_cropped.one": "{n} row cropped",
    "count.rows_cropped.other": "{n} rows cropped",
    "count.columns_cropped.one": "{n} column cropped",
    "count.columns_cropped.other": "{n} columns cropped",
    "forward.dense.one": "There is one sample, so one column (m = {n}): W mixes the previous layer's units "
        "and b is added.",
    "forward.dense.other": "Each of the m = {n} columns is one sample: W mixes the previous layer's units, "
        "and the same b is added to every column (broadcast).",
    "word.input": "the input",
    "word.input_padded": "the input zero-padded by {p} on every side ({P} below)",
    "word.first_part": "{part} used, of {whole}",
    "backward.conv_dW.stride": "With stride {s}, neighbouring output positions are {s} apart in the input, so to "
        "write this as a correlation dZ is spread out with {zeros} between neighbouring "
        "entries: {name} below.",
    "backward.conv_dW.unused": "Only the first {rows} and {cols} of {Q} lie in some window (the ⌊ ⌋ of the output "
        "size drops the rest), so the correlation uses just that part.",
    "backward.conv_dA.dilate": "put {zeros} between neighbouring entries of dZ (stride − 1), then ",
    "backward.conv_dA.skipped": "; this includes {rows} and {cols} of the padded input that no window reached",
    "note.relu_kink.one": "{n} entry of Z is exactly 0, where relu has no derivative; relu′(0) = 0 is used.",
    "note.relu_kink.other": "{n} entries of Z are exactly 0, where relu has no derivative; relu′(0) = 0 is "
        "used.",
    "check.kinks.one": "{n} sampled entry sits at a kink (relu at 0 or a max-pool window changing its "
        "winner), where J has no derivative; it is left out of the error.",
    "check.kinks.other": "{n} sampled entries sit at a kink (relu at 0 or a max-pool window changing its "
        "winner), where J has no derivative; they are left out of the error.",
    "label.colon": ":",
    "label.sentence_gap": " ",
    # the run's warnings (bpcli.core.network.RunWarning): the same sentences as the JSON's
    **{f"warning.{kind}": text for kind, text in WARNING_TEXT.items()},
}

ZH: dict[str, str] = {
    "title.default": "反向传播推导",
    "title.network": "各层、维度与参数",
    "title.dense_forward": "第 {layer} 层 (dense)：Z = W A + b",
    "title.conv_forward": "第 {layer} 层 (conv2d)：Z = W ⋆ A + b",
    "title.maxpool_forward": "第 {layer} 层 (maxpool)：每个窗口取最大值",
    "title.avgpool_forward": "第 {layer} 层 (avgpool)：每个窗口取平均值",
    "title.flatten_forward": "第 {layer} 层 (flatten)：图像展平成列",
    "title.activation": "第 {layer} 层：激活函数 {activation}",
    "title.loss": "损失函数 ({loss})",
    "title.dA_output": "输出层 {layer} 的 dA：由损失函数求导",
    "title.dZ_output": "输出层 {layer} 的 dZ：化简为 (A − Y)/m",
    "title.dZ": "第 {layer} 层：由 dA 求 dZ",
    "title.dW": "第 {layer} 层：dW",
    "title.db": "第 {layer} 层：db",
    "title.dA_prev": "第 {layer} 层：向前一层传回 {name}",
    "title.maxpool_backward": "第 {layer} 层 (maxpool)：{name}，梯度传给每个窗口的最大值",
    "title.avgpool_backward": "第 {layer} 层 (avgpool)：{name}，梯度平均分配",
    "title.flatten_backward": "第 {layer} 层 (flatten)：{name}，重新变回图像形状",
    "title.check": "最后检验：有限差分",
    "section.network": "网络结构",
    "section.forward": "前向传播",
    "section.backward": "反向传播",
    "section.check": "检验",
    "label.operands": "参与运算的矩阵",
    "label.result": "结果",
    "label.shapes": "维度",
    "label.notes": "注意",
    "label.derivation": "推导",
    "label.worked": "手算一个元素",
    "label.checks": "已用实际数值验证",
    "label.terms": "项",
    "label.conventions": "约定",
    "label.press_enter": "按回车键继续下一步…",
    "conventions": "每一列是一个样本；层编号为 1..L，A⁽⁰⁾ = X；dT 严格表示 ∂J/∂T（所以损失函数的 1/m 已经包含在 dZ⁽ᴸ⁾ 里）；"
                   "⊙ 是逐元素乘积；⋆ 是互相关。",
    "network.intro": "共 {layers}，损失函数 {loss}，m = {samples}，共 {parameters}。",
    "network.images": "输入是图像 (m × C × H × W)；flatten 把每个样本展平成一列。",
    "table.layer": "层",
    "table.type": "类型",
    "table.activation": "激活函数",
    "table.output": "A (输出)",
    "table.parameters": "参数个数",
    "table.input": "输入 X",
    "table.tensor": "张量",
    "table.shape": "维度",
    "table.checked": "检验的元素",
    "table.relative_error": "相对误差",
    "table.verdict": "结论",
    "word.broadcast": "广播",
    "word.pad": "四周补 {p} 圈 0",
    "word.stride": "步长 {s}",
    "word.sum_over_samples": "对样本求和",
    "word.ok": "通过",
    "word.failed": "失败",
    "forward.conv": "把每个卷积核在{input}上以步长 {s} 滑动；在每个位置把重叠的数逐个相乘再求和，最后加上该卷积核的偏置。这是互相关：卷积核不翻转。",
    "forward.maxpool": "每个 {k}×{k} 窗口以步长 {s} 移动，只保留窗口中的最大值；各通道分开计算。",
    "forward.avgpool": "每个 {k}×{k} 窗口以步长 {s} 移动，用窗口内数值的平均值代替。",
    "forward.flatten": "每个样本的 C·H·W 个数按行优先顺序（先通道，再行，再列）排成一列，"
                       "这样后面的 dense 层就可以沿用“每列一个样本”的约定。",
    "forward.activation.sigmoid": "sigmoid 把每个元素压缩到 (0, 1)，逐元素计算。",
    "forward.activation.tanh": "tanh 把每个元素压缩到 (−1, 1)，逐元素计算。",
    "forward.activation.relu": "relu 保留正的元素，其余置 0，逐元素计算。",
    "forward.activation.linear": "线性激活函数原样输出 Z。",
    "forward.activation.softmax": "softmax 把每一列（一个样本的得分）变成和为 1 的概率。",
    "loss.bce": "二元交叉熵，对 m 个样本取平均，对输出神经元求和。",
    "loss.softmax_ce": "softmax 输出的交叉熵，对 m 个样本取平均。",
    "loss.mse": "均方误差，带系数 1/(2m)，所以求导后没有 2。",
    "loss.sse": "误差平方和 J = ‖A − Y‖²，没有 1/m（即文本 003 中最小二乘的损失函数）。",
    "loss.value": "损失 J = {value}。",
    "backward.dA_output.bce": "对 J 逐元素求导：−log a 的导数是 −1/a，−log(1 − a) 的导数是 1/(1 − a)，J 还带有系数 1/m。",
    "backward.dA_output.softmax_ce": "只有 Y ≠ 0 的项与 A 有关；−log a 的导数是 −1/a，J 还带有系数 1/m。",
    "backward.dA_output.mse": "(a − y)²/(2m) 的导数是 (a − y)/m。",
    "backward.dA_output.sse": "(a − y)² 的导数是 2(a − y)；sse 没有 1/m。",
    "backward.fused.bce": "把 dA 乘以 sigmoid 的导数 σ′(Z) = A ⊙ (1 − A) 再化简：分式相消，只剩下 (A − Y)/m"
                          "（文本 002 对单个样本 m = 1 做了同样的推导）。",
    "backward.fused.softmax_ce": "softmax 不是逐元素的：每个 A[k,j] 依赖于同一列的所有 Z[i,j]，所以要用 softmax 的雅可比矩阵对 k "
                                 "求和；因为 Y 的每一列之和为 1，结果是 (A − Y)/m。",
    "backward.fused.why": "程序计算时也用这个化简后的形式：即使 A 在浮点数中正好等于 0 或 1（此时 dA 本身为无穷大），它仍然有限。",
    "backward.dZ.why": "激活函数是逐元素的：A[i,j] = g(Z[i,j]) 只含 Z[i,j]，所以 dZ = dA ⊙ g′(Z)，维度与 Z 相同。",
    "backward.gprime.sigmoid": "sigmoid 的导数 g′(Z) = σ(Z)(1 − σ(Z))，也就是 A ⊙ (1 − A)，不必重新计算指数。",
    "backward.gprime.tanh": "tanh 的导数 g′(Z) = 1 − tanh²(Z)，也就是 1 − A ⊙ A。",
    "backward.gprime.relu": "relu 的导数 g′(Z) 是掩码：Z > 0 处为 1，其余为 0（约定 relu′(0) = 0）。",
    "backward.gprime.linear": "线性激活函数的 g′(Z) = 1，所以 dZ = dA。",
    "backward.dW.why": "对每个样本 j，W[i,k] 在 Z[i,j] 中乘以 A_prev[k,j]，所以它的梯度是 dZ[i,j]·A_prev[k,j] 对样本求和："
                       "这个和就是矩阵乘积 dZ A_prevᵀ。",
    "backward.db.why": "b 加到了 Z 的每一列上，所以它的梯度要收集所有样本的 dZ：即 dZ 按行求和。",
    "backward.dA_prev.why": "A_prev[k,j] 通过 W[i,k] 影响本层的每个神经元 i，所以它的梯度是 W[i,k]·dZ[i,j] 对神经元求和：Wᵀ dZ。",
    "backward.dA_prev.next": "这就是第 {prev} 层的 dA；用第 {prev} 层的 g′ 可以接着求出它的 dZ。",
    "backward.conv_dW.why": "在每个样本 n 的每个输出位置 (y, x)，W[f,c,i,j] 都与 {Q}[n,c,{row},{col}] 相乘，所以它的梯度是 dZ[n,f,y,x] "
        "乘以该元素、对所有这些位置求和：即 {Q} 与 dZ 逐通道做互相关，再对样本求和。",
    "backward.conv_db.why": "b[f] 加到了卷积核 f 输出的每个位置上，所以 db[f] 是 dZ 在该卷积核的所有样本和所有位置上的和。",
    "backward.conv_dA.why": "每个输入元素被所有覆盖它的输出窗口用到。把这些贡献收集起来就是 full 卷积（full correlation）。先构造 pad(dZ)，大小 "
        "{rows}×{cols}，即 (H + kh − 1)×(W + kw − 1)：{dilate}在 dZ 外面补 0，上方 {top}、左侧 "
        "{left}（卷积核大小 − 1 − padding），下方 {bottom}、右侧 {right}（补足到这个大小{skipped}）。再与旋转 180° "
        "的卷积核 ROT180(W) 做互相关：从输入一侧看，这正是同样的那些窗口。",
    "backward.conv_dA.entry": "用索引公式（文本 001）可以直接算出每个元素：对所有窗口包含该元素的卷积核和输出位置求和，乘以它所对应的卷积核元素。",
    "backward.maxpool.why": "窗口中只有最大的元素影响了输出（斜率为 1），所以窗口的梯度全部传给这个元素（argmax 掩码），其余为 0。"
                            "𝒲(y,x) 表示输出位置 (y,x) 的窗口；下面的 mask 记录每个元素收到几个窗口的梯度。",
    "backward.avgpool.why": "{k}×{k} 窗口中每个元素对平均值的贡献都是 1/{area}，所以每个元素得到窗口梯度的 1/{area}。"
                            "𝒲(y,x) 表示输出位置 (y,x) 的窗口；下面的 count 记录每个元素属于几个窗口。",
    "backward.pool.overlap": "步长 {s} < 窗口大小 {k}，窗口有重叠：属于多个窗口的元素会收到每个窗口的梯度，这些梯度相加。",
    "backward.flatten.why": "flatten 只是搬动了数的位置，所以梯度原样搬回去：dA 的每个元素回到它原来的图像位置。",
    "chain.activation": "链式法则，逐元素：∂J/∂Z[i,j] = Σ ∂J/∂A · ∂A/∂Z[i,j] 是对 A 所有元素的求和，其中只有 A[i,j] 这一项不为 "
        "0（见下面的推导）。",
    "chain.weight": "链式法则，逐元素：W[i,k] 通过每个样本 j 的 Z[i,j] 影响 J，且 ∂Z[i,j]/∂W[i,k] = A_prev[k,j]。",
    "chain.bias": "链式法则，逐元素：对每个样本 j，∂Z[i,j]/∂b[i] = 1。",
    "chain.input": "链式法则，逐元素：A_prev[k,j] 通过每个神经元 i 的 Z[i,j] 影响 J，且 ∂Z[i,j]/∂A_prev[k,j] = W[i,k]。",
    "trace.activation": "矩阵微分（文本 000；d(·) 表示微小变化，不是 ∂J/∂·）：写出 dJ = tr((∂J/∂A)ᵀ d(A))，代入 d(A) = g′(Z) ⊙ "
        "d(Z)，再用 tr(Aᵀ(B ⊙ C)) = tr((A ⊙ B)ᵀ C) 移动逐元素乘积；d(Z) 前面的矩阵就是 ∂J/∂Z。",
    "trace.weight": "矩阵微分（文本 000；d(·) 表示微小变化，不是 ∂J/∂·）：固定 A_prev，d(Z) = d(W) A_prev；用迹的循环性质 tr(ABC) = "
        "tr(CAB) 把 d(W) 移到最后，若对任意 d(W) 都有 dJ = tr(Mᵀ d(W))，则 ∂J/∂W = M。",
    "trace.bias": "矩阵微分：d(Z) = d(b) 1ᵀ（b 广播到 m 列）；把 1ᵀ 循环移到前面，读出 ∂J/∂b = (∂J/∂Z) 1。",
    "trace.input": "矩阵微分：固定 W，d(Z) = W d(A_prev)；把 d(A_prev) 前面的因子转置，就读出 ∂J/∂A_prev。",
    "kron.activation": "Kronecker 积形式（文本 001；d(·) 表示微小变化，不是 ∂J/∂·）：逐元素乘积就是一个对角矩阵作用在 vec(d(Z)) 上。",
    "kron.weight": "Kronecker 积形式（文本 001；d(·) 表示微小变化，不是 ∂J/∂·）：在 vec(ABC) = (Cᵀ ⊗ A) vec(B) 中取 A = I, "
        "B = d(W), C = A_prev，得到雅可比矩阵 ∂vec Z/∂vec W = A_prevᵀ ⊗ I；梯度是它的转置乘以 vec(∂J/∂Z)。",
    "kron.bias": "Kronecker 积形式：b 被复制到每一列，vec(b 1ᵀ) = (1 ⊗ I) b，所以 ∂J/∂b = (1 ⊗ I)ᵀ vec(∂J/∂Z)。",
    "kron.input": "Kronecker 积形式：vec(W d(A_prev) I) = (I ⊗ W) vec(d(A_prev))，所以 vec(∂J/∂A_prev) = (I "
        "⊗ Wᵀ) vec(∂J/∂Z)。",
    "kron.jacobian_shown": "雅可比矩阵 A_prevᵀ ⊗ I 的大小是 {rows}×{cols}，已列在参与运算的矩阵中。",
    "kron.jacobian_skipped": "雅可比矩阵的大小是 {rows}×{cols}，太大不便打印；改为在该层左上角 {corner}×{corner} 的部分上验证恒等式。",
    "shapes.activation": "维度相容（文本 003）：先当作标量，∂J/∂z = ∂J/∂a · g′(z)。dA 和 g′(Z) 都是 {shape}，dZ 也是，"
                         "所以逐元素相乘 (⊙)，不需要调整顺序。",
    "shapes.weight": "维度相容（文本 003）：先当作标量，∂J/∂w = ∂J/∂z · a。再让维度相容：{left} 是 {left_shape}，{right} 是 "
        "{right_shape}，{target} 必须是 {shape}；维度相容的排列是 {chosen}。",
    "shapes.bias": "维度相容：先当作标量，∂J/∂b = ∂J/∂z。但 {left} 是 {left_shape}，而 {target} 必须是 {shape}，所以要把 m "
        "列加起来：{chosen}。",
    "shapes.input": "维度相容：先当作标量，∂J/∂a = w · ∂J/∂z。{left} 是 {left_shape}，{right} 是 "
        "{right_shape}，{target} 必须是 {shape}；维度相容的排列是 {chosen}。",
    "shapes.ambiguous": "这里仅凭维度有多种乘法都相容（{products}）；逐元素的链式法则确定是 {chosen}，下面的验证也证实了这一点。",
    "shapes.elementwise": "{shape}，逐元素",
    "shapes.loss": "A 和 Y 都是 {shape}；J 是一个数",
    "note.deeplearning_ai": "deeplearning.ai（文本 004）写 dZ = A − Y，并把 1/m 放进 dW = (1/m) dZ Aᵀ 和 db。"
                            "这里 dZ 严格表示 ∂J/∂Z，已经包含了 1/m（m = {m}），所以 dW = dZ Aᵀ 中没有 1/m。两种写法得到的 dW、db 相同。",
    "note.no_extra_1_over_m": "这里没有 1/m：dZ 就是 ∂J/∂Z，已经包含了它。如果混用两种约定再乘一次 1/m，梯度会小 m 倍。",
    "note.slip002_dW": "第 {layer} 层的输入是 {prev_A}，不是 {this_A}：文本 002 的总结表在这里写错了（写成 A^[L]ᵀ）。",
    "note.slip002_dA": "这里是 {W}ᵀ dZ，而不是文本 002 总结表中的 {dW}ᵀ dZ；下一层的 ⊙ g′(Z) 属于那一层求 dZ 的步骤。",
    "note.slip002_sign": "dL/da = −(y/a − (1 − y)/(1 − a))；文本 002 有一处把 − 写成了 +。",
    "note.slip000_gprime": "g′ 作用于本层的 {Z}，不是 A，也不是别的层：文本 000 在 (17)–(19) 和 (27) 中下标在 l−1 与 L−1 "
                           "之间混用，并且在 (27) 中写成了 g′(A)。",
    "note.slip000_sum_index": "求和恰好有 m 项，每个样本一项（即表格中编号 0..m−1 的各列）；文本 000 的 (16) 写成从 j = 0 到 m 求和，多了一项。",
    "note.slip004_dW1": "文本 004 的最后总结中有一处把 dW^[1] 写成了 dz^[1]。",
    "note.saturated_dA": "A 中有些元素在浮点数中正好为 0 或 1，此处 dA 为无穷大；下面化简后的 dZ = (A − Y)/m 仍然有限。",
    "note.saturated_long_way": "对部分元素，不化简的算法得到的不是有限值（A 已饱和）；化简后的形式是精确的。",
    "note.tied_max": "有些窗口的最大值不唯一：梯度传给按行优先顺序的第一个最大元素（这是约定，不是导数）。",
    "note.conv_method": "方法 {method}：卷积和池化用索引求和推导，与文本 001 相同；矩阵方法用于 dense 层。",
    "check.core_value": "由参与运算的矩阵算出的 {name} 与核心计算结果一致",
    "check.index_sum": "逐元素计算的索引求和等于 {matrix}",
    "check.row_sums": "逐元素对 j 求和的 {name} 等于 {name} 1ₘ",
    "check.trace_hadamard": "对随机方向 E，tr({dA}ᵀ(g′ ⊙ E)) = tr(({dA} ⊙ g′)ᵀ E)",
    "check.trace_cyclic": "对随机方向 E，循环移动前后的迹相等",
    "check.kron_diag": "diag(vec g′) vec({dA}) = vec(g′ ⊙ {dA})",
    "check.kron_weight": "({A}ᵀ ⊗ I)ᵀ vec({dZ}) = vec({dZ} {A}ᵀ)",
    "check.kron_bias": "(1 ⊗ I)ᵀ vec({dZ}) = {dZ} 1",
    "check.kron_input": "(I ⊗ {W}ᵀ) vec({dZ}) = vec({W}ᵀ {dZ})",
    "check.shapes_vs_chain": "{chosen} 与逐元素链式法则的结果一致",
    "check.fused": "不化简的算法（dA 乘激活函数的导数）与化简后的 {name} 一致",
    "check.worked_entry": "手算的元素与核心计算结果一致",
    "check.conv_dW": "对 dW 每个元素的索引求和与核心计算的 dW 一致",
    "check.conv_full": "pad(dZ) 与 ROT180(W) 的 full 卷积等于核心计算的 {name}",
    "check.maxpool_route": "逐个窗口把梯度传给 argmax，得到的结果等于核心计算的 {name}",
    "check.avgpool_route": "逐个窗口把梯度平均分配，得到的结果等于核心计算的 {name}",
    "check.window": "窗口 {index} 的值与核心计算结果一致",
    "check.reshape": "把每个元素放回原位得到的结果等于核心计算的 {name}",
    "check.why": "把 W、b 和 X 中抽样的每个元素加减 ε（ε = {epsilon}）后重新计算 J；得到的斜率必须与上面推导出的梯度一致"
                 "（每个张量最多 {sample} 个元素）。",
    "check.all_ok": "所有推导出的梯度都与有限差分一致。",
    "check.some_failed": "有些梯度与有限差分不一致。",
    "check.error_shown": "相对误差 = max |推导值 − 差分值| ÷ 所检查的梯度中最大的绝对值；表中只给出它小于的 10 的幂，"
                         "“{round_off}”即差分本身的舍入误差。精确的相对误差不超过 {tolerance} 的张量即为通过。",
    "count.layers.one": "{n} 层",
    "count.layers.other": "{n} 层",
    "count.samples.one": "{n} 个样本",
    "count.samples.other": "{n} 个样本",
    "count.parameters.one": "{n} 个参数",
    "count.parameters.other": "{n} 个参数",
    "count.zeros.one": "{n} 个 0",
    "count.zeros.other": "{n} 个 0",
    "count.rows.one": "{n} 行",
    "count.rows.other": "{n} 行",
    "count.columns.one": "{n} 列",
    "count.columns.other": "{n} 列",
    "count.rows_cropped.one": "裁掉 {n} 行",
    "count.rows_cropped.other": "裁掉 {n} 行",
    "count.columns_cropped.one": "裁掉 {n} 列",
    "count.columns_cropped.other": "裁掉 {n} 列",
    "forward.dense.one": "只有一个样本，即一列（m = {n}）：W 组合上一层的神经元，再加上 b。",
    "forward.dense.other": "m = {n} 列中每一列是一个样本：W 组合上一层的神经元，同一个 b 加到每一列上（广播）。",
    "word.input": "输入",
    "word.input_padded": "四周补 {p} 圈 0 的输入（即下面的 {P}）",
    "word.first_part": "{whole} 中用到的 {part}",
    "backward.conv_dW.stride": "步长为 {s} 时，相邻的输出位置在输入上相隔 {s}，所以写成互相关时要在 dZ 相邻元素之间插入 {zeros}：即下面的 {name}。",
    "backward.conv_dW.unused": "{Q} 只有前 {rows}、前 {cols} 落在某个窗口里（输出大小中的 ⌊ ⌋ 舍去了其余部分），所以互相关只用到这一部分。",
    "backward.conv_dA.dilate": "在 dZ 相邻元素之间插入 {zeros}（步长 − 1），然后",
    "backward.conv_dA.skipped": "；其中包括补 0 后的输入中没有被任何窗口覆盖到的 {rows}、{cols}",
    "note.relu_kink.one": "Z 中有 {n} 个元素正好为 0，relu 在此处不可导；这里取 relu′(0) = 0。",
    "note.relu_kink.other": "Z 中有 {n} 个元素正好为 0，relu 在此处不可导；这里取 relu′(0) = 0。",
    "check.kinks.one": "有 {n} 个抽样元素位于不可导点（relu 在 0 处，或最大池化窗口换了最大值），J 在此处没有导数；计算误差时不计入。",
    "check.kinks.other": "有 {n} 个抽样元素位于不可导点（relu 在 0 处，或最大池化窗口换了最大值），J 在此处没有导数；计算误差时不计入。",
    "label.colon": "：",
    "label.sentence_gap": "",
    # the run's warnings (bpcli.core.network.RunWarning), worded for the learner
    "warning.saturated": "第 {layer} 层（{subject}）：Z 的 {total} 个元素中有 {count} 个已饱和（g′(Z) < 1e-8），"
                         "几乎没有梯度能从这些单元传回",
    "warning.saturated_output": "第 {layer} 层（{subject} 输出）：Z 的 {total} 个元素中有 {count} 个已饱和；J 和 "
                                "dZ = (A − Y)/m 直接由 logits 计算，仍是有限值，而这里的 dA = ∂J/∂A 可能是无穷大",
    "warning.relu_at_zero": "第 {layer} 层（relu）：Z 的 {total} 个元素中有 {count} 个恰好为 0，relu 在 0 处不可导；"
                            "bpcli 取 relu′(0) = 0",
    "warning.tied_maximum": "第 {layer} 层（maxpool）：{total} 个窗口中有 {count} 个的最大值并列；梯度按行优先顺序交给"
                            "第一个最大的元素（这是约定，不是导数）",
    "warning.not_finite": "{subject} 含有非有限的数值（无穷大或 NaN）",
}

MESSAGES = {"en": EN, "zh": ZH}
LANGUAGES = tuple(MESSAGES)


class Messages:
    """The sentences of one language: ``say(key, **fields)``. A missing key is a KeyError (the
    tests make sure every language has every key)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.table = MESSAGES[lang]

    def __call__(self, key: str, **fields) -> str:
        return self.table[key].format(**fields)

    def count(self, key: str, n: int, **fields) -> str:
        """A sentence with a count in it, singular or plural: ``key.one`` when n is 1, else
        ``key.other`` (both exist in every language; Chinese has one form), with ``n`` filled in."""
        return self(f"{key}.{'one' if n == 1 else 'other'}", n=n, **fields)
