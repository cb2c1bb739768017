"""The synthetic demo drop: its generator and its vocabulary (a data file)."""
