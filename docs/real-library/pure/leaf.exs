text = fn n -> binary_part(String.duplicate("abcdefghijklmnopqrstuvwxyz0123456789", div(n,36)+1), 0, n) end
atom_ext = fn a -> <<118, byte_size(Atom.to_string(a))::16, Atom.to_string(a)::binary>> end
rp = :erlang.binary_to_term(<<131, 88>> <> atom_ext.(:"b@127.0.0.1") <> <<5::32, 0::32, 7::32>>)
rr = :erlang.binary_to_term(<<131, 90, 3::16>> <> atom_ext.(:"b@127.0.0.1") <> <<7::32, 1::32, 11::32, 12::32>>)
rport = :erlang.binary_to_term(<<131, 89>> <> atom_ext.(:"b@127.0.0.1") <> <<5::32, 7::32>>)
aref = :erlang.monitor(:process, self(), [{:alias, :demonitor}])
show = fn name, t ->
  me = self()
  # size after copying into another process as a message
  p = spawn(fn -> receive do {:m, x} -> send(me, {:fs, :erts_debug.flat_size(x)}) end end)
  send(p, {:m, t})
  copied = receive do {:fs, n} -> n end
  IO.puts("#{name}\tflat=#{:erts_debug.flat_size(t)}\tcopied=#{copied}\tt2b=#{byte_size(:erlang.term_to_binary(t))}\text=#{:erlang.external_size(t)}")
end
for n <- [1,3,7,8,9,15,17,63*8+5,64*8+1,65*8+7,97*8+1] do
  rem = rem(n, 8); whole = div(n, 8)
  show.("bits#{n}", <<text.(whole)::binary, 0::size(rem)>>)
end
show.("atom x255", String.to_atom(String.duplicate("x", 255)))
show.("atom e200", String.to_atom(String.duplicate("é", 200)))
show.("atom héllo", :"héllo")
show.("atom jp", :"日本語")
show.("remote pid", rp)
show.("remote ref", rr)
show.("remote port", rport)
show.("local pid", self())
show.("local ref", make_ref())
show.("alias ref", aref)
show.("local port", hd(Port.list()))
show.("fun0", fn -> :ok end)
show.("ext fun", &:erlang.self/0)
show.("bignum2^64", 18_446_744_073_709_551_616)
show.("neg", -1)
show.("empty map", %{})
show.("empty tuple", {})
show.("struct RT", %RuntimeError{message: "x"})
