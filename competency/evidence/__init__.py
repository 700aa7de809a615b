"""Evidence: what practitioners record against capabilities, and the files attached to it."""
