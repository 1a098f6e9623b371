"""The ``regsentry`` command line: thin adapters that parse, call a service and render."""
