"""Fairness: exploitation and abuse signals, the review queue, decisions and staff protection.

The right customer is always right: signals are evidence shown to a person, never a verdict,
and nothing here changes a customer's service until a manager has decided a restriction.
"""
