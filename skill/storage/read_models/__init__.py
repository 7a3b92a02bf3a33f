"""Plain-SQL reads for the voice hot path, on the DB-API driver without SQLAlchemy (cosmicpython's CQRS views).

The schema is the one skill/storage/models.py and the migrations own; tests/integration/test_read_models.py runs
every query here on SQLite and PostgreSQL against the ORM services' answers for the same data.
"""
