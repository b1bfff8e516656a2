"""One invented story told by three invented outlets, and an unrelated article sharing a place name, for /story,
/search grouping and story:<id> tests (no real news text)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SAID = "This line puts the hospital eleven minutes from the station for everyone in Brackmoor"
SPEAKER = "Wenna Tolland"

TRAM = {
    "tram-harbourline.md": f"""---
title: Brackmoor tram line opens to passengers
published: 2033-03-12T10:00:00+00:00
url: https://harbourline.example/brackmoor-tram
---
The new tram line between Brackmoor station and the Quillan hospital opened to passengers on Saturday, the Brackmoor transport board said.

Board chair {SPEAKER} rode the first tram at dawn. "{SAID}," Tolland said.

Construction of the Brackmoor tram line started on 4 May 2030 and finished a year later than planned.
""",
    "tram-northpost.md": f"""---
title: First trams run in Brackmoor after three years of works
published: 2033-03-12T15:00:00+00:00
url: https://northpost.example/trams-brackmoor
---
Trams carried their first passengers in Brackmoor on Saturday as the line from the station to the Quillan hospital opened.

"{SAID}," said {SPEAKER}, who chairs the Brackmoor transport board.

Works on the Brackmoor tram line began on 4 May 2030. Traders on the route said three years of digging had cost them customers.
""",
    "tram-valleyherald.md": f"""---
title: Brackmoor tram opening draws crowds to the Quillan route
published: 2033-03-13T08:00:00+00:00
url: https://valleyherald.example/brackmoor-tram-crowds
---
Crowds lined the Brackmoor tram route on Saturday for the opening of the line to the Quillan hospital.

Transport board chair {SPEAKER} said the Brackmoor trams would run every six minutes. "{SAID}," Tolland said.

The Brackmoor transport board plans a second tram line, to the harbour, for 2036.
""",
}

LIBRARY = {
    "library.md": """---
title: Quillan library extends its opening hours
published: 2033-03-10T09:00:00+00:00
url: https://harbourline.example/quillan-library
---
The public library in Quillan will stay open until nine in the evening from April, the district council said.

Head librarian Osmo Thale said students had asked for quiet rooms after school. "Evenings are when most of our readers are free," Thale said.
""",
}


async def add_articles(ingestor: Any, workspace: str, tmp_path: Path, articles: dict[str, str]) -> list[int]:
    """Store invented articles in ``workspace`` (in the order given); return their ids."""
    ids = []
    for name, body in articles.items():
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        out = await ingestor.ingest_path(path, workspace=workspace)
        assert out.status == "added" and out.article_id is not None, out
        ids.append(out.article_id)
    return ids


async def add_tram_story(svc: Any, workspace: str, tmp_path: Path) -> tuple[int, list[int], int]:
    """Store the tram story's three articles and the library article; return (story id, tram ids, library id)."""
    [library] = await add_articles(svc.ingestor, workspace, tmp_path, LIBRARY)
    ids = await add_articles(svc.ingestor, workspace, tmp_path, TRAM)
    stories = await svc.store.stories_for_articles([*ids, library])
    assert len({stories[i] for i in ids}) == 1, f"the tram articles are not one story: {stories}"
    assert stories[library] != stories[ids[0]], "the library article joined the tram story"
    return stories[ids[0]], ids, library


PUBLISHED = datetime(2033, 3, 12, tzinfo=UTC)
