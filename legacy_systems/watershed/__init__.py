"""Watershed Management: simulated SOAP 1.1 work-order system (port 9002)."""
