"""Subscription filters and alert keywords: words, phrases and user regular expressions that can never hang.

User patterns run on RE2 (google-re2), which matches in time linear in the text and never backtracks, so a
pattern like ``(a+)+$`` against a long title costs microseconds. Patterns RE2 cannot compile (backreferences,
lookarounds, syntax errors, too large) are refused when they are set, with RE2's reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import re2

FIELDS = ("title", "text", "speaker", "outlet", "any")
ACTIONS = ("include", "exclude")
KINDS = ("word", "phrase", "regex")
MAX_PATTERN_CHARS = 300
MAX_FILTERS = 25
# RE2's compiled program is capped, so one pattern cannot take the bot's memory either.
_RE2_MAX_MEM = 8 << 20
# Text a filter looks at is capped: a 5 MB article body is matched on its first 20,000 characters.
MAX_TEXT_CHARS = 20_000
# Between the parts of a field ("any", several speakers): a line break then a unit separator, which neither
# ``\s`` nor a word character matches.
FIELD_BREAK = "\n\x1f"


class FilterError(ValueError):
    """A filter or keyword that cannot be used, with the reason in words."""


def _options() -> Any:
    opts = re2.Options()
    opts.log_errors = False
    opts.case_sensitive = False
    opts.max_mem = _RE2_MAX_MEM
    return opts


def compile_pattern(pattern: str) -> Any:
    """Compile a user regular expression with RE2 (case-insensitive); raise FilterError saying why it fails."""
    if not pattern.strip():
        raise FilterError("the pattern is empty")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise FilterError(f"the pattern is longer than {MAX_PATTERN_CHARS} characters")
    return _compile(pattern)


def _valid_text(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (a JSON "\\ud800" escape) has no UTF-8 form for RE2 to read.
        raise FilterError("the pattern holds a character that is not valid text") from None
    return text


def _compile(pattern: str) -> Any:
    # The length limit is on what the user typed: a word's own regex (escapes, word edges) may be longer.
    _valid_text(pattern)
    try:
        return re2.compile(pattern, options=_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise FilterError(f"that regular expression does not compile: {reason}") from None


def _phrase_regex(text: str, *, whole_words: bool = True) -> str:
    words = _valid_text(text).split()
    if not words:
        raise FilterError("the word or phrase is empty")
    body = r"\s+".join(re2.escape(w) for w in words)
    # Word edges only where the phrase itself starts or ends with a word character ("c++" has no end edge).
    start = r"\b" if whole_words and re.match(r"\w", words[0]) else ""
    end = r"\b" if whole_words and re.search(r"\w$", words[-1]) else ""
    return start + body + end


@dataclass(frozen=True, slots=True)
class Filter:
    """One rule: include or exclude stories whose ``field`` matches a word, a phrase or a regex."""

    field: str
    action: str
    kind: str
    pattern: str

    def validate(self) -> Filter:
        """Return the filter if it is usable; raise FilterError otherwise."""
        if self.field not in FIELDS:
            raise FilterError(f"field must be one of: {', '.join(FIELDS)}")
        if self.action not in ACTIONS:
            raise FilterError(f"a filter either includes or excludes, not {self.action!r}")
        if self.kind not in KINDS:
            raise FilterError(f"kind must be one of: {', '.join(KINDS)}")
        if self.kind == "word" and len(self.pattern.split()) != 1:
            raise FilterError("a word filter takes one word; use phrase: for several")
        self.compiled()
        return self

    def compiled(self) -> Any:
        """Return the RE2 program of this filter."""
        if self.kind == "regex":
            return compile_pattern(self.pattern)
        if len(self.pattern) > MAX_PATTERN_CHARS:
            raise FilterError(f"the {self.kind} is longer than {MAX_PATTERN_CHARS} characters")
        return _compile(_phrase_regex(self.pattern))

    def describe(self) -> str:
        """Return the filter in words, as /feeds filter list shows it."""
        what = f"/{self.pattern}/" if self.kind == "regex" else f"“{self.pattern}”"
        return f"{self.action} {self.field} {self.kind} {what}"

    def to_dict(self) -> dict[str, str]:
        """Return the stored form."""
        return {"field": self.field, "action": self.action, "kind": self.kind, "pattern": self.pattern}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Filter:
        """Build a filter from its stored form."""
        return cls(str(d["field"]), str(d["action"]), str(d["kind"]), str(d["pattern"]))


@dataclass(frozen=True, slots=True)
class StoryText:
    """What filters and alerts look at in one story."""

    title: str = ""
    text: str = ""
    speakers: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()

    def field(self, name: str) -> str:
        """Return the text of one field (``any`` is all of them), capped in length."""
        parts = {"title": [self.title], "text": [self.text], "speaker": list(self.speakers),
                 "outlet": list(self.outlets)}
        chosen = [p for k in FIELDS[:-1] for p in parts[k]] if name == "any" else parts[name]
        # Parts are joined by a character no phrase's spaces match, so a phrase never runs from the end of one
        # field (or speaker) into the start of the next.
        return FIELD_BREAK.join(chosen)[:MAX_TEXT_CHARS]


class CompiledFilters:
    """A subscription's filters compiled once: a story passes when an include (if any) matches and no exclude does."""

    def __init__(self, filters: Iterable[Filter]) -> None:
        self.rules = [(f, f.compiled()) for f in filters]

    def passes(self, story: StoryText) -> bool:
        """Tell whether a story passes the filters."""
        return self.verdict(story)[0]

    def verdict(self, story: StoryText) -> tuple[bool, str]:
        """Tell whether a story passes, and which rule decided it (numbered as /feeds filter list shows them)."""
        numbered = list(enumerate(self.rules, 1))
        for n, (f, p) in numbered:
            if f.action == "exclude" and p.search(story.field(f.field)):
                return False, f"filter #{n} ({f.describe()}) matched"
        includes = [(n, f, p) for n, (f, p) in numbered if f.action == "include"]
        if not includes:
            return True, ""
        for n, f, p in includes:
            if p.search(story.field(f.field)):
                return True, f"filter #{n} ({f.describe()}) matched"
        names = "; ".join(f"#{n} {f.describe()}" for n, f, _ in includes)
        return False, f"no include filter matched ({names})"


def load_filters(raw: Sequence[Mapping[str, Any]]) -> list[Filter]:
    """Return stored filters, skipping any that no longer compile (a newer RE2 could refuse an old pattern)."""
    out = []
    for d in raw:
        try:
            out.append(Filter.from_dict(d).validate())
        except (FilterError, KeyError):
            continue
    return out


def keyword_matcher(keyword: str) -> Any:
    """Return the RE2 program of an alert keyword: a word or phrase, matched as whole words, any case."""
    if len(keyword) > MAX_PATTERN_CHARS:
        raise FilterError(f"the keyword is longer than {MAX_PATTERN_CHARS} characters")
    return _compile(_phrase_regex(keyword))
