"""Entry point of scanner processes (``regsentry scanner``): a Celery worker around the
service layer's :class:`regsentry.service.pool.work.ScannerRuntime`."""
