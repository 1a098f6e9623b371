"""``python -m regsentry`` runs the command line."""

from regsentry.cli.launch import run

run()
