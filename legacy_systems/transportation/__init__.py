"""Transportation: simulated work-order system trading OAGIS-style XML documents on its own queues (port 9005)."""
