# process_info(:memory) of a process before and after erlang:monitor_node/2 (helper "realpure").
b = :"rpb@127.0.0.1"
{:ok, peer, ^b} = :peer.start_link(%{name: :rpb, host: ~c"127.0.0.1", longnames: true, args: [~c"-setcookie", ~c"oracle"]})
m = fn p -> :erlang.garbage_collect(p); Process.sleep(20); {:memory, x} = Process.info(p, :memory); x end
p = spawn(fn -> receive do {:do, f} -> f.() end; receive do :never -> :ok end end)
m0 = m.(p)
send(p, {:do, fn -> :erlang.monitor_node(b, true) end}); Process.sleep(50)
m1 = m.(p)
q = spawn(fn -> receive do {:do, f} -> f.() end; receive do :never -> :ok end end)
send(q, {:do, fn -> :erlang.monitor_node(b, true); :erlang.monitor_node(b, true) end}); Process.sleep(50)
m2 = m.(q)
r = spawn(fn -> receive do {:do, f} -> f.() end; receive do :never -> :ok end end)
send(r, {:do, fn -> :net_kernel.monitor_nodes(true) end}); Process.sleep(50)
m3 = m.(r)
IO.puts("plain #{m0} monitor_node #{m1} twice #{m2} monitor_nodes #{m3}")
:peer.stop(peer)
