#!/bin/sh
# Reference solution of exercise 9.
set -e
docker run -d --name supermario -p 8600:8080 pengbai/docker-supermario
docker ps --filter name=supermario
