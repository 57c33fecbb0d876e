"""Storage: the only place that writes SQL.

``Database`` owns the engine; the query functions in the submodules take an
``AsyncConnection`` so a service can group several of them in one transaction.
"""

from server.store.database import Database, DatabaseError

__all__ = ["Database", "DatabaseError"]
