#!/bin/sh
docker build -t cowsay .
