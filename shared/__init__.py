"""city311's own shared package: event contracts, reliable messaging, persistence, logging, config."""
