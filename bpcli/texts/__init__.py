"""Every sentence bpcli says to a learner, in each language it speaks: one lookup, one plural
rule, one fallback.

A language is one module of this package, named by its code (``en.py``, ``zh.py``), with
``TEXTS``: key → template. Adding a file here adds the language everywhere (``--lang``, the
narration, grading, the quiz); the exercises' own statements and hints fall back to English.

- Lookup: ``say(lang, key, **fields)``, or ``Msg(key, **fields)`` worded later with
  ``.text(lang)``; a field may itself be a ``Msg`` or a ``Joined`` list, worded in the same
  language. Keys are 'area.what' (``title.dW``, ``verdict.wrong``, ``quiz.question``).
- Plural: a template is a ``str.format`` string, or ``{"one": …, "other": …}`` chosen by the
  ``count`` field (``count == 1`` → "one"); a language with one form writes a plain string.
- Missing: a key a language lacks is said in English (``tests/test_texts.py`` fails when any
  language lacks a key, or words a template with other fields than English). A key English lacks
  is a bug in bpcli, a KeyError.

Only the standard library (and ``bpcli.errors``) is imported here: the command line reads
``languages()`` at start-up.
"""

from __future__ import annotations

import importlib
import os
import re
from types import ModuleType
from typing import Any, Iterable, Mapping

from bpcli.errors import AnswerError, BpcliError, SpecError, UsageError
from bpcli.formatting import without_spaces_between_wide

DEFAULT_LANGUAGE = "en"
#: the environment variables that name the learner's language, in POSIX order (first set wins)
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

Template = "str | dict[str, str]"

_loaded: dict[str, ModuleType] = {}



#: the languages found, by the package's __path__ they were looked for in (a batch asks per row)
_languages: dict[tuple[str, ...], tuple[str, ...]] = {}


def languages() -> tuple[str, ...]:
    """The languages bpcli speaks: English first, then every other module of this package."""
    where = tuple(__path__)
    if where not in _languages:
        import pkgutil  # here: the network loader imports this module, and start-up counts (compute --json)

        found = {module.name for module in pkgutil.iter_modules(where) if not module.name.startswith("_")}
        _languages[where] = (DEFAULT_LANGUAGE, *sorted(found - {DEFAULT_LANGUAGE}))
    return _languages[where]


def check_language(lang: Any) -> None:
    """``UsageError`` unless bpcli speaks ``lang`` (the API's callers pass any string)."""
    if lang not in languages():
        raise usage_error("usage.unknown_language", found=lang, choices=Joined(languages()))


def language_from_environment(environ: Mapping[str, str] = os.environ) -> str:
    """The language the locale asks for: the first of LC_ALL, LC_MESSAGES, LANG that is set
    decides (``zh_CN.UTF-8`` → zh); English when it names no language bpcli speaks (C, POSIX)."""
    locale = next((environ[name] for name in LOCALE_VARIABLES if environ.get(name)), "")
    code = re.split(r"[_.@-]", locale, maxsplit=1)[0].lower()
    return code if code in languages() else DEFAULT_LANGUAGE


def templates(lang: str) -> Mapping[str, Template]:
    """The templates of ``lang`` (English for a language bpcli does not speak)."""
    return _language(lang).TEXTS


def _language(lang: str) -> ModuleType:
    if lang not in _loaded:
        code = lang if lang in languages() else DEFAULT_LANGUAGE
        _loaded[lang] = importlib.import_module(f"{__name__}.{code}")
    return _loaded[lang]


def say(lang: str, key: str, **fields: Any) -> str:
    """The sentence ``key`` in ``lang`` with ``fields`` filled in (English when ``lang`` lacks it)."""
    language = _language(lang)
    template = language.TEXTS.get(key)
    if template is None:
        template = templates(DEFAULT_LANGUAGE)[key]
    if isinstance(template, dict):
        template = template["one" if fields.get("count") == 1 else "other"]
    text = template.format(**{name: word(value, lang) for name, value in fields.items()})
    # templates space their fields as for a Latin name: none between Chinese words
    return without_spaces_between_wide(text) if getattr(language, "CLOSE_CJK_GAPS", False) else text


def word(value: Any, lang: str) -> Any:
    """A field as it goes into a sentence in ``lang``."""
    if isinstance(value, (Msg, Joined)):
        return value.text(lang)
    return value


def template_fields(template: Template) -> set[str]:
    """The fields a template uses (both forms of a one/other pair)."""
    from string import Formatter

    forms = template.values() if isinstance(template, dict) else [template]
    return {field.split(".")[0].split("[")[0] for form in forms
            for _, field, _, _ in Formatter().parse(form) if field}


class Msg:
    """A sentence (or a piece of one) not yet put into words: a key and its fields. ``str()``
    gives the English."""

    __slots__ = ("key", "fields")

    def __init__(self, key: str, **fields: Any):
        self.key = key
        self.fields = fields

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return say(lang, self.key, **self.fields)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.fields!r})"


class Joined:
    """Items (text or ``Msg``) joined with a separator of the language, such as 'a, b' / 'a，b'."""

    __slots__ = ("items", "separator")

    def __init__(self, items: Iterable[Any], separator: str = "sep.list"):
        self.items = list(items)
        self.separator = separator

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return say(lang, self.separator).join(str(word(item, lang)) for item in self.items)

    def __str__(self) -> str:
        return self.text()


def sentences(lang: str, parts: Iterable[Any]) -> str:
    """Sentences (``Msg`` or text) one after the other, as the language writes them."""
    worded = [str(word(part, lang)) for part in parts]
    return say(lang, "sep.sentence").join(text for text in worded if text)


#: what ends a sentence already, in any language bpcli speaks
_SENTENCE_ENDS = tuple(".!?。！？…")


def ended(lang: str, text: str) -> str:
    """``text`` as a whole sentence: with the language's full stop unless it ends with one (an
    error's message is a clause, as the command line's one-line errors write it)."""
    return text if text.rstrip().endswith(_SENTENCE_ENDS) else text + say(lang, "sep.full_stop")


def answer_error(key: str, error_type: type[AnswerError] = AnswerError, **fields: Any) -> AnswerError:
    """An ``AnswerError`` (or the subclass ``error_type``) whose text is the English of ``key``;
    ``error_text`` words it in any language."""
    return _worded(error_type(say(DEFAULT_LANGUAGE, key, **fields)), Msg(key, **fields))


def usage_error(key: str, **fields: Any) -> UsageError:
    """A ``UsageError`` worded like ``answer_error``."""
    return _worded(UsageError(say(DEFAULT_LANGUAGE, key, **fields)), Msg(key, **fields))


def _worded(error: BpcliError, message: Msg) -> BpcliError:
    error.msg = message
    return error


def error_text(error: BaseException, lang: str = DEFAULT_LANGUAGE) -> str:
    """An error's message in ``lang`` (its own text when it carries no ``Msg``); a network file's
    error with its file and place ('hw.yaml: layers[1].W: …')."""
    if isinstance(error, SpecError):
        return error.describe(lang)
    message = getattr(error, "msg", None)
    return message.text(lang) if isinstance(message, Msg) else str(error)
