"""Background runs with Celery: the app, its tasks (ids in, small JSON out), beat schedules.

A run is a canvas: every view read (a group), every entity validated (a group), then the
finish (a chord). Tasks call the units of ``vmsdq.services.work`` only; ``vmsdq worker`` and
``vmsdq beat`` start the processes (``celery -A vmsdq.jobs.worker``).
"""
