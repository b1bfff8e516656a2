"""Mutation testing (mutmut 3) over the modules where a slip hurts users most, each against its targeted tests.

``python tools/mutate.py [TARGET ...] [--tests-ref REF]`` (``make mutate``) runs mutmut once per target in a
staging copy of the project under ``.mutate/<target>/`` (mutmut reads its settings from the ``pyproject.toml``
of the directory it runs in, so each target gets its own: its file, its functions and its tests). Only the
functions named below are mutated, and mutmut runs for each mutant only those of the target's tests that
called the mutated function. ``--tests-ref`` stages the tests of another commit instead of the work tree's, so
the score of the tests from before a change can be measured against today's code. The table printed at the
end (and written to ``.mutate/scores.md``) gives, per target, killed / mutants and the surviving mutants'
names; ``.venv/bin/mutmut show NAME`` inside ``.mutate/<target>/`` shows one. PostgreSQL cases run when
NEWSBOT_TEST_DATABASE_URL is set, as in the suite.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / ".mutate"
MUTMUT = ROOT / ".venv" / "bin" / "mutmut"


@dataclass(frozen=True)
class Target:
    """Modules (file -> functions mutated, ``name`` or ``Class.method``) and the tests run against them."""

    functions: dict[str, tuple[str, ...]]
    tests: tuple[str, ...]

    @property
    def files(self) -> list[str]:
        """Return the files mutated."""
        return list(self.functions)

    def globs(self) -> list[str]:
        """Return mutmut's mutant-name patterns for the functions."""
        out = []
        for file, names in self.functions.items():
            module = file.removesuffix(".py").replace("/", ".")
            for f in names:
                if "." in f:
                    cls, meth = f.split(".", 1)
                    out.append(f"{module}.xǁ{cls}ǁ{meth}__mutmut_*")
                else:
                    out.append(f"{module}.x_{f}__mutmut_*")
        return out


_STORE_TESTS = ("tests/digests/store/test_store.py", "tests/digests/store/test_isolation.py",
                "tests/digests/store/test_options.py", "tests/digests/store/test_ledger.py",
                "tests/security/test_isolation.py")
# Store methods that take a workspace (reads and the writes that must touch only its rows), then the digest
# ledger and the feed leases.
_WORKSPACE_QUERIES = ("find_articles", "search", "quotes_for_articles", "who_said", "match_speakers",
                      "speaker_roles", "quotes_by", "timeline", "events_for_article", "unsubscribe", "set_paused",
                      "remove_schedule")
_LEDGER = ("claim_run", "claim_due_feeds", "release_feed")
_SLACK_TESTS = ("tests/bot/slack/test_requests.py", "tests/e2e/test_slack.py")

TARGETS: dict[str, Target] = {
    "store-sqlite": Target({"digests/store/_sqlite.py": tuple(f"SqliteStore.{m}" for m in _WORKSPACE_QUERIES + _LEDGER)},
                           _STORE_TESTS),
    "store-pg": Target({"digests/store/_pg.py": tuple(f"PgStore.{m}" for m in _WORKSPACE_QUERIES + _LEDGER)},
                       _STORE_TESTS),
    "store-shared": Target({"digests/store/_base.py": ("Store.article", "Store.articles_since", "Store.count_articles",
                                                       "Store.subscriptions", "Store.schedules", "content_topic"),
                            "digests/store/_options.py": ("OptionsMixin.alerts", "OptionsMixin.remove_alert",
                                                          "OptionsMixin.live_claim", "OptionsMixin.live_handled",
                                                          "OptionsMixin.live_recent", "OptionsMixin.live_sends",
                                                          "OptionsMixin.record_live_send")},
                           _STORE_TESTS + ("tests/bot/test_scheduler_live.py",)),
    # Who a chat request is from, which workspace it scopes, whether it is signed, admin rights.
    "slack": Target({"bot/slack/app.py": ("build_app",), "bot/slack/listeners/actions.py": ("_ids",),
                     "bot/slack/core.py": ("workspace_of", "SlackContext.run")}, _SLACK_TESTS),
    "discord": Target({"bot/discord/client.py": ("workspace_of", "is_admin", "NewsBot.invocation",
                                                 "NewsBot.turn_page")},
                      ("tests/e2e/test_discord.py",)),
    "filters": Target({"digests/filters.py": ("compile_pattern", "_compile", "_phrase_regex", "Filter.validate",
                                              "Filter.compiled", "StoryText.field", "CompiledFilters.passes",
                                              "load_filters", "keyword_matcher"),
                       "digests/live.py": ("rate_room", "split_for_rate", "story_text", "plan_channel")},
                      ("tests/digests/test_filters.py", "tests/digests/test_live.py", "tests/bot/test_scheduler_live.py",
                       "tests/e2e/test_console_subscriptions.py")),
    # The scheduler's catch-up: the fire time a restart looks back to, in the schedule's zone, and the window.
    "scheduler": Target({"bot/scheduler.py": ("previous_fire_time", "_wall", "cron_trigger", "BotScheduler.catch_up",
                                              "BotScheduler._content_start")},
                        ("tests/bot/test_scheduler.py", "tests/bot/test_scheduler_zones.py")),
    # Quote offsets: where a quote starts and ends in the article text.
    "quotes": Target({"digests/nlp/quotes/spans.py": ("find_spans", "_add_span"),
                      "digests/nlp/quotes/rules.py": ("blank_quotes",)},
                     ("tests/digests/nlp/quotes/test_spans.py", "tests/digests/nlp/quotes/test_quotes.py",
                      "tests/digests/test_invariants.py")),
}


