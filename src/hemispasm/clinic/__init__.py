"""Clinic records for hemifacial-spasm care (issue 3). Pure rules live in domain/."""
