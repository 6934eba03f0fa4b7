# Differential vectors for zensim (helper "realpure"): random terms, the real
# ZenMonitor.Truncator's outputs (default build and compile-time variants), and the real
# sizes (erts_debug:flat_size, term_to_binary, external_size) on OTP 25.2.3.
# It keeps its own copy of gen_lib.exs's modules, as it ran: loaded from gen_lib.exs instead,
# one measured flat_size of results/ moves by 2 words (seed 2, vector 2: 634 -> 632).
# Usage: elixir -pa "/work/realzm/proj/_build/prod/lib/*/ebin" gen_terms.exs SEED COUNT OUT.json
[seed_s, count_s, out] = System.argv()
seed = String.to_integer(seed_s)
count = String.to_integer(count_s)
:rand.seed(:exsss, {seed, 1234, 5678})

defmodule J do
  # Minimal JSON encoder.
  def enc(nil), do: "null"
  def enc(true), do: "true"
  def enc(false), do: "false"
  def enc(n) when is_integer(n), do: Integer.to_string(n)
  def enc(s) when is_binary(s), do: str(s)
  def enc(l) when is_list(l), do: "[" <> Enum.map_join(l, ",", &enc/1) <> "]"
  def enc({:obj, kv}), do: "{" <> Enum.map_join(kv, ",", fn {k, v} -> str(to_string(k)) <> ":" <> enc(v) end) <> "}"
  def str(s) do
    body =
      for <<c::utf8 <- s>>, into: "" do
        cond do
          c == ?" -> "\\\""
          c == ?\\ -> "\\\\"
          c < 0x20 or c == 0x7F -> "\\u" <> String.pad_leading(Integer.to_string(c, 16), 4, "0")
          true -> <<c::utf8>>
        end
      end
    "\"" <> body <> "\""
  end
end

