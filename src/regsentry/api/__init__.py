"""The console's HTTP side: the REST API (``/api/v1``) and the web UI, thin adapters over
:mod:`regsentry.service.console`."""