# What the tests read besides the code and themselves (the Slack manifest, the docs the stand-in tables are
# checked against, the bench scripts).
_ALSO = ("bench", "docs", "manifest.json", "README.md")


def _stage_dir(dest: Path, folder: str, ref: str | None) -> None:
    """Copy ``folder`` (or file) of the work tree, or of commit ``ref``, into ``dest``."""
    if ref is None:
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__", "out"))
        elif (ROOT / folder).exists():
            shutil.copy2(ROOT / folder, dest / folder)
        return
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "tree.tar"
        subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), ref, folder], check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")


def stage(dest: Path, target: Target, ref: str | None, code_ref: str | None = None) -> None:
    """Copy the sources (of ``code_ref``), the tests (of ``ref``) and a pyproject naming this target into ``dest``."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for src in ("bot", "digests"):
        _stage_dir(dest, src, code_ref)
    _stage_dir(dest, "tests", ref)
    for extra in _ALSO:
        _stage_dir(dest, extra, ref)
    # A test file the old ref does not have is dropped from the selection (pytest would refuse the missing path).
    tests = [t for t in target.tests if (dest / t).exists()]
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    also = json.dumps([x for x in _ALSO if (dest / x).exists()])
    text += ("\n[tool.mutmut]\nsource_paths = [\"bot/\", \"digests/\"]\n"
             f"also_copy = {also}\n"
             f"only_mutate = {json.dumps(target.files)}\n"
             f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
             "pytest_add_cli_args = [\"-p\", \"no:cacheprovider\", \"-q\", \"-x\"]\n"
             "use_git_change_detection = false\n")
    (dest / "pyproject.toml").write_text(text, encoding="utf-8")


def run(dest: Path, target: Target, ref: str | None, children: int, code_ref: str | None = None) -> None:
    """Stage and run one target with mutmut (niced: the machine is shared)."""
    stage(dest, target, ref, code_ref)
    cmd = ["nice", "-n", "15", str(MUTMUT), "run", "--max-children", str(children), *target.globs()]
    with open(dest / "mutmut.log", "w", encoding="utf-8") as log:
        subprocess.run(cmd, cwd=dest, stdout=log, stderr=subprocess.STDOUT, check=False,
                       env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


# Words only SQL text holds (plain words such as "or" and "in" are not enough: messages have them too).
_SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|FROM|WHERE|JOIN|ORDER BY|GROUP BY|LIMIT|OFFSET|"
                  r"RETURNING|ON CONFLICT|COALESCE|EXISTS|UNION|VALUES|IS NULL|IS NOT NULL|MATCH)\b|[?]|\bw\.|\bq\.|"
                  r"\ba\.|\bs\.", re.I)


def _functions(path: Path) -> dict[str, ast.AST]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def _same_sql(x: str, y: str) -> bool:
    """Tell whether two SQL texts differ only in the case of what is outside quotes ('feed', "end" keep theirs)."""
    quoted = r"('[^']*'|\"[^\"]*\")"
    px, py = re.split(quoted, x), re.split(quoted, y)
    return len(px) == len(py) and all(a == b if i % 2 else a.lower() == b.lower()
                                      for i, (a, b) in enumerate(zip(px, py, strict=True)))


def sql_case_only(funcs: dict[str, ast.AST], mutant: str) -> bool:
    """Tell whether a mutant only changes the letter case of SQL text (SQL keywords and names ignore case)."""
    if not mutant.startswith("digests.store."):
        return False
    name = mutant.rsplit(".", 1)[-1]
    orig = funcs.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
    mut = funcs.get(name)
    if orig is None or mut is None:
        return False
    a, b = list(ast.walk(orig)), list(ast.walk(mut))
    if len(a) != len(b):
        return False
    changed = [(x, y) for x, y in zip(a, b, strict=True)
               if isinstance(x, ast.Constant) and isinstance(y, ast.Constant) and x.value != y.value]
    return bool(changed) and all(isinstance(x.value, str) and isinstance(y.value, str) and _SQL.search(x.value)
                                 and _same_sql(x.value, y.value) for x, y in changed)


def score(dest: Path, target: Target) -> dict[str, object]:
    """Read mutmut's verdicts for the target's functions; SQL letter-case mutants are counted apart."""
    codes: dict[str, int | None] = {}
    funcs: dict[str, ast.AST] = {}
    for file in target.files:
        meta = dest / "mutants" / (file + ".meta")
        if meta.exists():
            codes |= json.loads(meta.read_text())["exit_code_by_key"]
            funcs |= _functions(dest / "mutants" / file)
    mine = {k: v for k, v in codes.items() if any(fnmatch.fnmatchcase(k, g) for g in target.globs())}
    equivalent = sorted(k for k, v in mine.items() if v == 0 and sql_case_only(funcs, k))
    killed = sorted(k for k, v in mine.items() if v in (1, 3, 36, -24, 24, 152, 255, -11, -9, 37))
    survived = sorted(k for k, v in mine.items() if v == 0 and k not in set(equivalent))
    untested = sorted(k for k, v in mine.items() if v in (5, 33))
    counted = len(mine) - len(equivalent)
    return {"killed": len(killed), "total": counted, "survived": survived, "untested": untested,
            "equivalent": equivalent, "not_run": sorted(k for k, v in mine.items() if v is None),
            "score": round(100 * len(killed) / counted, 1) if counted else 0.0}


def change(dest: Path, mutant: str) -> str:
    """Return a mutant's change on one line: the removed and the added source lines."""
    out = subprocess.run([str(MUTMUT), "show", mutant], cwd=dest, capture_output=True, text=True, check=False).stdout
    lines = [ln for ln in out.splitlines() if ln[:1] in "-+" and not ln.startswith(("---", "+++"))]
    old = " ".join(ln[1:].strip() for ln in lines if ln.startswith("-"))
    new = " ".join(ln[1:].strip() for ln in lines if ln.startswith("+"))
    return f"`{old}` → `{new}`"


