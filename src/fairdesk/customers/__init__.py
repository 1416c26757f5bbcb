"""Customers, their orders and journey events; CSV import/export."""
