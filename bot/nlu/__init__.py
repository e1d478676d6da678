"""NLU: the sentence encoder and the intent classifier."""
