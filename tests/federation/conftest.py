"""Multi-instance tests use ``server_process`` and ``in_process`` from tests/conftest.py."""
