"""One grading run: the runner, the pytest plugin and its fixtures, the snapshot of a
submission, limits and policy, selftest and `grader new`.
"""
