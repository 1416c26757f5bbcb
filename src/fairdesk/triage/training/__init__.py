"""Build-time scripts: train the shipped starter topic model, write the evaluation report."""
