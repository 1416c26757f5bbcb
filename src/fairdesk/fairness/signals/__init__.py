"""Fairness signals: per-customer summaries by SQL, pure rules over them, evidence by id.

``summary`` aggregates in the database, ``model.SignalModel`` applies the rules (robust
z-scores from ``robust``), ``evidence`` fetches the ids behind each signal that fires and
``compute`` runs the three in order.
"""
