# Timing driver for the real ZenMonitor 2.1.0 (helper "realtiming"; not a fixture).
# Node A = this VM; node B started with :peer. Method after /work/shared/fixtures/README.md.
{opts, _, _} =
  OptionParser.parse(System.argv(),
    strict: [mode: :string, targets: :integer, trigger: :string, kill: :integer, sub: :string,
             env: :string, env_a: :string, env_b: :string, run: :integer, out: :string, window: :integer,
             down_cost_us: :integer, sampler: :boolean, trace_proxy: :boolean, trace_b: :boolean])

mode = String.to_atom(opts[:mode] || "zen")
n = opts[:targets] || 20_000
trigger = opts[:trigger] || "nodedown"
sub_kind = opts[:sub] || "idle"
run = opts[:run] || 1
window = opts[:window] || 3000
down_cost = opts[:down_cost_us] || 20

parse_env = fn
  nil -> []
  "" -> []
  s -> s |> String.split(",") |> Enum.map(fn kv -> [k, v] = String.split(kv, "="); {String.to_atom(k), String.to_integer(v)} end)
end
env_a = parse_env.(opts[:env]) ++ parse_env.(opts[:env_a])
env_b = parse_env.(opts[:env]) ++ parse_env.(opts[:env_b])

{:module, _, remote_bin, _} =
  defmodule RT.Remote do
    def setup(env) do
      :application.load(:zen_monitor)
      for {k, v} <- env, do: Application.put_env(:zen_monitor, k, v)
      {:ok, _} = Application.ensure_all_started(:zen_monitor)
      :ok
    end
    def spawn_sleepers(n), do: for(_ <- 1..n, do: spawn(fn -> Process.sleep(:infinity) end))
    def os_pid, do: :os.getpid()
    def proxy_rows, do: :ets.info(ZenMonitor.Proxy.Tables.subscribers(), :size)
    def proxy_mql, do: elem(Process.info(Process.whereis(ZenMonitor.Proxy), :message_queue_len), 1)
    def monitored_count(pids), do: Enum.count(pids, fn p -> match?({:monitored_by, [_ | _]}, Process.info(p, :monitored_by)) end)
    def trace_proxy do
      proxy = Process.whereis(ZenMonitor.Proxy)
      t = spawn(fn -> tracer_loop([]) end)
      :erlang.trace(proxy, true, [:receive, :monotonic_timestamp, {:tracer, t}])
      Process.register(t, :rt_tracer)
      :ok
    end
    defp tracer_loop(acc) do
      receive do
        {:trace_ts, _, :receive, {:"$gen_cast", {:process, _, instrs}}, ts} -> tracer_loop([[:erlang.convert_time_unit(ts, :native, :microsecond), length(instrs)] | acc])
        {:trace_ts, _, :receive, _, _} -> tracer_loop(acc)
        {:get, from} -> send(from, {:proxy_casts, Enum.reverse(acc)}); tracer_loop(acc)
      end
    end
    def proxy_casts do
      send(:rt_tracer, {:get, self()})
      receive do: ({:proxy_casts, l} -> l)
    end
    # B-side event times (os clock, µs): the Proxy's first DOWN, the Batcher's start, first enqueue and sweeps
    def trace_b do
      proxy = Process.whereis(ZenMonitor.Proxy)
      t = spawn(fn -> tb_loop(%{down: [], sweep: [], enq: 0, first_enq: nil, batcher: nil}) end)
      Process.register(t, :rt_tb)
      :erlang.trace(proxy, true, [:receive, :timestamp, {:tracer, t}])
      :erlang.trace(:new_processes, true, [:receive, :procs, :timestamp, {:tracer, t}])
      # high-priority sampler of B's run queues, the Proxy's queue and the Batcher's existence, every 2 ms
      s = spawn(fn ->
        Process.flag(:priority, :high)
        receive do: (:go -> :ok)
        rq_loop(:erlang.monotonic_time(:millisecond) + 1, 400, [])
      end)
      Process.register(s, :rt_rq)
      :ok
    end
    defp rq_loop(_next, 0, acc), do: receive(do: ({:get, f} -> send(f, {:rq, Enum.reverse(acc)})))
    defp rq_loop(next, n, acc) do
      :erlang.start_timer(next, self(), :s, abs: true)
      receive do: ({:timeout, _, :s} -> :ok)
      row = [:os.system_time(:microsecond), :erlang.statistics(:total_run_queue_lengths),
             elem(Process.info(Process.whereis(ZenMonitor.Proxy), :message_queue_len), 1),
             GenRegistry.count(ZenMonitor.Proxy.Batcher)]
      rq_loop(next + 2, n - 1, [row | acc])
    end
    def rq_go, do: send(:rt_rq, :go)
    def rq_get do
      send(:rt_rq, {:get, self()})
      receive do: ({:rq, l} -> l)
    end
    defp us({m, s, u}), do: (m * 1_000_000 + s) * 1_000_000 + u
    defp tb_loop(st) do
      receive do
        {:trace_ts, _, :receive, {:DOWN, _, :process, _, _}, ts} when length(st.down) < 3 -> tb_loop(%{st | down: [us(ts) | st.down]})
        {:trace_ts, p, :spawn, _, {ZenMonitor.Proxy.Batcher, _, _} , ts} -> tb_loop(%{st | batcher: {p, us(ts)}})
        {:trace_ts, p, :spawn, _, mfa, ts} -> tb_loop(Map.update(st, :spawns, [{inspect(mfa), us(ts)}], &(if length(&1) < 10, do: [{inspect(mfa), us(ts)} | &1], else: &1)))
        {:trace_ts, _, :receive, :sweep, ts} -> tb_loop(%{st | sweep: [us(ts) | st.sweep]})
        {:trace_ts, _, :receive, {:"$gen_cast", {:enqueue, _, _}}, ts} -> tb_loop(%{st | enq: st.enq + 1, first_enq: st.first_enq || us(ts)})
        {:get, from} -> send(from, {:tb, st}); tb_loop(st)
        _ -> tb_loop(st)
      end
    end
    def trace_b_get do
      send(:rt_tb, {:get, self()})
      receive do: ({:tb, st} -> st)
    end
    def batcher_len(conn) do
      case GenRegistry.lookup(ZenMonitor.Proxy.Batcher, conn) do
        {:ok, b} -> :sys.get_state(b).length
        _ -> nil
      end
    end
  end

