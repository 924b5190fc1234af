"""The Docker side: the engine, builds and their guard, Compose, `docker run` commands,
Dockerfiles, images and offline stand-ins.
"""
