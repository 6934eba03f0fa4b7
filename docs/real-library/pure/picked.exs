# Hand-picked terms for zensim's tests (helper "realpure"): real Truncator outputs in every
# compile-time variant, and real sizes. Prints one JSON document.
# Usage: elixir -pa "/work/realzm/proj/_build/prod/lib/*/ebin" picked.exs OUT.json
Code.require_file("gen_lib.exs", __DIR__)
[out] = System.argv()
text = &G.text/1
terms = [
  {"bin100", text.(100)}, {"bin101", text.(101)}, {"bin97", text.(97)}, {"bin1024", text.(1024)}, {"bin1025", text.(1025)},
  {"bin100000", text.(100_000)}, {"bin100001", text.(100_001)},
  {"bits97_1", <<text.(97)::binary, 0::1>>}, {"bits96_7", <<text.(96)::binary, 0::7>>}, {"bits1021_3", <<text.(1021)::binary, 0::3>>},
  {"bits99997_3", <<text.(99_997)::binary, 0::3>>}, {"bits99996_7", <<text.(99_996)::binary, 0::7>>},
  {"tuple_a", {:a}}, {"tuple_ab", {:a, :b}}, {"nest5", {:a, {:b, {:c, {:d, {:e, {:f}}}}}}}, {"list_nest5", [1, [2, [3, [4, [5, [6]]]]]]},
  {"shutdown_top", {:shutdown, {:a, {:b, {:c, {:d}}}}}}, {"shutdown_nested", {:error, {:shutdown, {:a, {:b}}}}},
  {"shutdown3", {:shutdown, :a, :b}}, {"shutdown_in_list", [{:shutdown, [1, 2, 3, 4, 5]}]},
  {"map4", %{a: 1, b: {:x, {:y, {:z}}}, c: text.(101), d: [1]}}, {"map5", %{a: 1, b: 2, c: 3, d: 4, e: 5}},
  {"map33", Map.new(1..33, &{&1, &1})},
  {"struct4", %{__struct__: Some.Struct, a: 1, b: {:x, {:y}}, c: 3, d: 4}}, {"struct5", %{__struct__: Some.Struct, a: 1, b: 2, c: 3, d: 4, e: 5}},
  {"runtime_error", %RuntimeError{message: text.(2000)}}, {"range", 1..10}, {"mapset", MapSet.new([1, 2])},
  {"nonatom_struct_key", %{__struct__: "x", a: {:b, {:c, {:d}}}}},
  {"ilist", [1, 2 | :tail]}, {"charlist5", ~c"hello"}, {"fun0", fn -> :ok end}, {"export_fun", &:erlang.self/0},
  {"remote_pid", G.remote_pid(5)}, {"remote_ref", G.remote_ref(5)}, {"remote_port", G.remote_port(5)},
  {"atom_latin1_200", String.to_atom(String.duplicate("é", 200))}, {"atom_utf8", :"日本語"},
  {"bignum_2_64", 18_446_744_073_709_551_616}, {"neg_small_big", -576_460_752_303_423_489},
  {"bits3_decoded", :erlang.binary_to_term(:erlang.term_to_binary(<<5::3>>))}, {"bits509_decoded", :erlang.binary_to_term(:erlang.term_to_binary(<<text.(63)::binary, 0::5>>))},
  {"bits3_appended", <<text.(0)::binary, 0::3>>}, {"tuple256", List.to_tuple(Enum.to_list(1..256))}
]
outs = for {v, dir} <- Variants.all(), into: %{} do
  Variants.load(dir)
  {v, Map.new(terms, fn {k, t} -> {k, ZenMonitor.Truncator.truncate(t)} end)}
end
vecs = for {k, t} <- terms do
  Enc.reset()
  input = Enc.e(t)
  o = for {v, _} <- Variants.all(), do: {v, Enc.e(outs[v][k])}
  info = Enum.reverse(Process.get(:label_info))
  shown = inspect(t, limit: 8, printable_limit: 40)
  {:obj, [{:id, k}, {:inspect, shown}, {:input, input}, {:labels, {:obj, info}}, {:outputs, {:obj, o}},
          {:flat_size, :erts_debug.flat_size(t)}, {:term_to_binary, byte_size(:erlang.term_to_binary(t))}]}
end
File.write!(out, J.enc({:obj, [otp_release: List.to_string(:erlang.system_info(:otp_release)), erts: List.to_string(:erlang.system_info(:version)), local_node: Atom.to_string(node()), vectors: vecs]}))
IO.puts("wrote #{out}")
