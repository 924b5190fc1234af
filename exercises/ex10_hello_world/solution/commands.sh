#!/bin/sh
# Reference solution of exercise 10.
set -e
docker run hello-world
docker ps -a --filter ancestor=hello-world
