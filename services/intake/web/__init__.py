"""Resident web pages and the call-taker console of intake (server-rendered HTML on port 8311)."""
