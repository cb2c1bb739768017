"""Reading partner drops: formats, the partner registry, the landing zone, quarantine."""
