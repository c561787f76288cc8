"""Development tools that run beside the server (not part of the server package)."""
