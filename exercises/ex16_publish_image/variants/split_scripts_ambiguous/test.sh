#!/bin/sh
# Vérifier l'image avant de la publier.
docker build -t cowsay-test .
docker run --rm cowsay-test
