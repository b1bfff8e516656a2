"""Three outlets' reports of one event, written for the quote-merging tests (no copied news text)."""

from __future__ import annotations

# Three outlets' reports of one event, written for this test: a truncated copy under "her spokesman", and a copy
# with one word changed.
ARTICLES = {
    "gazette.md": ("Harbour bridge to close for repairs in Kelmsford", "https://kelmsford-gazette.example/bridge",
                   "The Kelmsford harbour bridge will close for six weeks from Monday while engineers replace "
                   "corroded cables, the Kelmsford Port Authority said.\n\n\u201cWe will reopen the bridge before the "
                   "summer ferries start running, whatever the weather throws at us,\u201d said Ottilie Brandvik, the "
                   "authority's chief engineer.\n\nTraders on Quay Street fear the closure will cost them customers "
                   "during the spring festival."),
    "times.md": ("Kelmsford bridge shuts for cable work", "https://northshore-times.example/kelmsford-bridge",
                 "Engineers in Kelmsford began replacing the cables of the harbour bridge this week, and the "
                 "Kelmsford Port Authority said the crossing will stay shut for six weeks.\n\n\u201cWe will reopen the "
                 "bridge before the summer ferries start running,\u201d her spokesman said.\n\nOttilie Brandvik, who "
                 "leads the repairs, toured the site on Tuesday with traders from Quay Street."),
    "wire.md": ("Repairs begin on Kelmsford harbour bridge", "https://coastal-wire.example/kelmsford-bridge",
                "Cable repairs started on the Kelmsford harbour bridge, which the Kelmsford Port Authority closed on "
                "Monday.\n\n\u201cWe shall reopen the bridge before the summer ferries start running, whatever the "
                "weather throws at us,\u201d said chief engineer Ottilie Brandvik.\n\nBusinesses on Quay Street have "
                "asked for a temporary footbridge."),
}
