"""`make chaos`: the fault table (run: python -m tests.reliability.chaos --help)."""
