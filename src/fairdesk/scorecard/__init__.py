"""Customer-focus scorecard: does the business serve the customer's needs or its own (rule 7)."""
