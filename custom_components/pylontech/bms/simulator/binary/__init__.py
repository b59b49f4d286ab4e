"""The binary protocol side of the simulator: the stack, its answers and its scenarios."""
