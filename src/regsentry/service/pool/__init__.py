"""Scale-out: the scanner pool (SPEC §5).

The console or the command line plans a job as always, then hands its images to live
scanners (``regsentry scanner`` processes, Celery workers) instead of analysing them
itself; scanners run the same per-image code (:mod:`regsentry.service.image_work`) and
write to the same store. The database is the pool's source of truth (heartbeats,
assignments, per-image checkpoints); the broker only carries "work on job image N".
"""
