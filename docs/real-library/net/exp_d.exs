# Experiment d: set-up under a one-way latency near net_setuptime/4 and /6
b = :"b@10.77.0.2"
[outfile | lats] = System.argv()
:net_kernel.monitor_nodes(true)
res = for l <- Enum.map(lats, &String.to_integer/1) do
  System.cmd("/tmp/realnet/ns.sh", ["lat", "#{l}"]); Process.sleep(200)
  t0 = RN.now()
  r = :net_kernel.connect_node(b)
  t1 = RN.now()
  ev = receive do m -> m after 0 -> nil end
  o = %{l_ms: l, result: r, elapsed_ms: (t1 - t0) / 1000, nodes: Node.list(), ev: inspect(ev)}
  IO.inspect(o)
  :erlang.disconnect_node(b); Process.sleep(4 * l + 500)
  o
end
File.write!(outfile, inspect(res, limit: :infinity))
