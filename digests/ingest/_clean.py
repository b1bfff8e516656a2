"""Text clean-up shared by every source: boilerplate lines, whitespace, titles."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lines that pages and feeds append around the story; they are never article text.
_BOILERPLATE = re.compile(
    r"^\s*(view original post|article continued below|advertisement|story continues below( advertisement)?|"
    r"continue reading( below)?|read more:?.*|click here.*|sign up for .*newsletter.*|subscribe( now| today)?\.?|"
    r"share this (article|story)|follow us on .*|scroll down for video|related:? .*|"
    r"(copyright|©) .*all rights reserved\.?|this article was originally published .*|"
    r"(image|photo|video) (credit|source):.*)\s*$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class LineRule:
    """A named kind of page boilerplate: a line matching ``pattern`` with at most ``max_words`` words is cut."""

    name: str
    pattern: re.Pattern[str]
    max_words: int = 30
    # Only when the line speaks to the reader ("you", "Subscribe ...") and quotes nobody: a call to action.
    addressed: bool = False


# A call to action speaks to the reader or opens on an imperative; article sentences report in the third person.
_ADDRESSED = re.compile(
    r"\byou(?:r|rs|'re|'ll)?\b|^\W*(?:subscribe|sign|join|get|become|support|log|register|click|tap|read|submit|"
    r"send|e-?mail|contact|follow|download|try|start|enter|share|donate)\b", re.I)
_QUOTED = re.compile(r"[\"“”]")
# A pitch for membership, subscriptions or donations: a verb of joining and what the reader gets or gives.
# Anchored: unanchored lookaheads would be tried at every position of a long line (quadratic).
_PITCH = re.compile(
    r"^(?=.*\b(?:join|subscrib\w*|sign ?up|renew|become an? (?:member|subscriber|supporter)|donat\w+)\b)"
    r"(?=.*\b(?:access|journalism|reporting|newsletters?|inbox|membership|subscriptions?|perks?|ad-free|"
    r"support (?:us|our|independent))\b)", re.I)
_PITCH_OPEN = re.compile(r"^\W*(?:join|subscribe|renew|sign ?up|donate|become an? (?:member|subscriber|supporter))\b",
                         re.I)
_LIST_ITEM = re.compile(r"^\W*[—–•*·-]\s")
_PERKS = re.compile(r"\b(?:subscri\w+|members?(?:hip)?|gifts?|perks?|offers?|discounts?)\b", re.I)


# Each rule is short-line only: an article paragraph that mentions a newsletter or a copyright is longer.
LINE_RULES: tuple[LineRule, ...] = (
    LineRule("paywall", re.compile(
        r"\bsubscribe (?:now|today|to (?:continue|read|keep|get|access|unlock))|\b(?:for|only for) (?:subscribers|members)\b|"
        r"\bsubscribers? only\b|already an? (?:member|subscriber)|become an? (?:member|subscriber)|"
        r"free articles? (?:left|remaining)|\barticle limit\b|(?:log|sign) ?in to (?:continue|read|keep)|"
        r"\bunlock (?:this|the full|unlimited)|\bunlimited (?:digital )?access\b", re.I), 35),
    # A short line that only mentions subscribing is a call to subscribe, not a sentence of the story.
    LineRule("paywall", re.compile(r"\b(?:subscribe|subscription|subscribers?)\b", re.I), 15),
    LineRule("paywall", re.compile(r"\b(?:subscribe|subscription|subscribers?|paywall)\b", re.I), 35, addressed=True),
    LineRule("newsletter", re.compile(
        r"\b(?:sign ?up|subscribe|register|join)\b.*\b(?:newsletters?|updates|alerts|inbox|e-?mails?)\b|"
        r"\bnewsletters?\b.*\b(?:sign ?up|subscribe|inbox|delivered)\b|\benter your e-?mail|\byour e-?mail address\b|"
        r"\bwant to (?:be|stay|keep) (?:informed|updated|up to date)|^\W*(?:stay|keep) (?:informed|updated|up to date)|"
        r"\bsign ?up here\b", re.I), 30),
    LineRule("donation", re.compile(
        r"\b(?:donate (?:now|today|here|to)|please donate|make a (?:donation|contribution)|"
        r"support (?:our|independent) journalism|become a (?:patron|supporter))\b|^\W*donate\W*$", re.I), 30),
    LineRule("donation", re.compile(r"\bdonat(?:e|ions?)\b|\bhelp us (?:continue|keep|grow|to)\b", re.I), 30,
             addressed=True),
    LineRule("byline", re.compile(
        r"^(?:(?i:posted|published|updated|written|filed|last (?:updated|modified))(?i: on| by| in| at)?\b\s*:?|"
        r"(?i:by)\s+[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|van|de|der|von|and|&)){0,5}\s*(?:[,|–—-].{0,60})?$)"),
        14),
    LineRule("teaser", re.compile(
        r"^\W*(?:related(?: articles?| stories| posts| coverage| content)?|read (?:more|also|next|this)|also read|"
        r"see also|more (?:from|on|about|stories|news)|recommended(?: for you| stories)?|you (?:may|might) (?:also )?like|"
        r"most (?:read|popular|viewed)|trending(?: now)?|top stories|latest (?:news|stories)|next (?:story|article)|"
        r"previous (?:story|article)|up next|don'?t miss)\b", re.I), 30),
    LineRule("copyright", re.compile(
        r"©|\(c\)\s*(?:19|20)\d\d|\bcopyright\s*(?:©|\(c\)|(?:19|20)\d\d)|all rights reserved|"
        r"^\W*(?:terms of (?:use|service)|privacy policy)\b", re.I), 30),
    LineRule("contact", re.compile(
        r"^\W*(?:contact us|e-?mail|tel(?:ephone)?|phone|fax|call us)\b\s*:|\bsubmit your (?:letters?|story|stories|tips?|news|"
        r"photos?|comments?|questions?)\b|\bsend (?:us )?your (?:tips?|letters?|stories|questions)\b|"
        r"^\W*(?:for (?:more information|media inquiries|press inquiries)),?", re.I), 30),
    LineRule("contact", re.compile(r"\bletters? to the editor\b", re.I), 15),
    LineRule("contact", re.compile(r"\bletters? to the editor\b|\bcontact\b|\be-?mail\b", re.I), 30, addressed=True),
    # Taxonomy labels under or above a story: "Category: Local news", "Tags: ferries, harbour", "Filed under: ...",
    # also after a date label ("News date : 04/21/2022 Category : Press").
    LineRule("taxonomy", re.compile(
        r"^\W*(?:(?:(?:news |release |publication |post )?date|published|updated)\s*:\s*[\d/.-]+\s*)?"
        r"(?:categor(?:y|ies)|tags?|tagged(?: with| as)?|filed (?:under|in)|posted in|topics?|keywords?)\s*:",
        re.I), 20),
    # A membership or subscription pitch to the reader: "When you join ..., you'll get unlimited access".
    LineRule("promo", _PITCH, 80, addressed=True),
    # "Join now or renew to get:", "Join the conversation": a short call to join.
    LineRule("promo", _PITCH_OPEN, 12),
    # App-store calls to action, in the imperative ("Download our app", "For the latest news, get the app");
    # a reported "passengers would download the app" is article text.
    LineRule("app", re.compile(
        r"^\W*(?:(?:for|to get|to receive|to stay)\b[^.!?]{0,80}?[,\s]\s*)?(?:download|get|install) (?:the|our|free)\b"
        r".{0,60}\bapps?\b", re.I), 30),
    LineRule("credit", re.compile(
        r"^\W*(?:photo(?:graph)?s?|images?|pictures?|illustrations?|videos?|graphics?|credits?|source|courtesy)"
        r"(?:\s+(?:credits?|courtesy|by|source))?\s*:", re.I), 25),
    LineRule("share", re.compile(
        r"^\W*(?:share|tweet|pin it|e-?mail|print|comments?|reply|like|useful|report|menu|search|close|loading\.*)"
        r"(?:\s+(?:this|on \w+|it|post|story|article))?\W*$", re.I), 5),
    # The older catch-all list, checked last so that a line gets the name of the specific rule above.
    LineRule("furniture", _BOILERPLATE, 10_000),
)

# "By Jane Doe:" or "Posted by Jane Doe |" before the first sentence: a byline glued to the paragraph.
_BYLINE_PREFIX = re.compile(
    r"^(?i:posted |written )?(?i:by)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s*[:|–—]\s+(?=[A-Z\"“])")


def boilerplate_rule(line: str) -> str | None:
    """Return the name of the boilerplate rule that cuts ``line``, or None when the line is kept."""
    words = len(line.split())
    for rule in LINE_RULES:
        if words <= rule.max_words and rule.pattern.search(line) and (
                not rule.addressed or (_ADDRESSED.search(line) and not _QUOTED.search(line))):
            return rule.name
    return None


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
    in_pitch = False
    for line in text.split("\n"):
        line = re.sub(r"[ \t]+", " ", line).strip()
        line = _BYLINE_PREFIX.sub("", line)
        if not line:
            continue
        rule = boilerplate_rule(line)
        if rule:
            in_pitch = rule == "promo" or bool(_PITCH.search(line))
            continue
        # A pitch runs on in its list of perks and its closing line for subscribers; the block ends at a line of
        # the article.
        if in_pitch and not _QUOTED.search(line) and (
                _LIST_ITEM.match(line) or _PERKS.search(line) and ("!" in line or _ADDRESSED.search(line))):
            continue
        in_pitch = False
        paras.append(line)
    return "\n\n".join(paras)


def clean_feed_text(text: str) -> str:
    """Return a feed item's own text with whitespace and control characters tidied, every line kept.

    A feed item is what its publisher wrote, not a page around it: a line with a © or about subscribing is the
    item's text (an untitled item can be just "© 2026 The Courier: floods close the rail line").
    """
    text = strip_controls(text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " "))
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


def clean_title(title: str | None) -> str:
    """Return a single-line title without Markdown heading marks."""
    return re.sub(r"\s+", " ", strip_controls(title or "").lstrip("# ")).strip()[:300]
