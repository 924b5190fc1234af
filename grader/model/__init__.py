"""The result model and the catalogue: what a grading is (results, scores, exit statuses, hints
and their catalogue, the exercises).
"""
