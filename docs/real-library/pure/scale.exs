# ZenMonitor's own state and memory at scale (helper "realpure"), real ZenMonitor 2.1.0 on OTP 25.2.3.
# N monitors from S subscribers (each N/S monitors) to T sleepers on node b; snapshots of ETS
# tables (size, memory words) and process_info of ZenMonitor's processes on a and b:
#   before   : apps started, subscribers spawned, everything GC'd, +200 ms
#   quiet    : monitors established (Connector length 0, Proxy rows = distinct targets), GC'd, +200 ms
#   quiet_nogc: the same moment before the GC
#   at_first_down : b SIGKILLed; the moment the first subscriber gets its DOWN (no GC)
#   settled  : all N DOWNs delivered, +1 s, no GC
#   settled_gc: then every process on a GC'd, +200 ms
# Usage: elixir --name a@127.0.0.1 --cookie oracle --erl "-kernel inet_dist_use_interface {127,0,0,1}" \
#          -pa "/work/realzm/proj/_build/prod/lib/*/ebin" scale.exs N S T OUT.json
[n_s, s_s, t_s, out] = System.argv()
[n, s, t] = Enum.map([n_s, s_s, t_s], &String.to_integer/1)
true = rem(n, s) == 0
per = div(n, s)

Code.require_file("../json.exs", __DIR__)

{:module, Remote, remote_bin, _} =
  defmodule Remote do
    def spawn_sleepers(k), do: for(_ <- 1..k, do: spawn(fn -> Process.sleep(:infinity) end))
    def gc_all, do: for(p <- Process.list(), do: :erlang.garbage_collect(p))
    def os_pid, do: List.to_string(:os.getpid())

    def pinfo(nil), do: nil
    def pinfo(p) do
      case Process.info(p, [:memory, :heap_size, :total_heap_size, :message_queue_len]) do
        nil -> nil
        kw -> Map.new(kw)
      end
    end

    def tinfo(tab) do
      case :ets.info(tab, :size) do
        :undefined -> nil
        size -> %{size: size, memory_words: :ets.info(tab, :memory)}
      end
    end

    def proxy_mql, do: elem(Process.info(Process.whereis(ZenMonitor.Proxy), :message_queue_len), 1)

    def snapshot_b(connector) do
      proxy = Process.whereis(ZenMonitor.Proxy)
      batcher =
        case GenRegistry.lookup(ZenMonitor.Proxy.Batcher, connector) do
          {:ok, b} -> b
          _ -> nil
        end
      proxy_monitors = if proxy, do: :sys.get_state(proxy).monitors
      %{
        proc: %{
          proxy: pinfo(proxy),
          proxy_tables: pinfo(Process.whereis(ZenMonitor.Proxy.Tables)),
          batcher: pinfo(batcher),
          batcher_registry: pinfo(Process.whereis(ZenMonitor.Proxy.Batcher))
        },
        ets: %{
          proxy_subscribers: tinfo(ZenMonitor.Proxy.Tables.Subscribers),
          proxy_monitors: proxy_monitors && tinfo(proxy_monitors),
          batcher_registry: tinfo(ZenMonitor.Proxy.Batcher)
        },
        memory: Map.new(:erlang.memory())
      }
    end
  end

b = :"rpb@127.0.0.1"
pa = Enum.flat_map(Path.wildcard("/work/realzm/proj/_build/prod/lib/*/ebin") ++ Enum.map([:elixir, :logger], &List.to_string(:code.lib_dir(&1, :ebin))), &[~c"-pa", String.to_charlist(&1)])
{:ok, peer, ^b} =
  :peer.start_link(%{name: :rpb, host: ~c"127.0.0.1", longnames: true,
    args: pa ++ [~c"-kernel", ~c"inet_dist_use_interface", ~c"{127,0,0,1}", ~c"-connect_all", ~c"false", ~c"-setcookie", ~c"oracle"]})
Process.unlink(peer)
{:module, Remote} = :erpc.call(b, :code, :load_binary, [Remote, ~c"remote.ex", remote_bin])
for node <- [node(), b] do
  :ok = :erpc.call(node, :application, :load, [:zen_monitor])
  {:ok, _} = :erpc.call(node, Application, :ensure_all_started, [:zen_monitor])
end

targets = :erpc.call(b, Remote, :spawn_sleepers, [t], 60_000) |> List.to_tuple()
me = self()
counter = spawn(fn ->
  loop = fn loop, k, first ->
    receive do
      :down ->
        first = if first == nil, do: (send(me, :first_down); :erlang.monotonic_time(:millisecond)), else: first
        if k + 1 == n, do: send(me, {:all_downs, first})
        loop.(loop, k + 1, first)
    end
  end
  loop.(loop, 0, nil)
end)

