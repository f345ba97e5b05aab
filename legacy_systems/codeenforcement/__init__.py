"""Code Enforcement: simulated case system with a REST/JSON API, OAuth2 tokens and signed webhooks (port 9006)."""
