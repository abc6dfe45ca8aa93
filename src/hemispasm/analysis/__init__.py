"""Pure analysis core: arrays in, arrays out. NumPy and SciPy only; no I/O, no clock."""
