"""Analyzers: one module per file kind, pure functions of (path, bytes).

They never touch the network, a database or the web layer; the indexer hands them the
files they asked for and merges what they found.
"""
