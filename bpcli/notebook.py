"""The notebook display of a worked solution: Jupyter shows what ``bpcli.explain`` returns as
Markdown or HTML. It lives beside the renderers, not in the narration, so the narration stays
plain data that never imports ``bpcli.render``."""

from __future__ import annotations

from dataclasses import dataclass, fields

from bpcli.narrate.model import Explanation


@dataclass
class NotebookExplanation(Explanation):
    """An ``Explanation`` that renders itself in a notebook (IPython's ``_repr_*_`` protocol)."""

    @classmethod
    def of(cls, explanation: Explanation) -> "NotebookExplanation":
        return cls(**{f.name: getattr(explanation, f.name) for f in fields(Explanation)})

    def _repr_markdown_(self) -> str:
        from bpcli.render.markdown import render_explanation

        return render_explanation(self)

    def _repr_html_(self) -> str:
        from bpcli.render.html import render_explanation

        return render_explanation(self, standalone=False)
