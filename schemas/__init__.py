"""JSON Schema documents for everything Warmline accepts from outside.

Shipped inside the ``federation`` package as ``federation.schemas`` (see
pyproject.toml); this file only makes the folder importable as a package so
``importlib.resources`` finds the schemas in a checkout and in a wheel alike.
"""
