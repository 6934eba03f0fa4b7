# process_info(:memory) share of a remote monitor by pid and by {name, node} (helper "realpure").
b = :"rpb@127.0.0.1"
{:ok, peer, ^b} = :peer.start_link(%{name: :rpb, host: ~c"127.0.0.1", longnames: true, args: [~c"-setcookie", ~c"oracle"]})
t = :erpc.call(b, :erlang, :spawn, [:timer, :sleep, [:infinity]])
true = :erpc.call(b, :erlang, :register, [:some_name, t])
m = fn p -> :erlang.garbage_collect(p); Process.sleep(20); {:memory, x} = Process.info(p, :memory); x end
mk = fn f -> p = spawn(fn -> receive do {:do, f} -> f.() end; receive do :never -> :ok end end); send(p, {:do, f}); Process.sleep(100); m.(p) end
IO.puts("plain #{mk.(fn -> :ok end)} by_pid #{mk.(fn -> Process.monitor(t) end)} by_name #{mk.(fn -> Process.monitor({:some_name, b}) end)} by_name+monitor_node #{mk.(fn -> Process.monitor({:some_name, b}); :erlang.monitor_node(b, true) end)}")
:peer.stop(peer)
