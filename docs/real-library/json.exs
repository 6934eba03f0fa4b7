# The JSON encoder of the drivers that write plain maps (amp/amp.exs, pure/scale.exs).
defmodule J do
  def enc(nil), do: "null"
  def enc(true), do: "true"
  def enc(false), do: "false"
  def enc(x) when is_integer(x), do: Integer.to_string(x)
  def enc(x) when is_float(x), do: :erlang.float_to_binary(x, [:short])
  def enc(x) when is_atom(x), do: enc(Atom.to_string(x))
  def enc(x) when is_binary(x), do: "\"" <> String.replace(x, "\"", "\\\"") <> "\""
  def enc(l) when is_list(l), do: "[" <> Enum.map_join(l, ",", &enc/1) <> "]"
  def enc(m) when is_map(m), do: "{" <> Enum.map_join(Enum.sort(m), ",", fn {k, v} -> enc(to_string(k)) <> ":" <> enc(v) end) <> "}"
end
