"""Text clean-up shared by every source: boilerplate lines, whitespace, titles."""

from __future__ import annotations

import re

# Lines that pages and feeds append around the story; they are never article text.
_BOILERPLATE = re.compile(
    r"^\s*(view original post|article continued below|advertisement|story continues below( advertisement)?|"
    r"continue reading( below)?|read more:?.*|click here.*|sign up for .*newsletter.*|subscribe( now| today)?\.?|"
    r"share this (article|story)|follow us on .*|scroll down for video|related:? .*|"
    r"(copyright|©) .*all rights reserved\.?|this article was originally published .*|"
    r"(image|photo|video) (credit|source):.*)\s*$",
    re.I,
)


# ANSI escape sequences and C0/C1 control characters are never article text; a terminal would act on them.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """Return ``text`` without ANSI escapes and control characters (newlines and tabs stay)."""
    return _CONTROL.sub(" ", _ANSI.sub("", text))


def clean_text(text: str) -> str:
    """Return article text with page boilerplate lines dropped and paragraphs separated by blank lines."""
    text = strip_controls(text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " "))
    paras = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t]+", " ", line).strip()
        if not line or _BOILERPLATE.match(line):
            continue
        paras.append(line)
    return "\n\n".join(paras)


def clean_title(title: str | None) -> str:
    """Return a single-line title without Markdown heading marks."""
    return re.sub(r"\s+", " ", strip_controls(title or "").lstrip("# ")).strip()[:300]
