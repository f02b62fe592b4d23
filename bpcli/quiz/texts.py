"""The quiz's own sentences in English and Chinese (grading messages come from ``grading``)."""

from __future__ import annotations

TEXTS = {
    "en": {
        "question": "Question {number} of {total}: compute {target}.",
        "commands": "Type a numeric answer ([[1, 2], [3, 4]] or 1 2; 3 4) or a formula (dZ2 @ A1.T), "
                    "or: hint, solution, skip, quit.",
        "options": "Try again, or type hint, solution or skip.",
        "skipped": "Skipped {target}.",
        "no_more_hints": "No more hints; type solution to see the worked steps.",
        "end_of_input": "End of input.",
        "interrupted": "Interrupted.",
        "score": "Score for {exercise}: {solved} of {total} solved ({first_try} at the first try, "
                 "{hints} hint{hints_s}, {revealed} solution{revealed_s} shown).",
        "complete": "Exercise complete.",
        "network": "Network",
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
        "score": "{exercise} 得分：{total} 题中答对 {solved} 题（{first_try} 题一次答对，"
                 "用了 {hints} 个提示，看了 {revealed} 个解答）。",
        "complete": "练习完成。",
        "network": "网络",
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
    },
}


def say(lang: str, key: str, **values) -> str:
    """The sentence ``key`` in ``lang`` (English when missing) with ``values`` filled in."""
    table = TEXTS.get(lang, TEXTS["en"])
    return table.get(key, TEXTS["en"][key]).format(**values)
