"""`python -m bot` = `newsbot run`."""

from digests.cli import main

raise SystemExit(main(["run"]))
