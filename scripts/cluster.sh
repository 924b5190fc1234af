#!/usr/bin/env bash
# A single-node Kubernetes 1.20 cluster for grading and testing — not for production.
#
#   scripts/cluster.sh up       build once (cached), start, wait until the node is Ready;
#                               prints the admin kubeconfig's path last on stdout
#   scripts/cluster.sh down     stop everything and remove every container, iptables chain,
#                               process and sysctl change it made
#   scripts/cluster.sh status   say what runs; exit 0 when the cluster answers
#
# Built from Debian's own `kubernetes` source package (scripts/cluster/build.sh), run on the
# project's Docker engine (dockershim, cgroupfs), with Debian's etcd. Every component listens
# on loopback (the pods' bridge docker0 only where pods must reach it, and the kubelet's API,
# which the API server dials for logs, exec and port-forward: Kubernetes refuses a loopback node
# address, and then proxies none of them; anonymous access is off): the cluster is never
# reachable from outside the machine. Pods get a loopback-only resolv.conf: no lookup leaves it.
# An offline stand-in ingress controller (Debian's nginx, grader/k8s/ingress_standin.py) answers on
# 127.0.0.80:18480 (not port 80: a student's `80:80` publishes on every address of the machine).
# Idempotent: a second `up` on a running cluster returns in a second.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
STATE="${GRADER_CLUSTER_STATE:-/var/lib/grader-cluster}"
API_PORT="${GRADER_CLUSTER_API_PORT:-16443}"
ETCD_PORT=12379
INGRESS_LISTEN="${GRADER_INGRESS_LISTEN:-127.0.0.80:18480}"
NODE=grader-node
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
PAUSE_IMAGE=k8s.gcr.io/pause:3.2
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes
  net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables
  net.netfilter.nf_conntrack_max)
PYTHON="${GRADER_PYTHON:-$ROOT/.venv/bin/python}"

log() { echo "cluster: $*" >&2; }
bridge_ip() { ip -4 -o addr show docker0 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1; }
kubectl_admin() { kubectl --kubeconfig "$STATE/admin.kubeconfig" --request-timeout=5s "$@"; }
answers() { [[ -f "$STATE/admin.kubeconfig" ]] && kubectl_admin get --raw /readyz >/dev/null 2>&1; }
running() { [[ -f "$STATE/pids/$1" ]] && kill -0 "$(cat "$STATE/pids/$1")" 2>/dev/null; }

start() {  # start NAME COMMAND...: in the background, logged, its pid kept
  local name=$1; shift
  running "$name" && return 0
  mkdir -p "$STATE/logs" "$STATE/pids"
  setsid "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name"
}

stop() {
  local name=$1 pid
  [[ -f "$STATE/pids/$name" ]] || return 0
  pid="$(cat "$STATE/pids/$name")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/pids/$name"
}

