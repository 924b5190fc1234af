#!/bin/sh
VERSION=1.0.0
docker tag cowsay registry.gitlab.com/groupe/projet/cowsay:$VERSION
docker push registry.gitlab.com/groupe/projet/cowsay:$VERSION