defmodule RT.J do
  def enc(nil), do: "null"
  def enc(true), do: "true"
  def enc(false), do: "false"
  def enc(a) when is_atom(a), do: enc(Atom.to_string(a))
  def enc(i) when is_integer(i), do: Integer.to_string(i)
  def enc(f) when is_float(f), do: :erlang.float_to_binary(f, [:short])
  def enc(s) when is_binary(s), do: "\"" <> String.replace(String.replace(s, "\\", "\\\\"), "\"", "\\\"") <> "\""
  def enc(m) when is_map(m), do: "{" <> Enum.map_join(Enum.sort(Map.to_list(m)), ",", fn {k, v} -> enc(to_string(k)) <> ":" <> enc(v) end) <> "}"
  def enc(l) when is_list(l), do: "[" <> Enum.map_join(l, ",", &enc/1) <> "]"
end

setup_zen = fn env ->
  :application.load(:zen_monitor)
  for {k, v} <- env, do: Application.put_env(:zen_monitor, k, v)
  {:ok, _} = Application.ensure_all_started(:zen_monitor)
end

now_us = fn -> :erlang.monotonic_time(:microsecond) end

paths = Enum.flat_map(:code.get_path(), fn p -> [~c"-pa", p] end)
{:ok, peer, b} =
  :peer.start_link(%{name: :rtb, host: ~c"127.0.0.1", longnames: true,
    args: [~c"-setcookie", Atom.to_charlist(Node.get_cookie()), ~c"-kernel", ~c"inet_dist_use_interface", ~c"{127,0,0,1}",
           ~c"-connect_all", ~c"false", ~c"+S", ~c"2:2"] ++ paths})
{:module, RT.Remote} = :rpc.call(b, :code, :load_binary, [RT.Remote, ~c"rt_remote.exs", remote_bin])
:ok = :rpc.call(b, RT.Remote, :setup, [env_b])
setup_zen.(env_a)
targets = :rpc.call(b, RT.Remote, :spawn_sleepers, [n], :infinity)
n = length(targets)
:erlang.system_flag(:scheduler_wall_time, false)

