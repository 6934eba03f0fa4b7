  # ==== The runtime: the same in every export (zensim sim/check/exunit.template.exs) ==========
  # How a trial goes: start the nodes as :peer nodes on 127.0.0.1 (or reuse them, for a
  # schedule without faults), spawn the probes, play the steps at their times, end the faults
  # at faults_end_ms (cuts healed, nodes reconnected every second), let the cluster settle
  # until it is quiet, then read what the probes received and ZenMonitor's public tables, and
  # judge each property on that. Times are OS system time (one clock for all the VMs of this
  # host), shown as ms since the first step's zero.

  # Runs on the peers: the probes (each a target and a subscriber that calls the client API
  # inside itself), one recorder per node, and the reads of ZenMonitor's tables.
  {:module, probe_module, probe_binary, _} =
    defmodule Probe do
      @moduledoc false
      @recorder :zensim_recorder

      def now, do: :os.system_time(:microsecond)

      # The recorder keeps every event of its node in order (its `seq` orders them), and
      # watches the probes (deaths) and the node's connections (nodeup / nodedown).
      def init_node do
        :logger.add_primary_filter(:zensim_partitions, {&__MODULE__.drop_partition_noise/2, nil})
        Process.register(spawn(&recorder_init/0), @recorder)
        :ok
      end

      # A partition here refuses the handshake (a wrong cookie for that peer): not an error.
      # dist_util logs it through error_logger: {:report, %{format: …}} or {format, args}.
      def drop_partition_noise(%{msg: msg}, _), do: if(refused_handshake?(msg), do: :stop, else: :ignore)

      defp refused_handshake?({:report, %{format: format}}), do: refused_handshake?({format, []})
      defp refused_handshake?({format, _}) when is_list(format) or is_binary(format), do: :string.find(format, "Invalid challenge reply") != :nomatch
      defp refused_handshake?(_msg), do: false

      defp recorder_init do
        :net_kernel.monitor_nodes(true)
        recorder(0, [])
      end

      defp recorder(seq, events) do
        receive do
          {:event, e} -> recorder(seq + 1, [{seq, e} | events])
          {:DOWN, _, :process, pid, reason} -> recorder(seq + 1, [{seq, {:death, pid, reason, now()}} | events])
          {:nodeup, node} -> recorder(seq + 1, [{seq, {:nodeup, node, now()}} | events])
          {:nodedown, node} -> recorder(seq + 1, [{seq, {:nodedown, node, now()}} | events])
          other -> recorder_request(other, seq, events)
        end
      end

      defp recorder_request(request, seq, events) do
        case request do
          {:watch, pid} ->
            Process.monitor(pid)
            recorder(seq, events)

          {:dump, from} ->
            send(from, {:zensim_dump, Enum.reverse(events)})
            recorder(seq, [])

          {:count, from} ->
            send(from, {:zensim_count, seq})
            recorder(seq, events)
        end
      end

      defp ask(what) do
        send(@recorder, {what, self()})

        receive do
          {:zensim_dump, events} -> events
          {:zensim_count, n} -> n
        after
          10_000 -> raise "the recorder on #{node()} did not answer"
        end
      end

      @doc "The events recorded since the last dump."
      def dump, do: ask(:dump)

      @doc "Events recorded so far and the DOWNs Local still holds: what changes while the cluster is busy."
      def activity, do: {ask(:count), if(zen_running?(), do: ZenMonitor.Local.batch_length(), else: 0)}

      def start_zen(env) do
        :application.load(:zen_monitor)
        Enum.each(env, fn {key, value} -> Application.put_env(:zen_monitor, key, value) end)
        {:ok, _} = Application.ensure_all_started(:zen_monitor)
        :ok
      end

      # ZenMonitor.Application.start/2 defines its metrics probes with Instruments.Probe.define!/3,
      # which raises when the names are taken: zen_monitor 2.1.0 cannot start again in a VM
      # where it ran before unless :instruments (which keeps the names) restarts too.
      def stop_zen do
        :ok = Application.stop(:zen_monitor)
        Application.stop(:instruments)
      end

      def truncate(term), do: ZenMonitor.Truncator.truncate(term)

      @doc """
      Process.exit(pid, :kill) of one of ZenMonitor's processes on this node, found as the F3
      calibration's driver found them: the Connector for `peer` and the Batcher for `peer`'s
      Connector through their GenRegistry's table, the others by name. The pid, or nil.
      """
      def kill_zen(component, peer) do
        pid =
          case component do
            :connector -> registry_pid(ZenMonitor.Local.Connector, fn id -> id == peer end)
            :batcher -> registry_pid(ZenMonitor.Proxy.Batcher, fn id -> is_pid(id) and node(id) == peer end)
            :local -> Process.whereis(ZenMonitor.Local)
            :dispatcher -> Process.whereis(ZenMonitor.Local.Dispatcher)
            :proxy -> Process.whereis(ZenMonitor.Proxy)
          end

        if pid != nil, do: Process.exit(pid, :kill)
        pid
      end

      defp registry_pid(table, key?) do
        rows = if :ets.whereis(table) == :undefined, do: [], else: :ets.tab2list(table)
        Enum.find_value(rows, fn {id, pid} -> if key?.(id), do: pid end)
      end

      def zen_running?, do: Process.whereis(ZenMonitor.Local) != nil

      def alive?(pid) do
        Process.alive?(pid)
      rescue
        ArgumentError -> false
      end

      @doc "ZenMonitor's public tables on this node (nil when it is not running)."
      def tables do
        if zen_running?() do
          %{
            references: :ets.tab2list(ZenMonitor.Local.Tables.references()),
            local_subscribers: for({pid} <- :ets.tab2list(ZenMonitor.Local.Subscribers), do: pid),
            proxy_rows: for({{target, connector}} <- :ets.tab2list(ZenMonitor.Proxy.Tables.subscribers()), do: {target, connector}),
            local_batch: ZenMonitor.Local.batch_length()
          }
        end
      end

      def spawn_probe do
        pid = spawn(fn -> probe(%{}) end)
        send(@recorder, {:watch, pid})
        pid
      end

      defp event(e), do: send(@recorder, {:event, e})

      defp probe(refs) do
        receive do
          {:zensim, action} -> probe(act(action, refs))
          {:DOWN, ref, :process, object, reason} -> probe(received({:down, self(), ref, object, reason, now()}, refs))
          other -> probe(received({:other, self(), other, now()}, refs))
        end
      end

      defp received(e, refs) do
        event(e)
        refs
      end

      defp act({:monitor, id, target}, refs) do
        if zen_running?() do
          ref = ZenMonitor.monitor(target)
          event({:monitored, id, ref, now()})
          Map.put(refs, id, ref)
        else
          refs
        end
      end

      defp act({:demonitor, id, flush}, refs) do
        with %{^id => ref} <- refs, true <- zen_running?(), do: demonitor(id, ref, flush)
        refs
      end

      # The racing flush. zensim runs it delay_us µs after the Dispatcher begins the batch that
      # carries the DOWN; here the probe traces what the Dispatcher receives (or, when another
      # process traces it already, looks at its mailbox) and flushes delay_us µs after that batch
      # (a GenStage events message) arrives. Had the batch come and gone unseen (its References
      # row taken), it flushes at once.
      defp act({:race_flush, id, delay_us, spin_ms}, refs) do
        with %{^id => ref} <- refs, true <- zen_running?() do
          dispatcher = Process.whereis(ZenMonitor.Local.Dispatcher)
          traced = trace(dispatcher, true)

          case watch(dispatcher, traced, ZenMonitor.Local.Tables.references(), ref, now() + spin_ms * 1000) do
            :batch_seen -> race(id, ref, :batch_seen, delay_us)
            :taken -> race(id, ref, :taken, 0)
            missed -> event({:race_missed, id, missed, now()})
          end

          if traced, do: trace(dispatcher, false)
        end

        refs
      end

      defp act({:exit, reason}, _refs), do: exit(reason)

      defp trace(dispatcher, on) do
        :erlang.trace(dispatcher, on, [:receive])
        if not on, do: drain_traces()
        true
      rescue
        ArgumentError -> false
      end

      defp drain_traces do
        receive do
          {:trace, _, :receive, _} -> drain_traces()
        after
          0 -> :ok
        end
      end

      defp watch(dispatcher, traced, table, ref, deadline) do
        cond do
          if(traced, do: traced_batch?(ref), else: carried?(dispatcher, ref)) -> :batch_seen
          not member?(table, {self(), ref}) -> :taken
          now() > deadline -> :timeout
          true -> watch(dispatcher, traced, table, ref, deadline)
        end
      end

      defp traced_batch?(ref) do
        receive do
          {:trace, _, :receive, message} -> batch_with?(message, ref) or traced_batch?(ref)
        after
          0 -> false
        end
      end

      defp carried?(nil, _ref), do: false

      defp carried?(dispatcher, ref) do
        case Process.info(dispatcher, :messages) do
          {:messages, messages} -> Enum.any?(messages, &batch_with?(&1, ref))
          nil -> false
        end
      end

      defp batch_with?({:"$gen_consumer", _, events}, ref) when is_list(events), do: Enum.any?(events, &match?({_, {:DOWN, ^ref, _, _, _}}, &1))
      defp batch_with?(_message, _ref), do: false

      defp race(id, ref, how, delay_us) do
        until = :erlang.monotonic_time(:microsecond) + delay_us
        wait_until(until)
        demonitor(id, ref, true)
        event({:race, id, how, delay_us})
      end

      defp wait_until(t), do: if(:erlang.monotonic_time(:microsecond) < t, do: wait_until(t), else: :ok)

      # ZenMonitor stopped while we spun: its table is gone.
      defp member?(table, key) do
        :ets.member(table, key)
      rescue
        ArgumentError -> false
      end

      defp demonitor(id, ref, flush) do
        ZenMonitor.demonitor(ref, if(flush, do: [:flush], else: []))
        at = now()
        {:messages, messages} = Process.info(self(), :messages)
        left = Enum.count(messages, &match?({:DOWN, ^ref, _, _, _}, &1))
        event({:demonitored, id, flush, at, left})
      end
    end

  @probe_module probe_module
  @probe_binary probe_binary
  @max_procs 30
  @call_timeout_ms 5_000
  @max_penalty_ms 60_000
  @quiet_ms 1_000
  @race_sweep_us 50
  @max_quiet_wait_ms 60_000
  @forever Bitwise.bsl(1, 62)

  # ---- trials ------------------------------------------------------------------------------

  defp zensim_check(properties) do
    Process.flag(:trap_exit, true)
    trials = zensim_trials()
    IO.puts("\n#{inspect(__MODULE__)}: #{trials} trial(s) of #{@source} on real BEAM nodes")

    {results, cluster} =
      Enum.map_reduce(1..trials, nil, fn i, cluster ->
        {verdicts, run} = trial(cluster, properties, i)
        broken = for {name, {:fail, _, _}} <- verdicts, do: name
        IO.puts("  trial #{i}/#{trials}: " <> if(broken == [], do: "every property held", else: "broke " <> Enum.join(broken, ", ")))
        {{i, verdicts, run.notes}, if(@reuse_cluster, do: run.cluster, else: stop_cluster(run.cluster))}
      end)

    if cluster, do: stop_cluster(cluster)
    report(properties, results, trials)
  end

  defp zensim_trials do
    case Integer.parse(System.get_env("ZENSIM_TRIALS", "")) do
      {n, ""} when n > 0 -> n
      _ -> @trials
    end
  end

  defp report(properties, results, trials) do
    notes = results |> Enum.flat_map(fn {_, _, notes} -> notes end) |> Enum.frequencies()
    for {note, n} <- Enum.sort(notes), do: IO.puts("  note (#{n} of #{trials} trials): #{note}")
    failures = Enum.flat_map(properties, &failure(&1, results, trials))
    if failures != [], do: flunk(Enum.join(failures, "\n\n"))
  end

  defp failure({name, guarantee, _check}, results, trials) do
    case for({i, verdicts, _} <- results, {^name, {:fail, step, why}} <- verdicts, do: {i, step, why}) do
      [] ->
        IO.puts("  #{name} held in #{trials} of #{trials} trial(s)")
        []

      [{i, step, why} | _] = broken ->
        ["#{name} broke in #{length(broken)} of #{trials} trial(s) on real BEAM\n" <>
           "  guarantee: #{guarantee}\n  first in trial #{i}, #{describe_step(step)}: #{why}"]
    end
  end

  defp describe_step(nil), do: "after the last step"
  defp describe_step(i), do: "steps[#{i}] of #{@source} (#{Map.fetch!(@steps_text, i)})"

  defp trial(cluster, properties, i) do
    cluster = cluster || start_cluster()
    # What a reused cluster recorded before (the last trial's probes going) is not this trial's.
    for {_, %{peer: peer}} <- cluster.peers, do: :peer.call(peer, @probe_module, :dump, [])
    run = %{new_run(cluster) | t0: now() + 10_000, trial: i}
    run = Enum.reduce(@procs, run, &spawn(&2, &1))
    run = sleep_until(run, 0) |> play() |> finish()
    obs = observe(run)
    {for({name, _, check} <- properties, do: {name, check.(obs)}), cleanup(%{run | notes: run.notes ++ obs.races})}
  end

  defp new_run(cluster) do
    %{
      cluster: cluster,
      trial: 1,
      t0: 0,
      step: nil,
      procs: %{},
      dead: MapSet.new(),
      monitors: %{},
      faults: [],
      cuts: %{},
      zen_down: %{},
      proxy_kills: %{},
      crash_dumps: [],
      crash_deaths: [],
      recovered: false,
      notes: []
    }
  end

  # A reused cluster: this trial's probes go, so that the next trial starts from live nodes only.
  defp cleanup(run) do
    for {_, %{node: n, pid: pid}} <- run.procs, up?(run, n), do: rpc(run, n, :erlang, :exit, [pid, :kill])
    Process.sleep(500)
    run
  end

  # ---- the cluster -----------------------------------------------------------------------

  defp start_cluster do
    uniq = "#{:os.getpid()}x#{System.unique_integer([:positive])}"
    cluster = %{uniq: uniq, cookie: :"zensim#{uniq}", peers: %{}, zen: MapSet.new()}
    cluster = Enum.reduce(0..(length(@nodes) - 1), cluster, &start_node(&2, &1))
    for a <- Map.keys(cluster.peers), b <- Map.keys(cluster.peers), a < b, do: connect_nodes(cluster, a, b)
    check_truncator(cluster)
    cluster
  end

  defp stop_cluster(cluster) do
    for {_, %{peer: peer}} <- cluster.peers, do: :peer.stop(peer)
    flush_exits()
    nil
  end

  defp flush_exits do
    receive do
      {:EXIT, _, _} -> flush_exits()
    after
      0 -> :ok
    end
  end

  defp node_name(cluster, n), do: :"zs#{cluster.uniq}n#{n}@127.0.0.1"

  defp start_node(cluster, n) do
    %{schedulers: s, zen: zen} = Enum.at(@nodes, n)
    schedulers = Integer.to_charlist(s)

    args =
      [~c"-pa" | :code.get_path()] ++
        [~c"-setcookie", Atom.to_charlist(cluster.cookie), ~c"-connect_all", ~c"false"] ++
        [~c"-kernel", ~c"inet_dist_use_interface", ~c"{127,0,0,1}"] ++
        [~c"-kernel", ~c"net_ticktime", Integer.to_charlist(@net_ticktime_s)] ++
        [~c"+S", schedulers ++ ~c":" ++ schedulers]

    [name, _] = cluster |> node_name(n) |> Atom.to_string() |> String.split("@")
    opts = %{name: String.to_atom(name), host: ~c"127.0.0.1", longnames: true, connection: :standard_io, args: args, wait_boot: 60_000}
    peer = start_peer(opts, 20)
    {:module, _} = :peer.call(peer, :code, :load_binary, [@probe_module, ~c"zensim_probe", @probe_binary])
    :ok = :peer.call(peer, @probe_module, :init_node, [])
    os_pid = :peer.call(peer, :os, :getpid, [])
    cluster = put_in(cluster.peers[n], %{peer: peer, os_pid: os_pid})
    if zen, do: start_zen_on(cluster, n), else: cluster
  end

  # A node restarted right after a kill -9 may find its name still registered with epmd.
  defp start_peer(opts, tries) do
    case :peer.start_link(opts) do
      {:ok, peer, _node} ->
        peer

      {:error, reason} ->
        if tries <= 1, do: flunk("could not start the peer #{opts.name}: #{inspect(reason)}")
        flush_exits()
        Process.sleep(250)
        start_peer(opts, tries - 1)
    end
  end

  defp start_zen_on(cluster, n) do
    :ok = :peer.call(cluster.peers[n].peer, @probe_module, :start_zen, [@zen_env], 30_000)
    %{cluster | zen: MapSet.put(cluster.zen, n)}
  end

  defp connect_nodes(cluster, a, b) do
    :peer.call(cluster.peers[a].peer, :net_kernel, :connect_node, [node_name(cluster, b)], 30_000)
  end

  # truncation_depth and max_binary_size are compile-time settings of zen_monitor: the expected
  # reasons below hold only for a library compiled with the schedule's values.
  defp check_truncator(cluster) do
    {probe, expected} = @truncation_probe
    [n | _] = Map.keys(cluster.peers)
    got = :peer.call(cluster.peers[n].peer, @probe_module, :truncate, [probe])

    if got != expected do
      flunk(
        "zen_monitor here was compiled with other Truncator settings than the schedule's " <>
          "(truncation_depth #{@zen_compile[:truncation_depth]}, max_binary_size #{@zen_compile[:max_binary_size]}): " <>
          "set them in config/config.exs (config :zen_monitor, ...) and recompile it (mix deps.compile zen_monitor --force)"
      )
    end
  end

  defp up?(run, n), do: Map.has_key?(run.cluster.peers, n)
  defp zen?(run, n), do: MapSet.member?(run.cluster.zen, n)
  defp rpc(run, n, m, f, a), do: :peer.call(run.cluster.peers[n].peer, m, f, a, 30_000)
  defp now, do: :os.system_time(:microsecond)
  defp elapsed(run), do: now() - run.t0
  defp node_index(i), do: Integer.mod(i, length(@nodes))

  defp sleep_until(run, at_ms) do
    wait = div(run.t0 + round(at_ms * 1000) - now(), 1000)
    if wait > 0, do: Process.sleep(wait)
    run
  end

  defp fault(run, op), do: %{run | faults: [%{at: elapsed(run), op: op, step: run.step} | run.faults]}

  defp open_interval(map, key, at) do
    case Map.get(map, key, []) do
      [{_, nil} | _] -> map
      list -> Map.put(map, key, [{at, nil} | list])
    end
  end

  defp close_interval(map, key, at) do
    case Map.get(map, key, []) do
      [{from, nil} | rest] -> Map.put(map, key, [{from, at} | rest])
      _ -> map
    end
  end

  # ---- the steps (mirroring zensim's sim/check/run.ts: indices taken modulo what exists) ------
  # Each step kind and each property is a public function: an export uses the ones its schedule needs.

  defp step(run, index, at_ms, fun) do
    run = if not run.recovered and at_ms > @faults_end_ms, do: run |> sleep_until(@faults_end_ms) |> recover(), else: run
    run |> sleep_until(at_ms) |> Map.put(:step, index) |> fun.()
  end

  defp proc(run, i) do
    n = map_size(run.procs)
    if n > 0, do: {rem(i, n), run.procs[rem(i, n)]}, else: nil
  end

  defp alive?(run, i), do: not MapSet.member?(run.dead, i)

  defp inside(run, i, action) do
    %{node: n, pid: pid} = run.procs[i]
    if alive?(run, i) and up?(run, n), do: rpc(run, n, :erlang, :send, [pid, {:zensim, action}])
    run
  end

  def spawn(run, node) do
    n = node_index(node)

    if up?(run, n) and map_size(run.procs) < @max_procs do
      pid = rpc(run, n, @probe_module, :spawn_probe, [])
      %{run | procs: Map.put(run.procs, map_size(run.procs), %{node: n, pid: pid})}
    else
      run
    end
  end

  def monitor(run, sub, target) do
    with {s, %{node: n}} <- proc(run, sub), {t, %{pid: pid}} <- proc(run, target), true <- alive?(run, s) and zen?(run, n) do
      id = map_size(run.monitors)
      run = %{run | monitors: Map.put(run.monitors, id, %{sub: s, target: t, step: run.step})}
      inside(run, s, {:monitor, id, pid})
    else
      _ -> run
    end
  end

  defp monitor_index(run, i), do: if(map_size(run.monitors) > 0, do: rem(i, map_size(run.monitors)))

  def demonitor(run, monitor, flush \\ false) do
    case monitor_index(run, monitor) do
      nil -> run
      id -> run |> note_demonitor(id) |> inside(run.monitors[id].sub, {:demonitor, id, flush})
    end
  end

  def demonitor_flush(run, monitor), do: demonitor(run, monitor, true)

  # zensim runs this flush `race_us` µs after the subscriber's Dispatcher begins the batch that
  # carries the DOWN. Real BEAM has no such hook: the probe traces the Dispatcher's receives for
  # that batch and flushes race_us µs after it arrives, plus the trial's sweep offset (0, 1, 2 …
  # @race_sweep_us µs, one per trial), since a wake-up and a call here last microseconds where
  # the race window lasts less than one.
  def demonitor_flush_racing(run, monitor, race_us) do
    case monitor_index(run, monitor) do
      nil -> run
      id -> run |> note_demonitor(id) |> inside(run.monitors[id].sub, {:race_flush, id, race_us + rem(run.trial - 1, @race_sweep_us), @race_spin_ms})
    end
  end

  defp note_demonitor(run, id), do: put_in(run.monitors[id][:demonitor_step], run.monitors[id][:demonitor_step] || run.step)

  def kill(run, p, reason) do
    case proc(run, p) do
      {i, %{node: n, pid: pid}} ->
        if up?(run, n), do: rpc(run, n, :erlang, :exit, [pid, reason])
        if reason == :normal, do: run, else: %{run | dead: MapSet.put(run.dead, i)}

      nil ->
        run
    end
  end

  def subscriber_exit(run, p, reason) do
    case proc(run, p) do
      {i, _} -> run |> inside(i, {:exit, reason}) |> Map.update!(:dead, &MapSet.put(&1, i))
      nil -> run
    end
  end

  # A crash is a SIGKILL of the node's OS process (as the fixtures' R3 did).
  def crash(run, node) do
    n = node_index(node)

    if up?(run, n) do
      %{peer: peer, os_pid: os_pid} = run.cluster.peers[n]
      events = rpc(run, n, @probe_module, :dump, [])
      System.cmd("kill", ["-9", to_string(os_pid)])

      receive do
        {:EXIT, ^peer, _} -> :ok
      after
        10_000 -> flunk("node #{n} did not die after kill -9")
      end

      at = elapsed(run)
      gone = for {i, %{node: ^n}} <- run.procs, alive?(run, i), do: i
      cluster = %{run.cluster | peers: Map.delete(run.cluster.peers, n), zen: MapSet.delete(run.cluster.zen, n)}

      %{run | cluster: cluster, crash_dumps: [{{n, length(run.crash_dumps)}, events} | run.crash_dumps], dead: MapSet.union(run.dead, MapSet.new(gone))}
      |> Map.update!(:crash_deaths, &(Enum.map(gone, fn i -> {i, at} end) ++ &1))
      |> Map.update!(:zen_down, &open_interval(&1, n, at))
      |> fault(:crash)
    else
      run
    end
  end

  # A restarted node joins its cluster again (as a release with libcluster would).
  def restart(run, node) do
    n = node_index(node)

    if up?(run, n) do
      run
    else
      cluster = start_node(run.cluster, n)
      for m <- Map.keys(cluster.peers), m != n, do: connect_nodes(cluster, n, m)
      zen_down = if zen?(%{run | cluster: cluster}, n), do: close_interval(run.zen_down, n, elapsed(run)), else: run.zen_down
      fault(%{run | cluster: cluster, zen_down: zen_down}, :restart)
    end
  end

  # A partition on loopback: each side holds a wrong cookie for the other (every handshake is
  # refused) and the connection is closed. Both sides see nodedown at once, where zensim's cut
  # is silent until the tick timeout (net_ticktime); a one-way cut becomes a full one, as it
  # does in zensim once the side that hears nothing gives up.
  def partition(run, a, b), do: cut(run, a, b, :partition)
  def partition_one_way(run, a, b), do: cut(run, a, b, :partition_one_way)

  defp cut(run, a, b, op) do
    {a, b} = {node_index(a), node_index(b)}

    if a == b do
      run
    else
      for {x, y} <- [{a, b}, {b, a}], up?(run, x), do: rpc(run, x, :erlang, :set_cookie, [node_name(run.cluster, y), :zensim_cut])
      if up?(run, a), do: rpc(run, a, :erlang, :disconnect_node, [node_name(run.cluster, b)])
      at = elapsed(run)
      cuts = run.cuts |> open_interval({a, b}, at) |> open_interval({b, a}, at)
      fault(%{run | cuts: cuts}, op)
    end
  end

  def heal(run, a, b) do
    {a, b} = {node_index(a), node_index(b)}
    if a == b, do: run, else: run |> heal_pair(a, b) |> fault(:heal)
  end

  defp heal_pair(run, a, b) do
    for {x, y} <- [{a, b}, {b, a}], up?(run, x), do: rpc(run, x, :erlang, :set_cookie, [node_name(run.cluster, y), run.cluster.cookie])
    at = elapsed(run)
    %{run | cuts: run.cuts |> close_interval({a, b}, at) |> close_interval({b, a}, at)}
  end

  def latency(run, a, b, ms) do
    {a, b} = {node_index(a), node_index(b)}

    if a == b,
      do: run,
      else: %{run | notes: ["steps[#{run.step}] (latency #{ms} ms between n#{a} and n#{b}) not reproduced: loopback has no latency control" | run.notes]}
  end

  # zensim makes these monitors in one handler of the subscriber; here one probe message each.
  def monitor_burst(run, sub, target, count), do: Enum.reduce(0..(count - 1)//1, run, &monitor(&2, sub, target + &1))

  # zensim demonitors and monitors again in one handler; here two probe messages, handled in a row.
  def remonitor(run, monitor) do
    case monitor_index(run, monitor) do
      nil -> run
      id -> run |> demonitor(id) |> monitor(run.monitors[id].sub, run.monitors[id].target)
    end
  end

  def kill_burst(run, p, count, reason), do: Enum.reduce(0..(count - 1)//1, run, &kill(&2, p + &1, reason))

  def restart_zen(run, node), do: run |> stop_zen(node) |> start_zen(node)

  # The probes here do not react to a DOWN: the flushes zensim makes on it are not made.
  def flush_others_on_down(run, monitor), do: not_played(run, "flush_others_on_down of monitor #{monitor}", "the probes here do not react to a DOWN")

  # Plain ERTS traffic: zensim's checks of its own ERTS model; real BEAM needs none.
  def send_messages(run, p, to, count), do: not_played(run, "send of #{count} message(s) from p#{p} to p#{to}", "plain ERTS traffic")
  def erts_monitor(run, sub, target), do: not_played(run, "erts_monitor of p#{target} by p#{sub}", "plain ERTS traffic")
  def send_after(run, p, ms), do: not_played(run, "send_after(#{ms}) by p#{p}", "plain ERTS traffic")

  defp not_played(run, what, why), do: %{run | notes: ["steps[#{run.step}] (#{what}) not played: #{why}" | run.notes]}

  def stop_zen(run, node) do
    n = node_index(node)

    if zen?(run, n) do
      rpc(run, n, @probe_module, :stop_zen, [])
      cluster = %{run.cluster | zen: MapSet.delete(run.cluster.zen, n)}
      fault(%{run | cluster: cluster, zen_down: open_interval(run.zen_down, n, elapsed(run))}, :stop_zen)
    else
      run
    end
  end

  def start_zen(run, node) do
    n = node_index(node)

    if up?(run, n) and not zen?(run, n) do
      cluster = start_zen_on(run.cluster, n)
      fault(%{run | cluster: cluster, zen_down: close_interval(run.zen_down, n, elapsed(run))}, :start_zen)
    else
      run
    end
  end

  # A component fault (F3): its supervisor restarts the process as ZenMonitor's own trees do.
  def kill_zen(run, node, component, peer) do
    {n, p} = {node_index(node), node_index(peer)}

    if zen?(run, n) and rpc(run, n, @probe_module, :kill_zen, [component, node_name(run.cluster, p)]) != nil do
      run = if component == :proxy, do: Map.update!(run, :proxy_kills, &Map.update(&1, n, [elapsed(run)], fn ats -> ats ++ [elapsed(run)] end)), else: run
      fault(run, :kill_zen)
    else
      run
    end
  end

  def connect(run, a, b) do
    {a, b} = {node_index(a), node_index(b)}

    if a != b and up?(run, a) and up?(run, b) do
      connect_nodes(run.cluster, a, b)
      fault(run, :connect)
    else
      run
    end
  end

  # The faults stop: every cut healed; then running nodes are connected again every second
  # until the settle time (as a cluster manager's polling would).
  defp recover(run) do
    peers = Map.keys(run.cluster.peers)
    run = Enum.reduce(for(a <- peers, b <- peers, a < b, do: {a, b}), run, fn {a, b}, r -> heal_pair(r, a, b) end)
    reconnect(run)
    %{run | recovered: true}
  end

  defp reconnect(run) do
    peers = Map.keys(run.cluster.peers)
    for a <- peers, b <- peers, a < b, do: connect_nodes(run.cluster, a, b)
  end

  defp finish(run) do
    run = if run.recovered, do: run, else: run |> sleep_until(@faults_end_ms) |> recover()
    run = settle(run, @faults_end_ms + 1_000, max(@faults_end_ms, @last_step_ms) + @settle_ms)
    Map.put(run, :quiet, wait_quiet(run, now() + @max_quiet_wait_ms * 1000, nil, now()))
  end

  defp settle(run, at_ms, until_ms) when at_ms > until_ms, do: sleep_until(run, until_ms)

  defp settle(run, at_ms, until_ms) do
    sleep_until(run, at_ms)
    if @has_faults, do: reconnect(run)
    settle(run, at_ms + 1_000, until_ms)
  end

  # Quiet: no node recorded anything new and no Local holds a DOWN for @quiet_ms.
  defp wait_quiet(run, deadline, last, since) do
    state = for n <- Map.keys(run.cluster.peers), do: rpc(run, n, @probe_module, :activity, [])

    cond do
      state != last -> if(now() > deadline, do: false, else: wait_quiet_later(run, deadline, state, now()))
      Enum.all?(state, fn {_, batch} -> batch == 0 end) and now() - since >= @quiet_ms * 1000 -> true
      now() > deadline -> false
      true -> wait_quiet_later(run, deadline, state, since)
    end
  end

  defp wait_quiet_later(run, deadline, state, since) do
    Process.sleep(200)
    wait_quiet(run, deadline, state, since)
  end

  # ---- what happened -------------------------------------------------------------------------

  defp observe(run) do
    # Events are ordered per node incarnation: {node, crashes before it (or :live), seq}.
    dumps = run.crash_dumps ++ for(n <- Map.keys(run.cluster.peers), do: {{n, :live}, rpc(run, n, @probe_module, :dump, [])})
    events = for {{n, life}, list} <- dumps, {seq, e} <- list, do: {{n, life, seq}, e}
    index = Map.new(run.procs, fn {i, %{pid: pid}} -> {pid, i} end)
    rel = fn at -> at - run.t0 end
    made = for {_, {:monitored, id, ref, at}} <- events, into: %{}, do: {id, {ref, rel.(at)}}

    monitors =
      for {id, m} <- Enum.sort(run.monitors), Map.has_key?(made, id) do
        {ref, at} = made[id]
        target = run.procs[m.target]
        Map.merge(m, %{id: id, ref: ref, at: at, sub_node: run.procs[m.sub].node, target_node: target.node, target_pid: target.pid})
      end

    deaths =
      for({_, {:death, pid, reason, at}} <- events, Map.has_key?(index, pid), do: {index[pid], %{at: rel.(at), reason: reason, crash: false}}) ++
        for({i, at} <- run.crash_deaths, do: {i, %{at: at, reason: :crash, crash: true}})

    %{
      run: run,
      monitors: monitors,
      by_ref: Map.new(monitors, &{&1.ref, &1}),
      demonitors: for({seq, {:demonitored, id, flush, at, left}} <- events, do: %{monitor: id, flush: flush, at: rel.(at), left: left, seq: seq}),
      downs: for({seq, {:down, pid, ref, object, reason, at}} <- events, do: %{proc: index[pid], ref: ref, object: object, reason: reason, at: rel.(at), seq: seq}),
      deaths: deaths |> Enum.reverse() |> Map.new(),
      conn_down: connections(run, events),
      races: for({_, e} <- events, note <- race_note(e), do: note),
      ends: for(n <- Map.keys(run.cluster.peers), t <- [rpc(run, n, @probe_module, :tables, [])], t != nil, do: Map.put(t, :node, n)),
      alive: liveness(run)
    }
  end

  defp race_note({:race, id, :batch_seen, _}), do: ["the racing flush of monitor #{id} saw its batch reach the Dispatcher"]
  defp race_note({:race, id, :taken, _}), do: ["the racing flush of monitor #{id} found its reference already taken by the Dispatcher"]
  defp race_note({:race_missed, id, why, _}), do: ["the racing flush of monitor #{id} did not run (#{why}: no batch carried its DOWN)"]
  defp race_note(_event), do: []

  # Per ordered pair {s, t}: when s saw its connection to t down.
  defp connections(run, events) do
    names = Map.new(0..(length(@nodes) - 1), &{node_name(run.cluster, &1), &1})

    Enum.reduce(Enum.sort(events), %{}, fn
      {{s, _, _}, {:nodedown, node, at}}, acc when is_map_key(names, node) -> open_interval(acc, {s, names[node]}, at - run.t0)
      {{s, _, _}, {:nodeup, node, at}}, acc when is_map_key(names, node) -> close_interval(acc, {s, names[node]}, at - run.t0)
      _, acc -> acc
    end)
  end

  # Whether each probe and each pid named in the tables is alive, asked of its own node.
  defp liveness(run) do
    fn pid ->
      n = Enum.find(Map.keys(run.cluster.peers), &(node_name(run.cluster, &1) == node(pid)))
      n != nil and rpc(run, n, @probe_module, :alive?, [pid])
    end
  end

  # ---- the properties (mirroring zensim's sim/check/properties.ts, leniencies included) ------

  defp ms(us), do: "#{Float.round(us / 1000, 3)} ms"
  defp p(o, i), do: "p#{i}@n#{o.run.procs[i].node}"
  defp about(o, m), do: "monitor #{m.id} (#{p(o, m.sub)} monitored #{p(o, m.target)} at #{ms(m.at)})"
  defp show_down(d), do: "{:DOWN, #{inspect(d.ref)}, :process, #{inspect(d.object)}, #{inspect(d.reason, limit: 8, printable_limit: 40)}} at #{ms(d.at)}"
  defp sweep_ms, do: @config.connector_sweep_interval
  defp conn_grace, do: (@call_timeout_ms + 2 * sweep_ms() + 1_000) * 1000

  defp zen_grace({from, to}) do
    down_ms = if to == nil, do: @max_penalty_ms, else: div(to - from, 1000)
    (min(@max_penalty_ms, down_ms + 2_000) + @call_timeout_ms + 2 * sweep_ms() + 1_000) * 1000
  end

  defp upto(nil), do: @forever
  defp upto(to), do: to

  # A Proxy killed: every Connector watching it (its own node's too) fires :nodedown and holds a 2 s penalty.
  defp disturbances(o, s, s), do: proxy_kills(o, s)

  defp disturbances(o, s, t) do
    conn = for iv <- Map.get(o.conn_down, {s, t}, []), do: {iv, conn_grace(), "n#{s} lost its connection to n#{t}"}
    cuts = for k <- [{s, t}, {t, s}], iv <- Map.get(o.run.cuts, k, []), do: {iv, conn_grace(), "a cut between n#{s} and n#{t}"}
    zen = for iv <- Map.get(o.run.zen_down, t, []), do: {iv, zen_grace(iv), "ZenMonitor not running on n#{t}"}
    proxy_kills(o, t) ++ conn ++ cuts ++ zen
  end

  defp proxy_kills(o, t), do: for(at <- Map.get(o.run.proxy_kills, t, []), do: {{at, at}, zen_grace({at, at}), "the Proxy on n#{t} was killed"})

  defp disturbed?(o, s, t, from, to), do: Enum.any?(disturbances(o, s, t), fn {{a, b}, grace, _} -> a <= to and upto(b) + grace >= from end)
  defp disturbed_at_end(o, s, t), do: Enum.find(disturbances(o, s, t), fn {{_, b}, _, _} -> b == nil end)

  defp void?(o, m) do
    Map.has_key?(o.deaths, m.sub) or Enum.any?(Map.get(o.run.zen_down, m.sub_node, []), fn {from, _} -> from >= m.at end)
  end

  # The time a subscription takes to reach the Proxy when nothing goes wrong.
  defp subscribe_bound(o) do
    ahead = div(map_size(o.run.procs) + @config.connector_chunk_size - 1, @config.connector_chunk_size)
    (ahead + 3) * sweep_ms() * 1000 + 100_000
  end

  defp fault_between?(o, from, to), do: Enum.any?(o.run.faults, &(&1.at >= from and &1.at <= to))

  defp allowed_reasons(o, m, at) do
    death = Map.get(o.deaths, m.target)

    from_death =
      if death != nil and death.at <= at do
        real = if death.crash, do: [], else: [expected_reason(death.reason)]
        early = death.at < m.at + subscribe_bound(o) or fault_between?(o, m.at - conn_grace(), death.at)
        real ++ if(early, do: [:noproc], else: [])
      else
        []
      end

    from_death ++ if(disturbed?(o, m.sub_node, m.target_node, m.at, at), do: [:nodedown], else: [])
  end

  defp expected_reason(reason) do
    case List.keyfind(@truncated, reason, 0) do
      {_, truncated} -> truncated
      nil -> {:zensim_unexpected_exit_reason, reason}
    end
  end

  defp bad_down(o, m, d) do
    allowed = allowed_reasons(o, m, d.at)

    cond do
      d.object != m.target_pid -> "#{about(o, m)}: the DOWN names #{inspect(d.object)}, not the target: #{show_down(d)}"
      not match?({:zen_monitor, _}, d.reason) -> "#{about(o, m)}: the reason is not {:zen_monitor, _}: #{show_down(d)}"
      elem(d.reason, 1) in allowed -> nil
      allowed == [] -> "#{about(o, m)}: expected no DOWN at all (#{show_death(o, m)}), got #{show_down(d)}"
      true -> "#{about(o, m)}: expected #{Enum.map_join(allowed, " or ", &inspect/1)} (#{show_death(o, m)}), got #{show_down(d)}"
    end
  end

  defp show_death(o, m) do
    case Map.get(o.deaths, m.target) do
      nil -> "the target is alive"
      %{crash: true, at: at} -> "the target died with its node at #{ms(at)}"
      %{reason: r, at: at} -> "the target exited with #{inspect(r, limit: 8, printable_limit: 40)} at #{ms(at)}"
    end
  end

  defp downs_of(o, m), do: Enum.filter(o.downs, &(&1.ref == m.ref))
  defp first_demonitor(o, m), do: Enum.find(o.demonitors, &(&1.monitor == m.id))

  def exactly_one_down_per_undemonitored_monitor(o) do
    stray = Enum.find(o.downs, &(not Map.has_key?(o.by_ref, &1.ref) or o.by_ref[&1.ref].sub != &1.proc))

    cond do
      not o.run.quiet -> {:fail, nil, "the cluster did not become quiet within #{div(@max_quiet_wait_ms, 1000)} s after the settle time"}
      stray != nil -> {:fail, nil, "#{p(o, stray.proc)} got a DOWN for a reference it never monitored: #{show_down(stray)}"}
      true -> Enum.find_value(o.monitors, :ok, &exactly_one(o, &1))
    end
  end

  defp exactly_one(o, m) do
    downs = downs_of(o, m)
    bad = Enum.find_value(downs, &bad_down(o, m, &1))
    death = Map.get(o.deaths, m.target)
    owed = downs == [] and m[:demonitor_step] == nil and not void?(o, m)

    end_cause = disturbed_at_end(o, m.sub_node, m.target_node)

    cond do
      length(downs) > 1 -> {:fail, m.step, "#{about(o, m)} got #{length(downs)} DOWNs: #{Enum.map_join(downs, "; ", &show_down/1)}"}
      bad != nil -> {:fail, m.step, bad}
      owed and death != nil -> {:fail, m.step, "#{about(o, m)} got no DOWN, though #{show_death(o, m)} and it was never demonitored"}
      owed and end_cause != nil -> {:fail, m.step, "#{about(o, m)} got no DOWN, though at the end #{elem(end_cause, 2)}: a {:zen_monitor, :nodedown} was due"}
      true -> nil
    end
  end

  def no_down_after_demonitor(o) do
    Enum.find_value(o.monitors, :ok, fn m ->
      with dm when dm != nil <- first_demonitor(o, m),
           d when d != nil <- Enum.find(downs_of(o, m), &(not caused_before?(o, m, &1, dm))) do
        how = if dm.flush, do: "demonitor(ref, [:flush])", else: "demonitor(ref)"
        {:fail, m.demonitor_step, "#{about(o, m)} was demonitored (#{how}) at #{ms(dm.at)} while the target was monitored and live (#{show_death(o, m)}), yet got #{show_down(d)}"}
      else
        _ -> nil
      end
    end)
  end

  # Whether what the DOWN reports happened before the demonitor.
  defp caused_before?(o, m, d, dm) do
    death = Map.get(o.deaths, m.target)

    (death != nil and death.at < dm.at) or
      (d.reason == {:zen_monitor, :nodedown} and
         Enum.any?(disturbances(o, m.sub_node, m.target_node), fn {{a, b}, grace, _} -> a <= dm.at and upto(b) + grace >= m.at end))
  end

  def no_down_after_flush(o) do
    Enum.find_value(o.monitors, :ok, fn m ->
      Enum.find_value(Enum.filter(o.demonitors, &(&1.monitor == m.id and &1.flush)), fn dm ->
        late = Enum.find(downs_of(o, m), &(&1.seq > dm.seq))

        cond do
          dm.left > 0 -> {:fail, m.demonitor_step, "#{about(o, m)}: right after demonitor(ref, [:flush]) returned at #{ms(dm.at)}, #{dm.left} DOWN(s) for it were still in the mailbox"}
          late != nil -> {:fail, m.demonitor_step, "#{about(o, m)}: demonitor(ref, [:flush]) returned at #{ms(dm.at)}, then #{show_down(late)} arrived (#{late.at - dm.at} µs later)"}
          true -> nil
        end
      end)
    end)
  end

  # What the public tables show: References, Local's subscribers, the Proxy's subscriber rows and
  # Local's queue. (Connector state is private to each Connector: not checked here.)
  def no_leaks_when_quiet(o) do
    leaks = if o.run.quiet, do: Enum.flat_map(o.ends, &leaks(o, &1)), else: [{nil, "the cluster did not become quiet"}]

    case leaks do
      [] -> :ok
      [{step, why} | more] -> {:fail, step, why <> if(more == [], do: "", else: " (and #{length(more)} more)")}
    end
  end

  defp leaks(o, e) do
    index = Map.new(o.run.procs, fn {i, %{pid: pid}} -> {pid, i} end)
    mine = fn pid -> Map.has_key?(index, pid) end

    refs =
      for {{sub, ref}, target} <- e.references, mine.(sub), m <- [o.by_ref[ref]], why <- [reference_leak(o, m, sub, target)], why != nil do
        {m && m.step, "References on n#{e.node} keep #{inspect(ref)} of #{p(o, index[sub])}: #{why}"}
      end

    subs = for pid <- e.local_subscribers, mine.(pid), not o.alive.(pid), do: {nil, "Local on n#{e.node} still counts dead #{p(o, index[pid])} among its subscribers"}
    rows = for {target, connector} <- e.proxy_rows, mine.(target), why <- [proxy_leak(o, target, connector)], why != nil, do: {row_step(o, target, connector), "the Proxy on n#{e.node} keeps the subscription of #{inspect(connector)} (on #{node(connector)}) to #{p(o, index[target])}, but #{why}"}
    batch = if e.local_batch > 0, do: [{nil, "Local on n#{e.node} still holds #{e.local_batch} DOWN dispatch(es)"}], else: []
    refs ++ subs ++ rows ++ batch
  end

  defp reference_leak(o, m, sub, target) do
    cond do
      not o.alive.(sub) -> "the subscriber is dead"
      is_pid(target) and not o.alive.(target) -> "its target is dead"
      m == nil -> "a reference no step made"
      m[:demonitor_step] != nil -> "it was demonitored"
      downs_of(o, m) != [] -> "its DOWN was delivered"
      true -> nil
    end
  end

  defp proxy_leak(o, target, connector) do
    cond do
      not o.alive.(target) -> "the target is dead"
      not o.alive.(connector) -> "that Connector is dead"
      not Enum.any?(o.ends, fn e -> node_name(o.run.cluster, e.node) == node(connector) and Enum.any?(e.references, &(elem(&1, 1) == target)) end) ->
        "no monitor on that Connector's node needs it any more"
      true -> nil
    end
  end

  # The monitor that subscribed this row: its target, from the Connector's node.
  defp row_step(o, target, connector) do
    Enum.find_value(o.monitors, fn m -> if m.target_pid == target and node_name(o.run.cluster, m.sub_node) == node(connector), do: m.step end)
  end

  # At most demand_amount DOWNs per demand interval and node: counted in every window of half an
  # interval (two Dispatcher ticks are at least an interval apart; the arrival times are the
  # probes', so a window of a full interval could straddle two ticks).
  def dispatcher_rate_bounded(o) do
    window = div(@config.demand_interval * 1000, 2)

    o.downs
    |> Enum.group_by(&o.run.procs[&1.proc].node, & &1.at)
    |> Enum.find_value(:ok, fn {n, ats} ->
      ats = Enum.sort(ats)

      Enum.find_value(Enum.with_index(ats), fn {at, i} ->
        count = ats |> Enum.drop(i) |> Enum.take_while(&(&1 < at + window)) |> length()
        if count > @config.demand_amount, do: {:fail, nil, "the probes on n#{n} got #{count} DOWNs within #{div(window, 1000)} ms from #{ms(at)}; demand_amount is #{@config.demand_amount}"}
      end)
    end)
  end
