"""rpm package databases (BerkeleyDB, NDB, SQLite), read in pure Python.

No rpm binary and no BerkeleyDB library: ``bdb``, ``ndb`` and ``sqlite`` each turn one
database format into header blobs, ``header`` decodes a blob, and ``analyzer`` makes
packages of them and picks one database per image.
"""

from regsentry.analyzer.rpm.analyzer import RpmAnalyzer

__all__ = ["RpmAnalyzer"]