defmodule RT.Idle do
  def start(mode), do: spawn(fn -> loop(mode, []) end)
  defp loop(mode, acc) do
    receive do
      {:DOWN, ref, :process, _pid, reason} -> loop(mode, [{:erlang.monotonic_time(:microsecond), ref, reason} | acc])
      {:monitor_all, pids, from} ->
        Enum.each(pids, fn p -> if mode == :zen, do: ZenMonitor.monitor(p), else: Process.monitor(p) end)
        send(from, :monitored); loop(mode, acc)
      {:report, from} -> send(from, {:downs, Enum.reverse(acc)}); loop(mode, acc)
    end
  end
end

defmodule RT.Worker do
  use GenServer
  def init({mode, cost}), do: {:ok, %{mode: mode, cost: cost, downs: [], work: []}}
  def handle_call({:monitor_all, pids}, _from, s) do
    Enum.each(pids, fn p -> if s.mode == :zen, do: ZenMonitor.monitor(p), else: Process.monitor(p) end)
    {:reply, :ok, s}
  end
  def handle_call(:report, _from, s), do: {:reply, {Enum.reverse(s.downs), Enum.reverse(s.work)}, s}
  def handle_info({:DOWN, ref, :process, _, reason}, s) do
    t = :erlang.monotonic_time(:microsecond)
    spin(t + s.cost)
    {:noreply, %{s | downs: [{t, ref, reason} | s.downs]}}
  end
  def handle_info({:work, sent}, s), do: {:noreply, %{s | work: [{sent, :erlang.monotonic_time(:microsecond)} | s.work]}}
  defp spin(until), do: if(:erlang.monotonic_time(:microsecond) < until, do: spin(until), else: :ok)
end

if opts[:trace_proxy], do: :ok = :rpc.call(b, RT.Remote, :trace_proxy, [])
t_mon0 = now_us.()
{sub, report} =
  case sub_kind do
    "idle" ->
      s = RT.Idle.start(mode)
      send(s, {:monitor_all, targets, self()})
      receive do: (:monitored -> :ok)
      {s, fn -> send(s, {:report, self()}); receive do: ({:downs, d} -> {d, []}) end}
    "work" ->
      {:ok, s} = GenServer.start(RT.Worker, {mode, down_cost})
      :ok = GenServer.call(s, {:monitor_all, targets}, :infinity)
      {s, fn -> GenServer.call(s, :report, :infinity) end}
  end
t_mon = now_us.()

# readiness
wait = fn wait, f, deadline ->
  cond do
    f.() -> :ok
    now_us.() > deadline -> raise "not ready"
    true -> Process.sleep(20); wait.(wait, f, deadline)
  end
end
ready_f =
  if mode == :zen do
    fn ->
      c = ZenMonitor.Local.Connector.get_for_node(b)
      :sys.get_state(c).length == 0 and :rpc.call(b, RT.Remote, :proxy_rows, []) == n and :rpc.call(b, RT.Remote, :proxy_mql, []) == 0
    end
  else
    fn -> :rpc.call(b, RT.Remote, :monitored_count, [targets], :infinity) == n end
  end
wait.(wait, ready_f, now_us.() + 120_000_000)
established_ms = (now_us.() - t_mon) / 1000
loop_ms = (t_mon - t_mon0) / 1000
proxy_casts = if opts[:trace_proxy], do: :rpc.call(b, RT.Remote, :proxy_casts, []), else: []
Process.sleep(300)

