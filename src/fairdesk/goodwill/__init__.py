"""Goodwill: the remedy policy, discretion limits, recommended remedies, grants and approvals."""
