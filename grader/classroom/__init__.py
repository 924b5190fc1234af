"""A whole class: rosters, checkouts, batch grading, the journal, the gradebook and dashboard,
similarity.
"""
