"""``python -m regsentry`` runs the command line."""

from regsentry.cli.app import main

main()
