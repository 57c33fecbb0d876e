"""Warmline server: the application that hosts a community's members."""

__version__ = "0.1.0"
