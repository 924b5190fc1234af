#!/bin/sh
set -e
docker build -t cowsay .
docker tag cowsay registry.gitlab.com/groupe/projet/cowsay:1.0.0