# ticker + sampler for work mode
{ticker, sampler} =
  if sub_kind == "work" do
    tick = spawn(fn ->
      tl = fn tl, next ->
        :erlang.start_timer(next, self(), :tick, abs: true)
        receive do
          {:timeout, _, :tick} -> send(sub, {:work, :erlang.monotonic_time(:microsecond)})
          tl.(tl, max(next + 1, :erlang.monotonic_time(:millisecond) + 1))
          :stop -> :ok
        end
      end
      tl.(tl, :erlang.monotonic_time(:millisecond) + 1)
    end)
    samp = if opts[:sampler] == false, do: nil, else: spawn(fn ->
      sl = fn sl, next, acc ->
        :erlang.start_timer(next, self(), :s, abs: true)
        receive do
          {:timeout, _, :s} ->
            {:message_queue_len, q} = Process.info(sub, :message_queue_len)
            sl.(sl, next + 10, [{:erlang.monotonic_time(:microsecond), q} | acc])
          {:stop, from} -> send(from, {:samples, Enum.reverse(acc)})
        end
      end
      sl.(sl, :erlang.monotonic_time(:millisecond) + 10, [])
    end)
    Process.sleep(1000)
    {tick, samp}
  else
    {nil, nil}
  end

watcher = spawn(fn ->
  :net_kernel.monitor_nodes(true)
  receive do
    {:nodedown, ^b} -> t = :erlang.monotonic_time(:microsecond); receive do: ({:get, f} -> send(f, {:nd, t}))
  end
end)
if opts[:trace_b], do: :ok = :rpc.call(b, RT.Remote, :trace_b, [])
load_before = File.read!("/proc/loadavg") |> String.trim()
# probe: A's ZenMonitor processes every 5 ms for 1.5 s after the trigger (queue lengths, status, current function)
probe =
  if mode == :zen do
    local = Process.whereis(ZenMonitor.Local)
    disp = Process.whereis(ZenMonitor.Local.Dispatcher)
    conn = ZenMonitor.Local.Connector.get_for_node(b)
    spawn(fn ->
      pl = fn pl, next, stop, acc ->
        if next > stop do
          receive do: ({:get, f} -> send(f, {:probe, Enum.reverse(acc)}))
        else
          :erlang.start_timer(next, self(), :p, abs: true)
          receive do: ({:timeout, _, :p} -> :ok)
          row = for {nm, p} <- [l: local, d: disp, c: conn, s: sub] do
            case Process.info(p, [:message_queue_len, :status, :current_function, :total_heap_size]) do
              nil -> {nm, nil}
              i -> {nm, [i[:message_queue_len], i[:status], inspect(i[:current_function]), i[:total_heap_size]]}
            end
          end
          pl.(pl, next + 5, stop, [[:erlang.monotonic_time(:microsecond) | Enum.map(row, fn {_, v} -> v end)] | acc])
        end
      end
      receive do: (:go -> :ok)
      now = :erlang.monotonic_time(:millisecond)
      pl.(pl, now + 1, now + String.to_integer(System.get_env("RT_PROBE_MS") || "1500"), [])
    end)
  end
conn_pid = if mode == :zen, do: ZenMonitor.Local.Connector.get_for_node(b), else: nil

expected =
  case trigger do
    "nodedown" ->
      ospid = :rpc.call(b, RT.Remote, :os_pid, [])
      port = Port.open({:spawn, ~c"sh"}, [:binary])
      Process.unlink(peer)
      t0 = now_us.()
      Port.command(port, "kill -9 #{ospid}\n")
      if probe, do: send(probe, :go)
      Process.put(:t0, t0)
      n
    "kill" ->
      k = opts[:kill] || 10_000
      :rand.seed(:exsss, {run, 1234, 5678})
      victims = targets |> Enum.shuffle() |> Enum.take(k)
      t0 = now_us.()
      Process.put(:t0_os, :os.system_time(:microsecond))
      if opts[:trace_b], do: :rpc.cast(b, RT.Remote, :rq_go, [])
      if probe, do: send(probe, :go)
      spawn(fn -> Enum.each(victims, &Process.exit(&1, :kill)) end)
      Process.put(:t0, t0)
      k
  end
