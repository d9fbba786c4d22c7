"""Domain, persistence, use cases and the command line of eldercare-rota."""
