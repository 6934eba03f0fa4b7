#!/bin/sh
# run.sh SCRIPT: one fresh a/b pair
exec nice -n 10 elixir --name rfa@127.0.0.1 --cookie oracle --erl "+S 1 -kernel inet_dist_use_interface {127,0,0,1}" -pa "/work/realzm/proj/_build/prod/lib/*/ebin" "$@" 2>&1 | grep -v 'warning: Supervisor.start_child\|^  (\|^$\|Instruments\|unused'
