# gnuplot reports/bench/sweep-20261202T045152Z.gp: writes sweep-20261202T045152Z.svg beside it
set terminal svg size 900,560 dynamic noenhanced
set output 'reports/bench/sweep-20261202T045152Z.svg'
set title 'spidx_bench --sweep 500 --seed 1 on NVIDIA H200: fused / floor per shape'
set logscale x
set xlabel 'bytes written (floor bytes)'
set ylabel 'fused time / floor'
set key outside right
set grid
plot for [path in 'list list_keep row_spans thread_rows 8-lane_rows warp_rows warp_rows_keep block_chunks block_chunks_keep none'] 'reports/bench/sweep-20261202T045152Z.dat' using 1:(strcol(6) eq path ? $2 : 1/0) title path with points pt 7 ps 0.5
