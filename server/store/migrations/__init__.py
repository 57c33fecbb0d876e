"""Alembic migrations, applied at every start-up (see ``Database.migrate``)."""
