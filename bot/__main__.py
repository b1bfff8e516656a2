"""`python -m bot` = `newsbot run`."""

from bot.cli import main

raise SystemExit(main(["run"]))
