"""Persistence: the SQL schema (SQLAlchemy + Alembic migrations), sessions and turns,
feedback, the review queue, API keys and retention; the SQLite file's integrity check and
erasure that leaves no readable text behind (`database.py`)."""
