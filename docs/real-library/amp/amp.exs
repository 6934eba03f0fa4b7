# Memory amplification off the M1 path (helper "realamp"), real ZenMonitor 2.1.0 on OTP 25.2.3.
# N subscribers on amp_a monitor one process on amp_b (Process.monitor or ZenMonitor.monitor),
# which exits with REASON; each subscriber either leaves its DOWN in its mailbox (keep: it waits in
# `receive :never`) or receives and drops it (drop). Snapshots of node a (and b):
#   before   : monitors established, every process on a and b GC'd, +200 ms
#   arrived  : the moment the last DOWN is in (mailbox: every subscriber's queue is 1; drop: counted)
#   settled  : +1 s, no GC;   settled_gc : then every process on a GC'd, +200 ms
# peak: a sampler on a reads :erlang.memory() every 2 ms from before the trigger to `settled`,
# keeping the sample of the highest total and each category's maximum (a few words of state).
# wire: :inet.getstat(recv_oct/recv_cnt) of a's distribution socket, before -> settled.
# Usage: elixir --name amp_a@127.0.0.1 --cookie amp --erl "-kernel inet_dist_use_interface {127,0,0,1}" \
#          -pa "/work/realzm/proj/_build/prod/lib/*/ebin" amp.exs MODE N REASON KEEP OUT.json
[mode_s, n_s, reason_s, keep_s, out] = System.argv()
mode = String.to_atom(mode_s)
n = String.to_integer(n_s)
keep = String.to_atom(keep_s)
true = mode in [:vanilla, :zen] and keep in [:keep, :drop]

Code.require_file("../json.exs", __DIR__)

{:module, AmpRemote, remote_bin, _} =
  defmodule AmpRemote do
    def text(k), do: binary_part(String.duplicate("abcdefghijklmnopqrstuvwxyz0123456789", div(k, 36) + 1), 0, k)
    def reason("bin100k"), do: text(100_000)
    def reason("bin64"), do: text(64)
    def reason("bin65"), do: text(65)
    def reason("list10k"), do: Enum.to_list(1..10_000)
    def reason("deep"), do: {:l1, %{k2: {:l3, %{k4: {:l5, %{k6: [1, 2, 3]}}}}}}
    def reason("rterr"), do: %RuntimeError{message: text(5_000)}
    def gc_all, do: for(p <- Process.list(), do: :erlang.garbage_collect(p))
    def mem, do: Map.new(:erlang.memory())
    def spawn_target(name) do
      spawn(fn ->
        r = reason(name)
        receive do
          :crash -> exit(r)
        end
      end)
    end
    def sizes(name), do: %{flat_words: :erts_debug.flat_size(reason(name)), external_bytes: :erlang.external_size(reason(name))}
    def monitored_by(p), do: length(elem(Process.info(p, :monitored_by), 1))
    def proxy_rows, do: :ets.info(ZenMonitor.Proxy.Tables.Subscribers, :size)
  end

pinfo = fn p ->
  case Process.info(p, [:memory, :heap_size, :total_heap_size, :message_queue_len]) do
    nil -> nil
    kw -> Map.new(kw)
  end
end

b = :"amp_b@127.0.0.1"
pa = Enum.flat_map(Path.wildcard("/work/realzm/proj/_build/prod/lib/*/ebin") ++ Enum.map([:elixir, :logger], &List.to_string(:code.lib_dir(&1, :ebin))), &[~c"-pa", String.to_charlist(&1)])
{:ok, peer, ^b} =
  :peer.start_link(%{name: :amp_b, host: ~c"127.0.0.1", longnames: true,
    args: pa ++ [~c"-kernel", ~c"inet_dist_use_interface", ~c"{127,0,0,1}", ~c"-connect_all", ~c"false", ~c"-setcookie", ~c"amp"]})
Process.unlink(peer)
{:module, AmpRemote} = :erpc.call(b, :code, :load_binary, [AmpRemote, ~c"amp_remote.ex", remote_bin])
for node <- [node(), b] do
  :ok = :erpc.call(node, :application, :load, [:zen_monitor])
  {:ok, _} = :erpc.call(node, Application, :ensure_all_started, [:zen_monitor])
end

