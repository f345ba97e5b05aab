"""Public Works – Streets: simulated Cityworks-style JSON-over-HTTP work-order system (port 9001)."""
