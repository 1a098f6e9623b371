"""Matcher: an inventory plus advisories → findings, each saying why it matched.

Index once, match many times: matching needs only the stored inventory and the advisory
database, never the registry, so new advisories re-match every stored image.
"""
