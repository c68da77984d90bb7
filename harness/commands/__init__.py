"""One module per CLI command; each returns the exit status."""
