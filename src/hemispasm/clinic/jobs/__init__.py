"""Background analysis of uploaded videos: the Huey queue, the job runner and the workers.

``queue`` builds the queue the settings name (a SQLite file in the data folder, or Redis) and
registers the one task, ``analyse_upload``; ``runner`` does a job's work and keeps its record in
``analysis_jobs``; ``recovery`` queues again what a stopped worker left; ``worker`` runs a Huey
consumer inside the server (embedded) or as ``hemispasm worker``.
"""
