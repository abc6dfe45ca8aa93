"""Landmark backends (MediaPipe FaceMesh), parallel extraction and the landmark cache."""
