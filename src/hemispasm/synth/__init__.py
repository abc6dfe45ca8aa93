"""Synthetic hemifacial-spasm videos with ground truth, made from a real face photo."""
