"""Pure clinical rules: vocabularies, doses, schedules, cycles.

No I/O and no clock here: today is always a parameter.
"""
