"""Invented news events told by several invented outlets, for story tests (no real news text).

Each event has a kind, a place, an official, a company, a number and a year; each outlet tells it in its own
words. Two events of the same kind share the kind's vocabulary and differ in their facts, as real pairs do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digests.store import NewArticle


@dataclass(frozen=True)
class Event:
    """The facts of one invented event."""

    key: str
    kind: str
    place: str
    official: str
    company: str
    number: int
    year: int


FIRE_A = Event("fire-a", "fire", "Orlen Bay", "Hedda Marrow", "Kestrel Mills", 14, 2016)
FIRE_B = Event("fire-b", "fire", "Tamsworth", "Ivo Bracken", "Norrow Textiles", 3, 2021)
FLOOD = Event("flood", "flood", "Pellingham", "Sora Vint", "Dunmere Water", 240, 2021)
STRIKE = Event("strike", "strike", "Caldrith", "Oskar Lume", "Brightway Buses", 900, 2021)


def _fire(e: Event, outlet: int) -> tuple[str, str]:
    tellings = [
        (f"Fire destroys {e.company} warehouse in {e.place}",
         f"A fire destroyed the {e.company} warehouse in {e.place} on the night of March 3, {e.year}, and "
         f"{e.number} workers were treated for smoke. Fire chief {e.official} said the blaze began in the loading "
         f"bay. \"We had crews from three stations at the {e.place} site,\" {e.official} said. {e.company} said "
         f"production would move to its other plant while the {e.place} building is inspected."),
        (f"{e.place} blaze guts {e.company} depot",
         f"Flames tore through a {e.company} depot in {e.place} overnight, leaving {e.number} people hurt. "
         f"{e.official}, who leads the {e.place} fire service, told reporters the roof collapsed within an hour. "
         f"Neighbours in {e.place} described a column of black smoke. The company, {e.company}, thanked the "
         f"firefighters and promised to pay for the clean-up. Investigators will return in {e.year}'s spring."),
        (f"Investigators look into {e.place} warehouse fire",
         f"Investigators are examining what started the fire at {e.company}'s warehouse in {e.place}. Chief "
         f"{e.official} said {e.number} employees needed treatment and that no cause had been ruled out. "
         f"{e.company} has hired a firm to check the wiring. Residents of {e.place} were allowed home after the "
         f"smoke cleared, {e.official} added, in a statement dated {e.year}."),
        (f"{e.company} counts the cost after {e.place} fire",
         f"{e.company} says the fire at its {e.place} warehouse will halt deliveries for weeks. The firm's "
         f"insurers visited the site with fire chief {e.official}. {e.number} staff were hurt, none seriously. "
         f"Local traders in {e.place} fear the closure will cost jobs this {e.year}."),
    ]
    return tellings[outlet % len(tellings)]


def _flood(e: Event, outlet: int) -> tuple[str, str]:
    tellings = [
        (f"River bursts its banks in {e.place}",
         f"The river burst its banks in {e.place} after two days of rain, flooding {e.number} homes. "
         f"{e.official}, the mayor of {e.place}, opened the sports hall as a shelter. {e.company} cut the "
         f"supply to the lower town while pumps were brought in, in {e.year}."),
        (f"{e.number} homes flooded as {e.place} river rises",
         f"Floodwater reached {e.number} homes in {e.place}. Mayor {e.official} said the defences held upstream "
         f"but failed near the old bridge. {e.company} warned residents of {e.place} to boil their water."),
        (f"{e.place} mayor asks for help after floods",
         f"Mayor {e.official} has asked the region for help after floods in {e.place} damaged {e.number} homes. "
         f"Engineers from {e.company} worked through the night at the pumping station in {e.place}."),
    ]
    return tellings[outlet % len(tellings)]


def _strike(e: Event, outlet: int) -> tuple[str, str]:
    tellings = [
        (f"{e.company} drivers walk out in {e.place}",
         f"About {e.number} drivers at {e.company} walked out in {e.place} over pay, stopping most routes. "
         f"Union organiser {e.official} said talks had broken down. Commuters in {e.place} queued for taxis."),
        (f"Bus strike halts {e.place} routes",
         f"A strike by {e.company} drivers halted bus routes across {e.place}. {e.official} of the drivers' "
         f"union said {e.number} members had voted to stop work. The company called the walkout regrettable."),
        (f"{e.place} commuters stranded by {e.company} strike",
         f"Commuters in {e.place} were stranded as {e.number} {e.company} drivers struck. {e.official} said "
         f"the union would meet managers on Friday. Schools in {e.place} asked parents to arrange lifts."),
    ]
    return tellings[outlet % len(tellings)]


TELLERS = {"fire": _fire, "flood": _flood, "strike": _strike}
OUTLETS = ("harbourgazette.example", "valleyherald.example", "citywire.example", "northpost.example")


def event_articles(event: Event, count: int, *, published: datetime | None = None,
                   spacing: timedelta = timedelta(hours=3)) -> list[NewArticle]:
    """Return ``count`` articles telling ``event`` in different outlets' words (published a few hours apart)."""
    out = []
    for i in range(count):
        title, text = TELLERS[event.kind](event, i)
        when = (published or datetime(event.year, 3, 4, 8, tzinfo=UTC)) + i * spacing
        out.append(NewArticle(title=title, text=text, url=f"https://{OUTLETS[i % len(OUTLETS)]}/{event.key}/{i}",
                              published=when))
    return out


def templated_items(n: int = 12) -> list[NewArticle]:
    """Return ``n`` items of a template-made feed: mostly the same text, each with its own place, name and numbers."""
    places = ("Arnholt", "Brisk Ford", "Calloway", "Dunmere", "Eskby", "Fallowmere", "Garrow", "Hesketh",
              "Ilverton", "Jessop Vale", "Kirkwall Cross", "Lindmoor", "Mossgate", "Nettlebury")
    people = ("Ada Quist", "Bruno Falk", "Cora Lind", "Dmitri Hale", "Edda Stone", "Felix Rowe", "Greta Holm",
              "Hugo Penn", "Inga Moss", "Jonas Reed", "Kaja Thorn", "Lars Wick", "Mira Sand", "Nils Brand")
    out = []
    for i in range(n):
        place, person = places[i], people[i]
        text = (f"Road works notice for {place}. The county highways department announces that resurfacing of "
                f"the main road through {place} will begin on day {i + 3} of next month and last {i + 2} weeks. "
                "Drivers should expect delays and temporary traffic lights at the junctions. Access for "
                "residents and emergency vehicles will be kept at all times. Buses will follow the signed "
                "diversion. Works will take place between seven in the morning and six in the evening, Monday "
                "to Friday. The department thanks residents for their patience while the road is improved. "
                f"Questions about the works may be sent to the site manager, {person}, by telephone or by "
                f"email. Reference number {4100 + 37 * i}.")
        out.append(NewArticle(title=f"Road works notice: {place}", text=text,
                              url=f"https://highways.example/notices/{i}",
                              published=datetime(2025, 5, 1, 9, tzinfo=UTC) + timedelta(minutes=i)))
    return out