def main() -> int:
    """Run the chosen targets (all by default) and print each one's score."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("targets", nargs="*", help=f"targets to run (default: all): {', '.join(TARGETS)}")
    ap.add_argument("--tests-ref", help="stage the tests of this git commit instead of the work tree's")
    ap.add_argument("--ref", help="stage the code and the tests of this git commit (the score as it was then)")
    ap.add_argument("--label", default="now", help="runs are kept in .mutate/LABEL/TARGET (default: now)")
    ap.add_argument("--children", type=int, default=2, help="mutants tested at once (default 2)")
    ap.add_argument("--report-only", action="store_true", help="print the scores of the last runs, run nothing")
    ap.add_argument("--diffs", action="store_true", help="give each surviving mutant's change (mutmut show)")
    args = ap.parse_args()
    names = args.targets or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        ap.error(f"unknown target(s) {unknown}; known: {', '.join(TARGETS)}")
    lines = ["| target | killed / mutants | score | survived | no test ran | SQL case only (not counted) |",
             "|---|---|---|---|---|---|"]
    survivors: list[str] = []
    for name in names:
        target, dest = TARGETS[name], STAGE / args.label / name
        if not args.report_only:
            run(dest, target, args.ref or args.tests_ref, args.children, args.ref)
        r = score(dest, target)
        surv, untested, equiv = r["survived"], r["untested"], r["equivalent"]
        assert isinstance(surv, list) and isinstance(untested, list) and isinstance(equiv, list)
        lines.append(f"| {name} | {r['killed']} / {r['total']} | {r['score']} % | {len(surv)} | {len(untested)} "
                     f"| {len(equiv)} |")
        for m, why in [(m, "survived") for m in surv] + [(m, "no test ran") for m in untested]:
            survivors.append(f"{name}: {m} ({why})" + (f": {change(dest, m)}" if args.diffs else ""))
        print(lines[-1], flush=True)
    report = "\n".join(lines + ["", *survivors]) + "\n"
    (STAGE / args.label).mkdir(parents=True, exist_ok=True)
    (STAGE / args.label / "scores.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
