# shellcheck shell=bash
# need_packages PACKAGE...: install from Debian what is missing, without letting the packages
# start their own services (etcd on 2379, nginx on 80): the cluster starts what it needs itself.
# Sourced by scripts/cluster.sh and scripts/cluster/build.sh, which define `log`.
need_packages() {
  local missing=() package made="" code=0
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
      || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    made=yes
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 || code=$?
  if [[ -n $made ]]; then rm -f /usr/sbin/policy-rc.d; fi
  return $code
}
