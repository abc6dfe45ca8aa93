"""Storage: SQLAlchemy 2 models and the engine / session factory."""
