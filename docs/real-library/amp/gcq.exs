# Does a garbage collection move a message that waits in the queue (not matched) into the heap?
# P waits in a receive that matches only :gc (then calls :erlang.garbage_collect() on itself) and :stop.
# It gets a 10,000-integer list (a) from a local process, (b) from a process on amp_gb (decoded from the
# wire), (c) {:boom, <<65 bytes>>} from amp_gb; process_info(P) before the message, with it queued,
# after :erlang.garbage_collect(P) from outside, and after P collected itself.
# Usage: elixir --name amp_a@127.0.0.1 --cookie amp ... -pa "<build>/*/ebin" gcq.exs OUT.json
[out] = System.argv()
b = :"amp_gb@127.0.0.1"
{:ok, peer, ^b} = :peer.start_link(%{name: :amp_gb, host: ~c"127.0.0.1", longnames: true,
  args: [~c"-kernel", ~c"inet_dist_use_interface", ~c"{127,0,0,1}", ~c"-connect_all", ~c"false", ~c"-setcookie", ~c"amp"]})
Process.unlink(peer)
info = fn p -> Map.new(Process.info(p, [:memory, :heap_size, :total_heap_size, :message_queue_len])) end
mk = fn ->
  spawn(fn ->
    loop = fn loop ->
      receive do
        :gc -> :erlang.garbage_collect(); loop.(loop)
        :stop -> :ok
      end
    end
    loop.(loop)
  end)
end
case_ = fn name, sendit ->
  p = mk.()
  Process.sleep(50)
  :erlang.garbage_collect(p)
  s0 = info.(p)
  sendit.(p)
  Process.sleep(200)
  s1 = info.(p)
  :erlang.garbage_collect(p)
  s2 = info.(p)
  send(p, :gc)
  Process.sleep(100)
  s3 = info.(p)
  send(p, :stop)
  {name, %{empty: s0, queued: s1, gc_from_outside: s2, gc_by_itself: s3}}
end
list = Enum.to_list(1..10_000)
remote_send = fn term -> fn p -> :erpc.call(b, :erlang, :send, [p, term]) end end
res = Map.new([
  case_.("local_list10k", fn p -> spawn(fn -> send(p, list) end) end),
  case_.("remote_list10k", remote_send.(list)),
  case_.("remote_boom_bin65", remote_send.({:boom, String.duplicate("a", 65)})),
  case_.("remote_bin100k", remote_send.(String.duplicate("a", 100_000))),
  case_.("local_boom_bin65", fn p -> spawn(fn -> send(p, {:boom, String.duplicate("a", 65)}) end) end)
])
File.write!(out, inspect(res, limit: :infinity, pretty: true))
:peer.stop(peer)
