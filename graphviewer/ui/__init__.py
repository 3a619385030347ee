"""The desktop window: docks, canvas, panels, and the worker bridge."""
