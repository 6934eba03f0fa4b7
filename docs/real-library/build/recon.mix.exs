defmodule Recon.MixProject do
  use Mix.Project
  def project, do: [app: :recon, version: "2.3.6", language: :erlang, deps: []]
  def application, do: []
end
