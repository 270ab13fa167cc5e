"""Hostile and broken submissions of the course: the edits, and the expected verdicts."""
