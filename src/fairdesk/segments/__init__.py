"""Segmentation: RFM, rule segments, data-driven clusters, target segments and ideal-customer fit.

Pure estimators (``rfm``, ``encoding``, ``clustering``, ``fit``, ``explain``) work on
columnar ``Profiles`` without a database; ``service`` loads them from SQL, stores results and
answers membership questions for the rest of fairdesk.
"""
