"""Per-subscription post formats: a template with named placeholders, checked when it is set."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDERS = ("title", "summary", "quote", "speaker", "link", "published", "outlet")
MAX_TEMPLATE_CHARS = 1000
DEFAULT_TEMPLATE = "{summary}\n{quote}"


class TemplateError(ValueError):
    """A template that cannot be used, with the reason in words."""


@dataclass(frozen=True, slots=True)
class StoryValues:
    """The values a template can show for one story (plain text; each platform escapes them)."""

    title: str = ""
    summary: str = ""
    quote: str = ""
    speaker: str = ""
    link: str = ""
    published: str = ""
    outlet: str = ""

    def as_dict(self) -> dict[str, str]:
        """Return the values by placeholder name."""
        return {k: getattr(self, k) for k in PLACEHOLDERS}


def validate_template(template: str) -> str:
    """Return the template if every placeholder is known and the braces balance; raise TemplateError otherwise."""
    if not template.strip():
        raise TemplateError("the format is empty")
    if len(template) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"the format is longer than {MAX_TEMPLATE_CHARS} characters")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"the format has unbalanced braces ({exc}); write {{{{ and }}}} for literal braces") \
            from None
    names = [p[1] for p in parts if p[1] is not None]
    if not names:
        raise TemplateError("the format uses no placeholder; use some of: "
                            + " ".join("{" + p + "}" for p in PLACEHOLDERS))
    for name, spec, conv in ((p[1], p[2], p[3]) for p in parts if p[1] is not None):
        if name not in PLACEHOLDERS:
            raise TemplateError(f"unknown placeholder {{{name[:30]}}}; use: "
                                + " ".join("{" + p + "}" for p in PLACEHOLDERS))
        if spec or conv:
            raise TemplateError(f"placeholder {{{name}}} takes no format spec or conversion")
    return template


def render_template(template: str, values: StoryValues | Mapping[str, str]) -> str:
    """Fill a (validated) template; lines whose placeholders were all empty are dropped."""
    data = values.as_dict() if isinstance(values, StoryValues) else dict(values)
    lines = []
    for line in template.split("\n"):
        parts = list(string.Formatter().parse(line))
        names = [p[1] for p in parts if p[1] is not None]
        # Values are substituted literally: a "{" inside a story's text is never read as another placeholder.
        out = "".join(lit + (data.get(name or "", "") if name is not None else "") for lit, name, _, _ in parts)
        if names and not any(data.get(n) for n in names):
            continue
        lines.append(out)
    return "\n".join(lines).strip()
