"""One grading run: the runner, the pytest plugin and its fixtures, the snapshot of a
submission, and the checks every exercise of a kind shares.
"""