subs =
  for i <- 0..(s - 1) do
    spawn(fn ->
      receive do
        :go ->
          for k <- 0..(per - 1), do: ZenMonitor.monitor(elem(targets, rem(i * per + k, t)))
          send(me, :monitored)
      end
      sub_loop = fn loop ->
        receive do
          {:DOWN, _, _, _, _} -> send(counter, :down); loop.(loop)
        end
      end
      sub_loop.(sub_loop)
    end)
  end

gc_both = fn ->
  Remote.gc_all()
  :erpc.call(b, Remote, :gc_all, [])
  Process.sleep(200)
end

connector = fn ->
  case GenRegistry.lookup(ZenMonitor.Local.Connector, b) do
    {:ok, c} -> c
    _ -> nil
  end
end

snapshot_a = fn ->
  c = connector.()
  cmon = if c && Process.alive?(c), do: :sys.get_state(c).monitors
  %{
    proc: %{
      local: Remote.pinfo(Process.whereis(ZenMonitor.Local)),
      dispatcher: Remote.pinfo(Process.whereis(ZenMonitor.Local.Dispatcher)),
      connector: Remote.pinfo(c),
      local_tables: Remote.pinfo(Process.whereis(ZenMonitor.Local.Tables)),
      connector_registry: Remote.pinfo(Process.whereis(ZenMonitor.Local.Connector))
    },
    ets: %{
      references: Remote.tinfo(ZenMonitor.Local.Tables.References),
      nodes: Remote.tinfo(ZenMonitor.Local.Tables.Nodes),
      local_subscribers: Remote.tinfo(ZenMonitor.Local.Subscribers),
      connector_monitors: cmon && Remote.tinfo(cmon),
      connector_registry: Remote.tinfo(ZenMonitor.Local.Connector)
    },
    memory: Map.new(:erlang.memory()),
    local_batch_length: ZenMonitor.Local.batch_length()
  }
end

snap = fn -> %{a: snapshot_a.(), b: (if Node.ping(b) == :pong, do: :erpc.call(b, Remote, :snapshot_b, [connector.()]), else: nil)} end

gc_both.()
before = snap.()
for p <- subs, do: send(p, :go)
for _ <- subs, do: (receive do :monitored -> :ok end)

wait_ready = fn wait_ready, tries ->
  c = connector.()
  len = if c, do: :sys.get_state(c).length, else: -1
  rows = :erpc.call(b, :ets, :info, [ZenMonitor.Proxy.Tables.Subscribers, :size])
  pq = :erpc.call(b, Remote, :proxy_mql, [])
  if (len == 0 and rows == min(n, t) and pq == 0) or tries > 600, do: {len, rows, pq, tries}, else: (Process.sleep(50); wait_ready.(wait_ready, tries + 1))
end
ready = wait_ready.(wait_ready, 0)
Process.sleep(300)
quiet_nogc = snap.()
gc_both.()
quiet = snap.()

os_pid = :erpc.call(b, Remote, :os_pid, [])
port = Port.open({:spawn, "sh"}, [:binary])
:net_kernel.monitor_nodes(true)
t0 = :erlang.monotonic_time(:millisecond)
Port.command(port, "kill -9 #{os_pid}\n")
nodedown_ms = receive do {:nodedown, ^b} -> :erlang.monotonic_time(:millisecond) - t0 after 10_000 -> nil end
first_ms = receive do :first_down -> :erlang.monotonic_time(:millisecond) - t0 after 30_000 -> nil end
at_first_down = %{a: snapshot_a.()}
{last_ms, complete} = receive do {:all_downs, _} -> {:erlang.monotonic_time(:millisecond) - t0, true} after 60_000 -> {nil, false} end
Process.sleep(1000)
settled = %{a: snapshot_a.()}
Remote.gc_all()
Process.sleep(200)
settled_gc = %{a: snapshot_a.()}

doc = %{
  shape: %{n: n, s: s, t: t, per_subscriber: per},
  system: %{otp: List.to_string(:erlang.system_info(:otp_release)), erts: List.to_string(:erlang.system_info(:version)),
            zen_monitor: List.to_string(Application.spec(:zen_monitor, :vsn)), schedulers: :erlang.system_info(:schedulers_online)},
  ready: Tuple.to_list(ready),
  kill: %{nodedown_ms: nodedown_ms, first_down_ms: first_ms, last_down_ms: last_ms, complete: complete},
  snapshots: %{before: before, quiet_nogc: quiet_nogc, quiet: quiet, at_first_down: at_first_down, settled: settled, settled_gc: settled_gc}
}
File.write!(out, J.enc(doc))
IO.puts("#{out}: ready=#{inspect(ready)} nodedown=#{nodedown_ms} first=#{first_ms} last=#{last_ms}")
