"""Training: intent models and the FAQ index, built from the knowledge base and extra corpora."""
