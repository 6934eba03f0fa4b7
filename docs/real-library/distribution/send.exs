# CPU on node a of sending N remote signals of each kind to processes on b (statistics(:runtime): all of a's threads, ms)
[n] = System.argv() |> Enum.map(&String.to_integer/1)
{:module, _, b_bin, _} = defmodule S do
  def sink, do: receive(do: (_ -> sink()))
  def targets(n), do: for(_ <- 1..n, do: spawn(&sink/0))
end
{:ok, _peer, b} = :peer.start_link(%{name: :b, host: ~c"127.0.0.1", longnames: true, args: [~c"-setcookie", ~c"c", ~c"+P", ~c"2000000"]})
:ok = :erpc.call(b, :code, :add_paths, [:code.get_path()])
{:module, S} = :erpc.call(b, :code, :load_binary, [S, ~c"S", b_bin])
sink = Node.spawn(b, S, :sink, [])
defmodule M do
  def busy_loop(c, me), do: receive(do: ({:monitor, _, :busy_dist_port, _} -> busy_loop(c + 1, me); {:count, to} -> send(to, {:busy, c})))
end
measure = fn label, f ->
  for _ <- 1..3 do
    :erlang.garbage_collect()
    {ra0, _} = :erlang.statistics(:runtime); {rb0, _} = :erpc.call(b, :erlang, :statistics, [:runtime]); t0 = System.monotonic_time(:microsecond)
    me = self()
    mon = spawn(fn -> :erlang.system_monitor(self(), [:busy_dist_port]); send(me, :mon_on); M.busy_loop(0, me) end)
    receive do: (:mon_on -> :ok)
    p = spawn(fn -> receive do: (:go -> :ok); f.(); send(me, {:done, :erlang.process_info(self(), :reductions)}) end)
    send(p, :go)
    receive do: ({:done, _} -> :ok)
    send(mon, {:count, me}); busy = receive do: ({:busy, c} -> c)
    t1 = System.monotonic_time(:microsecond)
    Process.sleep(500)
    {ra1, _} = :erlang.statistics(:runtime); {rb1, _} = :erpc.call(b, :erlang, :statistics, [:runtime])
    IO.puts("#{label}: busy_dist_port suspensions #{busy}; sender loop #{Float.round((t1 - t0) / n, 2)} µs wall each; a CPU #{Float.round((ra1 - ra0) * 1000 / n, 2)} µs each, b CPU #{Float.round((rb1 - rb0) * 1000 / n, 2)} µs each")
  end
end
measure.("message {:hi, i} to one sink", fn -> for i <- 1..n, do: send(sink, {:hi, i}) end)
vs = :erpc.call(b, S, :targets, [n])
measure.("message {:hi, i} to n sinks", fn -> Enum.each(vs, &send(&1, {:hi, 1})) end)
ws = :erpc.call(b, S, :targets, [n])
measure.("exit(pid, :kill) to n processes", fn -> Enum.each(ws, &Process.exit(&1, :kill)) end)
ms = :erpc.call(b, S, :targets, [n])
measure.("monitor n processes", fn -> Enum.each(ms, &Process.monitor/1) end)
