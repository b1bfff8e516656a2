"""`newsbot db copy`: move every row of one store into an empty other one (either backend), then verify it.

Verification compares per-table row counts and a sample of who-said answers (the speaker, quote and article
of each hit) asked of both stores; the copy reports failure if any differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from digests.store._base import TABLES, Store, StoreError, redact_url

BATCH = 2000
SAMPLE_QUOTES = 25


@dataclass
class CopyReport:
    """What a copy moved and whether the two stores answer alike."""

    source: str
    target: str
    counts_before: dict[str, int] = field(default_factory=dict)
    counts_after: dict[str, int] = field(default_factory=dict)
    sampled: int = 0
    mismatched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether every count and every sampled answer matched."""
        return self.counts_before == self.counts_after and not self.mismatched

    def summary(self) -> str:
        """Return the report as a few lines of text."""
        lines = [f"copied {redact_url(self.source)} -> {redact_url(self.target)}"]
        for t in TABLES:
            before, after = self.counts_before.get(t, 0), self.counts_after.get(t, 0)
            mark = "ok" if before == after else "MISMATCH"
            lines.append(f"  {t:<20} {before:>9} -> {after:>9}  {mark}")
        lines.append(f"  who-said sample: {self.sampled - len(self.mismatched)}/{self.sampled} answers identical")
        lines.extend(f"  differs: /who-said {p}" for p in self.mismatched)
        lines.append("verified" if self.ok else "NOT verified: the target differs from the source")
        return "\n".join(lines)


async def sample_phrases(store: Store, n: int = SAMPLE_QUOTES) -> list[tuple[str, str]]:
    """Return up to ``n`` (workspace, phrase) pairs drawn evenly from the stored quotes."""
    return await store.quote_sample(n)


async def answers(store: Store, workspace: str, phrase: str) -> list[tuple[str | None, str, str]]:
    """Return a who-said answer as comparable tuples (speaker, quote, article title)."""
    return [(q.speaker, q.quote, q.article_title) for q in await store.who_said(workspace, phrase)]


async def copy_store(source: str, target: str, *, log: Callable[[str], object] = lambda _: None) -> CopyReport:
    """Copy every row from ``source`` into the empty store at ``target`` and verify counts and answers."""
    if source == target:
        raise StoreError("--from and --to name the same database")
    src = await Store.open(source)
    try:
        dst = await Store.open(target)
        try:
            report = CopyReport(source, target, counts_before=await src.table_counts())
            if any((await dst.table_counts()).values()):
                raise StoreError(f"the target {redact_url(target)} is not empty; copy only into a new database")
            for table in TABLES:
                cols = [c for c in await src.copy_columns(table) if c in set(await dst.copy_columns(table))]
                n = 0
                async for rows in src.iter_rows(table, cols, BATCH):
                    await dst.insert_rows(table, cols, rows)
                    n += len(rows)
                log(f"{table}: {n} rows")
            await dst.after_copy()
            report.counts_after = await dst.table_counts()
            for workspace, phrase in await sample_phrases(src):
                report.sampled += 1
                if await answers(src, workspace, phrase) != await answers(dst, workspace, phrase):
                    report.mismatched.append(f"{phrase} (in {workspace})")
            return report
        finally:
            await dst.close()
    finally:
        await src.close()
