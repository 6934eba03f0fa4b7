# Experiment a: connection set-up vs one-way latency (A in za, B in zb)
b = :"b@10.77.0.2"
[outfile | lats] = System.argv()
lats = Enum.map(lats, &String.to_integer/1)
:net_kernel.monitor_nodes(true)
setlat = fn l -> System.cmd("/tmp/realnet/ns.sh", ["lat", "#{l}"]) end
flush = fn f -> receive do _ -> f.(f) after 0 -> :ok end end
disc = fn l ->
  Process.sleep(8 * l + 500)
  Enum.reduce_while(1..10, nil, fn _, _ ->
    :erlang.disconnect_node(b)
    Process.sleep(3 * l + 300)
    if Node.list() == [], do: {:halt, :ok}, else: {:cont, IO.puts("reconnected; again")}
  end)
  [] = Node.list()
  flush.(flush)
end
# warm-up (code loading)
true = :net_kernel.connect_node(b)
results =
  for l <- lats, run <- 1..3 do
    setlat.(l); Process.sleep(100)
    disc.(l)
    t0 = RN.now()
    true = :net_kernel.connect_node(b)
    t1 = RN.now()
    up1 = receive do {:nodeup, ^b} -> RN.now() after 30_000 -> nil end
    disc.(l)
    t2 = RN.now()
    send({:rn_sink, b}, {:stamp, self(), {l, run}})
    tb = receive do {:stamped, _, tb} -> tb after 30_000 -> nil end
    t3 = RN.now()
    r = %{l_ms: l, run: run, connect_ms: (t1 - t0) / 1000, nodeup_msg_ms: up1 && (up1 - t0) / 1000,
          first_msg_ms: tb && (tb - t2) / 1000, first_reply_ms: (t3 - t2) / 1000}
    IO.inspect(r)
    r
  end
File.write!(outfile, :json_placeholder |> then(fn _ -> inspect(results, limit: :infinity) end))
