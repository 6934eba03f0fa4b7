# Real-BEAM driver for ZenMonitor 2.1.0 component kills (helper realfail). Node A = this VM,
# node B started with OTP 25 :peer (longnames, -connect_all false, loopback), as the fixtures.
defmodule RF do
  @b_names [ZenMonitor.Supervisor, ZenMonitor.Local.Supervisor, ZenMonitor.Local.Tables, ZenMonitor.Local,
            ZenMonitor.Local.Dispatcher, ZenMonitor.Local.Connector, ZenMonitor.Proxy.Supervisor,
            ZenMonitor.Proxy.Tables, ZenMonitor.Proxy, ZenMonitor.Proxy.Batcher]
  def names, do: @b_names

  def now_ms, do: :erlang.monotonic_time(:microsecond) / 1000
  def t(), do: Float.round(now_ms() - :persistent_term.get(:rf_t0), 1)

  def start(env \\ []) do
    :persistent_term.put(:rf_t0, now_ms())
    paths = :code.get_path() |> Enum.map(&to_charlist/1) |> Enum.flat_map(&[~c"-pa", &1])
    args = [~c"-setcookie", ~c"oracle", ~c"-connect_all", ~c"false", ~c"-kernel", ~c"inet_dist_use_interface", ~c"{127,0,0,1}", ~c"+S", ~c"1"] ++ paths
    {:ok, peer, b} = :peer.start(%{name: :rfb, host: ~c"127.0.0.1", longnames: true, args: args})
    :persistent_term.put(:rf_b, b)
    :persistent_term.put(:rf_peer, peer)
    true = Node.connect(b)
    {:module, _} = :erpc.call(b, :code, :load_binary, [RF, ~c"rf.beam", :persistent_term.get(:rf_bin)])
    start_zen(node(), env)
    :erpc.call(b, RF, :start_zen_remote, [env]) |> ok_or_raise()
    b
  end
  defp ok_or_raise(:ok), do: :ok

  def start_zen(_n, env) do
    :ok = :application.load(:zen_monitor)
    for {k, v} <- env, do: Application.put_env(:zen_monitor, k, v)
    {:ok, _} = Application.ensure_all_started(:zen_monitor)
    :ok
  end
  def start_zen_remote(env), do: start_zen(node(), env)

  def b, do: :persistent_term.get(:rf_b)

  # sleeper on b
  def sleeper, do: Node.spawn(b(), Process, :sleep, [:infinity])

  # The subscriber S: monitors on request, logs every DOWN with its time.
  def subscriber do
    spawn(fn -> sub_loop([]) end)
  end
  defp sub_loop(log) do
    receive do
      {:monitor, pid, from} ->
        r = try do
          {:ok, ZenMonitor.monitor(pid)}
        rescue e -> {:raised, Exception.format(:error, e) |> String.slice(0, 200)}
        catch k, e -> {:raised, inspect({k, e}) |> String.slice(0, 200)}
        end
        send(from, {:mon, r})
        sub_loop(log)
      {:DOWN, ref, :process, obj, reason} -> sub_loop([%{t: t(), ref: ref, pid: obj, reason: inspect(reason)} | log])
      {:get, from} -> send(from, {:log, Enum.reverse(log)}); sub_loop(log)
      other -> sub_loop([%{t: t(), other: inspect(other)} | log])
    end
  end
  def monitor(s, pid) do
    send(s, {:monitor, pid, self()})
    receive do {:mon, {:ok, ref}} -> ref; {:mon, r} -> r end
  end
  def downs(s) do
    send(s, {:get, self()})
    receive do {:log, l} -> l end
  end
  # per label: list of reasons (with times)
  def by_label(s, labelled) do
    log = downs(s)
    for {label, pid} <- labelled, into: %{} do
      {label, for(%{pid: ^pid} = d <- log, do: %{reason: d.reason, t: d.t})}
    end
  end

  def whereis(n, name), do: (if n == node(), do: Process.whereis(name), else: :erpc.call(n, Process, :whereis, [name]))
  def connector, do: safe(fn -> case GenRegistry.lookup(ZenMonitor.Local.Connector, b()) do {:ok, p} -> p; _ -> nil end end)
  def batcher(conn), do: safe(fn -> case :erpc.call(b(), GenRegistry, :lookup, [ZenMonitor.Proxy.Batcher, conn]) do {:ok, p} -> p; _ -> nil end end)
  def safe(f), do: (try do f.() rescue _ -> nil catch _, _ -> nil end)

  def kill(nil), do: nil
  def kill(pid), do: (Process.exit(pid, :kill); pid)
  def kill_named(n, name), do: kill(whereis(n, name))

  def compat do
    try do
      %{for_node: ZenMonitor.compatibility_for_node(b()), cached: ZenMonitor.Local.Connector.cached_compatibility(b())}
    rescue e -> %{raised: inspect(e.__struct__)}
    catch k, e -> %{raised: inspect({k, e}) |> String.slice(0, 80)}
    end
  end
  def nodes_row, do: (try do :ets.lookup(ZenMonitor.Local.Tables.nodes(), b()) |> inspect() rescue _ -> "no table" end)
  def refs_size, do: (try do :ets.info(ZenMonitor.Local.Tables.references(), :size) rescue _ -> :no_table end)
  def zen_running(n), do: :erpc.call(n, Application, :started_applications, []) |> Enum.any?(&(elem(&1, 0) == :zen_monitor))

  def snapshot do
    pa = for nm <- @b_names, into: %{}, do: {inspect(nm), inspect(whereis(node(), nm))}
    pb = for nm <- @b_names, into: %{}, do: {inspect(nm), inspect(whereis(b(), nm))}
    c = connector()
    %{t: t(), a: pa, b: pb, connector_for_b: inspect(c), batcher_on_b: inspect(c && batcher(c)),
      zen_running_a: zen_running(node()), zen_running_b: zen_running(b()), compat: compat(),
      nodes_row: nodes_row(), references: refs_size(),
      proxy_subscribers_b: safe(fn -> :erpc.call(b(), :ets, :info, [ZenMonitor.Proxy.Tables.Subscribers, :size]) end)}
  end

  # compatibility sampler at 100 ms ticks, merged into segments
  def sampler do
    spawn(fn -> samp(%{}) end)
  end
  defp samp(_) do
    loop = fn loop, segs ->
      receive do
        {:get, from} -> send(from, {:segs, Enum.reverse(segs)})
      after 100 ->
        c = inspect(compat())
        now = t()
        segs = case segs do
          [[from, _, ^c, n] | rest] -> [[from, now, c, n + 1] | rest]
          _ -> [[now, now, c, 1] | segs]
        end
        loop.(loop, segs)
      end
    end
    loop.(loop, [])
  end
  def segments(s), do: (send(s, {:get, self()}); receive do {:segs, x} -> x end)

  def sigkill_b do
    os = :erpc.call(b(), :os, :getpid, [])
    System.cmd("kill", ["-9", to_string(os)])
  end

  def sleep_until(ms), do: (d = ms - (now_ms() - :persistent_term.get(:rf_t0)); if d > 0, do: Process.sleep(round(d)))

  def jsonable(x) when is_map(x), do: Map.new(x, fn {k, v} -> {to_string_key(k), jsonable(v)} end)
  def jsonable(x) when is_list(x), do: Enum.map(x, &jsonable/1)
  def jsonable(x) when is_tuple(x), do: jsonable(Tuple.to_list(x))
  def jsonable(x) when is_pid(x) or is_reference(x), do: inspect(x)
  def jsonable(x) when is_atom(x) and x not in [nil, true, false], do: inspect(x)
  def jsonable(x), do: x
  defp to_string_key(k) when is_binary(k), do: k
  defp to_string_key(k) when is_atom(k), do: Atom.to_string(k)
  defp to_string_key(k), do: inspect(k)

  def finish(case_name, result) do
    out = Path.join("/work/realzm/fail/results", "#{case_name}.json")
    doc = %{case: case_name, otp: to_string(:erlang.system_info(:otp_release)), zen_monitor: to_string(Application.spec(:zen_monitor, :vsn) || "stopped"),
            elixir: System.version(), measured_at: DateTime.utc_now() |> DateTime.to_iso8601(), result: jsonable(result)}
    File.write!(out, json(doc))
    IO.puts("#{case_name}: " <> json(jsonable(result)))
    :peer.stop(:persistent_term.get(:rf_peer)) |> then(fn _ -> :ok end)
  end

  # minimal JSON encoder (no deps)
  def json(m) when is_map(m), do: "{" <> Enum.map_join(Enum.sort(m), ",", fn {k, v} -> json(to_string(k)) <> ":" <> json(v) end) <> "}"
  def json(l) when is_list(l), do: "[" <> Enum.map_join(l, ",", &json/1) <> "]"
  def json(s) when is_binary(s), do: inspect(s, printable_limit: :infinity)
  def json(n) when is_number(n), do: to_string(n)
  def json(b) when b in [true, false], do: to_string(b)
  def json(nil), do: "null"
  def json(a) when is_atom(a), do: json(inspect(a))
end

