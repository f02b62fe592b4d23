"""The quiz session: ask each target of an exercise (output layer first), grade the answer, and
after a wrong one offer another try, a hint (rule, then shapes, then the formula with names), the
worked solution, or skipping. Plain logic: input and output are injected (``QuizIO``), so tests
drive a session with a list of lines and read what it showed.

Every line the learner types is either an answer or a command: ``hint``, ``solution``, ``skip``,
``quit``, in any language bpcli speaks (the ``quiz.words.*`` texts: ``h``/``?``, ``s``/``show``,
``n``/``next``, ``q``/``exit`` in English, 提示, 答案, 跳过, 退出 in Chinese).
End of input ends the session with the score; Ctrl-C too, marked as interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bpcli.core.losses import has_fused_output_gradient
from bpcli.core.network import Run, run
from bpcli.errors import AnswerError
from bpcli.grading import DEFAULT_RTOL, Draws, GradeResult, grade, parse_target
from bpcli.texts import error_text
from bpcli.quiz.catalogue import Exercise, formula_example
from bpcli.quiz.hints import HINT_LEVELS, hint, solution_formula
from bpcli.quiz.progress import ProgressStore
from bpcli.texts import languages, say

COMMANDS = ("hint", "solution", "skip", "quit", "help")


def command_of(line: str) -> str | None:
    """The command a line means, or None when it is an answer: a word of the command in any
    language (a learner may type hint under --lang zh)."""
    word = line.strip().lower()
    return next((command for command in COMMANDS
                 if any(word in _words(lang, command) for lang in languages())), None)


def _words(lang: str, command: str) -> list[str]:
    return [word.strip().lower() for word in say(lang, f"quiz.words.{command}").split("/")]


@dataclass
class Solution:
    """What 'solution' reveals for a target: explain's steps for it with the explanation they
    belong to, the formula with names (or None), and the value."""

    target: str
    steps: list[Any]
    formula: str | None
    value: Any
    explanation: Any = None


@dataclass
class TargetOutcome:
    target: str
    solved: bool = False
    tries: int = 0
    hints: int = 0
    revealed: bool = False
    skipped: bool = False

    @property
    def first_try(self) -> bool:
        return self.solved and self.tries == 1 and self.hints == 0


@dataclass
class Score:
    """The outcome of a session: one record per target asked (in order)."""

    exercise: str
    total: int
    outcomes: list[TargetOutcome] = field(default_factory=list)
    interrupted: bool = False
    #: targets solved in an earlier session of an exercise this one resumed
    solved_before: list[str] = field(default_factory=list)

    @property
    def solved(self) -> int:
        return len(self.solved_before) + sum(outcome.solved for outcome in self.outcomes)

    @property
    def first_try(self) -> int:
        return sum(outcome.first_try for outcome in self.outcomes)

    @property
    def hints(self) -> int:
        return sum(outcome.hints for outcome in self.outcomes)

    @property
    def revealed(self) -> int:
        return sum(outcome.revealed for outcome in self.outcomes)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.solved == self.total


class QuizIO(Protocol):
    """What a session needs from its surroundings. ``read`` raises EOFError at the end of input
    and KeyboardInterrupt on Ctrl-C."""

    def read(self, prompt: str) -> str: ...
    def show_exercise(self, exercise: Exercise, result: Run) -> None: ...
    def show_question(self, target: str, number: int, total: int) -> None: ...
    def show_grade(self, result: GradeResult) -> None: ...
    def show_answer_error(self, message: str) -> None: ...
    def show_hint(self, level: int, label: str, text: str) -> None: ...
    def show_solution(self, solution: Solution) -> None: ...
    def show_text(self, key: str, **values: Any) -> None: ...
    def show_score(self, score: Score) -> None: ...


def solution_for(exercise: Exercise, target: str, lang: str, computed: Run | None = None) -> Solution:
    """explain's steps whose target is ``target`` in full, with every note but those about a text
    the exercise does not follow, and the formula and the value (from ``computed``, the exercise
    network's run, when the caller has it). For the output's dZ under a loss with no shortcut
    (mse, sse), the output's dA step comes first when the exercise does not ask dA itself."""
    from bpcli.narrate import explain
    from bpcli.narrate.detail import concerns, followed_text

    network = exercise.network
    tensors = (computed if computed is not None else run(network)).tensors()
    chosen = parse_target(target, tensors)
    explanation = explain(network, lang=lang, forward=True, backward=True, check=False)
    text = followed_text(network)
    shown = {target}
    last = len(network.layers)
    if (target == f"dZ{last}" and f"dA{last}" not in exercise.targets
            and not has_fused_output_gradient(network.loss)):
        # dZ = dA ⊙ g′(Z) with a dA the quiz never asked nor showed: its step from the loss first
        shown.add(f"dA{last}")
    steps = [replace(step, notes=[note for note in step.notes if concerns(note, text)])
             for step in explanation.steps if step.target in shown]
    return Solution(target, steps, solution_formula(network, chosen), tensors[target], explanation)


class QuizSession:
    """One pass through an exercise's targets. ``store`` (optional) records progress after every
    graded answer, so an interrupted session keeps what was done."""

    def __init__(self, exercise: Exercise, io: QuizIO, store: ProgressStore | None = None,
                 lang: str = "en", rtol: float = DEFAULT_RTOL):
        self.exercise = exercise
        self.io = io
        self.store = store
        self.lang = lang
        self.rtol = rtol
        self.score = Score(exercise.name, len(exercise.targets))
        #: the exercise network's run, computed once: grades, hints and solutions all read it
        self.computed = run(exercise.network)
        self.draws = Draws(exercise.network)

    def pending_targets(self) -> list[str]:
        """The targets this session asks, like rustlings resuming: those not yet solved, the
        skipped ones last; every target again once the exercise was solved (or with no store)."""
        targets = self.exercise.targets
        record = self.store.exercises.get(self.exercise.name) if self.store is not None else None
        if record is None or record.solved:
            return list(targets)
        unsolved = [target for target in targets if target not in record.targets_solved]
        return ([target for target in unsolved if target not in record.skipped]
                + [target for target in unsolved if target in record.skipped])

    def run(self) -> Score:
        """Ask every pending target; return the score (``interrupted`` after Ctrl-C)."""
        self.io.show_exercise(self.exercise, self.computed)
        pending = self.pending_targets()
        self.score.solved_before = [target for target in self.exercise.targets if target not in pending]
        if self.score.solved_before:
            self.io.show_text("quiz.resume", solved=len(self.score.solved_before), total=self.score.total,
                              target=pending[0])
        try:
            for number, target in enumerate(pending, start=len(self.score.solved_before) + 1):
                outcome = TargetOutcome(target)
                self.score.outcomes.append(outcome)
                if not self._ask(outcome, number):
                    break
        except EOFError:
            self.io.show_text("quiz.end_of_input")
        except KeyboardInterrupt:
            self.score.interrupted = True
        self._record_session()
        self.io.show_score(self.score)
        return self.score

    def _ask(self, outcome: TargetOutcome, number: int) -> bool:
        """Question loop for one target; False when the learner quits."""
        target = outcome.target
        self.io.show_question(target, number, self.score.total)
        while True:
            line = self.io.read(f"{target} = ")
            if not line.strip():
                continue
            command = command_of(line)
            if command == "quit":
                return False
            if command == "skip":
                outcome.skipped = True
                self.io.show_text("quiz.skipped", target=target)
                self._record(outcome)
                return True
            if command == "hint":
                self._hint(outcome)
                continue
            if command == "help":  # what may be typed, rather than 'unknown name help in the formula'
                self.io.show_text("quiz.commands", example=formula_example(self.exercise.network))
                continue
            if command == "solution":
                outcome.revealed = True
                self.io.show_solution(solution_for(self.exercise, target, self.lang, self.computed))
                return True
            if self._answer(outcome, line):
                return True

    def _hint(self, outcome: TargetOutcome) -> None:
        if outcome.hints >= HINT_LEVELS:
            self.io.show_text("quiz.no_more_hints")
            return
        outcome.hints += 1
        tensors = self.computed.tensors()
        chosen = parse_target(outcome.target, tensors)
        label, text = hint(self.exercise.network, chosen, outcome.hints, self.lang,
                           self.exercise.rule_hint(outcome.target, self.lang), tensors)
        self.io.show_hint(outcome.hints, label, text)
        self._record(outcome, hints=1)

    def _answer(self, outcome: TargetOutcome, line: str) -> bool:
        """Grade one answer; True when it is right."""
        try:
            result = grade(self.exercise.network, outcome.target, line, rtol=self.rtol, lang=self.lang,
                           computed=self.computed, draws=self.draws)
        except AnswerError as error:
            self.io.show_answer_error(error_text(error, self.lang))
            return False
        outcome.tries += 1
        self.io.show_grade(result)
        if result.correct:
            outcome.solved = True
        else:
            self.io.show_text("quiz.options")
        self._record(outcome, tries=1)
        return result.correct

    def _record(self, outcome: TargetOutcome, tries: int = 0, hints: int = 0) -> None:
        if self.store is None:
            return
        progress = self.store.get(self.exercise.name)
        progress.tries += tries
        progress.hints += hints
        if outcome.solved and outcome.target not in progress.targets_solved:
            progress.targets_solved.append(outcome.target)
        if outcome.solved and outcome.target in progress.skipped:
            progress.skipped.remove(outcome.target)
        if outcome.skipped and outcome.target not in progress.skipped:
            progress.skipped.append(outcome.target)
        self.store.save()

    def _record_session(self) -> None:
        if self.store is None:
            return
        progress = self.store.get(self.exercise.name)  # a started exercise is listed as in progress
        if self.score.complete:
            progress.solved = True
            # the next session practises the whole exercise again
            progress.targets_solved, progress.skipped = list(self.exercise.targets), []
        self.store.save()
