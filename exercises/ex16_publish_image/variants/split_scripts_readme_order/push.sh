#!/bin/sh
IMAGE=registry.gitlab.com/groupe/projet/cowsay
docker tag cowsay "$IMAGE:1.0.0"
echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin registry.gitlab.com
docker push "$IMAGE:1.0.0"
