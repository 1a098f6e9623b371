"""Indexer: manifest → layers → analyzers → one merged inventory per image.

Layers are streamed once, decompressed and walked as they download, and never written to
disk; only the files analyzers asked for are kept in memory, each within its cap.
"""
