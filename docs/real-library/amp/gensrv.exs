# Does a collection that taking a big message sets off copy the message, in a GenServer and in a
# plain receive loop? A process on gs_a monitors a process on gs_b that exits with a 10,000-integer
# list; the subscriber takes the DOWN and drops it. process_info of the subscriber before the DOWN
# (after :erlang.garbage_collect/1) and 200 ms after it was handled.
# Usage: elixir --name gs_a@127.0.0.1 --cookie gs --erl "-kernel inet_dist_use_interface {127,0,0,1}" gensrv.exs
b = :"gs_b@127.0.0.1"
{:ok, peer, ^b} = :peer.start_link(%{name: :gs_b, host: ~c"127.0.0.1", longnames: true,
  args: [~c"-kernel", ~c"inet_dist_use_interface", ~c"{127,0,0,1}", ~c"-connect_all", ~c"false", ~c"-setcookie", ~c"gs"]})
Process.unlink(peer)
info = fn p -> Map.new(Process.info(p, [:memory, :heap_size, :total_heap_size, :message_queue_len])) end
me = self()

defmodule Sub do
  use GenServer
  def init({target, me}) do
    ref = Process.monitor(target)
    {:ok, %{ref: ref, me: me, downs: 0}}
  end
  def handle_info({:DOWN, _, _, _, _}, s) do
    send(s.me, :handled)
    {:noreply, %{s | downs: s.downs + 1}}
  end
end

{:module, GsRemote, remote_bin, _} =
  defmodule GsRemote do
    def spawn_target do
      spawn(fn ->
        r = :lists.seq(1, 10_000)
        receive do
          :crash -> exit(r)
        end
      end)
    end
  end
{:module, GsRemote} = :erpc.call(b, :code, :load_binary, [GsRemote, ~c"gs_remote.ex", remote_bin])
target = fn -> :erpc.call(b, GsRemote, :spawn_target, []) end

run = fn kind ->
  t = target.()
  sub =
    case kind do
      :genserver ->
        {:ok, p} = GenServer.start(Sub, {t, me})
        p
      :plain_keeps_ref ->
        spawn(fn ->
          ref = Process.monitor(t)
          receive do
            {:DOWN, ^ref, _, _, _} -> send(me, :handled)
          end
          receive do: (:never -> ref)
        end)
      :plain ->
        spawn(fn ->
          Process.monitor(t)
          receive do
            {:DOWN, _, _, _, _} -> send(me, :handled)
          end
          receive do: (:never -> :ok)
        end)
    end
  Process.sleep(200)
  :erlang.garbage_collect(sub)
  Process.sleep(100)
  before = info.(sub)
  send(t, :crash)
  receive do
    :handled -> :ok
  after 5000 -> raise "no DOWN"
  end
  Process.sleep(200)
  after_ = info.(sub)
  IO.puts("#{kind}: before #{inspect(before)}\n  after #{inspect(after_)}")
end

for k <- [:genserver, :plain_keeps_ref, :plain], _ <- 1..2, do: run.(k)
