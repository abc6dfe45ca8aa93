"""FHIR R4 (R4B models) exchange of the clinic records: a code table and pure mappings both ways.

Nothing here opens a file, reads the clock or talks to a database; ``services.fhir_exchange``
loads the rows, writes and reads the files and owns the import's transaction.
"""
