"""Outputs of an analysis: result.json, per-frame time series, HTML report, annotated video."""
