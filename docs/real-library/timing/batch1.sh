#!/bin/sh
cd /work/realzm/timing
./run.sh a1_herd20k_d250_50 3 --mode zen --targets 20000 --trigger nodedown --sub work --env demand_amount=250,demand_interval=50
./run.sh a2_herd20k_sweep500 3 --mode zen --targets 20000 --trigger nodedown --sub work --env batcher_sweep_interval=500,connector_sweep_interval=500
./run.sh a0_herd20k_default 3 --mode zen --targets 20000 --trigger nodedown --sub work
./run.sh b1_r3_20k_vanilla 3 --mode vanilla --targets 20000 --trigger nodedown --sub idle
./run.sh b2_r3_20k_zen 3 --mode zen --targets 20000 --trigger nodedown --sub idle
./run.sh c1_stress_chunk1000_sweep50 3 --mode zen --targets 100000 --trigger kill --kill 10000 --window 3000 --sub idle --env-a connector_sweep_interval=50,connector_chunk_size=1000,demand_interval=100,demand_amount=10,batcher_sweep_interval=100,batcher_chunk_size=10 --env-b batcher_sweep_interval=100,batcher_chunk_size=10
echo BATCH1 DONE
