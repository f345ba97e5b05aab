"""Parks & Recreation – Forestry: simulated work-order system integrated through interface tables (port 9004)."""