defmodule G do
  @text "abcdefghijklmnopqrstuvwxyz0123456789"
  @remote :"b@127.0.0.1"
  def text(n) do
    reps = div(n, 36) + 1
    binary_part(String.duplicate(@text, reps), 0, n)
  end

  def r(n), do: :rand.uniform(n)
  def pick(l), do: Enum.at(l, r(length(l)) - 1)

  def bin_sizes, do: [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 66, 96, 97, 98, 99, 100, 101, 102, 200, 1020, 1021, 1022, 1023, 1024, 1025, 1026, 3000, 99_996, 99_997, 99_999, 100_000, 100_001]
  def bits_sizes, do: [1, 3, 7, 9, 15, 17, 63 * 8 + 5, 64 * 8 + 1, 65 * 8 + 7, 96 * 8 + 3, 97 * 8 + 1, 98 * 8 + 2, 1020 * 8 + 7, 1021 * 8 + 3, 1022 * 8 + 1, 1024 * 8 + 5, 99_997 * 8 + 3]

  # remote pid/ref/port via the external format with node b@127.0.0.1
  def atom_ext(a), do: <<118, byte_size(Atom.to_string(a))::16, Atom.to_string(a)::binary>>
  def remote_pid(n), do: :erlang.binary_to_term(<<131, 88>> <> atom_ext(@remote) <> <<n::32, 0::32, 7::32>>)
  def remote_ref(n), do: :erlang.binary_to_term(<<131, 90, 3::16>> <> atom_ext(@remote) <> <<7::32, n::32, 11::32, 12::32>>)
  def remote_port(n), do: :erlang.binary_to_term(<<131, 89>> <> atom_ext(@remote) <> <<n::32, 7::32>>)

  def alias_ref do
    ref = :erlang.monitor(:process, self(), [{:alias, :demonitor}])
    Process.put({:alias, ref}, true)
    ref
  end

  def atom_t do
    pick([:ok, :a, :b, :shutdown, :truncated, :normal, :killed, nil, true, false, :noproc, :__struct__, :"héllo", :"日本語", :an_atom_that_is_rather_long_for_a_reason_to_test_sizes,
      String.to_atom(String.duplicate("x", 255)), String.to_atom(String.duplicate("é", 200))])
  end

  def int_t do
    pick([0, 1, 255, 256, -1, 65535, 2_147_483_647, 2_147_483_648, -2_147_483_648, -2_147_483_649,
      576_460_752_303_423_487, 576_460_752_303_423_488, -576_460_752_303_423_488, -576_460_752_303_423_489,
      18_446_744_073_709_551_615, 18_446_744_073_709_551_616, -18_446_744_073_709_551_616,
      Integer.pow(2, 200) + 12345, -Integer.pow(3, 300), Integer.pow(7, 1000),
      r(1_000_000) - 500_000])
  end

  def float_t, do: pick([0.0, 1.5, -2.25, 3.141592653589793, 1.0e300, r(1000) / 7])

  def bin_t do
    n = pick(bin_sizes())
    text(n)
  end

  def bits_t do
    n = pick(bits_sizes())
    whole = div(n, 8)
    rem = rem(n, 8)
    <<text(whole)::binary, 0::size(rem)>>
  end

  def ident_t do
    case r(8) do
      1 -> self()
      2 -> spawn(fn -> :ok end)
      3 -> remote_pid(r(100000))
      4 -> make_ref()
      5 -> remote_ref(r(100000))
      6 -> alias_ref()
      7 -> pick([hd(Port.list()), remote_port(r(1000))])
      8 -> remote_pid(r(100000))
    end
  end

  def fun_t, do: pick([fn -> :ok end, &:erlang.self/0, &Enum.map/2])

  def leaf do
    case r(10) do
      1 -> atom_t()
      2 -> atom_t()
      3 -> int_t()
      4 -> float_t()
      5 -> bin_t()
      6 -> bits_t()
      7 -> ident_t()
      8 -> if r(4) == 1, do: fun_t(), else: atom_t()
      9 -> int_t()
      10 -> bin_t()
    end
  end

  def size_pick, do: pick([0, 1, 2, 3, 4, 4, 5, 6, r(12)])

  def term(0), do: leaf()
  def term(d) do
    case r(16) do
      n when n <= 4 -> leaf()
      5 -> List.to_tuple(for _ <- 1..size_pick()//1, do: term(d - 1))
      6 -> for _ <- 1..size_pick()//1, do: term(d - 1)
      7 ->
        # improper list
        l = for _ <- 1..(r(4))//1, do: term(d - 1)
        l ++ pick([:tail, 3, text(10), {:a}])
      8 -> Map.new(for _ <- 1..size_pick()//1, do: {key(), term(d - 1)})
      9 -> big_map(d)
      10 -> struct_t(d)
      11 -> {:shutdown, term(d - 1)}
      12 -> pick([{:shutdown, term(d - 1), term(d - 1)}, [{:shutdown, term(d - 1)}], {:shutdown}, {:shutdown, {:shutdown, term(d - 1)}}, {:error, {:shutdown, term(d - 1)}}])
      13 -> for _ <- 1..pick([0, 3, 4, 5, 20, 300]), do: r(256) - 1
      14 -> pick([List.to_tuple(for i <- 1..pick([255, 256, 300]), do: rem(i, 7)), for(_ <- 1..pick([30, 70]), do: term(0))])
      15 -> {term(d - 1), term(d - 1)}
      16 -> [term(d - 1)]
    end
  end

  def key, do: pick([atom_t(), r(40), text(r(5)), {:k, r(3)}, 1.0, 1, remote_pid(r(10))])

  def big_map(d) do
    n = pick([5, 31, 32, 33, 40, 64, 100, 200])
    Map.new(for i <- 1..n, do: {pick([i, :"k#{i}", "k#{i}"]), if(r(3) == 1, do: term(max(d - 2, 0)), else: i)})
  end

  def struct_t(d) do
    case r(9) do
      1 -> %RuntimeError{message: term(d - 1)}
      2 -> %ArgumentError{message: text(r(2000))}
      3 -> 1..r(10)
      4 -> MapSet.new([1, 2, term(d - 1)])
      5 -> %URI{host: "h", port: 1}
      6 -> %{__struct__: :"Elixir.No.Such.Module", a: term(d - 1), b: 2}
      7 -> %{__struct__: "not an atom", a: term(d - 1)}
      8 -> %{__struct__: Some.Struct, a: 1, b: 2, c: 3, d: term(d - 1)}
      9 -> %{__struct__: Some.Struct, a: 1, b: 2, c: 3, d: 4, e: term(d - 1)}
    end
  end
end

defmodule Enc do
  # the project's JSON term encoding (shared/fixtures/README.md), labels per vector
  def label(x, kind, prefix) do
    labels = Process.get(:labels)
    case Map.get(labels, x) do
      nil ->
        n = Process.get({:count, kind}, 0) + 1
        Process.put({:count, kind}, n)
        l = prefix <> Integer.to_string(n)
        Process.put(:labels, Map.put(labels, x, l))
        info =
          cond do
            is_function(x) -> {:obj, [kind: kind]}
            true -> {:obj, [kind: kind, node: Atom.to_string(node(x)), alias: Process.get({:alias, x}, false)]}
          end
        Process.put(:label_info, [{l, info} | Process.get(:label_info)])
        l
      l -> l
    end
  end

  def reset do
    Process.put(:labels, %{})
    Process.put(:label_info, [])
    for k <- ["pid", "ref", "port", "fun"], do: Process.delete({:count, k})
  end

  def has_fun(f) when is_function(f), do: true
  def has_fun(t) when is_tuple(t), do: has_fun(Tuple.to_list(t))
  def has_fun([h | t]), do: has_fun(h) or has_fun(t)
  def has_fun(m) when is_map(m), do: Enum.any?(:maps.to_list(m), fn {k, v} -> has_fun(k) or has_fun(v) end)
  def has_fun(_), do: false

  def latin1(b), do: for(<<c <- b>>, into: "", do: <<c::utf8>>)

  def e(t) do
    if Process.get(:record), do: Process.put(:sub, [[:erts_debug.flat_size(t), byte_size(:erlang.term_to_binary(t))] | Process.get(:sub)])
    e1(t)
  end

  def e1(a) when is_atom(a), do: {:obj, [t: "atom", v: Atom.to_string(a)]}
  def e1(i) when is_integer(i), do: {:obj, [t: "int", v: Integer.to_string(i)]}
  def e1(f) when is_float(f), do: {:obj, [t: "float", v: :erlang.float_to_binary(f, [:short])]}
  def e1(b) when is_binary(b) do
    n = byte_size(b)
    base = [t: "bin", size: n, sha256: Base.encode16(:crypto.hash(:sha256, b), case: :lower),
            head: latin1(binary_part(b, 0, min(16, n))), tail3: latin1(binary_part(b, n - min(3, n), min(3, n)))]
    {:obj, if(n <= 64, do: base ++ [full: latin1(b)], else: base)}
  end
  def e1(b) when is_bitstring(b) do
    bs = bit_size(b)
    pad = rem(8 - rem(bs, 8), 8)
    {:obj, [t: "bits", bit_size: bs, sha256: Base.encode16(:crypto.hash(:sha256, <<b::bitstring, 0::size(pad)>>), case: :lower)]}
  end
  def e1(t) when is_tuple(t), do: {:obj, [t: "tuple", v: Enum.map(Tuple.to_list(t), &e/1)]}
  def e1(l) when is_list(l) do
    case split(l, []) do
      {els, []} -> {:obj, [t: "list", v: Enum.map(els, &e/1)]}
      {els, tail} -> {:obj, [t: "ilist", v: Enum.map(els, &e/1), tail: e(tail)]}
    end
  end
  def e1(%{__struct__: mod} = m) when is_atom(mod) do
    {:obj, [t: "struct", module: Atom.to_string(mod), v: pairs(Map.delete(m, :__struct__))]}
  end
  def e1(m) when is_map(m), do: {:obj, [t: "map", v: pairs(m)]}
  def e1(p) when is_pid(p), do: {:obj, [t: "pid", v: label(p, "pid", "P")]}
  def e1(r) when is_reference(r), do: {:obj, [t: "ref", v: label(r, "ref", "R")]}
  def e1(p) when is_port(p), do: {:obj, [t: "port", v: label(p, "port", "Port")]}
  def e1(f) when is_function(f), do: {:obj, [t: "fun", v: label(f, "fun", "F")]}

  defp pairs(m), do: m |> :maps.to_list() |> Enum.sort() |> Enum.map(fn {k, v} -> [e(k), e(v)] end)
  defp split([h | t], acc), do: split(t, [h | acc])
  defp split([], acc), do: {Enum.reverse(acc), []}
  defp split(tail, acc), do: {Enum.reverse(acc), tail}
end

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
