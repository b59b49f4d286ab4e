"""The console side of the simulator: a Pylontech console, its answers and its line discipline."""
