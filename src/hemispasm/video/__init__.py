"""Video I/O edge: the only place that opens or writes video files."""
