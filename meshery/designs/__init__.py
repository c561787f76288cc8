"""Designs (upstream "patterns"): documents, import, validation, storage and deployment."""
