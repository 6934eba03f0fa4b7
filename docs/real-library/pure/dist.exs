# Distribution bytes of `send(remote_pid, T)` on the real VM (OTP 25.2.3, inet_tcp_dist, atom
# cache on), for random and picked terms (helper "realpure"). For each term: one warm-up send
# (its atoms enter the cache), then 5 sends; bytes = A's dist port send_oct delta / 5,
# packets = send_cnt delta / 5 (:inet.getstat, waiting until 4 reads 20 ms apart agree).
# Usage: elixir --name rpa@127.0.0.1 --cookie oracle --erl "-kernel inet_dist_use_interface {127,0,0,1}" \
#          -pa "/work/realzm/proj/_build/prod/lib/*/ebin" dist.exs SEED COUNT OUT.json
Code.require_file("/work/realzm/pure/gen_lib.exs")
[seed_s, count_s, out] = System.argv()
:rand.seed(:exsss, {String.to_integer(seed_s), 1234, 5678})
b = :"rpb@127.0.0.1"
pa = Enum.flat_map(Path.wildcard("/work/realzm/proj/_build/prod/lib/*/ebin") ++ Enum.map([:elixir, :logger], &List.to_string(:code.lib_dir(&1, :ebin))), &[~c"-pa", String.to_charlist(&1)])
{:ok, peer, ^b} = :peer.start_link(%{name: :rpb, host: ~c"127.0.0.1", longnames: true,
  args: pa ++ [~c"-kernel", ~c"inet_dist_use_interface", ~c"{127,0,0,1}", ~c"-connect_all", ~c"false", ~c"-setcookie", ~c"oracle"]})
sink = :erpc.call(b, :erlang, :spawn, [:timer, :sleep, [:infinity]])
{_, port} = List.keyfind(:erlang.system_info(:dist_ctrl), b, 0)
stat = fn ->
  read = fn -> {:ok, s} = :inet.getstat(port, [:send_oct, :send_cnt]); {s[:send_oct], s[:send_cnt]} end
  settle = fn settle, last, same ->
    Process.sleep(20)
    now = read.()
    cond do
      now == last and same >= 3 -> now
      now == last -> settle.(settle, now, same + 1)
      true -> settle.(settle, now, 0)
    end
  end
  settle.(settle, read.(), 0)
end
_ = Port.open({:spawn, "cat"}, [])
picked = [{:a}, {:work, 12345}, :ping, G.text(100), G.text(70_000), <<G.text(9)::binary, 0::3>>, Map.new(1..40, &{&1, :"k#{&1}"}),
          %RuntimeError{message: "boom"}, [self(), make_ref(), sink], {:shutdown, {:a, [1, 2, 3]}}, for(i <- 1..300, do: :"atom_#{i}")]
terms = picked ++ for(_ <- 1..String.to_integer(count_s), do: G.term(G.r(4)))
rows =
  for t <- terms do
    Enc.reset()
    json = Enc.e(t)
    send(sink, t)
    {o0, c0} = stat.()
    for _ <- 1..5, do: send(sink, t)
    {o1, c1} = stat.()
    {:obj, [input: json, labels: {:obj, Enum.reverse(Process.get(:label_info))}, bytes5: o1 - o0, packets5: c1 - c0,
            term_to_binary: byte_size(:erlang.term_to_binary(t))]}
  end
:peer.stop(peer)
File.write!(out, J.enc({:obj, [local_node: Atom.to_string(node()), remote_node: Atom.to_string(b), sink: inspect(sink), rows: rows]}))
IO.puts("wrote #{length(rows)} rows to #{out}")
