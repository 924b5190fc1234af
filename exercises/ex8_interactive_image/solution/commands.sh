#!/bin/sh
# Reference solution of exercise 8: the course's steps, without the interactive shell.
set -e
docker run --name cowsay-build ubuntu sh -c "apt-get update && apt-get install -y cowsay"
docker commit cowsay-build cowsay
docker rm cowsay-build
docker run --rm cowsay /usr/games/cowsay bonjour
