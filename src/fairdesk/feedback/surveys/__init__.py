"""Surveys: short forms sent after a solved ticket or on a schedule, answered by a signed link."""
