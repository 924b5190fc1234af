#!/bin/sh
docker tag cowsay registry.gitlab.com/groupe/projet/cowsay:latest
docker push registry.gitlab.com/groupe/projet/cowsay:latest
