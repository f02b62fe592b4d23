"""The source texts bpcli teaches (shared/seeds, the README's table of texts) as an exercise names
them in ``exercise: {text: …}``. Kept apart and import-free so that both the narration (which
notes a text's slips only in its exercises) and the exercise catalogue (which validates the
field) read one definition without importing each other."""

from __future__ import annotations

#: the texts an exercise may follow
SOURCE_TEXTS = ("000", "001", "002", "003", "004")
#: what an exercise that follows none of them says (batch normalisation is CS231n's, not a text's):
#: it names its text as every bundled exercise does, and gets the general notes
NO_TEXT = "none"


def text_code(value: object) -> str | None:
    """What ``exercise.text`` says, as a code: '002' for "002" or for 2 (YAML reads 002 as the
    number 2), ``NO_TEXT`` for none; None when the field is absent. Whether the code is one of
    SOURCE_TEXTS is the caller's to judge."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:03d}"
    return str(value)
