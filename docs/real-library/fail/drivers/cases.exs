# One case per VM pair: elixir ... cases.exs CASE [ARGS]; writes /work/realzm/fail/results/CASE[-ARGS].json
for {RF, bin} <- Code.compile_file("/work/realzm/fail/drivers/common.exs"), do: :persistent_term.put(:rf_bin, bin)
Process.flag(:trap_exit, true)

defmodule Cases do
  import RF
  def mon_many(s, n, prefix \\ "T") do
    for i <- 1..n, do: (p = sleeper(); monitor(s, p); {"#{prefix}#{i}", p})
  end
  def reset_t0, do: :persistent_term.put(:rf_t0, now_ms())

  def run("conn_chunks", _) do
    start(batcher_chunk_size: 2); s = subscriber()
    ts = mon_many(s, 6); Process.sleep(300); reset_t0()
    for {_, p} <- ts, do: kill(p)
    Process.sleep(150); c = connector(); kill(c); ck = t()
    Process.sleep(2000)
    %{schedule: "6 targets (batcher_chunk_size 2); 300 ms; kill all at 0; kill a's Connector at 150 ms; 2 s",
      connector_killed_at: ck, downs: by_label(s, ts), old_connector_batcher_on_b: inspect(batcher(c)), snapshot: snapshot()}
  end

  def run("local_mid", _) do
    start(demand_amount: 2); s = subscriber()
    ts = mon_many(s, 10); Process.sleep(300); reset_t0()
    for {_, p} <- ts, do: kill(p)
    Process.sleep(250); before = length(downs(s)); kill_named(node(), ZenMonitor.Local); kt = t()
    Process.sleep(2000)
    %{schedule: "10 targets (demand_amount 2); 300 ms; kill all at 0; kill Local at 250 ms; 2 s", killed_at: kt,
      delivered_before_kill: before, delivered_total: length(downs(s)), references_after: refs_size(), downs: by_label(s, ts), snapshot: snapshot()}
  end

  def run("dispatcher_mid", _) do
    start(demand_amount: 2); s = subscriber()
    ts = mon_many(s, 10); Process.sleep(300); reset_t0()
    for {_, p} <- ts, do: kill(p)
    Process.sleep(250); before = length(downs(s)); kill_named(node(), ZenMonitor.Local.Dispatcher); kt = t()
    Process.sleep(2000)
    %{schedule: "10 targets (demand_amount 2); 300 ms; kill all at 0; kill Dispatcher at 250 ms; 2 s", killed_at: kt,
      delivered_before_kill: before, delivered_total: length(downs(s)), references_after: refs_size(), downs: by_label(s, ts), snapshot: snapshot()}
  end

  # Dispatcher killed while a batch sits in its mailbox: suspend it (sys), let its pending ask be served, kill it.
  def run("dispatcher_batch", _) do
    start(demand_amount: 1000); s = subscriber()
    ts = mon_many(s, 10); Process.sleep(300); reset_t0()
    d = whereis(node(), ZenMonitor.Local.Dispatcher)
    # kill the targets; their DOWNs reach Local's queue; the Dispatcher asks at its next tick and Local answers
    # at once; a tracer kills the Dispatcher the moment the events message lands in its mailbox.
    me = self()
    tracer = spawn(fn ->
      receive do
        {:trace, ^d, :receive, {:"$gen_consumer", _, evs}} when is_list(evs) and evs != [] -> Process.exit(d, :kill); send(me, {:killed_with, length(evs), t()})
      end
    end)
    :erlang.trace(d, true, [:receive, {:tracer, tracer}])
    for {_, p} <- ts, do: kill(p)
    info = receive do {:killed_with, n, at} -> %{batch: n, at: at} after 3000 -> :no_batch end
    Process.sleep(2000)
    %{schedule: "10 targets; kill all at 0; a tracer kills the Dispatcher as the events message enters its mailbox; 2 s", kill: info,
      delivered_total: length(downs(s)), references_after: refs_size(), downs: by_label(s, ts), snapshot: snapshot()}
  end

  def run("batcher_hold", _) do
    start(); s = subscriber()
    ts = mon_many(s, 3); Process.sleep(300); reset_t0()
    for {_, p} <- ts, do: kill(p)
    Process.sleep(50); c = connector(); bt = batcher(c); kill(bt); kt = t()
    Process.sleep(1000); mid = by_label(s, ts); snap = snapshot()
    sigkill_b(); Process.sleep(1000)
    %{schedule: "3 targets; kill all at 0; kill b's Batcher at 50 ms; 1 s; SIGKILL b; 1 s", batcher_killed: inspect(bt), killed_at: kt,
      downs_while_b_lives: mid, snapshot_before_sigkill: snap, downs: by_label(s, ts), compat_after: compat()}
  end

  def run("conn_presweep", _) do
    start(); s = subscriber(); reset_t0()
    [{_, p1}] = mon_many(s, 1, "E")
    Process.sleep(50); row_before = nodes_row(); c = connector(); kill(c); kt = t()
    Process.sleep(10); [{_, p2}] = mon_many(s, 1, "L")
    Process.sleep(500); row_after = nodes_row(); snap = snapshot()
    sigkill_b(); Process.sleep(1000)
    %{schedule: "monitor early at 0; kill Connector at 50 ms; +10 ms monitor late; 500 ms; SIGKILL b; 1 s", killed_at: kt,
      nodes_row_before_kill: row_before, nodes_row_after: row_after, snapshot_before_sigkill: snap,
      downs: by_label(s, [{"early", p1}, {"late", p2}]), compat_after: compat()}
  end

  def run("proxy_after_replace", _) do
    start(); s = subscriber(); smp = sampler()
    [{_, p1}] = mon_many(s, 1, "T"); Process.sleep(300); reset_t0()
    kill(connector()); Process.sleep(10)
    [{_, p2}] = mon_many(s, 1, "U"); Process.sleep(300)
    kill_named(b(), ZenMonitor.Proxy); pk = t(); Process.sleep(3000)
    kill(p2); Process.sleep(1000)
    %{schedule: "monitor T1; 300 ms; kill Connector at 0; +10 ms monitor T2; +300 ms kill b's Proxy; 3 s; kill T2; 1 s", proxy_killed_at: pk,
      downs: by_label(s, [{"T1", p1}, {"T2", p2}]), nodes_row: nodes_row(), compat_segments: segments(smp), snapshot: snapshot()}
  end

  # restart intensity: 4 Local kills at given ms after a whole monotonic second + phase
  def run("intensity", [times, phase]) do
    times = String.split(times, ",") |> Enum.map(&String.to_integer/1); phase = String.to_integer(phase)
    start(); sup = whereis(node(), ZenMonitor.Local.Supervisor); nodes_tid = :ets.whereis(ZenMonitor.Local.Tables.Nodes)
    # t0 = next whole monotonic second + 1 s + phase ms
    now = :erlang.monotonic_time(:millisecond); t0 = (div(now, 1000) + 2) * 1000 + phase
    :persistent_term.put(:rf_t0, t0 * 1.0)
    stamps = for ms <- times do
      sleep_until(ms)
      wait_registered(ZenMonitor.Local)
      kill_named(node(), ZenMonitor.Local)
      %{at: t(), monotonic_second: :erlang.monotonic_time(:second), ms_of_second: rem(:erlang.monotonic_time(:millisecond), 1000)}
    end
    Process.sleep(50)
    %{schedule: "Local killed at #{inspect(times)} ms after t0 = a whole monotonic second + #{phase} ms", kills: stamps,
      local_supervisor_alive: Process.alive?(sup), nodes_table_new: :ets.whereis(ZenMonitor.Local.Tables.Nodes) != nodes_tid, snapshot: snapshot()}
  end

  def run("disp4", _) do
    start(); s = subscriber()
    ts = mon_many(s, 2); Process.sleep(300); reset_t0(); sup = whereis(node(), ZenMonitor.Local.Supervisor)
    for _ <- 1..4 do wait_registered(ZenMonitor.Local.Dispatcher); kill_named(node(), ZenMonitor.Local.Dispatcher); Process.sleep(100) end
    sup_alive = Process.alive?(sup)
    after_ = mon_many(s, 1, "A"); Process.sleep(300); snap = snapshot()
    sigkill_b(); Process.sleep(1000)
    %{schedule: "monitor 2; 300 ms; 4 Dispatcher kills 100 ms apart from 0; monitor 1; 300 ms; SIGKILL b; 1 s", local_supervisor_alive_after_4: sup_alive,
      snapshot_before_sigkill: snap, downs: by_label(s, ts ++ after_)}
  end

  def run("localN", [n]) do
    n = String.to_integer(n)
    start(); s = subscriber(); reset_t0()
    proxy = whereis(node(), ZenMonitor.Proxy); zsup = whereis(node(), ZenMonitor.Supervisor)
    [{_, p1}] = mon_many(s, 1, "T")
    Process.sleep(300)
    kills = for i <- 1..n do
      l = wait_registered(ZenMonitor.Local)
      kill(l); at = t(); Process.sleep(60); %{i: i, at: at, local: inspect(l)}
    end
    Process.sleep(200)
    running = zen_running(node())
    mon_after = try do inspect(ZenMonitor.monitor(sleeper())) rescue e -> "raised " <> inspect(e.__struct__) <> ": " <> String.slice(Exception.message(e), 0, 160) catch k, e -> "caught #{inspect(k)} #{inspect(e) |> String.slice(0, 160)}" end
    %{schedule: "monitor T1; 300 ms; #{n} Local kills 60 ms apart", first_kill: hd(kills).at, last_kill: List.last(kills).at,
      zen_running_a: running, proxy_on_a_new: whereis(node(), ZenMonitor.Proxy) != proxy, zen_sup_new: whereis(node(), ZenMonitor.Supervisor) != zsup,
      zen_running_b: zen_running(b()), monitor_after: mon_after, downs: by_label(s, [{"T1", p1}]), snapshot: snapshot()}
  end

  def run("tables_a", _) do
    start(); s = subscriber()
    ts = mon_many(s, 2); Process.sleep(300); reset_t0(); nodes_tid = :ets.whereis(ZenMonitor.Local.Tables.Nodes)
    kill_named(node(), ZenMonitor.Local.Tables); Process.sleep(10)
    refs = refs_size(); new_tables = :ets.whereis(ZenMonitor.Local.Tables.Nodes) != nodes_tid
    after_ = mon_many(s, 1, "A"); Process.sleep(300); snap = snapshot()
    sigkill_b(); Process.sleep(1000)
    %{schedule: "monitor 2; 300 ms; kill a's Local.Tables at 0; 10 ms; monitor 1; 300 ms; SIGKILL b; 1 s", references_after_kill: refs,
      nodes_table_new: new_tables, snapshot_before_sigkill: snap, downs: by_label(s, ts ++ after_)}
  end

  def run("tables_b", _) do
    start(); s = subscriber(); smp = sampler()
    ts = mon_many(s, 2); Process.sleep(300); reset_t0()
    kill_named(b(), ZenMonitor.Proxy.Tables); Process.sleep(500)
    later = mon_many(s, 1, "L"); Process.sleep(2500)
    [{_, lp}] = later; kill(lp); Process.sleep(1000)
    %{schedule: "monitor 2; 300 ms; kill b's Proxy.Tables at 0 (from a); 500 ms; monitor L1; 2.5 s; kill L1; 1 s",
      proxy_subscribers_b: :erpc.call(b(), :ets, :info, [ZenMonitor.Proxy.Tables.Subscribers, :size]),
      downs: by_label(s, ts ++ later), compat_segments: segments(smp), snapshot: snapshot()}
  end

  # the component_restart scenario's LOCAL_PLAN for kill=dispatcher / batcher (the F3 driver's timings)
  def run("plan", [which]) do
    start(); s = subscriber()
    t0p = if which == "batcher", do: [{"T0", sleeper()}], else: []
    init = t0p ++ [{"T1", sleeper()}]
    for {_, p} <- init, do: monitor(s, p)
    Process.sleep(300)
    if which == "batcher", do: kill(elem(hd(t0p), 1))
    smp = sampler(); Process.sleep(250); reset_t0()
    snap0 = snapshot()
    case which do
      "dispatcher" -> kill_named(node(), ZenMonitor.Local.Dispatcher)
      "batcher" -> kill(batcher(connector()))
    end
    Process.sleep(500)
    t23 = [{"T2", sleeper()}, {"T3", sleeper()}]
    for {_, p} <- t23, do: monitor(s, p)
    sleep_until(1500); kill(elem(hd(t23), 1))
    sleep_until(4500); snap1 = snapshot(); sigkill_b()
    sleep_until(9500)
    %{schedule: "component_restart LOCAL_PLAN: T1 (T0 killed first for batcher); kill at 0; +500 monitor T2,T3; +1500 kill T2; +4500 SIGKILL b; to 9.5 s",
      snapshot_before_kill: snap0, snapshot_before_sigkill: snap1, downs: by_label(s, init ++ t23), compat_segments: segments(smp)}
  end

  # 64 Proxy kills on b within 5 s (63: control)
  def run("proxyN", [n]) do
    n = String.to_integer(n)
    start(); s = subscriber(); smp = sampler()
    ts = mon_many(s, 2); Process.sleep(300); reset_t0()
    kills = for i <- 1..n do
      pr = wait_registered_b(ZenMonitor.Proxy); kill(pr); at = t(); Process.sleep(60); %{i: i, at: at}
    end
    Process.sleep(200)
    running_b = zen_running(b())
    later = mon_many(s, 3, "L")
    Process.sleep(1500)
    %{schedule: "monitor 2; 300 ms; #{n} b Proxy kills 60 ms apart from 0; 200 ms; monitor 3; 1.5 s", last_kill: List.last(kills).at,
      zen_running_b: running_b, downs: by_label(s, ts ++ later), compat_segments: segments(smp), nodes_row: nodes_row(), snapshot: snapshot()}
  end


  # GenStage's DemandDispatcher in Local: the killed Dispatcher's outstanding demand becomes `pending`,
  # which swallows the new Dispatcher's asks. Read Local's dispatcher state before and after the kill.
  def run("dispatcher_stall", [idle_ms]) do
    start(demand_amount: 2); s = subscriber()
    d0 = whereis(node(), ZenMonitor.Local.Dispatcher); d0_start = t()
    ts = mon_many(s, 10); Process.sleep(String.to_integer(idle_ms)); reset_t0()
    for {_, p} <- ts, do: kill(p)
    Process.sleep(250)
    before = length(downs(s)); ds_before = gs_dispatcher_state()
    kill(d0); kt = t(); Process.sleep(5)
    ds_after = gs_dispatcher_state()
    # trace the new Dispatcher's asks
    d1 = whereis(node(), ZenMonitor.Local.Dispatcher)
    Process.sleep(max(0, 2 * String.to_integer(idle_ms) + 2500))
    %{schedule: "demand_amount 2; Dispatcher started at #{d0_start} (before t0); 10 targets monitored, #{idle_ms} ms idle; kill all at 0; kill the Dispatcher at 250 ms",
      killed_at: kt, delivered_before_kill: before, local_dispatcher_state_before_kill: ds_before, local_dispatcher_state_after_kill: ds_after,
      new_dispatcher: inspect(d1), delivered_total: length(downs(s)), downs: by_label(s, ts), ds_end: gs_dispatcher_state()}
  end

  # 3 Dispatcher kills 100 ms apart after an idle time: the pending demand each time
  def run("dispatcher_multi", [idle_ms]) do
    start(demand_amount: 2); s = subscriber()
    Process.sleep(String.to_integer(idle_ms)); reset_t0()
    states = for i <- 1..3 do
      d = wait_registered(ZenMonitor.Local.Dispatcher); before = gs_dispatcher_state(); kill(d); at = t(); Process.sleep(5)
      r = %{i: i, at: at, before: before, after: gs_dispatcher_state()}; Process.sleep(95); r
    end
    ts = mon_many(s, 4); Process.sleep(300); kt = t(); for {_, p} <- ts, do: kill(p)
    Process.sleep(String.to_integer(idle_ms) * 2 + 2000)
    %{schedule: "demand_amount 2; #{idle_ms} ms idle; 3 Dispatcher kills 100 ms apart from 0; monitor 4; 300 ms; kill them", kills: states,
      targets_killed_at: kt, downs: by_label(s, ts), ds_end: gs_dispatcher_state()}
  end

  # Local killed, then the subscriber exits without monitoring again: its References rows stay
  def run("local_sub_dies", _) do
    start(); s = subscriber()
    ts = mon_many(s, 2); Process.sleep(300); reset_t0()
    kill_named(node(), ZenMonitor.Local); Process.sleep(100)
    Process.exit(s, :kill); Process.sleep(500)
    c = connector()
    %{schedule: "S monitors 2; 300 ms; kill Local at 0; +100 ms S killed; 500 ms", references_after: refs_size(),
      local_subscribers: :ets.info(ZenMonitor.Local.Subscribers, :size), connector: inspect(c),
      proxy_subscribers_b: :erpc.call(b(), :ets, :info, [ZenMonitor.Proxy.Tables.Subscribers, :size]), downs_n: 0, targets: length(ts)}
  end

  # ZenMonitor.connect(b) while b's Proxy does not answer (suspended with :sys.suspend): the caller's exit
  # when a's Connector is killed during the call ("kill"), or at the call's timeout ("timeout")
  def run("connect_caller", [mode]) do
    start()
    proxy = whereis(b(), ZenMonitor.Proxy)
    :ok = :erpc.call(b(), :sys, :suspend, [proxy])
    me = self()
    reset_t0()
    caller = spawn(fn -> send(me, {:connected, ZenMonitor.connect(b())}) end)
    mref = Process.monitor(caller)
    Process.sleep(50)
    conn = connector()
    if mode == "kill", do: kill(conn)
    res = receive do
      {:DOWN, ^mref, :process, _, reason} -> %{caller_down_at: t(), reason: inspect(reason), connector: inspect(conn)}
      {:connected, r} -> %{returned: inspect(r), at: t()}
    after 8000 -> :nothing
    end
    Process.sleep(200)
    :erpc.call(b(), :sys, :resume, [proxy])
    Process.sleep(300)
    %{schedule: "b's Proxy suspended; ZenMonitor.connect(b) from a new process at 0; #{mode}", result: res, nodes_row: nodes_row(), compat: compat(), connector_after: inspect(connector())}
  end

  def gs_dispatcher_state do
    st = :sys.get_state(ZenMonitor.Local)
    {demands, pending, max, _} = st.dispatcher_state
    %{demands: for({c, _pid, _ref} <- demands, do: c), pending: pending, max: max, queue_length: st.state.length}
  end

  def wait_registered(name, tries \\ 1000) do
    case Process.whereis(name) do
      nil when tries > 0 -> Process.sleep(1); wait_registered(name, tries - 1)
      p -> p
    end
  end
  def wait_registered_b(name, tries \\ 1000) do
    case whereis(b(), name) do
      nil when tries > 0 -> Process.sleep(1); wait_registered_b(name, tries - 1)
      p -> p
    end
  end
end

[c | args] = System.argv()
res = Cases.run(c, args)
RF.finish(Enum.join([c | args], "-"), res)
