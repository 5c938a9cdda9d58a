"""Policy Q&A: parse a policy document into clauses, index them, retrieve and answer with citations."""
import os

# faiss and the e5 engine each bring an OpenMP runtime; with the default busy-wait
# policy their idle threads spin against each other on two cores and a 30 ms query
# embedding takes 1.7 s. Must be set before either library loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
