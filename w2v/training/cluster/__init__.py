"""Training on a Dask cluster: one replica of the weights per worker, merged every few words.
`engine.ClusterEngine` plugs into the training pipeline beside the one-process engine; the
other modules are its parts (settings, connection, counting, replicas, codec, merges, rounds)."""
