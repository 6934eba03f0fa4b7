# Differential vectors for zensim (helper "realpure"): random terms, the real
# ZenMonitor.Truncator's outputs (default build and compile-time variants), and the real
# sizes (erts_debug:flat_size, term_to_binary, external_size) on OTP 25.2.3.
# Usage: elixir -pa "/work/realzm/proj/_build/prod/lib/*/ebin" gen_terms.exs SEED COUNT OUT.json
[seed_s, count_s, out] = System.argv()
seed = String.to_integer(seed_s)
count = String.to_integer(count_s)
:rand.seed(:exsss, {seed, 1234, 5678})

Code.require_file("gen_lib.exs", __DIR__)

# ensure a port exists for local ports
_ = Port.open({:spawn, "cat"}, [])

terms = for i <- 1..count, do: {i, G.term(G.r(5))}

variants = [
  {"default", "/work/realzm/proj/_build/prod/lib/zen_monitor/ebin"},
  {"depth1_max1024", "/work/realzm/variants/depth1_max1024"},
  {"depth2_max1024", "/work/realzm/variants/depth2_max1024"},
  {"depth5_max1024", "/work/realzm/variants/depth5_max1024"},
  {"depth3_max100", "/work/realzm/variants/depth3_max100"},
  {"depth3_max100000", "/work/realzm/variants/depth3_max100000"}
]

load = fn dir ->
  :code.purge(ZenMonitor.Truncator)
  :code.delete(ZenMonitor.Truncator)
  :code.purge(ZenMonitor.Truncator)
  {:module, _} = :code.load_abs(String.to_charlist(Path.join(dir, "Elixir.ZenMonitor.Truncator")))
end

outputs =
  for {name, dir} <- variants, into: %{} do
    load.(dir)
    {name, Map.new(terms, fn {i, t} -> {i, ZenMonitor.Truncator.truncate(t)} end)}
  end

load.("/work/realzm/proj/_build/prod/lib/zen_monitor/ebin")
runtime_depths = [0, 1, 2, 4, 6]
by_depth = for d <- runtime_depths, into: %{}, do: {d, Map.new(terms, fn {i, t} -> {i, ZenMonitor.Truncator.truncate(t, d)} end)}

vectors =
  for {i, t} <- terms do
    Enc.reset()
    Process.put(:record, true)
    Process.put(:sub, [])
    input = Enc.e(t)
    Process.put(:record, false)
    subs = Enum.reverse(Process.get(:sub))
    outs = for {name, _} <- variants, do: {name, Enc.e(outputs[name][i])}
    routs = for d <- runtime_depths, do: {"runtime_depth_#{d}", Enc.e(by_depth[d][i])}
    sizes = {:obj, [flat_size: :erts_debug.flat_size(t), term_to_binary: byte_size(:erlang.term_to_binary(t)),
                    external_size: :erlang.external_size(t), has_fun: Enc.has_fun(t)]}
    tr = outputs["default"][i]
    out_sizes = {:obj, [flat_size: :erts_debug.flat_size(tr), term_to_binary: byte_size(:erlang.term_to_binary(tr))]}
    {:obj, [id: i, input: input, labels: {:obj, Enum.reverse(Process.get(:label_info))}, outputs: {:obj, outs ++ routs},
            sizes: sizes, subterm_sizes: subs, default_output_sizes: out_sizes]}
  end

doc = {:obj, [generator: "gen_terms.exs", seed: seed, count: count, local_node: Atom.to_string(node()),
              otp_release: List.to_string(:erlang.system_info(:otp_release)), erts_version: List.to_string(:erlang.system_info(:version)),
              zen_monitor_vsn: List.to_string(Application.spec(:zen_monitor, :vsn) || ~c"?"),
              variants: Enum.map(variants, &elem(&1, 0)), runtime_depths: runtime_depths, vectors: vectors]}
File.write!(out, J.enc(doc))
IO.puts("wrote #{count} vectors to #{out}")
