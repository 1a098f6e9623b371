"""The advisory database: sources, parsing, import, update, and the lookup matching uses.

Public entry points (the CLI and services call these; everything else is internal):

* :class:`~regsentry.vulndb.store.AdvisoryDB` — a read-only handle implementing
  :class:`regsentry.model.advisory.AdvisoryLookup` (``advisories_for``,
  ``known_exploited``, ``epss``) plus ``find`` (by id or alias) and ``sources``;
* :func:`~regsentry.vulndb.importer.import_path` — ``db import PATH``;
  :func:`~regsentry.vulndb.importer.forget_source` removes one source;
* :func:`~regsentry.vulndb.update.update` with
  :func:`~regsentry.vulndb.sources.default_sources` — ``db update``;
* :func:`~regsentry.vulndb.status.database_status` — ``db status``;
* :func:`~regsentry.vulndb.osv.parse_osv` — one OSV record to an ``Advisory``;
* :func:`~regsentry.vulndb.names.normalize_name` — the package-name key lookups use.

Errors are in :mod:`regsentry.vulndb.errors`; caps in :mod:`regsentry.vulndb.limits`.
The database is one SQLite file (:mod:`regsentry.vulndb.schema`), only ever replaced
whole and atomically (:mod:`regsentry.vulndb.builder`).
"""
