# A stub of the ZenMonitor 2.1.0 API that exported tests call (signatures as upstream, v2.1.0),
# so that elixirc checks every remote call an export makes: a call to a function that is not
# here (or with another arity) is an "undefined function" warning, which the compile check
# turns into a failure. Nothing here runs.
defmodule ZenMonitor do
  @spec monitor(pid() | {atom(), node()} | atom()) :: reference()
  def monitor(_target), do: make_ref()

  @spec demonitor(reference(), [:flush | :info]) :: true
  def demonitor(ref, options \\ []) when is_reference(ref) and is_list(options), do: true
end

defmodule ZenMonitor.Local do
  @spec batch_length() :: integer()
  def batch_length, do: 0
end

defmodule ZenMonitor.Local.Tables do
  @spec references() :: :ets.tab()
  def references, do: ZenMonitor.Local.Tables.References
end

defmodule ZenMonitor.Proxy.Tables do
  @spec subscribers() :: :ets.tab()
  def subscribers, do: ZenMonitor.Proxy.Tables.Subscribers
end

defmodule ZenMonitor.Truncator do
  @spec truncate(term()) :: term()
  def truncate(term), do: term
end
