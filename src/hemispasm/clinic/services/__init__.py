"""Use cases of the clinic records: each checks access, validates, writes, audits and commits."""
