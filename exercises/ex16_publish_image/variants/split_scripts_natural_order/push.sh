#!/bin/sh
set -e
echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin registry.gitlab.com
docker push registry.gitlab.com/groupe/projet/cowsay:1.0.0
