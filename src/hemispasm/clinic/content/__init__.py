"""Patient-facing content: texts kept as data, with the checks that keep them readable."""
