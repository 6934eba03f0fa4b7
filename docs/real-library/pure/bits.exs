text = fn n -> binary_part(String.duplicate("abcdefghijklmnopqrstuvwxyz0123456789", div(n,36)+1), 0, n) end
for n <- [1, 3, 9, 17, 63*8+5, 64*8+1, 65*8+7, 97*8+1, 1021*8+3] do
  whole = div(n, 8); r = rem(n, 8)
  b = <<text.(whole)::binary, 0::size(r)>>
  dec = :erlang.binary_to_term(:erlang.term_to_binary(b))
  x = :rand.uniform(3)
  c = <<x::size(n)>>
  <<sub::bitstring-size(n), _::bitstring>> = text.(whole + 2)
  IO.puts("bits#{n}: append=#{:erts_debug.flat_size(b)} decoded=#{:erts_debug.flat_size(dec)} int_ctor=#{:erts_debug.flat_size(c)} match_sub=#{:erts_debug.flat_size(sub)}")
end
