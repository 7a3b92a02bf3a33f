"""Logs and metrics shared by every process: request ids, JSON log lines, and metric events (stdlib only)."""
