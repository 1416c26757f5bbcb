"""Feedback: surveys (CSAT, CES, NPS), themes, improvements and "you said, we did".

Sub-packages keep each part small: ``surveys`` asks and follows up, ``themes`` groups what
customers wrote, ``improvements`` closes the loop and tells the customers who asked.
"""
