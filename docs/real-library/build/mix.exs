defmodule RealZM.MixProject do
  use Mix.Project
  def project, do: [app: :realzm, version: "0.1.0", elixir: "~> 1.14", deps: deps(), lockfile: "mix.lock"]
  def application, do: [extra_applications: [:logger]]
  defp deps do
    [
      {:zen_monitor, path: "../src/zen_monitor"},
      {:gen_stage, path: "../src/gen_stage"},
      {:gen_registry, path: "../src/gen_registry"},
      {:instruments, path: "../src/instruments"},
      {:recon, path: "../src/recon"},
      {:statix, path: "../src/statix"}
    ]
  end
end
