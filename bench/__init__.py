"""Warmline benchmarks: standalone scripts that print numbers (see README.md).

Run each as ``.venv/bin/python -m bench.<name> --help``. Nothing here asserts
on time; the tests never import this package.
"""
