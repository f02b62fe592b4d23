"""The quiz's own sentences in English and Chinese, one table per language (grading's sentences
are in ``bpcli.grading.messages``; both use the same lookup, so a quiz sentence may hold a
grading ``Msg``, such as a shape, worded in the same language)."""

from __future__ import annotations

from typing import Any

from bpcli.grading.messages import Msg, render

TEXTS: dict[str, dict[str, "str | dict[str, str]"]] = {
    "en": {
        "question": "Question {number} of {total}: compute {target}.",
        "commands": "Type a numeric answer ([[1, 2], [3, 4]] or 1 2; 3 4) or a formula (dZ2 @ A1.T), "
                    "or: hint, solution, skip, quit.",
        "options": "Try again, or type hint, solution or skip.",
        "skipped": "Skipped {target}.",
        "no_more_hints": "No more hints; type solution to see the worked steps.",
        "end_of_input": "End of input.",
        "interrupted": "Interrupted.",
        "score": "Score for {exercise}: {solved} of {total} solved ({first_try} at the first try, {hints}, "
                 "{solutions} shown).",
        "count.hints": {"one": "{count} hint", "other": "{count} hints"},
        "count.solutions": {"one": "{count} solution", "other": "{count} solutions"},
        "complete": "Exercise complete.",
        "network": "Network",
        "colon": ": ",
        "network_line": "{layers}, loss {loss}, m = {m}",
        "forward": "Forward pass (given)",
        "loss": "loss J = {loss}",
        "hint": "Hint {level} ({label})",
        "solution": "Worked solution for {target}",
        "formula": "Formula: {target} = {formula}",
        "answer_error": "Cannot grade that: {message}",
        "your_answer": "your {target}",
        "list_header": "Bundled exercises (bpcli quiz NAME):",
        "progress_header": "Progress ({path}):",
        "no_progress": "No progress yet.",
        "reset": "Progress cleared ({path}).",
        "progress.row": "  {name:<26} {state} tries {tries:<4} hints {hints}",
        "progress.solved": "solved",
        "progress.partial": {"one": "{count} target right", "other": "{count} targets right"},
        # hints: labels, the rule of each kind of target (when the exercise has none of its own),
        # the shapes, and in words the targets that have no formula
        "label.rule": "Rule",
        "label.shapes": "Shapes",
        "label.formula": "Formula",
        "label.no_formula": "In words",
        "rule.dZ": "dZ = dA ⊙ g′(Z), element by element; for sigmoid + bce or softmax + softmax_ce at the "
                   "output it collapses to (A − Y)/m.",
        "rule.dA": "A feeds the next layer, so its gradient comes back from there: through Wᵀ for a dense layer, "
                   "back into place for flatten and pooling, by full correlation with the rotated kernel for conv.",
        "rule.dA.output": "The output A feeds the loss, so dA = ∂J/∂A is the loss's derivative with respect to A, "
                          "entry by entry (with the 1/m when the loss averages over the samples).",
        "rule.dW": "Z = W·A_prev + b, so dW = dZ · A_prevᵀ: one term per sample, summed by the product. No extra "
                   "1/m: dZ already is ∂J/∂Z.",
        "rule.db": "b is added to every sample (and, in conv, every position), so db adds up dZ over them.",
        "rule.dX": "X is A0, the input of layer 1: dX comes back from layer 1 like any dA.",
        "rule.Z": "Z = W·A_prev + b, with b added to every column.",
        "rule.A": "A = g(Z), the activation applied entry by entry.",
        "rule.Z.conv2d": "Z = W ⋆ A_prev + b: each filter slides over the (padded) input with the stride; at each "
                         "position it multiplies the window by its kernel, sums over the window and every channel, "
                         "and adds its bias.",
        "rule.A.maxpool": "Each pooling window of the input gives its largest element, channel by channel; "
                          "pooling has no weights.",
        "rule.A.avgpool": "Each pooling window of the input gives the mean of its elements, channel by channel; "
                          "pooling has no weights.",
        "rule.A.flatten": "Flatten only rearranges: each sample's C × H × W numbers become one column (row by "
                          "row within each channel).",
        "rule.dW.conv2d": "Each kernel weight meets every window of the input it slides over, so dW = A_prev ⋆ dZ: "
                          "correlate the (padded) input with dZ, summing over samples and positions. No extra "
                          "1/m: dZ already is ∂J/∂Z.",
        "hint.shapes": "{shape_sentence}.",
        "hint.shapes.have": "{shape_sentence}. You have: {tensors}.",
        "hint.tensor_shape": "{name} is {shape}",
        "words.flatten": "{name} = dA{next}ᵀ reshaped to m × C × H × W (each column back into one sample)",
        "words.maxpool": "{name}: each window's dA{next} goes whole to the window's largest element, 0 elsewhere",
        "words.conv_dA": "{name} = the full correlation of dZ{next} with ROT180(W{next})",
        "words.avgpool": "{name}: each window's dA{next} shared evenly, 1/{size} to each of its {size} elements",
        "words.conv_dW": "dW{l} = {input} ⋆ dZ{l}: dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · "
                         "P[n, c, s·y + i, s·x + j] (P = {input} padded)",
        "words.conv_Z": "Z{l} = W{l} ⋆ {input} + b{l}: Z{l}[n, f, y, x] = Σ W{l}[f, c, i, j] · "
                        "P[n, c, s·y + i, s·x + j] + b{l}[f] (P = {input} padded)",
        "words.flatten_A": "A{l} = {input} with each sample's C × H × W numbers as one column: {input} reshaped "
                           "to m × (C·H·W), then transposed",
        "words.maxpool_A": "A{l}[n, c, y, x] = the largest of the {size} × {size} window of {input}[n, c] at "
                           "(s·y, s·x)",
        "words.avgpool_A": "A{l}[n, c, y, x] = the mean of the {count} elements of the {size} × {size} window of "
                           "{input}[n, c] at (s·y, s·x)",
    },
    "zh": {
        "question": "第 {number} 题，共 {total} 题：求 {target}。",
        "commands": "输入数值答案（[[1, 2], [3, 4]] 或 1 2; 3 4）或公式（dZ2 @ A1.T），"
                    "或者：hint（提示）、solution（答案）、skip（跳过）、quit（退出）。",
        "options": "再试一次，或输入 hint、solution、skip。",
        "skipped": "已跳过 {target}。",
        "no_more_hints": "没有更多提示了；输入 solution 查看解答步骤。",
        "end_of_input": "输入结束。",
        "interrupted": "已中断。",
        "score": "{exercise} 得分：{total} 题中答对 {solved} 题（{first_try} 题一次答对，用了 {hints}，"
                 "看了 {solutions}）。",
        "count.hints": "{count} 个提示",
        "count.solutions": "{count} 个解答",
        "complete": "练习完成。",
        "network": "网络",
        "colon": "：",
        "network_line": "{layers}，损失函数 {loss}，m = {m}",
        "forward": "前向传播（已给出）",
        "loss": "损失 J = {loss}",
        "hint": "提示 {level}（{label}）",
        "solution": "{target} 的解答",
        "formula": "公式：{target} = {formula}",
        "answer_error": "无法评分：{message}",
        "your_answer": "你的 {target}",
        "list_header": "内置练习（bpcli quiz 名称）：",
        "progress_header": "学习进度（{path}）：",
        "no_progress": "还没有进度记录。",
        "reset": "进度已清除（{path}）。",
        "progress.row": "  {name:<26} {state} 尝试 {tries:<4} 提示 {hints}",
        "progress.solved": "已完成",
        "progress.partial": "答对 {count} 个目标",
        "label.rule": "规则",
        "label.shapes": "维度",
        "label.formula": "公式",
        "label.no_formula": "说明",
        "rule.dZ": "dZ = dA ⊙ g′(Z)，逐元素相乘；输出层为 sigmoid + bce 或 softmax + softmax_ce 时化简为 (A − Y)/m。",
        "rule.dA": "A 是下一层的输入，所以它的梯度从下一层传回：全连接层经 Wᵀ，flatten 和池化层放回原位，"
                   "卷积层与旋转后的卷积核做完全互相关。",
        "rule.dA.output": "输出层的 A 直接进入损失函数，所以 dA = ∂J/∂A 就是损失函数对 A 逐元素的导数"
                          "（损失对样本取平均时带 1/m）。",
        "rule.dW": "Z = W·A_prev + b，所以 dW = dZ · A_prevᵀ：每个样本一项，由矩阵乘法求和。不要再乘 1/m：dZ "
                   "已经是 ∂J/∂Z。",
        "rule.db": "b 加到每个样本上（卷积中还加到每个位置上），所以 db 是 dZ 在这些维度上的和。",
        "rule.dX": "X 就是 A0，即第 1 层的输入：dX 像其他 dA 一样从第 1 层传回。",
        "rule.Z": "Z = W·A_prev + b，b 加到每一列上。",
        "rule.A": "A = g(Z)，逐元素应用激活函数。",
        "rule.Z.conv2d": "Z = W ⋆ A_prev + b：每个卷积核按步长在（补零后的）输入上滑动；在每个位置把窗口与卷积核"
                         "逐元素相乘，对窗口和所有通道求和，再加上它的偏置。",
        "rule.A.maxpool": "输入的每个池化窗口取其中最大的元素，各通道分别进行；池化层没有权重。",
        "rule.A.avgpool": "输入的每个池化窗口取其元素的平均值，各通道分别进行；池化层没有权重。",
        "rule.A.flatten": "flatten 只是重排：每个样本的 C × H × W 个数变成一列（每个通道内逐行排列）。",
        "rule.dW.conv2d": "卷积核的每个权重都作用于它滑过的每个输入窗口，所以 dW = A_prev ⋆ dZ：用 dZ 与（补零后的）"
                          "输入做互相关，对样本和位置求和。不要再乘 1/m：dZ 已经是 ∂J/∂Z。",
        "hint.shapes": "{shape_sentence}。",
        "hint.shapes.have": "{shape_sentence}。已知：{tensors}。",
        "hint.tensor_shape": "{name} 是 {shape}",
        "words.flatten": "{name} = dA{next}ᵀ 重排成 m × C × H × W（每列放回一个样本）",
        "words.maxpool": "{name}：每个窗口的 dA{next} 全部给窗口里最大的元素，其余为 0",
        "words.conv_dA": "{name} = dZ{next} 与 ROT180(W{next}) 的完全互相关",
        "words.avgpool": "{name}：每个窗口的 dA{next} 平均分给窗口里的 {size} 个元素（各 1/{size}）",
        "words.conv_dW": "dW{l} = {input} ⋆ dZ{l}：dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · "
                         "P[n, c, s·y + i, s·x + j]（P 是补零后的 {input}）",
        "words.conv_Z": "Z{l} = W{l} ⋆ {input} + b{l}：Z{l}[n, f, y, x] = Σ W{l}[f, c, i, j] · "
                        "P[n, c, s·y + i, s·x + j] + b{l}[f]（P 是补零后的 {input}）",
        "words.flatten_A": "A{l} = 把 {input} 每个样本的 C × H × W 个数排成一列：{input} 重排成 m × (C·H·W) 再转置",
        "words.maxpool_A": "A{l}[n, c, y, x] = {input}[n, c] 在 (s·y, s·x) 处 {size} × {size} 窗口中最大的元素",
        "words.avgpool_A": "A{l}[n, c, y, x] = {input}[n, c] 在 (s·y, s·x) 处 {size} × {size} 窗口中 {count} 个"
                           "元素的平均值",
    },
}


class Text(Msg):
    """A quiz sentence not yet put into words (a key of ``TEXTS``), like grading's ``Msg``."""

    __slots__ = ()
    tables = TEXTS


def say(lang: str, key: str, **values: Any) -> str:
    """The sentence ``key`` in ``lang`` (English when missing) with ``values`` filled in."""
    return render(TEXTS, lang, key, values)
