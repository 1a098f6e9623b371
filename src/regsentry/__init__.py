"""regsentry: keeps the images in container registries scanned for known vulnerabilities."""

__version__ = "0.1.0"
