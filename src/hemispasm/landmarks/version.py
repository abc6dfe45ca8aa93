"""The version of the code that turns a video into landmarks, for the landmark cache's key."""

from __future__ import annotations

__all__ = ["EXTRACTION_VERSION"]

EXTRACTION_VERSION = 3
"""Bump whenever the reader (decoding, colour conversion, scaling, orientation), the extraction
(segmentation, joining) or the backend's post-processing changes the landmarks it produces, so
cached landmarks from older code are never reused.

History: 1 first release; 2 OpenCV's YUV-to-RGB conversion in the reader, segments at fixed times;
3 the face detector's own count on the frames it checks (``Landmarks.detected``).
"""