target = :erpc.call(b, AmpRemote, :spawn_target, [reason_s])
sizes = :erpc.call(b, AmpRemote, :sizes, [reason_s])
me = self()
counter = spawn(fn ->
  loop = fn loop, k ->
    receive do
      :down -> if k + 1 == n, do: send(me, :all_downs)
               loop.(loop, k + 1)
    end
  end
  loop.(loop, 0)
end)

subs =
  for _ <- 1..n do
    spawn(fn ->
      receive do
        :go ->
          if mode == :zen, do: ZenMonitor.monitor(target), else: Process.monitor(target)
          send(me, :monitored)
      end
      case keep do
        :keep -> receive do: (:never -> :ok)
        :drop ->
          receive do
            {:DOWN, _, _, _, _} -> send(counter, :down)
          end
          receive do: (:never -> :ok)
      end
    end)
  end
for s <- subs, do: send(s, :go)
for _ <- subs, do: (receive do: (:monitored -> :ok))
wait = fn wait, f, k -> if f.() or k == 0, do: f.(), else: (Process.sleep(10); wait.(wait, f, k - 1)) end
ready =
  case mode do
    :vanilla -> wait.(wait, fn -> :erpc.call(b, AmpRemote, :monitored_by, [target]) >= n end, 3000)
    :zen -> wait.(wait, fn -> :erpc.call(b, AmpRemote, :proxy_rows, []) >= 1 end, 3000)
  end
true = ready
Process.sleep(500)

[{^b, dist}] = :erlang.system_info(:dist_ctrl) |> Enum.filter(fn {nd, _} -> nd == b end)
wire = fn -> {:ok, kw} = :inet.getstat(dist, [:recv_oct, :recv_cnt]); Map.new(kw) end
mid = Enum.at(subs, div(n, 2))
subs_total = fn -> Enum.reduce(subs, 0, fn s, acc -> acc + elem(Process.info(s, :memory), 1) end) end
snap = fn ->
  %{mem_a: AmpRemote.mem(), mem_b: :erpc.call(b, AmpRemote, :mem, []), wire: wire.(),
    sub_mid: pinfo.(mid), subs_total_memory: subs_total.(),
    local: Process.whereis(ZenMonitor.Local) |> pinfo.(),
    dispatcher: Process.whereis(ZenMonitor.Local.Dispatcher) |> pinfo.()}
end

AmpRemote.gc_all()
:erpc.call(b, AmpRemote, :gc_all, [])
Process.sleep(200)
before = snap.()

sampler = spawn(fn ->
  loop = fn loop, best, maxes ->
    receive do
      {:stop, from} -> send(from, {:peak, best, maxes})
    after 2 ->
      m = AmpRemote.mem()
      best = if best == nil or m.total > best.total, do: m, else: best
      maxes = Map.merge(maxes, m, fn _, a, c -> max(a, c) end)
      loop.(loop, best, maxes)
    end
  end
  loop.(loop, nil, %{})
end)
Process.sleep(50)
t0 = :erlang.monotonic_time(:microsecond)
send(target, :crash)
arrived_ok =
  case keep do
    :drop -> receive do
        :all_downs -> true
      after 30_000 -> false
      end
    :keep -> wait.(wait, fn -> Enum.all?(subs, fn s -> elem(Process.info(s, :message_queue_len), 1) == 1 end) end, 3000)
  end
t_last = (:erlang.monotonic_time(:microsecond) - t0) / 1000
arrived = snap.()
Process.sleep(1000)
settled = snap.()
send(sampler, {:stop, self()})
{peak, maxes} = receive do: ({:peak, p, m} -> {p, m})
AmpRemote.gc_all()
Process.sleep(200)
settled_gc = snap.()
held_down =
  case Process.info(mid, :messages) do
    {:messages, [msg]} -> %{flat_words: :erts_debug.flat_size(msg), external_bytes: :erlang.external_size(msg)}
    {:messages, []} -> nil
  end
res = %{mode: mode, n: n, reason: reason_s, keep: keep, reason_sizes: sizes, all_arrived: arrived_ok,
  last_down_ms_upper: t_last,
  held_down: held_down,
  before: before, arrived: arrived, settled: settled, settled_gc: settled_gc, peak_sample: peak, peak_max_by_category: maxes,
  otp: List.to_string(:erlang.system_info(:otp_release)), zen_vsn: List.to_string(Application.spec(:zen_monitor, :vsn))}
File.write!(out, J.enc(res))
:peer.stop(peer)
IO.puts("#{out} ok")
