#!/bin/bash
# usage: ns.sh up | down | lat MS | cut MS | heal MS
set -e
ctl() { echo "$1 $2" > /tmp/realnet/ctl; kill -HUP $(cat /tmp/realnet/dl.pid); }
case "$1" in
up)
  ip netns add za; ip netns add zb
  ip netns exec za ip link set lo up; ip netns exec zb ip link set lo up
  ip netns exec za ip tuntap add dev tza mode tun; ip netns exec zb ip tuntap add dev tzb mode tun
  ip netns exec za ip addr add 10.77.0.1 peer 10.77.0.2 dev tza
  ip netns exec zb ip addr add 10.77.0.2 peer 10.77.0.1 dev tzb
  ip netns exec za ip link set tza up; ip netns exec zb ip link set tzb up
  echo "0 0" > /tmp/realnet/ctl
  nohup python3 /tmp/realnet/delayline.py > /tmp/realnet/dl.log 2>&1 & echo $! > /tmp/realnet/dl.pid
  ip netns exec za epmd -daemon; ip netns exec zb epmd -daemon
  ;;
down)
  ip netns pids za | xargs -r kill; ip netns pids zb | xargs -r kill
  kill $(cat /tmp/realnet/dl.pid) || true
  sleep 0.5; ip netns del za; ip netns del zb ;;
lat) ctl $2 0 ;;
cut) ctl $2 1 ;;
heal) ctl $2 0 ;;
esac
