"""Tests of the workers: pure scoring functions, loader and Celery tasks."""
