"""Rasa NLU components of a lean French pipeline: spaCy's tokenizer and word vectors without its neural pipes,
a linear intent classifier and a vocabulary entity extractor — no TensorFlow model to load or run."""
