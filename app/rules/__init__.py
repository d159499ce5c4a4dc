"""Domain rules: what makes a single record valid, independent of where it comes from.

The seed applies them to every record of ``data/``; API writes will apply the same
functions to a single record. Each returns problems as ``(location, message)``.
"""