t0 = Process.get(:t0)

# wait for completion
count_downs = fn ->
  if sub_kind == "idle", do: elem(Process.info(sub, :message_queue_len), 1), else: 0
end
_ = count_downs
min_ms = if sub_kind == "work", do: 10_300, else: 0
deadline_ms = if trigger == "kill", do: window, else: 30_000
poll = fn poll ->
  el = (now_us.() - t0) / 1000
  cond do
    el >= deadline_ms -> :cap
    trigger == "kill" -> Process.sleep(50); poll.(poll)
    true ->
      {d, _} = if sub_kind == "idle", do: report.(), else: {Process.get(:x, []), nil}
      done = if sub_kind == "idle", do: length(d) >= expected, else: false
      if done and el >= min_ms, do: :done, else: (Process.sleep(if(sub_kind == "idle", do: 200, else: 500)); poll.(poll))
  end
end
# For the work subscriber, poll the GenServer only rarely (a call is one message among the work).
poll_work = fn pw ->
  el = (now_us.() - t0) / 1000
  cond do
    el >= deadline_ms -> :cap
    el < min_ms -> Process.sleep(300); pw.(pw)
    true ->
      {d, _} = report.()
      if length(d) >= expected, do: :done, else: (Process.sleep(300); pw.(pw))
  end
end
ending = if sub_kind == "work" and trigger == "nodedown", do: poll_work.(poll_work), else: poll.(poll)
extra =
  if trigger == "kill" and mode == :zen do
    %{local_batch_length: ZenMonitor.Local.batch_length(),
      b_batcher_len: (try do :rpc.call(b, RT.Remote, :batcher_len, [conn_pid]) catch _, _ -> nil end)}
  else
    %{}
  end
tb =
  if opts[:trace_b] do
    st = :rpc.call(b, RT.Remote, :trace_b_get, [])
    t0os = Process.get(:t0_os)
    rel = fn t -> Float.round((t - t0os) / 1000, 3) end
    %{proxy_first_downs_ms: st.down |> Enum.reverse() |> Enum.map(rel),
      batcher_spawned_ms: (case st.batcher do {_, t} -> rel.(t); _ -> nil end),
      batcher_first_enqueue_ms: st.first_enq && rel.(st.first_enq), batcher_enqueues: st.enq,
      batcher_sweeps_ms: st.sweep |> Enum.reverse() |> Enum.map(rel) |> Enum.filter(&(&1 > -1000)) |> Enum.take(20),
      other_spawns: Enum.map(Map.get(st, :spawns, []), fn {m, t} -> [m, rel.(t)] end),
      rq_2ms_t_runq_proxymql_batchers: Enum.map(:rpc.call(b, RT.Remote, :rq_get, []), fn [t | r] -> [rel.(t) | r] end)}
  else
    nil
  end
if ticker, do: Process.exit(ticker, :kill)
samples = if sampler, do: (send(sampler, {:stop, self()}); receive do: ({:samples, s} -> s)), else: []
{downs, work} = report.()
send(watcher, {:get, self()})
nd = receive do
  {:nd, t} -> (t - t0) / 1000
after 100 -> nil
end

ms = fn t -> Float.round((t - t0) / 1000, 3) end
probe_rows =
  if probe do
    send(probe, {:get, self()})
    receive do
      {:probe, r} -> Enum.map(r, fn [t | rest] -> [ms.(t) | rest] end)
    after
      3000 -> []
    end
  else
    []
  end
