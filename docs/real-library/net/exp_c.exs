# Experiment c: full cut (both ways), nodedown on each side, plain and ZenMonitor DOWNs after it
b = :"b@10.77.0.2"
[outfile, tS, nS] = System.argv()
t = String.to_integer(tS); n = String.to_integer(nS)
RN.start_zen()
:net_kernel.monitor_nodes(true)
:rand.seed(:exsss, {t, 42, 7})
ns = fn args -> System.cmd("/tmp/realnet/ns.sh", args) end
ns.(["heal", "0"])
res = for run <- 1..n do
  true = :net_kernel.connect_node(b)
  Process.sleep(1500)
  [p1, p2] = :rpc.call(b, RN, :sleepers, [2])
  r1 = Process.monitor(p1)
  r2 = ZenMonitor.monitor(p2)
  Process.sleep(1000 + :rand.uniform(t * 1000))
  receive do _ -> :ok after 0 -> :ok end
  tc = RN.now()
  ns.(["cut", "0"])
  tcut = RN.now()
  deadline = tc + (t * 1250 + 1500) * 1000
  evs = Stream.repeatedly(fn ->
      left = max(0, div(deadline - RN.now(), 1000))
      receive do
        {:nodedown, ^b} -> {:nodedown, RN.now()}
        {:DOWN, ^r1, _, _, reason} -> {{:plain, reason}, RN.now()}
        {:DOWN, ^r2, _, _, reason} -> {{:zen, reason}, RN.now()}
      after left -> :stop end
    end) |> Enum.take_while(&(&1 != :stop))
  ns.(["heal", "0"])
  Process.sleep(200)
  true = :net_kernel.connect_node(b)
  send({:rn_watch, b}, {:get, self()})
  bev = receive do {:events, e} -> e after 5000 -> [] end
  send({:rn_watch, b}, {:clear})
  b_down = for {:nodedown, _, tt} <- bev, tt > tc, do: (tt - tc) / 1000
  o = %{run: run, ticktime_s: t, cut_cmd_ms: (tcut - tc) / 1000,
        a: Enum.map(evs, fn {k, tt} -> [inspect(k), (tt - tc) / 1000] end), b_nodedown_ms: b_down}
  IO.inspect(o, limit: :infinity)
  Process.sleep(500)
  :erlang.disconnect_node(b); Process.sleep(800)
  receive do _ -> :ok after 0 -> :ok end
  o
end
File.write!(outfile, inspect(res, limit: :infinity))
