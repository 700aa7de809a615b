"""Preceptors as people: who precepted whom and when (changes of preceptor), their training,
caseload and the time they give to the role against the nursing framework's expectations."""
