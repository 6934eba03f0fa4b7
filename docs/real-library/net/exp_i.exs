# Experiment i (pass 15): an idle connection (only ticks cross it), a full cut, one message sent 1.9 s into
# the cut, a heal at 2.0 s: when does the message arrive? TCP sends the oldest unacknowledged
# byte again (a tick written into the cut, or the message), backing its timer off.
b = :"b@10.77.0.2"
[outfile, nS] = System.argv()
n = String.to_integer(nS)
ns = fn args -> System.cmd("/tmp/realnet/ns.sh", args) end
ns.(["heal", "0"])
:net_kernel.monitor_nodes(true)
res = for run <- 1..n do
  true = :net_kernel.connect_node(b)
  # idle: nothing but ticks for 9 s
  Process.sleep(9_000)
  tc0 = RN.now(); ns.(["cut", "0"]); tc = RN.now()
  Process.sleep(1_900 - div(tc - tc0, 1000))
  ts = RN.now()
  send({:rn_sink, b}, {:rec, {:i, run}, {1, ts}})
  Process.sleep(max(0, 2_000 - div(RN.now() - tc0, 1000)))
  th0 = RN.now(); ns.(["heal", "0"]); th = RN.now()
  Process.sleep(5_000)
  send({:rn_sink, b}, {:get, self(), {:i, run}})
  rows = receive do {:arrivals, _, rows} -> rows after 10_000 -> [] end
  arrival = case rows do [{_, ta, _}] -> (ta - th) / 1000; _ -> nil end
  o = %{run: run, cut_cmd_ms: (tc - tc0) / 1000, sent_ms_after_cut_cmd: (ts - tc0) / 1000, heal_ms_after_cut_cmd: (th0 - tc0) / 1000,
        heal_cmd_ms: (th - th0) / 1000, arrival_ms_after_heal: arrival,
        nodes_down: (receive do {:nodedown, _} -> true after 0 -> false end)}
  IO.inspect(o)
  :erlang.disconnect_node(b); Process.sleep(800)
  o
end
File.write!(outfile, inspect(res, limit: :infinity))
