"""Personas: a named, human summary of each target segment, synthesised from its members."""
