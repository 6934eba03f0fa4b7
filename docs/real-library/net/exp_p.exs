# Experiment d2: latency raised above the Connector's ping timeout (5 s call) on a live connection
b = :"b@10.77.0.2"
[outfile, lS] = System.argv()
l = String.to_integer(lS)
RN.start_zen()
System.cmd("/tmp/realnet/ns.sh", ["lat", "0"])
true = :net_kernel.connect_node(b)
Process.sleep(1000)
[p1, p2] = :rpc.call(b, RN, :sleepers, [2])
System.cmd("/tmp/realnet/ns.sh", ["lat", "#{l}"])
t0 = RN.now()
r1 = ZenMonitor.monitor(p1)
evs = Stream.repeatedly(fn ->
  receive do
    {:DOWN, ^r1, _, _, reason} -> {inspect(reason), (RN.now() - t0) / 1000, Node.list()}
  after 15_000 -> :stop end
end) |> Enum.take_while(&(&1 != :stop))
cache = :ets.lookup(ZenMonitor.Local.Tables.nodes(), b)
o = %{l_ms: l, downs: Enum.map(evs, &Tuple.to_list/1), nodes_cache: inspect(cache), now_ms: (RN.now() - t0) / 1000}
IO.inspect(o)
File.write!(outfile, inspect(o))
