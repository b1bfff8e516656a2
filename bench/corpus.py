"""A deterministic synthetic news corpus: invented towns, people, feeds and quotes in varied styles.

    .venv/bin/python -m bench.corpus --articles 1000 --jsonl OUT.jsonl

Every article is built from templates with its own seeded random generator, so article ``i`` is the same on
every run and on every machine and can be made without making the ones before it (the benchmark streams
100,000 articles without holding them). Each article records its quotes with character offsets
(``text[start:end] == quote``) and the speaker's full name, so the corpus doubles as a rough quote gold set.
All names, places and words are generated here; nothing is copied from real news.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORKSPACES = ("local", "discord:100001", "discord:100002", "slack:T0001", "slack:T0002")
EPOCH = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
SPAN = timedelta(days=730)

_ONSETS = ("Ar", "Bel", "Cal", "Dor", "Ed", "Fal", "Gar", "Hal", "Is", "Jor", "Kel", "Lor", "Mar", "Nor", "Or",
           "Pel", "Quil", "Ros", "Sal", "Tor", "Ul", "Val", "Wes", "Yor", "Zel", "Bran", "Cor", "Dun", "Fen", "Hav")
_MIDDLES = ("", "a", "e", "i", "o", "en", "ar")
_CODAS = ("ren", "mont", "wick", "ska", "dell", "ford", "holt", "vane", "sby", "ton", "ard", "ley", "mar",
          "grave", "stead", "ric", "dan", "bury", "vik", "sen", "well", "worth", "croft", "haven")
_FIRST = {
    "he": ("Adam", "Anton", "Bastian", "Benedikt", "Caspar", "Dario", "Emil", "Felix", "Gideon", "Hugo", "Ivo",
           "Jonas", "Kasimir", "Leon", "Matteo", "Niko", "Oskar", "Pavel", "Quentin", "Rafael", "Simon", "Tobias",
           "Ulrich", "Viktor", "Walter", "Yannick", "Halvard", "Marek", "Ruben", "Stellan"),
    "she": ("Ada", "Agnes", "Beatrix", "Carla", "Dagny", "Elin", "Freya", "Greta", "Hanna", "Ilse", "Juna",
            "Katrin", "Lena", "Maren", "Nadia", "Olga", "Petra", "Runa", "Sofia", "Thea", "Ulla", "Vera", "Wilma",
            "Yara", "Zofia", "Ingrid", "Mirela", "Saskia", "Tilde", "Liv"),
}
_TITLES = (("Mayor", "mayor of {town}"), ("Deputy Mayor", "deputy mayor of {town}"),
           ("Councillor", "a {town} councillor"), ("Dr.", "a doctor at {town} General Hospital"),
           ("Professor", "a professor of {field} at the University of {town}"),
           ("Minister", "the regional minister for {field}"))
_ROLES = ("a spokesperson for {org}", "chief executive of {org}", "head of planning at {org}",
          "a union representative at {org}", "who runs a bakery in {town}", "a resident of {town}",
          "chair of the {town} residents' association", "an economist at {org}", "director of {org}",
          "a teacher in {town}")
_FIELDS = ("economics", "transport", "public health", "housing", "energy", "education", "water", "trade")
_ORG_KINDS = ("Transit Authority", "Port Company", "Water Board", "Chamber of Commerce", "Health Trust",
              "Teachers' Union", "Energy Cooperative", "Housing Society", "Freight Group", "Institute")

# Topics: the nouns a story is about, and what its people argue over.
_TOPICS = (
    ("tram", ("tram extension", "tram line", "new depot", "fare rise", "night service", "tram timetable")),
    ("flood", ("flood defences", "river wall", "pumping station", "evacuation plan", "sandbag depot")),
    ("budget", ("city budget", "spending cuts", "council tax", "reserve fund", "capital programme")),
    ("clinic", ("vaccination clinics", "walk-in clinic", "waiting lists", "nursing rota", "hospital wing")),
    ("harbour", ("harbour dredging", "container terminal", "ferry route", "dock workers", "harbour tolls")),
    ("schools", ("school meals", "classroom sizes", "new academy", "exam results", "school buses")),
    ("housing", ("affordable homes", "rent controls", "building permits", "tower block", "housing list")),
    ("trade", ("trade talks", "import tariffs", "export quotas", "customs checks", "grain deal")),
    ("energy", ("wind farm", "heating prices", "power station", "grid upgrade", "solar subsidy")),
    ("strike", ("pay offer", "strike ballot", "picket line", "overtime ban", "pension scheme")),
    ("water", ("water main", "reservoir levels", "hosepipe ban", "sewage outflow", "water bills")),
    ("football", ("league title", "new stadium", "transfer window", "youth academy", "season tickets")),
)
_ADJ = ("new", "long-delayed", "controversial", "promised", "expensive", "planned", "revised", "emergency",
        "temporary", "second", "regional", "overdue")
_SUBJECTS = ("We", "Nobody", "The council", "Our members", "People here", "This city", "Every family",
             "The government", "My staff", "Residents", "Small businesses", "The board")
_VERBS = ("have waited far too long for", "will not simply accept", "are genuinely proud of",
          "need clear answers about", "cannot afford to ignore", "will keep fighting for",
          "were never properly consulted on", "should have planned for", "warmly welcome",
          "have serious doubts about", "are ready to pay for", "were promised", "will hold ministers to",
          "have spent months arguing over", "still believe in")
_TAILS = ("before the winter", "and we said so at the meeting", "by the end of the year", "",
          "after what happened last spring", "whatever the cost", "and that is not going to change",
          "for the sake of our children", "in every neighbourhood", "at a price people can bear",
          "without further delay", "even if it takes years")
_SECOND = ("That is the simple truth", "Nobody should be surprised by that", "We have the figures to prove it",
           "It is as simple as that", "The numbers speak for themselves", "I have said this many times",
           "Anyone can see what went wrong", "We owe it to the next generation")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_RELATIVE = ("on {weekday}", "last week", "next month", "earlier this year", "two days ago", "last {weekday}",
             "in early {month}", "on {day} {month}", "by the end of {month}", "next {weekday}", "last year",
             "in late {month} {year}")
_NARRATION = (
    "The {town} council voted {when} to approve the {adj} {noun}.",
    "Work on the {noun} began {when}, after months of delay.",
    "Officials said the {noun} would be reviewed {when}.",
    "A public meeting about the {noun} is planned {when} at the {town} town hall.",
    "The {org} published its report on the {noun} {when}.",
    "Figures released {when} showed the {noun} had cost far more than expected.",
    "Protesters gathered outside the {org} offices {when}.",
    "The {noun} has divided opinion in {town} for years.",
)
_TITLE_TEMPLATES = ("{town} {verb} {adj} {noun}", "{Noun} row deepens in {town}", "{town} residents split over "
                    "{noun}", "What the {noun} means for {town}", "{org} defends {noun} plan")
_TITLE_VERBS = ("approves", "delays", "debates", "opens", "rejects", "reviews", "funds", "pauses")


@dataclass(frozen=True, slots=True)
class Speaker:
    """An invented person: full name, surname, pronoun, an optional title and a role phrase."""

    name: str
    surname: str
    pronoun: str
    title: str | None
    role: str


@dataclass(frozen=True, slots=True)
class Feed:
    """An invented feed and the workspaces subscribed to it."""

    url: str
    title: str
    workspaces: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GoldQuote:
    """A quote as the generator wrote it: the text inside the marks, its offsets and the speaker."""

    quote: str
    start: int
    end: int
    speaker: str
    style: str


@dataclass(frozen=True, slots=True)
class SynthArticle:
    """One generated article with its feed, workspaces, times and quotes."""

    index: int
    title: str
    text: str
    url: str
    guid: str
    published: datetime
    fetched: datetime
    feed: int
    workspaces: tuple[str, ...]
    quotes: tuple[GoldQuote, ...]

    def to_json(self) -> dict[str, object]:
        """Return the JSONL form (``newsbot extract`` input plus the generator's quotes)."""
        return {"id": f"synth-{self.index}", "title": self.title, "text": self.text, "url": self.url,
                "published": self.published.date().isoformat(), "workspaces": list(self.workspaces),
                "quotes": [{"quote": q.quote, "start": q.start, "end": q.end, "speaker": q.speaker,
                            "style": q.style} for q in self.quotes]}


class _Writer:
    """Accumulate text pieces and track the offset, so quote spans are known as they are written."""

    __slots__ = ("parts", "pos", "quotes")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.quotes: list[GoldQuote] = []

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.pos += len(s)

    def quote(self, q: str, speaker: Speaker, style: str) -> None:
        self.quotes.append(GoldQuote(q, self.pos, self.pos + len(q), speaker.name, style))
        self.add(q)


class Corpus:
    """The generator: fixed pools drawn once from ``seed``; ``article(i)`` is a pure function of (seed, i)."""

    def __init__(self, n_articles: int, *, seed: int = 9, n_speakers: int = 4000, n_feeds: int = 40) -> None:
        self.n_articles = n_articles
        self.seed = seed
        rng = random.Random(seed)
        surnames = sorted({o + m + c for o in _ONSETS for m in _MIDDLES for c in _CODAS})
        rng.shuffle(surnames)
        self.towns = [s + suffix for s, suffix in zip(surnames[:300], ("", "by", "moor", "stad", "field") * 60,
                                                      strict=True)]
        self.orgs = [f"{rng.choice(self.towns)} {kind}" for kind in _ORG_KINDS for _ in range(12)]
        people = surnames[300:]
        speakers: list[Speaker] = []
        for i in range(n_speakers):
            pronoun = "he" if i % 2 else "she"
            first = rng.choice(_FIRST[pronoun])
            surname = people[i % len(people)]
            fill = {"town": rng.choice(self.towns), "org": rng.choice(self.orgs), "field": rng.choice(_FIELDS)}
            if rng.random() < 0.3:
                title, role = rng.choice(_TITLES)
                speakers.append(Speaker(f"{first} {surname}", surname, pronoun, title, role.format(**fill)))
            else:
                speakers.append(Speaker(f"{first} {surname}", surname, pronoun, None,
                                        rng.choice(_ROLES).format(**fill)))
        self.speakers = speakers
        self.feeds = []
        for f in range(n_feeds):
            # Workspace 0 ("local") follows most feeds; the others a few each, overlapping.
            subs = tuple(ws for k, ws in enumerate(WORKSPACES) if (k == 0 and f % 5 != 4) or (k and f % 4 == k - 1)
                         or (k and (f * 7 + k) % 11 == 0))
            town = self.towns[f]
            self.feeds.append(Feed(f"https://{town.lower()}-news.example/feed.xml", f"{town} News",
                                   subs or (WORKSPACES[0],)))

    def __len__(self) -> int:
        return self.n_articles

    def __iter__(self) -> Iterator[SynthArticle]:
        return self.articles()

    def articles(self, start: int = 0, stop: int | None = None) -> Iterator[SynthArticle]:
        """Yield articles ``start`` to ``stop`` (default: all), oldest first."""
        for i in range(start, self.n_articles if stop is None else min(stop, self.n_articles)):
            yield self.article(i)

    def published(self, i: int) -> datetime:
        """Return when article ``i`` was published: spread evenly over two years, in corpus order."""
        step = SPAN / max(1, self.n_articles)
        return (EPOCH + step * i).replace(microsecond=0)

    def article(self, i: int) -> SynthArticle:
        """Return article ``i``: a headline, narration with relative dates, and about ten quotes."""
        rng = random.Random(self.seed * 1_000_003 + i)
        pick = rng.choice
        topic, nouns = pick(_TOPICS)
        town = pick(self.towns)
        org = pick(self.orgs)
        published = self.published(i)
        cast = rng.sample(self.speakers, rng.randint(3, 5))
        w = _Writer()
        fill = {"town": town, "org": org, "year": published.year - 1}

        def when() -> str:
            return pick(_RELATIVE).format(weekday=pick(_WEEKDAYS), month=pick(_MONTHS), day=rng.randint(1, 28),
                                          year=published.year)

        def narration() -> None:
            noun = pick(nouns)
            w.add(pick(_NARRATION).format(when=when(), noun=noun, adj=pick(_ADJ), **fill))

        def utterance() -> str:
            noun = pick(nouns)
            body = f"{pick(_SUBJECTS)} {pick(_VERBS)} the {pick(_ADJ)} {noun}"
            tail = pick(_TAILS)
            body = f"{body} {tail}" if tail else body
            if rng.random() < 0.4:
                body += f". {pick(_SECOND)}"
            return body

        noun = pick(nouns)
        title = pick(_TITLE_TEMPLATES).format(town=town, verb=pick(_TITLE_VERBS), adj=pick(_ADJ), noun=noun,
                                              Noun=noun.capitalize(), org=org)
        narration()
        w.add(" ")
        narration()
        introduced: set[str] = set()
        n_quotes = rng.randint(8, 12)
        done = 0
        while done < n_quotes:
            sp = pick(cast)
            w.add("\n\n")
            first = sp.name not in introduced
            name = sp.name if first or rng.random() < 0.3 else sp.surname
            styled = f"{sp.title} {sp.name}" if sp.title and first else name
            style = rng.randrange(8)
            if style == 0:  # "…," Name said.  (first mention: said Name, role.)
                w.add("“")
                w.quote(utterance() + ",", sp, "after")
                w.add(f"” said {styled}, {sp.role}." if first else f"” {styled} said.")
                done += 1
            elif style == 1:  # Name said: "…"
                w.add(f"{styled}, {sp.role}, said: “" if first else f"{styled} said: “")
                w.quote(utterance() + ".", sp, "colon")
                w.add("”")
                done += 1
            elif style == 2:  # split quote: "…," Name said. "…"
                w.add("“")
                w.quote(utterance() + ",", sp, "split")
                w.add(f"” {styled} said. “")
                w.quote(utterance() + ".", sp, "split")
                w.add("”")
                done += 2
            elif style == 3 and not first:  # pronoun after a narrated sentence about the speaker
                w.add(f"{sp.surname} spoke to reporters {when()}. “")
                w.quote(utterance() + ",", sp, "pronoun")
                w.add(f"” {sp.pronoun} said.")
                done += 1
            elif style == 4:  # floating quote in the next paragraph, after an attributed one
                w.add(f"{styled} said the {pick(nouns)} was a test for the whole region. “")
                w.quote(utterance() + ",", sp, "after")
                w.add(f"” {sp.pronoun} added.\n\n“")
                w.quote(utterance() + ".", sp, "floating")
                w.add("”")
                done += 2
            elif style == 5:  # "…" Name tweeted Thursday.
                w.add("“")
                w.quote(utterance() + ".", sp, "tweet")
                w.add(f"” {styled} tweeted {pick(_WEEKDAYS)}.")
                done += 1
            elif style == 6:  # straight ASCII marks, verb before the name
                w.add('"')
                w.quote(utterance() + ",", sp, "ascii")
                w.add(f'" said {styled}.')
                done += 1
            else:
                narration()
                continue
            introduced.add(sp.name)
            if rng.random() < 0.35:
                w.add(" ")
                narration()
        w.add("\n\n")
        narration()
        feed = (i * 7919 + self.seed) % len(self.feeds)
        host = self.feeds[feed].url.split("/")[2]
        slug = "-".join(title.lower().replace("'", "").split()[:6])
        # A fetch lands within a few hours of publication; the digest window is by arrival time.
        fetched = published + timedelta(minutes=rng.randint(5, 240))
        return SynthArticle(index=i, title=title, text="".join(w.parts),
                            url=f"https://{host}/{published:%Y/%m/%d}/{slug}-{i}", guid=f"{host}:{i}",
                            published=published, fetched=fetched, feed=feed,
                            workspaces=self.feeds[feed].workspaces, quotes=tuple(w.quotes))


def main(argv: list[str] | None = None) -> int:
    """Write a corpus as JSONL (or only time its generation) and print its size."""
    ap = argparse.ArgumentParser(prog="python -m bench.corpus")
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--jsonl", type=Path)
    args = ap.parse_args(argv)
    corpus = Corpus(args.articles, seed=args.seed)
    t0 = time.perf_counter()
    chars = quotes = 0
    out = args.jsonl.open("w", encoding="utf-8") if args.jsonl else None
    try:
        for art in corpus:
            chars += len(art.text)
            quotes += len(art.quotes)
            if out:
                out.write(json.dumps(art.to_json(), ensure_ascii=False) + "\n")
    finally:
        if out:
            out.close()
    dt = time.perf_counter() - t0
    print(f"corpus: {args.articles} articles, {quotes} quotes, {chars / max(1, args.articles):.0f} chars/article, "
          f"{len(corpus.speakers)} speakers, generated in {dt:.1f} s")
    print(f"reproduce: {Path(sys.executable).name} -m bench.corpus --articles {args.articles} --seed {args.seed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
