# Experiment c2: a cut healed before the tick timeout: messages sent during it, when and in what order they arrive
b = :"b@10.77.0.2"
[outfile, lS, cutS, nS] = System.argv()
l = String.to_integer(lS); cut = String.to_integer(cutS); n = String.to_integer(nS)
ns = fn args -> System.cmd("/tmp/realnet/ns.sh", args) end
ns.(["heal", "#{l}"])
:net_kernel.monitor_nodes(true)
res = for run <- 1..n do
  true = :net_kernel.connect_node(b)
  Process.sleep(1500 + 8 * l)
  me = self()
  sender = spawn(fn ->
    for i <- 1..100_000 do
      receive do :stop -> exit(:normal) after 0 -> :ok end
      send({:rn_sink, b}, {:rec, {:h, run}, {i, RN.now()}})
      Process.sleep(50)
    end
  end)
  Process.sleep(500)
  tc0 = RN.now(); ns.(["cut", "#{l}"]); tc = RN.now()
  Process.sleep(cut)
  th0 = RN.now(); ns.(["heal", "#{l}"]); th = RN.now()
  Process.sleep(5000)
  send(sender, :stop)
  Process.sleep(200 + 4 * l)
  send({:rn_sink, b}, {:get, me, {:h, run}})
  rows = receive do {:arrivals, _, rows} -> rows after 10_000 -> [] end
  arr = rows |> Enum.map(fn {_, ta, {i, ts}} -> [i, (ts - th) / 1000, (ta - th) / 1000] end) |> Enum.sort_by(fn [_, _, a] -> a end)
  ids = Enum.map(arr, &hd/1)
  o = %{run: run, l_ms: l, cut_ms: cut, cut_at_ms: (tc - th) / 1000, cut_cmd_ms: (tc - tc0) / 1000, heal_cmd_ms: (th - th0) / 1000,
        in_order: ids == Enum.sort(ids), n: length(ids), missing: Enum.to_list(1..Enum.max(ids)) -- ids,
        sent_in_cut: (for [i, s, a] <- arr, s > (tc0 - th) / 1000 and s < 0, do: [i, s, a]),
        first_after: (for [i, s, a] <- arr, s >= 0, do: [i, s, a]) |> Enum.take(3),
        nodes_down: (receive do {:nodedown, _} -> true after 0 -> false end)}
  IO.inspect(o, limit: :infinity)
  :erlang.disconnect_node(b); Process.sleep(800)
  o
end
File.write!(outfile, inspect(res, limit: :infinity))
