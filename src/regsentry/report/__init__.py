"""Rendering results: table, JSON (SPEC §3), and later SARIF, CycloneDX and SPDX."""
