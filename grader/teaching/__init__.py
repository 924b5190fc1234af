"""Tools for the people who write exercises and courses: `grader new` (an exercise in a pack),
`grader selftest` (an exercise tried on its reference solution and broken variants) and
`grader init` (the student repository).
"""
