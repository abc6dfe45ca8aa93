"""Alembic migrations of the clinic records, shipped in the package (run via ``db.migrate``)."""
