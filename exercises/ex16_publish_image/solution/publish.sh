#!/bin/sh
# Publier l'image cowsay dans le registre du projet GitLab.
set -e
VERSION=1.0.0
IMAGE=registry.gitlab.com/groupe/projet/cowsay

docker build -t cowsay .
docker tag cowsay "$IMAGE:$VERSION"
docker tag cowsay "$IMAGE:latest"
echo "$CI_REGISTRY_PASSWORD" | docker login registry.gitlab.com -u "$CI_REGISTRY_USER" --password-stdin
docker push "$IMAGE:$VERSION"
docker push "$IMAGE:latest"
