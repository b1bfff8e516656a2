"""Speaker names: titles and roles split off, keys for the store, bare surnames resolved to full names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Honorifics and office titles that may stand in front of a name ("Sen. Jane Roe", "Prime Minister Jo Bloggs").
# Lower-case keys; a trailing period is ignored when matching.
TITLE_WORDS: frozenset[str] = frozenset(
    """
    mr mrs ms miss mx dr prof professor sir dame lord lady sen senator rep representative gov governor
    president premier mayor minister prime pm secretary ambassador chancellor chief judge justice
    commissioner director chairman chairwoman chairperson chair coach sheriff pope king queen prince
    princess officer detective constable sergeant sgt inspector superintendent councillor councilor
    alderman mp mpp mla mna mep lieutenant lt general gen admiral adm colonel col captain capt major maj
    corporal cpl private pte rev reverend father bishop archbishop cardinal rabbi imam pastor speaker
    leader spokesman spokeswoman spokesperson ceo cfo coo cto chargé chargée envoy deputy vice acting
    interim attorney counsel principal dean provost chancellor trustee magistrate marshal commander
    commandant ayatollah sheikh emir crown hon honourable honorable
    """.split()
)

# Words that only make sense inside a title ("Secretary of State", "Attorney General", "Chargé d'Affaires").
_TITLE_TAIL = frozenset({"general", "d'affaires", "d’affaires", "of", "state", "defence", "defense", "affairs"})

# Nouns that head a role phrase ("press secretary", "executive director of the board").
ROLE_NOUNS: frozenset[str] = frozenset(
    """
    secretary spokesman spokeswoman spokesperson spokespeople commander leader director minister president
    ambassador chief chair chairman chairwoman chairperson ceo cfo coo cto founder co-founder cofounder
    owner manager head officer official lawyer attorney counsel professor researcher scientist economist
    analyst strategist advocate activist organizer organiser coordinator co-ordinator administrator
    senator governor mayor premier councillor councilor diplomat envoy general colonel captain coach
    player captain teammate defenceman defenseman forward goaltender goalie pitcher quarterback teacher
    principal doctor physician nurse surgeon psychologist psychiatrist expert author writer editor
    columnist reporter journalist producer artist cartoonist actor actress singer musician entrepreneur
    partner president-elect vice-president executive investigator detective inspector constable sergeant
    superintendent commissioner judge justice magistrate prosecutor attorney-general critic mp mpp mla
    candidate member resident student mother father dad mom mum son daughter wife husband sister brother
    friend neighbour neighbor owner proprietor publisher fellow dean chancellor provost trustee
    representative consultant engineer planner manager pastor priest bishop rabbi imam chaplain
    """.split()
)

# Trailing generational suffixes dropped from keys.
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
_APPOSITIVE = re.compile(r"^\s*(?P<name>[^,]+?)\s*,\s*(?P<role>.+?)\s*,?\s*$")


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _is_title(word: str) -> bool:
    return word.rstrip(".").lower() in TITLE_WORDS


@lru_cache(maxsize=4096)
def speaker_key(name: str) -> str:
    """Return a normalized key for a speaker name: accents stripped, lower case, titles and suffixes dropped."""
    s = _strip_accents(unicodedata.normalize("NFKC", name or "")).lower()
    s = re.sub(r"['’]s\b", "", s)
    toks = _WORD.findall(s)
    while len(toks) > 1 and (toks[0] in TITLE_WORDS or toks[0] in _TITLE_TAIL or toks[0] == "the"):
        toks = toks[1:]
    while len(toks) > 1 and toks[-1] in _SUFFIXES:
        toks = toks[:-1]
    return " ".join(toks)


def resolve_speaker(name: str, known: Iterable[str]) -> str | None:
    """Return the known full name that ``name`` (a bare surname or shorter form) refers to, if unambiguous."""
    key = speaker_key(name)
    if not key:
        return None
    toks = key.split()
    exact: list[str] = []
    suffix: list[str] = []
    first: list[str] = []
    for cand in known:
        ck = speaker_key(cand)
        if not ck:
            continue
        if ck == key:
            exact.append(cand)
            continue
        ct = ck.split()
        if len(ct) > len(toks) and ct[-len(toks):] == toks:
            suffix.append(cand)
        elif len(toks) == 1 and len(ct) == 2 and ct[0] == toks[0]:
            # A lone first token of a two-word name: a given name, or a family name written first.
            first.append(cand)
    for group in (exact, suffix, first):
        distinct = {speaker_key(c) for c in group}
        if len(distinct) == 1:
            # Prefer the longest spelling of the same person ("Antony J. Blinken" over "Antony Blinken").
            return max(group, key=len)
        if len(distinct) > 1:
            return None
    return None


def split_role(mention: str) -> tuple[str | None, str]:
    """Split a mention into (role, name): "Secretary of State Jo Roe" -> ("Secretary of State", "Jo Roe")."""
    text = mention.strip()
    m = _APPOSITIVE.match(text)
    if m and _looks_like_name(m.group("name")) and not _looks_like_name(m.group("role")):
        inner_role, name = split_role(m.group("name"))
        return (inner_role or m.group("role")), name
    words = text.split()
    # The name is what follows the last title word; "of"-phrases after a title belong to the title.
    last = -1
    for i, w in enumerate(words):
        lw = w.rstrip(".").lower()
        if lw in TITLE_WORDS or (last == i - 1 and lw in _TITLE_TAIL):
            last = i
    if last < 0 or last == len(words) - 1:
        return None, text
    rest = words[last + 1 :]
    if words[last].lower() == "of" or (last + 1 < len(words) and words[last + 1].lower() == "of"):
        # "Minister of Foreign Affairs Wen Li": keep the last two capitalized words as the name.
        rest = words[-2:] if len(words) - last > 2 else rest
        last = len(words) - len(rest) - 1
    role = " ".join(words[: last + 1]).strip(" ,")
    return (role or None), " ".join(rest)


def _looks_like_name(s: str) -> bool:
    words = [w for w in s.split() if w]
    if not words or len(words) > 5:
        return False
    caps = [w for w in words if w[0].isupper()]
    return len(caps) == len(words) and not any(_is_title(w) for w in words)
