:ok = :application.load(:zen_monitor)
{:ok, _} = Application.ensure_all_started(:zen_monitor)
Process.sleep(300)
for name <- [ZenMonitor.Local.Tables, ZenMonitor.Local, ZenMonitor.Local.Dispatcher, ZenMonitor.Local.Connector, ZenMonitor.Proxy, ZenMonitor.Proxy.Tables, ZenMonitor.Proxy.Batcher, ZenMonitor.Local.Supervisor] do
  p = Process.whereis(name)
  :erlang.garbage_collect(p)
  Process.sleep(10)
  i = Process.info(p, [:memory, :heap_size, :total_heap_size, :links, :monitors, :monitored_by, :dictionary, :trap_exit, :message_queue_data])
  IO.puts("#{inspect(name)} mem=#{i[:memory]} heap=#{i[:heap_size]}/#{i[:total_heap_size]} links=#{length(i[:links])} monitors=#{length(i[:monitors])} monitored_by=#{length(i[:monitored_by])} pd=#{length(i[:dictionary])} #{inspect(Keyword.keys(i[:dictionary]))} trap=#{i[:trap_exit]} mqd=#{i[:message_queue_data]}")
end
