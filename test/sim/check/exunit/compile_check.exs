# Compiles exported ExUnit tests against the ZenMonitor stub beside this file, in one VM:
#   elixir compile_check.exs FILE.exs...
# Any warning (an undefined function or module, a wrong arity, an unused variable) or error
# fails it. It prints one line per module compiled and exits non-zero on any problem.
ExUnit.start(autorun: false)
stub = Path.join(__DIR__, "zen_monitor_stub.ex")
files = System.argv()

case Kernel.ParallelCompiler.compile([stub | files], return_diagnostics: true) do
  {:ok, modules, []} ->
    for m <- Enum.sort(modules), String.starts_with?(inspect(m), "ZensimExport."), do: IO.puts("compiled #{inspect(m)}")

  {:ok, _modules, warnings} ->
    IO.puts("#{length(warnings)} warning(s): the exported Elixir is not clean")
    System.halt(1)

  {:error, errors, _warnings} ->
    IO.puts("#{length(errors)} error(s)")
    System.halt(1)
end
