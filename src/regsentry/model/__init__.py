"""Frozen value types shared by every layer; they import nothing of regsentry above them."""
