"""Use cases of the console: users and tokens, credentials, rules, settings, scan jobs,
results and the scheduler. The API and the web UI are thin adapters over these.
"""