wait_for() {  # wait_for SECONDS WHAT COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $((seconds * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  log "$what did not come up in ${seconds} s; logs in $STATE/logs/"
  tail -n 20 "$STATE"/logs/*.log >&2 || true
  return 1
}

record_sysctls() {  # what the kubelet and kube-proxy will change, as it was before them
  [[ -f "$STATE/sysctls.before" ]] && return 0
  for key in "${SYSCTLS[@]}"; do
    value="$(sysctl -n "$key" 2>/dev/null)" && echo "$key=$value"
  done >"$STATE/sysctls.before"
}

restore_sysctls() {
  [[ -f "$STATE/sysctls.before" ]] || return 0
  while IFS= read -r line; do
    sysctl -q -w "$line" >/dev/null 2>&1 || true
  done <"$STATE/sysctls.before"
}

certificates() {
  local pki="$STATE/pki" bridge=$1
  [[ -f "$pki/admin.crt" ]] && return 0
  mkdir -p "$pki" && chmod 700 "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=grader-cluster-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  issue() {  # issue NAME SUBJECT [SANs]
    local name=$1 subject=$2 sans=${3:-}
    openssl req -newkey rsa:2048 -nodes -subj "$subject" \
      -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
    local ext="$pki/$name.ext"
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n' >"$ext"
    if [[ -n $sans ]]; then
      printf 'extendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$sans" >>"$ext"
    else
      printf 'extendedKeyUsage=clientAuth\n' >>"$ext"
    fi
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
      -CAcreateserial -days 3650 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
    rm -f "$pki/$name.csr" "$ext"
  }
  issue apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:$SERVICE_IP,IP:$bridge,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  issue kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  issue node "/O=system:nodes/CN=system:node:$NODE"
  issue controller-manager "/CN=system:kube-controller-manager"
  issue scheduler "/CN=system:kube-scheduler"
  issue proxy "/CN=system:kube-proxy"
  issue admin "/O=system:masters/CN=grader-admin"
  chmod 600 "$pki"/*.key
}

kubeconfig() {  # kubeconfig NAME CERT
  cat >"$STATE/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: grader
    cluster:
      server: https://127.0.0.1:$API_PORT
      certificate-authority: $STATE/pki/ca.crt
users:
  - name: $1
    user:
      client-certificate: $STATE/pki/$2.crt
      client-key: $STATE/pki/$2.key
contexts:
  - name: grader
    context: {cluster: grader, user: $1}
current-context: grader
EOF
  chmod 600 "$STATE/$1.kubeconfig"
}

configs() {
  local bridge=$1
  for pair in admin:admin controller-manager:controller-manager scheduler:scheduler \
    kubelet:node proxy:proxy; do
    kubeconfig "${pair%%:*}" "${pair##*:}"
  done
  # Pods resolve nothing but themselves: no cluster DNS is packaged, and nothing may leave.
  printf 'nameserver 127.0.0.1\noptions ndots:1 timeout:1 attempts:1\n' >"$STATE/resolv.conf"
  cat >"$STATE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $bridge
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
cgroupDriver: cgroupfs
failSwapOn: false
resolvConf: $STATE/resolv.conf
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $STATE/pki/ca.crt}
authorization: {mode: Webhook}
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 100
serializeImagePulls: false
maxPods: 60
EOF
  cat >"$STATE/proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clientConnection: {kubeconfig: $STATE/proxy.kubeconfig}
hostnameOverride: $NODE
mode: iptables
clusterCIDR: 172.17.0.0/16
nodePortAddresses: ["127.0.0.0/8", "$bridge/32"]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

# Admission and the cluster-wide rules every grading relies on: no privileged pod at all, and
# a PodSecurityPolicy (what 1.20 can enforce) that every service account and user must use.
policies() {
  sed "s|INGRESS_LISTEN|$INGRESS_LISTEN|" <<'EOF' | kubectl_admin apply -f - >/dev/null
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: grader-restricted
  labels: {grader.cluster: "true"}
spec:
  privileged: false
  allowPrivilegeEscalation: true
  hostNetwork: false
  hostIPC: false
  hostPID: false
  hostPorts: []
  allowedCapabilities: []
  volumes: [configMap, emptyDir, secret, projected, downwardAPI, persistentVolumeClaim, ephemeral]
  runAsUser: {rule: RunAsAny}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: grader-use-restricted-psp
  labels: {grader.cluster: "true"}
rules:
  - apiGroups: [policy]
    resources: [podsecuritypolicies]
    resourceNames: [grader-restricted]
    verbs: [use]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: grader-use-restricted-psp
  labels: {grader.cluster: "true"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: grader-use-restricted-psp}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:serviceaccounts"}
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:authenticated"}
---
# How the grader knows its own cluster, whatever identity it uses there (even a student's
# confined to one namespace): pods run on the grader's engine, offline stand-ins can be put there.
apiVersion: v1
kind: ConfigMap
metadata:
  name: grader-cluster
  namespace: kube-public
  labels: {grader.cluster: "true"}
data:
  engine: "the Docker engine of the machine running the grader (dockershim)"
  ingress: "http://INGRESS_LISTEN"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: grader-cluster-reader, namespace: kube-public, labels: {grader.cluster: "true"}}
rules:
  - {apiGroups: [""], resources: [configmaps], resourceNames: [grader-cluster], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: grader-cluster-reader, namespace: kube-public, labels: {grader.cluster: "true"}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: grader-cluster-reader}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:authenticated"}
EOF
}

pause_image() {  # the pod sandbox's image, from the same source: FROM scratch + static pause
  local bin=$1 context
  # (labelled as the cluster's, never grader.managed: `grader clean` removes what has that)
  [[ "$(docker image inspect --format '{{index .Config.Labels "grader.cluster"}}' \
    "$PAUSE_IMAGE" 2>/dev/null)" == pause ]] && return 0
  context="$(mktemp -d)"
  cp "$bin/pause" "$context/pause"
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' \
    >"$context/Dockerfile"
  docker build -q -t "$PAUSE_IMAGE" --label grader.cluster=pause "$context" >/dev/null
  rm -rf "$context"
}

# shellcheck source=scripts/cluster/packages.sh
source "$HERE/cluster/packages.sh"

up() {
  if answers && running kubelet && running proxy && running ingress; then
    log "already running"
    echo "$STATE/admin.kubeconfig"
    return 0
  fi
  docker info >/dev/null 2>&1 || { log "no Docker engine answers: run scripts/setup.sh first"; exit 2; }
  need_packages etcd-server socat conntrack openssl iptables nginx-light
  command -v kubectl >/dev/null || need_packages kubernetes-client
  local bin bridge started=$SECONDS
  bin="$("$HERE/cluster/build.sh")"
  bridge="$(bridge_ip)"
  [[ -n $bridge ]] || { log "no docker0 bridge: is the engine up?"; exit 2; }
  mkdir -p "$STATE" && chmod 700 "$STATE"
  record_sysctls
  certificates "$bridge"
  configs "$bridge"
  pause_image "$bin"
  local pki="$STATE/pki"
  start etcd /usr/bin/etcd --name grader --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "grader=http://127.0.0.1:$((ETCD_PORT + 1))" \
    --log-level warn
  start apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$API_PORT" --insecure-port 0 \
    --advertise-address "$bridge" --anonymous-auth=false --profiling=false \
    --allow-privileged=false \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --client-ca-file "$pki/ca.crt" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --kubelet-client-certificate "$pki/kubelet-client.crt" \
    --kubelet-client-key "$pki/kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-key-file "$pki/sa.pub" \
    --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,ResourceQuota,NodeRestriction,PodSecurityPolicy
  wait_for 60 "the API server" answers
  start controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --port 0 --leader-elect=false \
    --use-service-account-credentials \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --controllers '*,-bootstrapsigner,-tokencleaner,-nodeipam'
  start scheduler "$bin/kube-scheduler" \
    --kubeconfig "$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --port 0 --leader-elect=false
  policies
  start kubelet "$bin/kubelet" \
    --config "$STATE/kubelet.yaml" --kubeconfig "$STATE/kubelet.kubeconfig" \
    --root-dir "$STATE/kubelet" --cert-dir "$STATE/kubelet/pki" \
    --container-runtime docker --docker-endpoint unix:///var/run/docker.sock \
    --pod-infra-container-image "$PAUSE_IMAGE" \
    --hostname-override "$NODE" --node-ip "$bridge" --network-plugin "" \
    --node-labels grader.cluster=true
  start proxy "$bin/kube-proxy" --config "$STATE/proxy.yaml"
  wait_for 90 "the node" node_ready
  restore_sysctls  # the kubelet and kube-proxy set theirs at start; the machine is shared
  start ingress "$PYTHON" -m grader.k8s.ingress_standin --kubeconfig "$STATE/admin.kubeconfig" \
    --listen "$INGRESS_LISTEN" --state-dir "$STATE/ingress"
  wait_for 30 "the stand-in ingress controller" \
    kubectl_admin get ingressclass nginx
  log "ready in $((SECONDS - started)) s (node $NODE, API https://127.0.0.1:$API_PORT)"
  echo "$STATE/admin.kubeconfig"
}

node_ready() {
  kubectl_admin get node "$NODE" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -q True
}

remove_pod_containers() {  # every container the kubelet made, on the project's engine
  local ids
  ids="$(docker ps -aq --filter label=io.kubernetes.docker.type 2>/dev/null || true)"
  [[ -n $ids ]] && docker rm -f $ids >/dev/null 2>&1 || true
}

remove_iptables() {  # the KUBE-* chains of the kubelet and kube-proxy, and the jumps to them
  local table rules chains rule chain
  for table in filter nat mangle; do
    rules="$(iptables-save -t "$table" 2>/dev/null || true)"
    [[ $rules == *KUBE-* ]] || continue
    # the rules jumping into KUBE-* chains from the built-in ones
    while read -r rule; do
      [[ -n $rule ]] || continue
      eval "iptables -t $table -D ${rule#-A }" 2>/dev/null || true
    done < <(printf '%s\n' "$rules" \
      | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j KUBE-' || true)
    chains="$(printf '%s\n' "$rules" | sed -n 's/^:\(KUBE-[^ ]*\).*/\1/p')"
    for chain in $chains; do iptables -t "$table" -F "$chain" 2>/dev/null || true; done
    for chain in $chains; do iptables -t "$table" -X "$chain" 2>/dev/null || true; done
  done
}

down() {
  stop ingress
  for name in proxy kubelet scheduler controller-manager apiserver etcd; do stop "$name"; done
  remove_pod_containers
  remove_iptables
  restore_sysctls
  rm -f "$STATE/sysctls.before"
  # kubelet mounts (secrets, service account tokens) under its root folder
  if [[ -d "$STATE/kubelet" ]]; then
    grep -o " $STATE/kubelet[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  fi
  rm -rf "$STATE/etcd" "$STATE/kubelet" "$STATE/ingress" "$STATE/pids"
  log "down (certificates and logs kept in $STATE)"
}

status() {
  local code=0
  for name in etcd apiserver controller-manager scheduler kubelet proxy ingress; do
    if running "$name"; then echo "$name: running (pid $(cat "$STATE/pids/$name"))"
    else echo "$name: stopped"; code=1; fi
  done
  if answers && node_ready; then echo "node $NODE: Ready"; echo "$STATE/admin.kubeconfig"
  else echo "cluster: not answering"; code=1; fi
  return $code
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  build) "$HERE/cluster/build.sh" ;;
  *) echo "usage: $0 up|down|status|build" >&2; exit 64 ;;
esac
