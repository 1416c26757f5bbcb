"""Persona tests share the segment tests' small, fully known population."""

from tests.segments.conftest import people

__all__ = ["people"]
