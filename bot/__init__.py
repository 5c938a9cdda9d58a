"""Policy Q&A: parse a policy document into clauses, index them, retrieve and answer with citations."""
import faiss

# faiss and the e5 engine each bring an OpenMP runtime. With both thread pools on two
# cores they spin against each other and a 17 ms query embedding can take seconds;
# with OMP_WAIT_POLICY=PASSIVE it takes 35 ms instead. One search of a few thousand
# vectors gains nothing from threads, so faiss runs on one and the e5 engine keeps
# its pool (measured: ask p50 15 ms, p95 16 ms; README, "Benchmark").
faiss.omp_set_num_threads(1)
