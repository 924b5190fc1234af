#!/usr/bin/env bash
# The cluster's own work for the live tier of ex4 and ex11–ex15, typed as raw kubectl and curl
# commands: what `grader check ex4 ex11 ex12 ex13 ex14 ex15 --kubeconfig K` asks the cluster
# to do, without the grader (namespaces, apply, waits, the Ingress probe, ex12's heal and scale).
# Usage: bench/raw_k8s.sh KUBECONFIG SAMPLE_FOLDER
set -euo pipefail
export KUBECONFIG="$1"
SAMPLE="$2"
k() { kubectl --request-timeout=30s "$@" 2>/dev/null; }
run=$RANDOM
ns() { echo "raw-$run-$1"; }
start() { k create namespace "$(ns "$1")" >/dev/null; k apply -n "$(ns "$1")" -f "$SAMPLE/$1" >/dev/null; }
finish() { k delete namespace "$(ns "$1")" --wait=false >/dev/null; }
# one exercise after the other, as the grader grades them
start ex4
k wait -n "$(ns ex4)" --for=condition=available deployment/nginx --timeout=120s >/dev/null
until [[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: nginx.local' http://127.0.0.80:18480/)" == 200 ]]; do
  sleep 0.5
done
finish ex4
start ex11
k wait -n "$(ns ex11)" --for=condition=ready pod/mynginx --timeout=120s >/dev/null
finish ex11
start ex12
k wait -n "$(ns ex12)" --for=condition=available deployment/web --timeout=120s >/dev/null
k delete -n "$(ns ex12)" "$(k get pods -n "$(ns ex12)" -l app=web -o name | head -n1)" --wait=false >/dev/null
sleep 1
k rollout status -n "$(ns ex12)" deployment/web --timeout=120s >/dev/null
k scale -n "$(ns ex12)" deployment/web --replicas=5 >/dev/null
k rollout status -n "$(ns ex12)" deployment/web --timeout=120s >/dev/null
finish ex12
start ex13
k wait -n "$(ns ex13)" --for=condition=ready pod/nginxsecure --timeout=120s >/dev/null
finish ex13
start ex14
k wait -n "$(ns ex14)" --for=condition=complete job/compte --timeout=180s >/dev/null
finish ex14
