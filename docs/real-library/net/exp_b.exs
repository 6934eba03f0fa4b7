# Experiment b: remote processes killed on b under one-way latency L: DOWN arrival on a, plain and ZenMonitor;
# then ZenMonitor.monitor of a target on b while b is not connected.
b = :"b@10.77.0.2"
[outfile, nS | lats] = System.argv()
n = String.to_integer(nS)
RN.start_zen()
:rand.seed(:exsss, {1, 2, 3})
res = for l <- Enum.map(lats, &String.to_integer/1), run <- 1..n do
  System.cmd("/tmp/realnet/ns.sh", ["lat", "#{l}"])
  true = :net_kernel.connect_node(b)
  Process.sleep(500 + 8 * l)
  [p1, p2, p3] = :rpc.call(b, RN, :sleepers, [3])
  r1 = Process.monitor(p1)
  r2 = ZenMonitor.monitor(p2)
  Process.sleep(1000 + 4 * l + :rand.uniform(300))
  tk = :rpc.call(b, RN, :kill_stamp, [[p1, p2]])
  got = for _ <- 1..2 do
    receive do
      {:DOWN, ^r1, _, _, reason} -> {:plain, inspect(reason), (RN.now() - tk) / 1000}
      {:DOWN, ^r2, _, _, reason} -> {:zen, inspect(reason), (RN.now() - tk) / 1000}
    after 5000 + 4 * l -> :timeout end
  end
  # not connected: ZenMonitor.monitor of a live target
  Process.sleep(300)
  :erlang.disconnect_node(b)
  Process.sleep(1000 + 3 * l)
  connected_before = Node.list()
  t3 = RN.now()
  r3 = ZenMonitor.monitor(p3)
  z3 = receive do {:DOWN, ^r3, _, _, reason} -> {inspect(reason), (RN.now() - t3) / 1000} after 3000 -> :timeout end
  o = %{l_ms: l, run: run, downs_after_kill_ms: Enum.map(got, &Tuple.to_list/1), unconnected_zen_monitor: Tuple.to_list(z3), nodes_before: connected_before, nodes_after: Node.list()}
  IO.inspect(o)
  :erlang.disconnect_node(b); Process.sleep(500)
  o
end
File.write!(outfile, inspect(res, limit: :infinity))