offs = downs |> Enum.map(fn {t, _, _} -> ms.(t) end)
buckets = fn w -> offs |> Enum.group_by(fn o -> trunc(Float.floor(o / w) * w) end) |> Enum.map(fn {k, v} -> [k, length(v)] end) |> Enum.sort() end
bursts =
  offs |> Enum.reduce([], fn
    o, [] -> [[o, o, 1]]
    o, [[f, l, c] | rest] -> if o - l > 20, do: [[o, o, 1], [f, l, c] | rest], else: [[f, o, c + 1] | rest]
  end) |> Enum.reverse()
refs = downs |> Enum.map(fn {_, r, _} -> r end)
reasons = downs |> Enum.frequencies_by(fn {_, _, r} -> inspect(r) end)
pct = fn [], _ -> nil
  l, p -> s = Enum.sort(l); Enum.at(s, max(0, ceil(p * length(s)) - 1)) end
wl = work |> Enum.filter(fn {s, _} -> s >= t0 and s < t0 + 10_000_000 end) |> Enum.map(fn {s, h} -> (h - s) / 1000 end)
wl_pre = work |> Enum.filter(fn {s, _} -> s >= t0 - 1_000_000 and s < t0 end) |> Enum.map(fn {s, h} -> (h - s) / 1000 end)
wl_buckets = work |> Enum.filter(fn {s, _} -> s >= t0 and s < t0 + 10_000_000 end)
  |> Enum.group_by(fn {s, _} -> div(s - t0, 100_000) * 100 end)
  |> Enum.map(fn {k, v} -> [k, length(v), Float.round(Enum.max(Enum.map(v, fn {s, h} -> (h - s) / 1000 end)), 3)] end) |> Enum.sort()
mql_series = samples |> Enum.filter(fn {t, _} -> t >= t0 end) |> Enum.map(fn {t, q} -> [ms.(t), q] end)

result = %{
  driver: "realtiming", run: run, mode: mode, targets: n, trigger: trigger, sub: sub_kind, expected: expected,
  env_a: Map.new(env_a), env_b: Map.new(env_b), down_cost_us: down_cost,
  effective_a: %{connector_sweep_interval: ZenMonitor.Local.Connector.sweep_interval(), connector_chunk_size: ZenMonitor.Local.Connector.chunk_size(),
    batcher_sweep_interval: ZenMonitor.Proxy.Batcher.sweep_interval(), batcher_chunk_size: ZenMonitor.Proxy.Batcher.chunk_size(),
    demand_interval: ZenMonitor.Local.Dispatcher.demand_interval(), demand_amount: ZenMonitor.Local.Dispatcher.demand_amount()},
  loadavg_before_trigger: load_before, loadavg_end: File.read!("/proc/loadavg") |> String.trim(),
  monitor_to_established_ms: established_ms, ending: ending, monitor_loop_ms: loop_ms,
  proxy_process_casts_b_clock_us_and_len: proxy_casts,
  nodedown_seen_ms: nd,
  downs: %{total: length(offs), first_ms: List.first(offs), last_ms: List.last(offs), duplicate_refs: length(refs) - length(Enum.uniq(refs)),
    by_1000ms: Enum.count(offs, &(&1 < 1000)), reason_histogram: reasons,
    buckets_10ms: buckets.(10), buckets_100ms: buckets.(100), bursts_gap20ms: bursts},
  work: %{n_in_window: length(wl), p50: pct.(wl, 0.5), p99: pct.(wl, 0.99), max: if(wl == [], do: nil, else: Enum.max(wl)),
    pre_trigger_max: if(wl_pre == [], do: nil, else: Enum.max(wl_pre)), per_100ms: wl_buckets},
  max_sub_mql: if(mql_series == [], do: nil, else: mql_series |> Enum.map(&List.last/1) |> Enum.max()),
  mql_series_10ms: mql_series,
  extra: extra,
  probe_5ms_t_local_disp_conn_sub: probe_rows,
  b_side_os_clock: tb
}
File.write!(opts[:out] || "/dev/stdout", RT.J.enc(result))
