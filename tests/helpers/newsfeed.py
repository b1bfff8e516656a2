"""An RSS feed served by a LocalServer whose items a test adds while the bot polls it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

from tests.helpers.http import LocalServer

# Feed text holding every piece of chat syntax a renderer must neutralize (the list).
HOSTILE = "<@&123> @everyone <https://x|y> <t:0> **bold**"


@dataclass
class FeedItem:
    """One item: a plain-text title, an HTML description (so text "<" arrives escaped twice), a link."""

    title: str
    text: str
    link: str
    guid: str
    published: datetime


@dataclass
class NewsFeed:
    """A feed at ``path``; ``add`` puts a new item on top, as a publisher does."""

    server: LocalServer
    path: str
    title: str = "Test News"
    items: list[FeedItem] = field(default_factory=list)
    raw_description: dict[str, str] = field(default_factory=dict)  # guid -> description XML, used as given

    def __post_init__(self) -> None:
        self.server.route(self.path, self._serve)

    @property
    def url(self) -> str:
        """Return the feed's URL."""
        return self.server.url(self.path)

    def add(self, title: str, text: str, *, slug: str | None = None, minutes_ago: float = 0,
            published: datetime | None = None) -> FeedItem:
        """Publish an item (newest first), now unless ``minutes_ago`` or ``published`` says when.

        Its link and GUID come from ``slug`` or the title. A subscription posts only what is published after it
        started, so an item a test adds after subscribing is published now by default.
        """
        slug = slug or "-".join(title.lower().split())[:40]
        when = published or datetime.now(UTC) - timedelta(minutes=minutes_ago)
        item = FeedItem(title, text, f"https://news.example{self.path}/{slug}", f"urn:{self.path}:{slug}", when)
        self.items.insert(0, item)
        return item

    def xml(self) -> bytes:
        """Return the RSS document."""
        parts = []
        for it in self.items:
            # The description is HTML: a "<" meant as text is "&lt;" in the HTML, "&amp;lt;" in the XML.
            desc = self.raw_description.get(it.guid) or escape(escape(it.text))
            parts.append(f"<item><title>{escape(it.title)}</title><link>{escape(it.link)}</link>"
                         f"<guid>{escape(it.guid)}</guid><pubDate>{format_datetime(it.published)}</pubDate>"
                         f"<description>{desc}</description></item>")
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(self.title)}</title>'
                f"<link>https://news.example/</link><description>t</description>{''.join(parts)}"
                "</channel></rss>").encode()

    async def _serve(self, request: web.Request) -> web.Response:
        return web.Response(body=self.xml(), headers={"Content-Type": "application/rss+xml"})


# Invented stories on unrelated topics (no two share enough words to be taken for one story).
STORIES = [
    ("Ferry berth opens on the north quay",
     'The harbour board opened a second ferry berth on the north quay on Tuesday. "Queues for island commuters '
     'will be half as long from next week," said harbour master Talia Brennick.'),
    ("Orchestra plans free concerts in market towns",
     "A regional orchestra announced a free outdoor concert series for the summer in three market towns. "
     '"Music belongs in the square, not only in the hall," said conductor Ilse Varga.'),
    ("Puffin colony grows on the northern cliffs",
     "Volunteers counted nesting puffins on the northern cliffs and found the colony had grown by a fifth. "
     '"We have not seen burrows this crowded in twenty years," said ranger Oskar Lind.'),
    ("Library starts evening coding classes for pensioners",
     "The county library launched evening coding classes for pensioners, with waiting lists already full. "
     '"My grandson no longer has to fix my spreadsheets," said student Marta Quill.'),
    ("Mountain pass road resurfaced two weeks early",
     "Engineers finished resurfacing the mountain pass road two weeks early despite heavy spring snow. "
     '"The crews worked nights whenever the weather allowed," said site manager Pavel Dorn.'),
    ("Bakery cooperative delivers bread by cargo bicycle",
     "A bakery cooperative began delivering bread by cargo bicycle to villages without a shop. "
     '"Warm loaves reach the furthest farm before eight," said baker Ines Holt.'),
    ("Students build a rooftop weather station",
     "Students built a weather station on the school roof and publish its readings every hour online. "
     '"The wind gauge already survived two gales," said teacher Ruben Salt.'),
    ("River trust removes an old weir for salmon",
     "The river trust removed an old weir so salmon can reach spawning grounds upstream for the first time. "
     '"Fish were seen above the old weir within a week," said ecologist Nora Penn.'),
]

# The puffin story (STORIES[2]) as another outlet wrote it: stored as its own article, told as the same story.
PUFFINS_REWORDED = (
    "Northern cliffs puffin count up by a fifth",
    "Nesting puffins on the northern cliffs have grown in number by a fifth, a volunteer count found this week. "
    "Ranger Oskar Lind said the burrows were the most crowded in twenty years.")

# Twelve notices written from one template (invented): most of the wording is shared, the facts are not (the
# street, the district, the day, the crew's count). Each is its own story.
_STREETS = [("Alder Road", "Northfield", "Monday 1 December", 14), ("Birch Lane", "Eastmoor", "Tuesday 2 December", 9),
            ("Cedar Close", "Southgate", "Wednesday 3 December", 11), ("Dove Street", "Westbury", "Thursday 4 December", 7),
            ("Elm Terrace", "Kingsholm", "Friday 5 December", 16), ("Fern Walk", "Ashcombe", "Saturday 6 December", 5),
            ("Gorse Hill", "Brackley", "Sunday 7 December", 12), ("Hazel Row", "Cranford", "Monday 8 December", 8),
            ("Ivy Crescent", "Dunmere", "Tuesday 9 December", 10), ("Juniper Way", "Elmstead", "Wednesday 10 December", 6),
            ("Kestrel Drive", "Fairholme", "Thursday 11 December", 13), ("Larch Avenue", "Greywell", "Friday 12 December", 4)]
TEMPLATED = [
    (f"Grit bins on {street} refilled before the frost",
     f"Council crews refilled the grit bins on {street} in {district} on {day}, ahead of the frost forecast for "
     f"the coming nights. Residents may take up to two buckets of grit from the bin at the top of {street} to "
     f"clear their own paths and driveways. The crew said {count} bins in {district} were refilled that day, and "
     "that the gritting lorries will treat the main roads each evening until the cold spell ends.")
    for street, district, day, count in _STREETS]
