defmodule RN do
  # helper loaded on both nodes (realnet experiments)
  def now, do: :os.system_time(:microsecond)

  # B side: a sink that stamps arrivals
  def start_sink do
    t = :ets.new(:rn_arrivals, [:public, :named_table, :duplicate_bag])
    pid = spawn(fn -> sink_loop(t) end)
    :ets.give_away(t, pid, nil)
    Process.register(pid, :rn_sink)
    :ok
  end
  defp sink_loop(t) do
    receive do
      {:get, from, key} -> send(from, {:arrivals, key, :ets.lookup(t, key)}); sink_loop(t)
      {:clear} -> :ets.delete_all_objects(t); sink_loop(t)
      {:rec, key, payload} -> :ets.insert(t, {key, now(), payload}); sink_loop(t)
      {:stamp, from, key} -> send(from, {:stamped, key, now()}); sink_loop(t)
      _ -> sink_loop(t)
    end
  end

  # node event watcher: records {event, node, os time}
  def start_watch(name) do
    pid = spawn(fn ->
      :net_kernel.monitor_nodes(true, [node_type: :all])
      watch_loop([])
    end)
    Process.register(pid, name)
    :ok
  end
  defp watch_loop(acc) do
    receive do
      {:get, from} -> send(from, {:events, Enum.reverse(acc)}); watch_loop(acc)
      {:clear} -> watch_loop([])
      {ev, node, _info} when ev in [:nodeup, :nodedown] -> watch_loop([{ev, node, now()} | acc])
    end
  end

  def kill_stamp(pids) do
    t = now()
    Enum.each(pids, &Process.exit(&1, :kill))
    t
  end

  def sleepers(n), do: for(_ <- 1..n, do: spawn(fn -> receive do :never -> :ok end end))

  def start_zen do
    {:ok, _} = Application.ensure_all_started(:zen_monitor)
    :ok
  end
end
