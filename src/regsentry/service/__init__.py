"""Use cases, and the one place where settings, clients and stores are put together."""
