"""Solid Waste: simulated batch file work-order system (fixed-width files; admin on port 9003)."""
