"""History, trends, anomalies, runtime scoring settings and the simulated demo history."""
