"""Practice sessions: bundled and generated exercises, the question-and-answer session, and the
learner's progress. The session logic is plain Python with injected input and output; its
terminal side (Rich) is ``bpcli.render.quiz``."""
