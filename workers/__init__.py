"""SIKK workers: the Celery side of the house and the pure scoring functions (``workers.scoring``)."""
