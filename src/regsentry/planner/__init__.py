"""Scan rule → images: which images a rule covers, found without pulling a layer."""
