#!/bin/bash
# start_b.sh TICKTIME [extra erl flags]
T=${1:-60}; shift
pkill_b() { [ -f /tmp/realnet/b.pid ] && kill $(cat /tmp/realnet/b.pid) 2>/dev/null; sleep 0.5; }
pkill_b
ip netns exec zb nohup elixir --name b@10.77.0.2 --cookie rn --erl "-kernel net_ticktime $T $*" \
  -pa "/work/realzm/proj/_build/prod/lib/*/ebin" -pa /tmp/realnet/ebin --no-halt \
  -e 'RN.start_sink(); RN.start_watch(:rn_watch); RN.start_zen(); IO.puts("B ready")' > /tmp/realnet/b.log 2>&1 &
echo $! > /tmp/realnet/b.pid
for i in $(seq 50); do grep -q "B ready" /tmp/realnet/b.log && break; sleep 0.2; done
cat /tmp/realnet/b.log
