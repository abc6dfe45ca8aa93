"""Hand labels of face videos (format hemispasm.labels/1) and scoring the analyzer against them."""
