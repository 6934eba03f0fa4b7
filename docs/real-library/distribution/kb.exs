# Kill burst: a killer on node a sends exit(v, :kill) to `k` of `n` processes on node b (shuffled);
# a watcher on b monitors all n (as ZenMonitor's Proxy does) and stamps each DOWN (os clock, µs);
# at its first DOWN it spawns a process that stamps its first run (as the Proxy starting a Batcher);
# a max-priority sampler on b reads the run queue every ms.
[n, k, runs] = System.argv() |> Enum.map(&String.to_integer/1)
{:module, _, b_bin, _} = defmodule B do
  def target, do: receive(do: (_ -> :ok))
  def watcher(parent, targets) do
    Enum.each(targets, &Process.monitor/1)
    send(parent, :watching)
    receive do: (:go -> :ok)
    loop(0, nil, [], nil)
  end
  def loop(count, first, stamps, spawned) do
    receive do
      {:DOWN, _, :process, _, _} ->
        now = :os.system_time(:microsecond)
        spawned = if spawned == nil do
          me = self()
          spawn(fn -> send(me, {:started, :os.system_time(:microsecond)}) end)
          :ok
        else spawned end
        stamps = if rem(count, 500) == 0, do: [{count, now} | stamps], else: stamps
        loop(count + 1, first || now, stamps, spawned)
      {:started, t} -> loop(count, first, [{:started, t} | stamps], spawned)
      {:report, to} -> send(to, {:report, count, first, Enum.reverse(stamps)})
    end
  end
  def sampler(acc) do
    receive do
      {:stop, to} -> send(to, {:rq, Enum.reverse(acc)})
    after 1 ->
      sampler([{:os.system_time(:microsecond), :erlang.statistics(:total_run_queue_lengths)} | acc])
    end
  end
  def kill(victims, parent) do
    Enum.each(victims, &Process.exit(&1, :kill)); send(parent, {:killed, :os.system_time(:microsecond)})
  end
  def setup(n, parent) do
    targets = for _ <- 1..n, do: spawn(&target/0)
    w = spawn(fn -> watcher(parent, targets) end)
    s = spawn(fn -> Process.flag(:priority, :max); sampler([]) end)
    {targets, w, s}
  end
end
{:ok, peer, b} = :peer.start_link(%{name: :b, host: ~c"127.0.0.1", longnames: true, args: [~c"-setcookie", ~c"c" | (if System.get_env("BS"), do: [~c"+S", String.to_charlist(System.get_env("BS"))], else: [])]})
:ok = :erpc.call(b, :code, :add_paths, [:code.get_path()])
{:module, B} = :erpc.call(b, :code, :load_binary, [B, ~c"B", b_bin])
for run <- 1..runs do
  me = self()
  {targets, w, s} = :erpc.call(b, B, :setup, [n, me])
  receive do: (:watching -> :ok)
  :rand.seed(:exsss, {run, 1234, 5678})
  victims = targets |> Enum.shuffle() |> Enum.take(k)
  Process.sleep(300)
  send(w, :go)
  if System.get_env("NOSAMPLER"), do: :erpc.call(b, :erlang, :exit, [s, :kill])
  {rb0, _} = :erpc.call(b, :erlang, :statistics, [:runtime]); {ra0, _} = :erlang.statistics(:runtime)
  t0 = :os.system_time(:microsecond)
  killer = if System.get_env("KILLER") == "b", do: Node.spawn(b, B, :kill, [victims, me]), else: spawn(B, :kill, [victims, me])
  _ = killer
  tk = receive do: ({:killed, t} -> t)
  Process.sleep(600)
  {rb1, _} = :erpc.call(b, :erlang, :statistics, [:runtime]); {ra1, _} = :erlang.statistics(:runtime)
  IO.puts("cpu over the burst+600ms: a #{ra1 - ra0} ms, b #{rb1 - rb0} ms")
  Process.sleep(2400)
  send(w, {:report, me})
  {count, first, stamps} = receive do: ({:report, c, f, st} -> {c, f, st})
  rq = if System.get_env("NOSAMPLER"), do: [], else: (send(s, {:stop, me}); receive do: ({:rq, rq} -> rq))
  started = Enum.find_value(stamps, fn {:started, t} -> t; _ -> nil end)
  marks = for {c, t} <- stamps, is_integer(c), do: {c, (t - t0) / 1000}
  last = Enum.max(for {c, t} <- stamps, is_integer(c), do: t)
  rqs = for {t, l} <- rq, t >= t0 - 2000, t <= t0 + 200_000, do: [Float.round((t - t0) / 1000, 1), l]

  IO.puts("run #{run}: killer done #{(tk - t0) / 1000} ms; downs #{count}; first DOWN #{(first - t0) / 1000} ms; spawned proc ran #{(started - first) / 1000} ms after first DOWN; DOWN marks every 500: #{inspect(Enum.map(marks, fn {_, ms} -> Float.round(ms, 1) end), limit: :infinity)} (last stamped #{(last - t0)/1000})")
  IO.puts("  run queue (ms, len) #{inspect(Enum.take(Enum.filter(rqs, fn [_, l] -> l > 0 end), 40), limit: :infinity)}")
  :erpc.call(b, :erlang, :exit, [s, :kill])
end
:peer.stop(peer)
